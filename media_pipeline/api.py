"""The media API (mounted at /api/v1/media). Staff roles only: presenters, TV staff, coaches,
validators and superusers."""

from dataclasses import asdict
from uuid import UUID

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import ValidationError as PydanticValidationError

from core.accounts import API_AUTH
from core.errors import (
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
    validation_errors_to_contract,
)
from core.schemas import Error
from media_pipeline import selectors, services
from media_pipeline.models import MediaAsset, UploadSession
from media_pipeline.permissions import user_can_manage_media
from media_pipeline.schemas import AssetListOut, AssetOut, UploadOut, UploadStartIn

router = Router(tags=["Material audiovisual"], auth=API_AUTH)

UPLOAD_PROTOCOL = """
**Subida en un paso** (`multipart/form-data`): campos `file` (el archivo) y `title`
(opcional `kind`: video, audio o document). Responde 201 con el material, o 200 con el material
ya existente si el mismo contenido (misma huella SHA-256) ya fue subido: no se procesa dos veces.

**Subida reanudable** (para enlaces lentos o que se cortan), en tres pasos:

1. `POST /api/v1/media/assets` con JSON `{"title", "filename", "size", "kind"?, "sha256"?}` →
   201 con `{"id", "upload_url", "offset": 0, "chunk_max_bytes"}`. Si envía `sha256` y ese
   contenido ya existe, responde 200 con el material y no hace falta subir nada.
2. Envíe el archivo en orden, en fragmentos de hasta `chunk_max_bytes`:
   `PATCH {upload_url}` con el encabezado `Content-Range: bytes INICIO-FIN/TOTAL` (FIN incluido)
   y los bytes del fragmento como cuerpo (`application/octet-stream`). Responde 200 con el nuevo
   `offset`; el último fragmento responde 201 con `asset` (el material creado) o 200 si ya
   existía.
3. Si la conexión se corta, pida `GET {upload_url}` y continúe desde `offset`. Un fragmento que
   repite bytes ya recibidos se acepta (solo se guardan los nuevos); uno que empieza después de
   `offset` se rechaza con 409 y el encabezado `Upload-Offset` indica desde dónde seguir.

`DELETE {upload_url}` cancela la subida. Las subidas abandonadas se borran a las
`MEDIA_UPLOAD_SESSION_HOURS` horas. Un archivo mayor que el límite (4 GB por omisión) → 413.
"""


def _require_staff(request: HttpRequest):
    user = request.auth
    if not user_can_manage_media(user):
        raise PermissionDeniedError(
            "Solo el personal de TV, las conductoras, la coordinación y la validación pueden "
            "gestionar el material audiovisual."
        )
    return user


def _rendition_out(rendition: selectors.StaffRendition) -> dict:
    """The API rounds what the admin page formats: MB to 2 decimals, MB per hour to 1."""
    mb_per_hour = rendition.mb_per_hour
    return {
        **asdict(rendition),
        "size_mb": round(rendition.size_mb, 2),
        "mb_per_hour": round(mb_per_hour, 1) if mb_per_hour is not None else None,
    }


def asset_out(asset: MediaAsset, *, duplicate: bool = False) -> dict:
    return {
        "id": asset.pk,
        "title": asset.title,
        "kind": asset.kind,
        "status": asset.status,
        "status_label": asset.get_status_display(),
        "progress": asset.progress,
        "eta_seconds": asset.eta_seconds,
        "queue_position": selectors.asset_queue_position(asset=asset),
        "error_message": asset.error_message,
        "error_detail": asset.error_detail,
        "original_filename": asset.original_filename,
        "original_size": asset.original_size,
        "original_download_url": selectors.staff_download_url(asset=asset, profile="original"),
        "sha256": asset.sha256,
        "duration_seconds": asset.duration_seconds,
        "width": asset.width,
        "height": asset.height,
        "frame_rate": asset.frame_rate,
        "video_codec": asset.video_codec,
        "audio_codec": asset.audio_codec,
        "bitrate": asset.bitrate,
        "attempts": asset.attempts,
        "created_at": asset.created_at,
        "finished_at": asset.finished_at,
        "duplicate": duplicate,
        "renditions": [_rendition_out(r) for r in selectors.asset_renditions(asset=asset)],
    }


def upload_out(session: UploadSession) -> dict:
    asset = None
    if session.asset_id:
        asset = asset_out(
            selectors.asset_get(asset_id=session.asset_id),
            duplicate=getattr(session, "deduplicated", False),
        )
    return {
        "id": session.pk,
        "upload_url": reverse("api:media_upload", args=[session.pk]),
        "title": session.title,
        "filename": session.filename,
        "size": session.size,
        "offset": session.offset,
        "status": session.status,
        "chunk_max_bytes": settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES,
        "asset": asset,
    }


class AssetFilters(Schema):
    ids: str | None = None
    status: str | None = None


@router.get(
    "/assets", response={200: AssetListOut, 401: Error, 403: Error}, url_name="media_assets"
)
def list_assets(request, filters: Query[AssetFilters]):
    """Los materiales más recientes (hasta 100). `ids=1,2,3` pide esos; `status` filtra."""
    _require_staff(request)
    ids = None
    if filters.ids:
        try:
            ids = [int(part) for part in filters.ids.split(",") if part.strip()][:200]
        except ValueError as exc:
            raise ValidationFailed(
                errors=[
                    {
                        "field": "ids",
                        "message": "Debe ser una lista de números separados por comas.",
                    }
                ]
            ) from exc
    assets = selectors.asset_list(ids=ids, status=filters.status)[:100]
    return Status(200, {"items": [asset_out(a) for a in assets]})


