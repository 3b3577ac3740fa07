"""The TUPA catalogue, the working-days calendar, submissions, their timeline and the audit log."""

import re
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index

# The citizen's own data has fixed names in every form and in the API; a procedure's fields
# may not reuse them.
RESERVED_FIELD_NAMES = {
    "procedure",
    "dni",
    "nombres",
    "apellidos",
    "email",
    "telefono",
    "consentimiento",
    "token",
    "pagina",
    "csrfmiddlewaretoken",
}
FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Office(models.Model):
    """A municipal office that can hold a file (e.g. "Subgerencia de Licencias")."""

    name = models.CharField("nombre", max_length=150, unique=True)
    active = models.BooleanField("activa", default=True)

    panels = [FieldPanel("name"), FieldPanel("active")]

    class Meta:
        ordering = ["name"]
        verbose_name = "oficina"
        verbose_name_plural = "oficinas"

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A non-working day besides weekends (Peru's national holidays, plus any the municipality
    declares). Due dates skip these."""

    date = models.DateField("fecha", unique=True)
    name = models.CharField("motivo", max_length=150)

    panels = [FieldPanel("date"), FieldPanel("name")]

    class Meta:
        ordering = ["date"]
        verbose_name = "feriado"
        verbose_name_plural = "feriados"

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} · {self.name}"


class Procedure(index.Indexed, ClusterableModel):
    """A procedure of the TUPA, with the form a citizen fills to start it."""

    class Silence(models.TextChoices):
        POSITIVE = "positivo", "Silencio administrativo positivo"
        NEGATIVE = "negativo", "Silencio administrativo negativo"

    tupa_code = models.CharField(
        "código TUPA",
        max_length=20,
        unique=True,
        help_text="Como figura en el TUPA, p. ej. «LF-01». Letras, números y guiones.",
        validators=[],
    )
    name = models.CharField("nombre", max_length=200)
    description = models.TextField("descripción", blank=True)
    requirements = models.TextField(
        "requisitos", blank=True, help_text="Un requisito por línea, en el orden del TUPA."
    )
    fee = models.DecimalField(
        "derecho de trámite (S/.)",
        max_digits=9,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    deadline_days = models.PositiveSmallIntegerField(
        "plazo (días hábiles)", default=15, validators=[MinValueValidator(1)]
    )
    office = models.ForeignKey(
        Office,
        verbose_name="oficina responsable",
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    silence_rule = models.CharField(
        "calificación", max_length=10, choices=Silence.choices, default=Silence.POSITIVE
    )
    active = models.BooleanField(
        "activo", default=True, help_text="Solo los procedimientos activos reciben solicitudes."
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("tupa_code"), FieldPanel("name"), FieldPanel("description")],
            heading="Procedimiento",
        ),
        MultiFieldPanel(
            [
                FieldPanel("requirements"),
                FieldPanel("fee"),
                FieldPanel("deadline_days"),
                FieldPanel("office"),
                FieldPanel("silence_rule"),
                FieldPanel("active"),
            ],
            heading="Según el TUPA",
        ),
        InlinePanel("fields", heading="Campos del formulario", label="campo"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("tupa_code"),
        index.AutocompleteField("name"),
        index.FilterField("active"),
    ]

    class Meta:
        ordering = ["tupa_code"]
        verbose_name = "procedimiento TUPA"
        verbose_name_plural = "procedimientos TUPA"

    def __str__(self) -> str:
        return f"{self.tupa_code} · {self.name}"

    def clean(self) -> None:
        self.tupa_code = (self.tupa_code or "").strip().upper()
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{0,19}", self.tupa_code):
            raise ValidationError(
                {"tupa_code": "Use solo letras, números y guiones (p. ej. «LF-01»)."}
            )

    @property
    def requirement_list(self) -> list[str]:
        return [line.strip() for line in self.requirements.splitlines() if line.strip()]


class ProcedureField(Orderable):
    """One field of a procedure's form, in the order the editor gave."""

    class Kind(models.TextChoices):
        TEXT = "text", "Texto corto"
        LONG_TEXT = "long_text", "Texto largo"
        DNI = "dni", "DNI"
        RUC = "ruc", "RUC"
        EMAIL = "email", "Correo electrónico"
        PHONE = "phone", "Teléfono"
        DATE = "date", "Fecha"
        CHOICE = "choice", "Lista de opciones"
        FILE = "file", "Archivo (PDF, JPG o PNG)"

    procedure = ParentalKey(Procedure, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(
        "nombre interno",
        max_length=40,
        help_text="Minúsculas, números y guion bajo, p. ej. «ruc_empresa». Es el nombre en la API.",
    )
    label = models.CharField("etiqueta", max_length=150)
    kind = models.CharField("tipo", max_length=12, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField("obligatorio", default=True)
    help_text = models.CharField("ayuda", max_length=300, blank=True)
    choices = models.TextField(
        "opciones", blank=True, help_text="Solo para «Lista de opciones»: una opción por línea."
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("required"),
        FieldPanel("help_text"),
        FieldPanel("choices"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["procedure", "name"], name="procedure_field_unique")
        ]
        verbose_name = "campo del formulario"
        verbose_name_plural = "campos del formulario"

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        errors = {}
        if not FIELD_NAME_RE.match(self.name or ""):
            errors["name"] = "Empiece con una letra; use minúsculas, números y guion bajo."
        elif self.name in RESERVED_FIELD_NAMES:
            errors["name"] = "Ese nombre ya lo usa el formulario para los datos del ciudadano."
        if self.kind == self.Kind.CHOICE and not self.choice_list:
            errors["choices"] = "Escriba al menos una opción, una por línea."
        if errors:
            raise ValidationError(errors)

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Status(models.TextChoices):
    RECEIVED = "recibido", "Recibido"
    IN_REVIEW = "en_revision", "En revisión"
    OBSERVED = "observado", "Observado"
    APPROVED = "aprobado", "Aprobado"
    REJECTED = "rechazado", "Rechazado"
    DELIVERED = "entregado", "Entregado"
    ANNULLED = "anulado", "Anulado por improcedente"


# Where a file may go from each state. A file that was delivered is closed.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {
        Status.IN_REVIEW,
        Status.OBSERVED,
        Status.APPROVED,
        Status.REJECTED,
        Status.ANNULLED,
    },
    Status.IN_REVIEW: {Status.OBSERVED, Status.APPROVED, Status.REJECTED, Status.ANNULLED},
    Status.OBSERVED: {Status.IN_REVIEW, Status.APPROVED, Status.REJECTED, Status.ANNULLED},
    Status.APPROVED: {Status.DELIVERED},
    Status.REJECTED: {Status.DELIVERED},
    Status.DELIVERED: set(),
    Status.ANNULLED: set(),
}
OPEN_STATUSES = [Status.RECEIVED, Status.IN_REVIEW, Status.OBSERVED]
# Decided files: the municipality has answered (an approved or rejected file may still be handed
# over, but nothing about the citizen's request is examined any more). Retention counts from here.
CLOSED_STATUSES = [Status.APPROVED, Status.REJECTED, Status.DELIVERED, Status.ANNULLED]


