from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from lms.blocks import LessonStreamBlock

dni_validator = RegexValidator(r"^\d{8}$", "El DNI debe tener exactamente 8 dígitos.")


class CoursePage(Page):
    """A course: "Aprendiendo paso a paso" lives at /aprendiendo-paso-a-paso/."""

    intro = RichTextField("presentación", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
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


class LessonPage(Page):
    """A lesson. Its episode number lives only here; broadcast's Episode points at it."""

    episode_number = models.PositiveIntegerField("número de episodio")
    summary = models.CharField("resumen", max_length=300, blank=True)
    on_air_code = models.CharField(
        "código del día",
        max_length=6,
        help_text="4 a 6 caracteres que las conductoras muestran en TV; único en el curso.",
    )
    body = StreamField(LessonStreamBlock(), verbose_name="contenido", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("episode_number"),
        FieldPanel("on_air_code"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["lms.UnitPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "lección"
        verbose_name_plural = "lecciones"


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

    class Meta:
        verbose_name = "estudiante"
        verbose_name_plural = "estudiantes"
        ordering = ["last_names", "first_names"]

    def __str__(self) -> str:
        return f"{self.last_names}, {self.first_names} ({self.dni})"


class Enrollment(models.Model):
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "matrícula"
        verbose_name_plural = "matrículas"
        constraints = [
            models.UniqueConstraint(fields=["student", "course"], name="enrollment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.course}"
