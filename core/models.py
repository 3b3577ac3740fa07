from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A bearer token for apps. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="platform_api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="Primeros caracteres, para reconocerlo.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "token de API"
        verbose_name_plural = "tokens de API"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


class WorkerHeartbeat(models.Model):
    """Written by a periodic task on the worker; /healthz reports the age of the newest one."""

    name = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = "latido del worker"
        verbose_name_plural = "latidos del worker"

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class RetentionRun(models.Model):
    """One run of the personal-data retention (manage.py anonimizar_datos or the weekly task):
    how many records of each kind it anonymised, so staff can tell what happened and when."""

    ran_at = models.DateTimeField("fecha", auto_now_add=True, db_index=True)
    dry_run = models.BooleanField("solo conteo", default=False)
    tramites_cutoff = models.DateTimeField("trámites cerrados antes de")
    students_cutoff = models.DateTimeField("estudiantes retirados antes de")
    submissions = models.PositiveIntegerField("trámites anonimizados", default=0)
    attachments = models.PositiveIntegerField("adjuntos borrados", default=0)
    students = models.PositiveIntegerField("estudiantes anonimizados", default=0)
    import_jobs = models.PositiveIntegerField("importaciones de estudiantes vaciadas", default=0)

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = "ejecución de la retención de datos"
        verbose_name_plural = "ejecuciones de la retención de datos"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return (
            f"{self.ran_at:%Y-%m-%d %H:%M} · {self.submissions} trámites, "
            f"{self.attachments} adjuntos, {self.students} estudiantes"
        )
