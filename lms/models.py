from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core import roles
from core.cache import CachedViewRestrictionsMixin
from lms.blocks import LessonStreamBlock
from lms.forms import LessonPageForm
from lms.hooks import lesson_server

dni_validator = RegexValidator(r"^\d{8}$", "El DNI debe tener exactamente 8 dígitos.")
on_air_code_validator = RegexValidator(
    r"^[A-Z0-9]{4,6}$",
    "El código del día debe tener de 4 a 6 letras mayúsculas o números, sin espacios.",
)


class CoursePage(Page):
    """A course: "Aprendiendo paso a paso" lives at /aprendiendo-paso-a-paso/.

    Creating one attaches the lesson-validation workflow and the presenters' and validators'
    page permissions to it (lms.signals), so every lesson below inherits them."""

    intro = RichTextField("presentación", blank=True)
    # The completion rule of this course's lessons (lms.services.progress_completed).
    completion_min_percent = models.PositiveSmallIntegerField(
        "porcentaje visto para completar",
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    completion_tv_counts = models.BooleanField(
        "verla en TV (código del día) completa la lección", default=True
    )
    completion_quiz_required = models.BooleanField(
        "exigir aprobar el cuestionario cuando la lección tiene uno", default=True
    )
    # Who follows this course's students (lms.selectors.coach_course_ids): a member of
    # Coordinación sees only the students and the progress of the courses listed here.
    coaches = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="coordinadores del curso",
        related_name="coached_courses",
        blank=True,
        limit_choices_to={"groups__name": roles.COACHES},
        help_text="Ven los estudiantes de este curso, su avance e importan estudiantes en él.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("completion_min_percent"),
                FieldPanel("completion_tv_counts"),
                FieldPanel("completion_quiz_required"),
            ],
            heading="Cuándo se completa una lección",
        ),
        # who sees students' personal data is not for the content roles (presenters and
        # validators edit this page too) to decide: only superusers and "view all" holders
        FieldPanel(
            "coaches",
            widget=forms.CheckboxSelectMultiple,
            heading="Coordinación",
            permission="lms.view_all_students",
        ),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["lms.UnitPage"]

    class Meta:
        verbose_name = "curso"
        verbose_name_plural = "cursos"


class UnitPage(Page):
    number = models.PositiveSmallIntegerField("número de unidad")
    intro = RichTextField("presentación", blank=True)

    content_panels = Page.content_panels + [FieldPanel("number"), FieldPanel("intro")]
    parent_page_types = ["lms.CoursePage"]
    subpage_types = ["lms.LessonPage"]

    class Meta:
        verbose_name = "unidad"
        verbose_name_plural = "unidades"


