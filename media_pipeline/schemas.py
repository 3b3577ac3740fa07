from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field, field_validator

from media_pipeline.models import MediaAsset


class RenditionOut(Schema):
    profile: str
    label: str
    size_bytes: int
    size_mb: float
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    bitrate: int | None = None
    mb_per_hour: float | None = None
    budget_mb_per_hour: float | None = None
    download_url: str


class AssetOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    status_label: str
    progress: int
    eta_seconds: int | None = None
    queue_position: int | None = None
    error_message: str = ""
    error_detail: str = ""
    original_filename: str
    original_size: int
    original_download_url: str
    sha256: str
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    video_codec: str = ""
    audio_codec: str = ""
    bitrate: int | None = None
    attempts: int
    created_at: datetime
    finished_at: datetime | None = None
    duplicate: bool = Field(
        False, description="true: el mismo contenido ya existía y se devolvió ese material."
    )
    renditions: list[RenditionOut]


class AssetListOut(Schema):
    items: list[AssetOut]


class UploadStartIn(Schema):
    title: str = Field(..., min_length=1, max_length=255)
    filename: str = Field(..., min_length=1, max_length=255)
    size: int = Field(..., gt=0, description="Tamaño total del archivo en bytes.")
    kind: str | None = Field(None, description="video, audio o document (opcional).")
    sha256: str | None = Field(
        None,
        description=(
            "Huella SHA-256 del archivo (opcional). Si ya existe un material con ese contenido "
            "se devuelve ese material (200) y no hace falta subir nada."
        ),
    )

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value and value not in MediaAsset.Kind.values:
            raise ValueError("El tipo debe ser video, audio o document.")
        return value or None

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError("La huella SHA-256 debe tener 64 caracteres hexadecimales.")
        return value


class UploadOut(Schema):
    id: UUID
    upload_url: str
    title: str
    filename: str
    size: int
    offset: int = Field(..., description="Bytes recibidos: el próximo fragmento empieza aquí.")
    status: str
    chunk_max_bytes: int
    asset: AssetOut | None = None
