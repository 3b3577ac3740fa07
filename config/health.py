"""GET /healthz: 200 when every runtime part is fine, 503 when one is not.

Anyone may ask, so an anonymous caller only learns "ok" or "fallo": the details (database vendor,
broker, worker heartbeat age and host, storage backend, ffmpeg paths) help an attacker, and are
only for staff or for a monitor sending the operators' token (HEALTHZ_TOKEN) in X-Health-Token."""

import hmac
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from core.models import WorkerHeartbeat
from media_pipeline.binaries import ffmpeg_binaries, ffmpeg_version


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def _broker() -> dict:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
        transport = conn.transport_cls
    return {"ok": True, "transport": str(transport)}


def _worker() -> dict:
    beat = WorkerHeartbeat.objects.filter(name="worker").first()
    if beat is None:
        return {"ok": False, "error": "El worker aún no ha enviado ningún latido."}
    age = (timezone.now() - beat.beat_at).total_seconds()
    fresh = age <= settings.WORKER_HEARTBEAT_STALE_SECONDS
    result = {"ok": fresh, "last_heartbeat_age_seconds": round(age, 1), "hostname": beat.hostname}
    if not fresh:
        result["error"] = f"El último latido del worker tiene {int(age)} s."
    return result


def _storage() -> dict:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            ok = handle.read() == b"ok"
    finally:
        default_storage.delete(name)
    return {"ok": ok, "backend": type(default_storage).__name__}


def _ffmpeg() -> dict:
    binaries = ffmpeg_binaries()
    return {
        "ok": True,
        "version": ffmpeg_version(),
        "binary": binaries.ffmpeg,
        "ffprobe": binaries.ffprobe,
        "source": binaries.source,
    }


CHECKS = {
    "database": _database,
    "broker": _broker,
    "worker": _worker,
    "storage": _storage,
    "ffmpeg": _ffmpeg,
}


def _sees_details(request) -> bool:
    expected = settings.HEALTHZ_TOKEN
    given = request.headers.get("X-Health-Token", "")
    # as bytes: compare_digest refuses str with characters outside ASCII
    if expected and hmac.compare_digest(given.encode(), expected.encode()):
        return True
    try:
        user = request.user  # the session is read from the database, which may be the part down
        return user.is_authenticated and user.is_active and user.is_staff
    except DatabaseError:
        return False


@never_cache
@require_GET
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - a failing part must be reported, not raised
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    failing = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "ok" if not failing else "fallo"}
    if _sees_details(request):
        body.update(failing=failing, checks=results)
    return JsonResponse(body, status=200 if not failing else 503)