class Channel(models.TextChoices):
    WEB = "web", "Sitio web"
    API = "api", "API"
    CABINA = "cabina", "Cabina"


class Cabina(ClusterableModel):
    """A partner internet café that takes procedures on the municipality's behalf."""

    name = models.CharField("nombre", max_length=150, unique=True)
    address = models.CharField("dirección", max_length=250)
    ruc = models.CharField("RUC", max_length=11)
    guarantee_amount = models.DecimalField(
        "garantía depositada (S/.)", max_digits=9, decimal_places=2, default=Decimal("300.00")
    )
    guarantee_date = models.DateField("fecha del depósito de garantía", null=True, blank=True)
    active = models.BooleanField(
        "activa", default=True, help_text="Los agentes de una cabina inactiva no pueden presentar."
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("address"),
        FieldPanel("ruc"),
        FieldPanel("guarantee_amount"),
        FieldPanel("guarantee_date"),
        FieldPanel("active"),
        InlinePanel("agents", heading="Agentes", label="agente"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = "cabina"
        verbose_name_plural = "cabinas"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from tramites_bridge.validators import validate_ruc

        try:
            validate_ruc(self.ruc)
        except ValidationError as exc:
            raise ValidationError({"ruc": exc.messages}) from exc


class CabinaAgent(models.Model):
    """A user of the "Agentes de cabina" group, tied to exactly one cabina."""

    cabina = ParentalKey(
        Cabina, on_delete=models.CASCADE, related_name="agents", verbose_name="cabina"
    )
    user = models.OneToOneField(
        "auth.User",
        on_delete=models.CASCADE,
        related_name="cabina_agent",
        verbose_name="usuario",
        limit_choices_to={"groups__name": "Agentes de cabina"},
        help_text="Un usuario del grupo «Agentes de cabina».",
    )

    panels = [FieldPanel("user")]

    class Meta:
        verbose_name = "agente de cabina"
        verbose_name_plural = "agentes de cabina"

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.cabina})"


