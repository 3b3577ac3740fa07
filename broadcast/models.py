"""Channels, recurring slot rules, materialised airings, episodes and their planning.

Times: a SlotRule's start time is Lima wall clock (its channel's time zone); an Airing stores
UTC instants. Expansion happens in the channel's zone, so 21:00 stays 21:00 whatever the UTC
offset of that date (Peru had DST between 1986 and 1994)."""

import secrets
import uuid
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

WEEKDAY_NAMES = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
WEEKDAY_CHOICES = [(str(i), name.capitalize()) for i, name in enumerate(WEEKDAY_NAMES)]

weekdays_validator = RegexValidator(
    r"^[0-6](,[0-6])*$", "Indique los días como números del 0 (lunes) al 6 (domingo)."
)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("Zona horaria desconocida (ejemplo: America/Lima).") from exc


class Channel(models.Model):
    name = models.CharField("nombre", max_length=80)
    number = models.PositiveSmallIntegerField("número", unique=True)
    slug = models.SlugField("identificador", unique=True, help_text="Por ejemplo canal-7.")
    xmltv_id = models.CharField(
        "identificador XMLTV", max_length=80, unique=True, help_text="Por ejemplo tvnorte7.pe."
    )
    time_zone = models.CharField(
        "zona horaria", max_length=60, default="America/Lima", validators=[validate_time_zone]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "canal"
        verbose_name_plural = "canales"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def short_name(self) -> str:
        return f"Canal {self.number}"


class SlotRule(models.Model):
    """A weekly slot. A repeat names the premiere rule it re-airs and how many days before the
    repeat that premiere went out (Saturday 16:00 re-airs Wednesday's: 3 days back)."""

    class Kind(models.TextChoices):
        PREMIERE = "premiere", "Estreno"
        REPEAT = "repeat", "Repetición"

    channel = models.ForeignKey(
        Channel, verbose_name="canal", on_delete=models.CASCADE, related_name="rules"
    )
    name = models.CharField("nombre", max_length=120, blank=True)
    weekdays = models.CharField(
        "días de la semana",
        max_length=13,
        validators=[weekdays_validator],
        help_text="0 = lunes … 6 = domingo, separados por comas.",
    )
    start_time = models.TimeField("hora de inicio (hora de Lima)")
    duration_minutes = models.PositiveSmallIntegerField(
        "duración (minutos)", default=60, validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    valid_from = models.DateField("vigente desde")
    valid_until = models.DateField("vigente hasta", null=True, blank=True)
    kind = models.CharField("tipo", max_length=10, choices=Kind.choices, default=Kind.PREMIERE)
    repeats_rule = models.ForeignKey(
        "self",
        verbose_name="repite el estreno de",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeat_rules",
        limit_choices_to={"kind": "premiere"},
    )
    repeats_days_back = models.PositiveSmallIntegerField(
        "días desde el estreno",
        null=True,
        blank=True,
        validators=[MaxValueValidator(27)],
        help_text="Cuántos días antes de esta repetición se emitió el estreno (1 = la víspera).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "regla de horario"
        verbose_name_plural = "reglas de horario"
        ordering = ["channel__number", "kind", "start_time"]
        constraints = [
            models.CheckConstraint(
                name="slot_rule_repeat_has_premiere",
                condition=(
                    models.Q(
                        kind="premiere", repeats_rule__isnull=True, repeats_days_back__isnull=True
                    )
                    | models.Q(
                        kind="repeat", repeats_rule__isnull=False, repeats_days_back__isnull=False
                    )
                ),
            ),
            models.CheckConstraint(
                name="slot_rule_valid_range",
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        days = ", ".join(WEEKDAY_NAMES[d] for d in self.weekday_list)
        label = self.name or f"{self.get_kind_display()} {days}"
        return f"{self.channel} · {label} {self.start_time:%H:%M}"

    @property
    def weekday_list(self) -> list[int]:
        return sorted({int(d) for d in self.weekdays.split(",") if d != ""})

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def clean(self) -> None:
        if self.kind == self.Kind.REPEAT:
            if self.repeats_rule_id is None or self.repeats_days_back is None:
                raise ValidationError(
                    "Una repetición debe indicar qué estreno repite y cuántos días antes se emitió."
                )
            premiere_days = set(self.repeats_rule.weekday_list)
            for day in self.weekday_list:
                if (day - self.repeats_days_back) % 7 not in premiere_days:
                    raise ValidationError(
                        f"El {WEEKDAY_NAMES[day]} menos {self.repeats_days_back} días no es un "
                        f"día de estreno de «{self.repeats_rule}»."
                    )
        else:
            self.repeats_rule = None
            self.repeats_days_back = None


class Episode(models.Model):
    """A lesson on air. Its number and title live on the lesson page; never copied here."""

    class State(models.TextChoices):
        IDEA = "idea", "Idea"
        SCRIPT = "guion", "Guion"
        RECORDED = "grabado", "Grabado"
        APPROVED = "aprobado", "Aprobado"
        AIRED = "emitido", "Emitido"

    lesson = models.ForeignKey(
        "lms.LessonPage",
        verbose_name="lección",
        on_delete=models.PROTECT,
        related_name="episodes",
        # the message of the one-per-lesson constraint (Django's default reads badly in Spanish)
        error_messages={"unique": "Esta lección ya tiene un episodio."},
    )
    presenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="conductoras",
        blank=True,
        related_name="broadcast_episodes",
    )
    state = models.CharField(
        "estado", max_length=10, choices=State.choices, default=State.IDEA, db_index=True
    )
    script = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="guion (documento)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recording = models.ForeignKey(
        "media_pipeline.MediaAsset",
        verbose_name="grabación",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="broadcast_episodes",
    )
    notes = models.TextField("notas", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "episodio"
        verbose_name_plural = "episodios"
        ordering = ["lesson__episode_number"]
        constraints = [models.UniqueConstraint(fields=["lesson"], name="episode_one_per_lesson")]
        permissions = [("plan_own_episodes", "Puede planificar sus propios episodios")]

    def __str__(self) -> str:
        return f"Episodio {self.lesson.episode_number}: {self.lesson.title}"

    @property
    def state_index(self) -> int:
        return list(self.State.values).index(self.state)


class CourseBroadcastSettings(models.Model):
    """Deadline offsets of one course, counted back from an episode's first air date."""

    course = models.OneToOneField(
        "lms.CoursePage",
        verbose_name="curso",
        on_delete=models.CASCADE,
        related_name="broadcast_settings",
    )
    script_days_before = models.PositiveSmallIntegerField("guion (días antes)", default=7)
    recording_days_before = models.PositiveSmallIntegerField("grabación (días antes)", default=3)
    approval_days_before = models.PositiveSmallIntegerField("aprobación (días antes)", default=1)

    class Meta:
        verbose_name = "plazos de emisión del curso"
        verbose_name_plural = "plazos de emisión de los cursos"

    def __str__(self) -> str:
        return f"Plazos · {self.course}"


def new_airing_uid() -> str:
    return f"{uuid.uuid4()}@pasoapaso"


class Airing(models.Model):
    """One materialised occurrence. `uid` never changes; `sequence` rises whenever its time or
    status changes, so subscribed calendars update the event in place."""

    class Kind(models.TextChoices):
        PREMIERE = "premiere", "Estreno"
        REPEAT = "repeat", "Repetición"

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Programada"
        MOVED = "moved", "Reprogramada"
        CANCELLED = "cancelled", "Cancelada"
        AIRED = "aired", "Emitida"

    channel = models.ForeignKey(
        Channel, verbose_name="canal", on_delete=models.CASCADE, related_name="airings"
    )
    rule = models.ForeignKey(
        SlotRule,
        verbose_name="regla",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="airings",
    )
    occurrence_date = models.DateField(
        "fecha de la regla", help_text="Fecha (hora de Lima) que la regla generó; no cambia."
    )
    starts_at = models.DateTimeField("inicio", db_index=True)
    ends_at = models.DateTimeField("fin")
    kind = models.CharField("tipo", max_length=10, choices=Kind.choices)
    premiere = models.ForeignKey(
        "self",
        verbose_name="estreno",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    episode = models.ForeignKey(
        Episode,
        verbose_name="episodio",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="airings",
    )
    state = models.CharField(
        "estado", max_length=10, choices=State.choices, default=State.SCHEDULED
    )
    # Set when a person moved or cancelled this one airing: regeneration leaves it alone.
    locked = models.BooleanField("cambio manual", default=False)
    uid = models.CharField("UID", max_length=80, unique=True, default=new_airing_uid)
    sequence = models.PositiveIntegerField("secuencia", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "emisión"
        verbose_name_plural = "emisiones"
        ordering = ["starts_at", "channel__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "occurrence_date"],
                condition=models.Q(rule__isnull=False),
                name="airing_one_per_rule_date",
            ),
            models.CheckConstraint(
                name="airing_ends_after_start",
                condition=models.Q(ends_at__gt=models.F("starts_at")),
            ),
        ]
        indexes = [models.Index(fields=["channel", "starts_at"])]

    def __str__(self) -> str:
        local = self.starts_at.astimezone(self.channel.tz)
        end = self.ends_at.astimezone(self.channel.tz)
        day = WEEKDAY_NAMES[local.weekday()]
        return (
            f"{self.channel} — {day} {local:%d/%m/%Y %H:%M}–{end:%H:%M} ({self.get_kind_display()})"
        )

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED


class ScheduleException(models.Model):
    """A holiday or pre-emption (cancels every airing of a day, on one channel or all) or a
    person's change of a single airing (moved or cancelled), always with who and why."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "Feriado o suspensión (cancela el día)"
        CANCEL = "cancel", "Cancelación de una emisión"
        MOVE = "move", "Cambio de horario de una emisión"

    kind = models.CharField("tipo", max_length=10, choices=Kind.choices)
    channel = models.ForeignKey(
        Channel,
        verbose_name="canal",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Vacío: todos los canales.",
    )
    date = models.DateField("fecha (hora de Lima)", null=True, blank=True)
    airing = models.ForeignKey(
        Airing,
        verbose_name="emisión",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exceptions",
    )
    new_starts_at = models.DateTimeField("nuevo inicio", null=True, blank=True)
    previous_starts_at = models.DateTimeField("inicio anterior", null=True, blank=True)
    reason = models.CharField("motivo", max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="registrado por",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("registrado", auto_now_add=True)

    class Meta:
        verbose_name = "excepción de programación"
        verbose_name_plural = "excepciones de programación"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="schedule_exception_shape",
                condition=models.Q(kind="holiday", date__isnull=False)
                | models.Q(kind="cancel", airing__isnull=False)
                | models.Q(kind="move", airing__isnull=False, new_starts_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        target = self.date.strftime("%d/%m/%Y") if self.date else str(self.airing)
        return f"{self.get_kind_display()} · {target} · {self.reason}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class PresenterCalendar(models.Model):
    """The secret behind a presenter's private feed URL; renewing it replaces the token, so an
    old link shared by mistake stops working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="broadcast_calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    renewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "calendario privado"
        verbose_name_plural = "calendarios privados"

    def __str__(self) -> str:
        return f"Calendario de {self.user}"