@router.post(
    "/assets",
    response={
        200: AssetOut,
        201: AssetOut | UploadOut,
        400: Error,
        401: Error,
        403: Error,
        413: Error,
        422: Error,
    },
    summary="Subir un material o empezar una subida reanudable",
    description=UPLOAD_PROTOCOL,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "title": {"type": "string"},
                            "kind": {"type": "string", "enum": ["video", "audio", "document"]},
                        },
                    }
                },
                "application/json": {"schema": {"$ref": "#/components/schemas/UploadStartIn"}},
            },
        }
    },
)
def create_asset(request):
    user = _require_staff(request)
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        # Refuse before Django reads a body that is too large.
        services.check_upload_size(declared - 64 * 1024 if declared > 64 * 1024 else 0)
        upload: UploadedFile | None = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(errors=[{"field": "file", "message": "Adjunte el archivo."}])
        services.check_upload_size(upload.size)
        kind = request.POST.get("kind") or None
        if kind and kind not in MediaAsset.Kind.values:
            raise ValidationFailed(
                errors=[{"field": "kind", "message": "El tipo debe ser video, audio o document."}]
            )
        asset = services.asset_create_from_upload(
            file=upload, title=request.POST.get("title", ""), uploaded_by=user, kind=kind
        )
        duplicate = getattr(asset, "deduplicated", False)
        asset = selectors.asset_get(asset_id=asset.pk)
        return Status(200 if duplicate else 201, asset_out(asset, duplicate=duplicate))
    try:
        payload = UploadStartIn.model_validate_json(request.body or b"{}")
    except PydanticValidationError as exc:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            raise ValidationFailed(
                "El cuerpo de la solicitud no es JSON válido.", code="invalid_json", status=400
            ) from exc
        raise ValidationFailed(
            errors=validation_errors_to_contract(
                [{**e, "loc": ("body", *e["loc"])} for e in errors]
            )
        ) from exc
    if payload.sha256:
        existing = selectors.asset_find_by_sha256(sha256=payload.sha256)
        if existing is not None:
            return Status(200, asset_out(existing, duplicate=True))
    session = services.upload_start(
        title=payload.title,
        filename=payload.filename,
        size=payload.size,
        uploaded_by=user,
        kind=payload.kind,
    )
    return Status(201, upload_out(session))


def _session_or_404(request, upload_id: UUID) -> UploadSession:
    session = selectors.upload_session_get(session_id=upload_id, user=request.auth)
    if session is None:
        raise NotFoundError("No se encontró esa subida.")
    return session


@router.get(
    "/uploads/{upload_id}",
    response={200: UploadOut, 401: Error, 403: Error, 404: Error},
    url_name="media_upload",
    summary="Estado de una subida reanudable (desde qué byte continuar)",
)
def get_upload(request, upload_id: UUID):
    _require_staff(request)
    return Status(200, upload_out(_session_or_404(request, upload_id)))


@router.patch(
    "/uploads/{upload_id}",
    response={
        200: UploadOut,
        201: UploadOut,
        401: Error,
        403: Error,
        404: Error,
        409: Error,
        413: Error,
        422: Error,
    },
    summary="Enviar un fragmento (Content-Range: bytes INICIO-FIN/TOTAL)",
    description=UPLOAD_PROTOCOL,
    openapi_extra={
        "parameters": [
            {
                "name": "Content-Range",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "example": "bytes 0-1048575/5242880"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        },
    },
)
def put_chunk(request, upload_id: UUID):
    _require_staff(request)
    session = _session_or_404(request, upload_id)
    first, last, total = services.parse_content_range(request.headers.get("Content-Range"))
    was_complete = session.status == UploadSession.Status.COMPLETE
    session = services.upload_append(
        session=session, first=first, last=last, total=total, stream=request
    )
    finished_now = session.status == UploadSession.Status.COMPLETE and not was_complete
    code = 201 if finished_now and not getattr(session, "deduplicated", False) else 200
    return Status(code, upload_out(session))


@router.delete(
    "/uploads/{upload_id}",
    response={204: None, 401: Error, 403: Error, 404: Error},
    summary="Cancelar una subida reanudable",
)
def cancel_upload(request, upload_id: UUID):
    _require_staff(request)
    services.upload_cancel(session=_session_or_404(request, upload_id))
    return Status(204, None)


@router.get("/assets/{asset_id}", response={200: AssetOut, 401: Error, 403: Error, 404: Error})
def get_asset(request, asset_id: int):
    """Estado, avance (0–100), tiempo restante estimado, posición en la cola, error y versiones
    con su tamaño y su URL de descarga."""
    _require_staff(request)
    asset = selectors.asset_get(asset_id=asset_id)
    if asset is None:
        raise NotFoundError("No se encontró ese material.")
    return Status(200, asset_out(asset))


@router.post(
    "/assets/{asset_id}/retry",
    response={202: AssetOut, 401: Error, 403: Error, 404: Error, 409: Error},
    summary="Reintentar el procesamiento de un material que falló",
)
def retry_asset(request, asset_id: int):
    user = _require_staff(request)
    asset = selectors.asset_get(asset_id=asset_id)
    if asset is None:
        raise NotFoundError("No se encontró ese material.")
    services.asset_retry(asset=asset, by=user)
    return Status(202, asset_out(selectors.asset_get(asset_id=asset_id)))
