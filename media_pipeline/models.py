import uuid

from django.conf import settings
from django.db import models


class MediaAsset(models.Model):
    """An uploaded original (kept forever, never modified) and what the pipeline made of it."""

    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"
        DOCUMENT = "document", "Documento"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Subido"
        PROBING = "probing", "Analizando"
        QUEUED = "queued", "En cola"
        TRANSCODING = "transcoding", "Procesando"
        READY = "ready", "Listo"
        FAILED = "failed", "Falló"

    title = models.CharField("título", max_length=255)
    original = models.FileField("original", upload_to="media/originals/%Y/%m/", max_length=500)
    original_filename = models.CharField("nombre del archivo", max_length=255, blank=True)
    original_size = models.BigIntegerField("tamaño del original (bytes)", default=0)
    sha256 = models.CharField(max_length=64, unique=True)
    kind = models.CharField("tipo", max_length=10, choices=Kind.choices, default=Kind.VIDEO)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="subido por",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="media_assets",
    )
    created_at = models.DateTimeField("subido", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # what probing found
    duration_seconds = models.FloatField("duración (s)", null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    frame_rate = models.FloatField(null=True, blank=True)
    video_codec = models.CharField(max_length=50, blank=True)
    audio_codec = models.CharField(max_length=50, blank=True)
    bitrate = models.PositiveIntegerField("tasa de bits (bit/s)", null=True, blank=True)

    # the job
    status = models.CharField(
        "estado", max_length=12, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    progress = models.PositiveSmallIntegerField("avance (%)", default=0)
    eta_seconds = models.PositiveIntegerField("tiempo restante (s)", null=True, blank=True)
    queue_position = models.PositiveIntegerField("posición en la cola", null=True, blank=True)
    error_message = models.TextField(
        "error", blank=True, help_text="Para las personas, en español."
    )
    error_detail = models.TextField(
        "detalle técnico", blank=True, help_text="Final de la salida de ffmpeg."
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField("en cola desde", null=True, blank=True, db_index=True)
    # Which run owns the job now: a run that finds another live token steps aside, and a
    # run that lost its token (the sweeper gave the job to another) does not write results.
    job_token = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = "material audiovisual"
        verbose_name_plural = "materiales audiovisuales"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="media_asset_progress_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)


class Rendition(models.Model):
    """One output of the ladder for an asset (one per profile)."""

    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="renditions")
    profile = models.CharField("perfil", max_length=20)
    file = models.FileField(upload_to="media/renditions/%Y/%m/", max_length=500)
    size_bytes = models.BigIntegerField("tamaño (bytes)")
    bitrate = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    mime_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "versión"
        verbose_name_plural = "versiones"
        constraints = [
            models.UniqueConstraint(fields=["asset", "profile"], name="rendition_unique_profile")
        ]

    def __str__(self) -> str:
        return f"{self.asset} · {self.profile}"

    @property
    def size_mb(self) -> float:
        return self.size_bytes / 1_000_000


class UploadSession(models.Model):
    """A resumable upload in progress: chunks arrive in order (Content-Range), each stored as its
    own object through the storage API, so a dropped connection loses at most one chunk and any
    web process can take the next one. On the last byte the chunks become one original."""

    class Status(models.TextChoices):
        OPEN = "open", "Abierta"
        COMPLETE = "complete", "Completa"
        CANCELLED = "cancelled", "Cancelada"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField("título", max_length=255)
    filename = models.CharField("nombre del archivo", max_length=255)
    size = models.BigIntegerField("tamaño total (bytes)")
    offset = models.BigIntegerField("bytes recibidos", default=0)
    kind = models.CharField(max_length=10, choices=MediaAsset.Kind.choices, blank=True)
    parts = models.JSONField(default=list, help_text="[[inicio, longitud, nombre], ...]")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="media_upload_sessions",
    )
    asset = models.ForeignKey(
        MediaAsset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "subida por partes"
        verbose_name_plural = "subidas por partes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__lte=models.F("size")), name="upload_offset_within_size"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.offset}/{self.size})"