class Submission(models.Model):
    """A citizen's procedure request. The citizen's data is kept here and only here, so a
    retention job can anonymise it in one place; the timeline and the audit log refer to it."""

    code = models.CharField("código de seguimiento", max_length=10, unique=True)
    procedure = models.ForeignKey(
        Procedure, verbose_name="procedimiento", on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, unique=True)
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    dni = models.CharField("DNI", max_length=8, db_index=True)
    first_names = models.CharField("nombres", max_length=100)
    last_names = models.CharField("apellidos", max_length=100)
    email = models.EmailField("correo electrónico", blank=True)
    phone = models.CharField("teléfono", max_length=20, blank=True)
    data = models.JSONField("datos del formulario", default=dict)
    consent_at = models.DateTimeField("consentimiento (Ley 29733)")
    status = models.CharField(
        "estado", max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    office = models.ForeignKey(
        Office, verbose_name="oficina actual", on_delete=models.PROTECT, related_name="+"
    )
    fee = models.DecimalField("derecho de trámite (S/.)", max_digits=9, decimal_places=2)
    due_date = models.DateField("fecha límite")
    created_at = models.DateTimeField("presentado", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("actualizado", auto_now=True)
    closed_at = models.DateTimeField("cerrado", null=True, blank=True)
    cabina = models.ForeignKey(
        Cabina,
        verbose_name="cabina",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    agent_id = models.PositiveIntegerField("agente (id de usuario)", null=True, blank=True)
    # Set when retention replaced the citizen's data (tramites_bridge.retention).
    anonymised_at = models.DateTimeField("datos anonimizados", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "trámite"
        verbose_name_plural = "trámites"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="submission_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="submission_status_due")]

    def __str__(self) -> str:
        return f"{self.display_code} · {self.procedure.name}"

    @property
    def display_code(self) -> str:
        return f"{self.code[:5]}-{self.code[5:]}"

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_names}".strip()


def attachment_path(instance, filename: str) -> str:
    """A generated name with the extension of the type the content was sniffed as
    (`instance.content_type`): the name the citizen gave (`carta.html`) is ignored here and kept
    only as data, in `original_name`. An unguessable name: even where MEDIA_URL is served (the
    demo), nobody can reach an attachment without the download view, which only the back
    office passes."""
    from tramites_bridge.validators import extension_of_type

    return f"tramites/privado/{uuid.uuid4().hex}.{extension_of_type(instance.content_type)}"


class Attachment(models.Model):
    """A file a citizen attached: kept first as a pending upload (keyed to the form's token,
    so a form re-shown after an error need not ask for it again), then bound to a submission."""

    token = models.CharField(max_length=100, db_index=True)
    field_name = models.CharField(max_length=40)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["field_name", "pk"]
        verbose_name = "adjunto"
        verbose_name_plural = "adjuntos"

    def __str__(self) -> str:
        return self.original_name


class SubmissionEvent(models.Model):
    """One step of the public timeline: what the citizen sees when tracking."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    status = models.CharField("estado", max_length=12, choices=Status.choices)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("nota para el ciudadano", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "evento del trámite"
        verbose_name_plural = "eventos del trámite"

    def __str__(self) -> str:
        return f"{self.get_status_display()} · {self.created_at:%d/%m/%Y %H:%M}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("El registro de auditoría no se puede modificar.")

    def delete(self):
        raise PermissionError("El registro de auditoría no se puede borrar.")


class AuditEntry(models.Model):
    """Append-only: who (a user id, never a copy of a name or DNI), when, what and from where.
    Rows are only ever inserted; the model and its queryset refuse updates and deletes, and no
    role has a permission to change them."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Presentado"
        STATUS_CHANGED = "status_changed", "Cambio de estado"
        OFFICE_CHANGED = "office_changed", "Derivado a otra oficina"
        ATTACHMENT_VIEWED = "attachment_viewed", "Adjunto descargado"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="audit")
    action = models.CharField("acción", max_length=20, choices=Action.choices)
    actor_id = models.PositiveIntegerField("usuario (id)", null=True, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    details = models.JSONField("detalle", default=dict)
    created_at = models.DateTimeField("fecha", auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "registro de auditoría"
        verbose_name_plural = "registros de auditoría"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.created_at:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("El registro de auditoría no se puede modificar.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("El registro de auditoría no se puede borrar.")


class LedgerEntry(models.Model):
    """One movement of a cabina's account. Entries are never edited: an annulled submission gets
    a reversing entry. Amounts are Decimal soles; credits and the guarantee are positive,
    reversals negative."""

    class Kind(models.TextChoices):
        GUARANTEE = "guarantee", "Garantía depositada"
        CREDIT = "credit", "Trámite atendido"
        REVERSAL = "reversal", "Reversión por anulación"

    cabina = models.ForeignKey(Cabina, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField("tipo", max_length=10, choices=Kind.choices)
    amount = models.DecimalField("monto (S/.)", max_digits=9, decimal_places=2)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    created_at = models.DateTimeField("fecha", default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "movimiento de cabina"
        verbose_name_plural = "movimientos de cabina"
        default_permissions = ("view",)
        constraints = [
            # one credit and at most one reversal per submission; one guarantee per cabina
            models.UniqueConstraint(
                fields=["submission", "kind"],
                condition=models.Q(submission__isnull=False),
                name="ledger_one_entry_per_submission_kind",
            ),
            models.UniqueConstraint(
                fields=["cabina"],
                condition=models.Q(kind="guarantee"),
                name="ledger_one_guarantee_per_cabina",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} S/. {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Los movimientos de la cabina no se modifican.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Los movimientos de la cabina no se borran.")


class OutboxEvent(models.Model):
    """An event for the municipal back office, written in the same transaction as the change it
    reports and delivered afterwards (at least once; the receiver de-duplicates by event_id).
    It refers to the file by its code and to people by id only."""

    class State(models.TextChoices):
        PENDING = "pending", "Pendiente"
        DELIVERED = "delivered", "Entregado"
        FAILED = "failed", "Falló"

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("tipo", max_length=40)
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="outbox", null=True
    )
    payload = models.JSONField(default=dict)
    state = models.CharField(
        "estado", max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("intentos", default=0)
    next_attempt_at = models.DateTimeField("próximo intento", default=timezone.now, db_index=True)
    last_error = models.TextField("último error", blank=True)
    created_at = models.DateTimeField("creado", auto_now_add=True)
    delivered_at = models.DateTimeField("entregado", null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "evento para la mesa de partes"
        verbose_name_plural = "eventos para la mesa de partes"

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


class InboundEvent(models.Model):
    """Webhook events already applied, so a replay is ignored."""

    event_id = models.CharField(max_length=100, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "evento recibido"
        verbose_name_plural = "eventos recibidos"

    def __str__(self) -> str:
        return self.event_id
