"""When the database, the cache or the broker cannot be reached, the site says so: a 503 with a
Retry-After, in Spanish, never the 500 page. The API answers in the error contract; site pages
get a plain page that needs neither templates nor the database (both may be what is down)."""

import sys

import kombu.exceptions
import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

# The shared cache (Redis) refused, dropped or timed out a call: what core.cache's helpers
# serve without, and what core.throttling counts in the database through.
CACHE_UNREACHABLE: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# A connection refused, dropped or timed out. OperationalError also covers "database is
# locked" and a server shutting down: all of them pass, so "try again" is the right answer.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    *CACHE_UNREACHABLE,
    kombu.exceptions.OperationalError,
)
RETRY_AFTER_SECONDS = 30
OUTAGE_BODY = {
    "detail": "El servicio no está disponible en este momento. Intente de nuevo en unos minutos.",
    "code": "service_unavailable",
}
OUTAGE_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Servicio no disponible · Paso a Paso</title></head>
<body><main><h1>Servicio no disponible por un momento</h1>
<p>No pudimos atender su pedido porque uno de nuestros servicios no responde.
No se perdió nada de lo que ya guardó. Vuelva a intentarlo en unos minutos.</p>
</main></body></html>
"""


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_json(status: int = 503) -> JsonResponse:
    response = JsonResponse(OUTAGE_BODY, status=status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def outage_page() -> HttpResponse:
    response = HttpResponse(OUTAGE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while the exception is being handled, so sys.exc_info()
    tells an outage (503) from a bug (500). It also catches what a middleware raised, e.g. the
    session middleware saving to a cache that is down."""
    exc = sys.exc_info()[1]
    if is_outage(exc):
        if request.path.startswith("/api/"):
            return outage_json()
        return outage_page()
    return defaults.server_error(request)