class LessonPage(CachedViewRestrictionsMixin, Page):
    """A lesson. Its episode number lives only here; broadcast's Episode points at it.

    `course` is the grandparent course, copied here on every save so that the database itself
    keeps the on-air code unique per course (a constraint cannot follow the page tree)."""

    episode_number = models.PositiveIntegerField("número de episodio")
    summary = models.CharField("resumen", max_length=300, blank=True)
    on_air_code = models.CharField(
        "código del día",
        max_length=6,
        validators=[MinLengthValidator(4), on_air_code_validator],
        help_text="4 a 6 caracteres que las conductoras muestran en TV; único en el curso.",
    )
    body = StreamField(LessonStreamBlock(), verbose_name="contenido", blank=True)
    course = models.ForeignKey(
        CoursePage,
        verbose_name="curso",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    quiz_pass_percent = models.PositiveSmallIntegerField(
        "nota para aprobar el cuestionario (%)",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("episode_number"), FieldPanel("on_air_code"), FieldPanel("summary")],
            heading="Datos de la lección",
        ),
        FieldPanel("body"),
        InlinePanel(
            "lesson_assets",
            label="Material audiovisual",
            heading="Material audiovisual de la lección",
            help_text="Videos y audios del material audiovisual; cada uno ofrece sus versiones "
            "para descargar.",
        ),
        MultiFieldPanel(
            [
                FieldPanel("quiz_pass_percent"),
                InlinePanel("quiz_questions", label="Pregunta", heading="Preguntas"),
            ],
            heading="Cuestionario (opcional)",
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    base_form_class = LessonPageForm
    parent_page_types = ["lms.UnitPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "lección"
        verbose_name_plural = "lecciones"
        constraints = [
            models.UniqueConstraint(
                fields=["course", "on_air_code"],
                name="lesson_on_air_code_unique_per_course",
                violation_error_message="Ese código del día ya lo usa otra lección del curso.",
            ),
            models.UniqueConstraint(
                fields=["course", "episode_number"],
                name="lesson_episode_number_unique_per_course",
                violation_error_message="Ese número de episodio ya existe en el curso.",
            ),
        ]

    def save(self, *args, **kwargs):
        if self.on_air_code:
            self.on_air_code = self.on_air_code.strip().upper()
        if self.depth and self.path:
            self.course = (
                CoursePage.objects.filter(path=self.path[: self.steplen * (self.depth - 2)])
                .only("pk")
                .first()
            )
        return super().save(*args, **kwargs)

    def serve(self, request, *args, **kwargs):
        # who may see it and what each student sees is lms.views' to say (registered at ready)
        return lesson_server()(request, *args, lesson=self, **kwargs)


class LessonMediaAsset(Orderable):
    """A media asset (video or audio) used by a lesson, in the order students see it."""

    lesson = ParentalKey(LessonPage, on_delete=models.CASCADE, related_name="lesson_assets")
    asset = models.ForeignKey(
        "media_pipeline.MediaAsset",
        verbose_name="material",
        # the admin shows where an asset is used before deleting it; deleting takes it out of
        # the lessons rather than failing
        on_delete=models.CASCADE,
        related_name="lesson_links",
    )

    panels = [FieldPanel("asset")]

    class Meta(Orderable.Meta):
        verbose_name = "material de la lección"
        verbose_name_plural = "materiales de la lección"
        constraints = [
            models.UniqueConstraint(fields=["lesson", "asset"], name="lesson_asset_unique")
        ]

    def __str__(self) -> str:
        return str(self.asset)


class StudentProfile(models.Model):
    class Zone(models.TextChoices):
        URBAN = "urbana", "Urbana"
        RURAL = "rural", "Rural"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_profile"
    )
    dni = models.CharField("DNI", max_length=8, unique=True, validators=[dni_validator])
    first_names = models.CharField("nombres", max_length=120)
    last_names = models.CharField("apellidos", max_length=120)
    district = models.CharField("distrito", max_length=80)
    zone = models.CharField("zona", max_length=6, choices=Zone.choices)
    phone = models.CharField("teléfono", max_length=15, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when retention replaced the student's data (lms.retention); progress rows stay.
    anonymised_at = models.DateTimeField("datos anonimizados", null=True, blank=True)

    class Meta:
        verbose_name = "estudiante"
        verbose_name_plural = "estudiantes"
        ordering = ["last_names", "first_names"]
        # Coordinación sees only the courses it is assigned to (CoursePage.coaches); this
        # permission (and superusers) see every course's students and progress.
        permissions = [
            ("view_all_students", "Puede ver los estudiantes y el avance de todos los cursos")
        ]

    def __str__(self) -> str:
        return f"{self.last_names}, {self.first_names} ({self.dni})"


class Enrollment(models.Model):
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    # When the student left this course (withdrew or stopped coming); the coach records it.
    left_at = models.DateTimeField("retiro del curso", null=True, blank=True)

    class Meta:
        verbose_name = "matrícula"
        verbose_name_plural = "matrículas"
        constraints = [
            models.UniqueConstraint(fields=["student", "course"], name="enrollment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.course}"


class LessonBundle(models.Model):
    """ "Descargar todo" for one profile: a zip of the lesson's renditions of that profile plus its
    documents, built once by a task and served like any file. `signature` fingerprints the
    inputs, so a rebuild happens only when the lesson's files change."""

    class Status(models.TextChoices):
        BUILDING = "building", "Preparando"
        READY = "ready", "Listo"
        FAILED = "failed", "Falló"

    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="bundles")
    profile = models.CharField("perfil", max_length=20)
    status = models.CharField(
        "estado", max_length=10, choices=Status.choices, default=Status.BUILDING
    )
    file = models.FileField(upload_to="lms/bundles/%Y/%m/", max_length=500, blank=True)
    size_bytes = models.BigIntegerField("tamaño (bytes)", default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    manifest = models.JSONField("contenido", default=list, blank=True)
    signature = models.CharField(max_length=64, blank=True)
    error_message = models.TextField("error", blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "paquete de descarga"
        verbose_name_plural = "paquetes de descarga"
        constraints = [
            models.UniqueConstraint(fields=["lesson", "profile"], name="lesson_bundle_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lesson} · {self.profile}"


class LessonDownload(models.Model):
    """One student's download request for one file of a lesson (part 2 counts it as progress).
    Exactly one of rendition, document or bundle is set."""

    student = models.ForeignKey(StudentProfile, on_delete=models.CASCADE, related_name="downloads")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="downloads")
    rendition = models.ForeignKey(
        "media_pipeline.Rendition", null=True, blank=True, on_delete=models.SET_NULL
    )
    document = models.ForeignKey(
        "wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL
    )
    bundle = models.ForeignKey(LessonBundle, null=True, blank=True, on_delete=models.SET_NULL)
    # 0 for a download from the start; the first byte asked for when a Range request resumes.
    range_start = models.BigIntegerField("desde el byte", default=0)
    downloaded_at = models.DateTimeField("cuándo", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "descarga"
        verbose_name_plural = "descargas"
        indexes = [models.Index(fields=["student", "lesson"], name="lesson_download_student")]

    def __str__(self) -> str:
        return f"{self.student_id} · {self.lesson_id} · {self.downloaded_at:%Y-%m-%d %H:%M}"


class StudentImportJob(models.Model):
    """One CSV import started from the admin: its progress (polled by the page) and its outcome.
    `roster` holds the new students' initial passwords until a coach opens the printable cards
    once; then they are erased. Passwords are hashed one by one (slow on purpose), hence the
    progress bar."""

    class Status(models.TextChoices):
        QUEUED = "queued", "En cola"
        RUNNING = "running", "Importando"
        DONE = "done", "Terminado"
        REJECTED = "rejected", "Rechazado"
        FAILED = "failed", "Falló"

    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The uploaded CSV, kept in the row (the worker may not share the web server's disk) and
    # erased when the job ends: the students' data then lives only in their profiles.
    content = models.BinaryField(default=b"")
    original_filename = models.CharField(max_length=255, blank=True)
    dry_run = models.BooleanField("solo revisar", default=False)
    # Ley 29733: the coach confirms the students agreed to the processing of their data.
    consent_confirmed = models.BooleanField("consentimiento confirmado", default=False)
    status = models.CharField(
        "estado", max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField("avance (%)", default=0)
    phase = models.CharField("etapa", max_length=80, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    enrolled_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    roster = models.JSONField(default=list, blank=True)
    roster_shown_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The run that owns the job: a run re-queued by the sweeper takes over, and the run it
    # replaced cannot write its outcome (nor create students) any more.
    run_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "importación de estudiantes"
        verbose_name_plural = "importaciones de estudiantes"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_filename or 'CSV'} · {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REJECTED, self.Status.FAILED)


# --- part 2: quizzes, progress, aggregates, certificates -----------------------------------------
class QuizQuestion(Orderable):
    """One multiple-choice question of a lesson's quiz, edited inline on the lesson."""

    lesson = ParentalKey(LessonPage, on_delete=models.CASCADE, related_name="quiz_questions")
    text = models.CharField("pregunta", max_length=300)
    choices = models.TextField("opciones", help_text="Una opción por línea (de 2 a 6).")
    correct_choice = models.PositiveSmallIntegerField(
        "opción correcta",
        help_text="El número de la línea de la opción correcta (1 es la primera).",
    )
    feedback = models.CharField(
        "explicación", max_length=300, blank=True, help_text="Se muestra después de responder."
    )

    panels = [
        FieldPanel("text"),
        FieldPanel("choices"),
        FieldPanel("correct_choice"),
        FieldPanel("feedback"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "pregunta"
        verbose_name_plural = "preguntas"

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        choices = self.choice_list()
        if not 2 <= len(choices) <= 6:
            raise ValidationError({"choices": "Escriba de 2 a 6 opciones, una por línea."})
        if not 1 <= (self.correct_choice or 0) <= len(choices):
            raise ValidationError(
                {"correct_choice": f"Debe ser un número del 1 al {len(choices)}."}
            )


class LessonProgress(models.Model):
    """The summary of one student's progress in one lesson, kept up to date from the events."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "Sin empezar"
        IN_PROGRESS = "in_progress", "En curso"
        COMPLETED = "completed", "Completada"

    student = models.ForeignKey(StudentProfile, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    state = models.CharField(
        "estado", max_length=12, choices=State.choices, default=State.NOT_STARTED
    )
    position_seconds = models.FloatField("posición más lejana (s)", default=0)
    duration_seconds = models.FloatField("duración (s)", default=0)
    percent_watched = models.PositiveSmallIntegerField("porcentaje visto", default=0)
    seconds_watched = models.FloatField("segundos vistos", default=0)
    web_at = models.DateTimeField("visto en la web", null=True, blank=True)
    downloaded_at = models.DateTimeField("descargada", null=True, blank=True)
    tv_checkin_at = models.DateTimeField("vista en TV", null=True, blank=True)
    tv_code = models.CharField("código del día", max_length=6, blank=True)
    quiz_best_score = models.PositiveSmallIntegerField("mejor nota", null=True, blank=True)
    quiz_passed = models.BooleanField("cuestionario aprobado", default=False)
    completed_at = models.DateTimeField("completada", null=True, blank=True)
    last_activity_at = models.DateTimeField("última actividad", null=True, blank=True)

    class Meta:
        verbose_name = "avance en una lección"
        verbose_name_plural = "avances en lecciones"
        constraints = [
            models.UniqueConstraint(fields=["student", "lesson"], name="lesson_progress_unique")
        ]

    def __str__(self) -> str:
        return f"{self.student_id} · {self.lesson_id} · {self.get_state_display()}"


class ProgressEvent(models.Model):
    """Append-only: what a client reported. `event_id` is generated by the client, so a batch
    sent twice (a retry after a lost answer) is stored and counted once."""

    class Type(models.TextChoices):
        POSITION = "position", "Reproducción"
        DOWNLOAD = "download", "Descarga"
        TV_CHECKIN = "tv_checkin", "Código del día"
        QUIZ = "quiz", "Cuestionario"

    event_id = models.UUIDField(unique=True)
    student = models.ForeignKey(StudentProfile, on_delete=models.CASCADE, related_name="events")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=12, choices=Type.choices)
    at = models.DateTimeField("cuándo (cliente)")
    received_at = models.DateTimeField("recibido", auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "evento de avance"
        verbose_name_plural = "eventos de avance"
        indexes = [models.Index(fields=["student", "lesson"], name="progress_event_student")]

    def __str__(self) -> str:
        return f"{self.type} · {self.event_id}"


class StudentActivity(models.Model):
    """The last time a student did anything in a lesson (the coaches' follow-up list)."""

    student = models.OneToOneField(
        StudentProfile, on_delete=models.CASCADE, primary_key=True, related_name="activity"
    )
    last_activity_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.student_id} · {self.last_activity_at:%Y-%m-%d}"


class LessonStats(models.Model):
    """Counters per lesson (district "" = every district) or per (district, lesson), updated in
    the transaction that changes a student's summary, so the coaches' view reads a few rows per
    lesson whatever the number of students."""

    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="stats")
    district = models.CharField(max_length=80, blank=True)
    started = models.PositiveIntegerField(default=0)
    web = models.PositiveIntegerField(default=0)
    downloaded = models.PositiveIntegerField(default=0)
    tv = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "district"], name="lesson_stats_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id} · {self.district or 'todos'}"


class QuizAttempt(models.Model):
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="quiz_attempts")
    answers = models.JSONField(default=list)
    score = models.PositiveSmallIntegerField("nota (%)")
    passed = models.BooleanField("aprobado")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "intento de cuestionario"
        verbose_name_plural = "intentos de cuestionario"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.student_id} · {self.lesson_id} · {self.score} %"


class Certificate(models.Model):
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="certificates")
    code = models.CharField("código de verificación", max_length=12, unique=True)
    issued_at = models.DateTimeField("fecha")

    class Meta:
        verbose_name = "certificado"
        verbose_name_plural = "certificados"
        constraints = [
            models.UniqueConstraint(fields=["student", "course"], name="certificate_unique")
        ]

    def __str__(self) -> str:
        return self.code
