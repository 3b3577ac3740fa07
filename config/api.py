"""The one NinjaAPI, mounted at /api/v1/. Each app adds its Router here; one set of exception
handlers gives every error the contract of ARCHITECTURE.md, in Spanish."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.errors import Throttled as NinjaThrottled

from broadcast.api import router as broadcast_router
from core.api import router as auth_router
from core.errors import DomainError, validation_errors_to_contract
from core.outage import OUTAGE_BODY, OUTAGE_ERRORS, RETRY_AFTER_SECONDS
from lms.api import router as lms_router
from media_pipeline.api import router as media_router
from tramites_bridge.api import router as tramites_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Paso a Paso API",
    version="1",
    description=(
        "API de la plataforma Paso a Paso (Municipalidad Provincial de Cajamarca). "
        "Autenticación: token Bearer de `POST /api/v1/auth/token` o la sesión del sitio. "
        'Errores: `{"detail", "code", "errors"}` en español.'
    ),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": True}),
)


def _respond(request: HttpRequest, status: int, body: dict, headers: dict | None = None):
    response = api.create_response(request, body, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _respond(request, exc.status, exc.as_dict(), exc.headers)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = validation_errors_to_contract(exc.errors)
    if any(e.get("type") == "json_invalid" for e in exc.errors):
        return _respond(
            request,
            400,
            {"detail": "El cuerpo de la solicitud no es JSON válido.", "code": "invalid_json"},
        )
    return _respond(
        request,
        422,
        {"detail": "Revise los datos enviados.", "code": "validation_error", "errors": errors},
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _respond(
        request,
        401,
        {"detail": "Debe iniciar sesión o enviar un token válido.", "code": "not_authenticated"},
        {"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(AuthorizationError)
def on_authorization_error(request, exc):
    return _respond(
        request,
        403,
        {"detail": "No tiene permiso para realizar esta acción.", "code": "permission_denied"},
    )


@api.exception_handler(NinjaThrottled)
def on_throttled(request, exc):
    headers = {"Retry-After": str(int(exc.wait))} if getattr(exc, "wait", None) else None
    return _respond(
        request,
        429,
        {
            "detail": "Demasiadas solicitudes. Espere un momento e intente de nuevo.",
            "code": "throttled",
        },
        headers,
    )


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request, exc):
    # A number or text too large for its column (an id of 40 digits, found by the API fuzzer)
    # reaches the database as is: SQLite refuses to bind it (OverflowError) and PostgreSQL
    # answers "out of range" (DataError). Either way it is the client's bad input, not a 500.
    return _respond(
        request,
        422,
        {
            "detail": "Un valor enviado está fuera del rango admitido.",
            "code": "out_of_range",
        },
    )


def on_outage(request, exc):
    # The database, the cache or the broker is down or restarting: nothing the client sent
    # was wrong, and the same request will work once it is back. Logged with its traceback:
    # OperationalError also covers deadlocks and timeouts, which staff must be able to see.
    logger.warning("API %s %s: servicio no disponible", request.method, request.path, exc_info=exc)
    return _respond(request, 503, dict(OUTAGE_BODY), {"Retry-After": str(RETRY_AFTER_SECONDS)})


for _outage in OUTAGE_ERRORS:
    api.add_exception_handler(_outage, on_outage)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _respond(request, 404, {"detail": "No se encontró lo que busca.", "code": "not_found"})


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _respond(
        request,
        403,
        {"detail": "No tiene permiso para realizar esta acción.", "code": "permission_denied"},
    )


HTTP_ERROR_MESSAGES = {
    400: ("La solicitud no es válida.", "bad_request"),
    401: ("Debe iniciar sesión o enviar un token válido.", "not_authenticated"),
    403: ("No tiene permiso para realizar esta acción.", "permission_denied"),
    404: ("No se encontró lo que busca.", "not_found"),
    405: ("Método no permitido.", "method_not_allowed"),
    409: ("La operación entra en conflicto con el estado actual.", "conflict"),
    413: ("El archivo es demasiado grande.", "payload_too_large"),
    415: ("Tipo de contenido no admitido.", "unsupported_media_type"),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # ninja's own HttpErrors carry English text; ours are raised as DomainError instead.
    if exc.status_code == 400 and "parse" in str(exc).lower():
        detail, code = "El cuerpo de la solicitud no es válido.", "invalid_body"
    else:
        detail, code = HTTP_ERROR_MESSAGES.get(
            exc.status_code, ("La solicitud no es válida.", "bad_request")
        )
    return _respond(request, exc.status_code, {"detail": detail, "code": code})


def api_not_found(request):
    """Any other path under /api/ answers in the error contract, not with the site's HTML 404."""
    from django.http import JsonResponse

    return JsonResponse({"detail": "No se encontró lo que busca.", "code": "not_found"}, status=404)


api.add_router("/auth", auth_router)
api.add_router("/broadcast", broadcast_router)
api.add_router("/tramites", tramites_router)
api.add_router("/media", media_router)
api.add_router("/lms", lms_router)
