"""The coaches' admin pages ("Estudiantes"): the student list, the CSV import with its progress
bar, the printable roster of initial passwords, and a password reset with a new card."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.csv import BOM, csv_writer
from core.errors import ValidationFailed
from lms.charts import Bar, grouped_bars, percent_bars
from lms.districts import CAJAMARCA_DISTRICTS
from lms.models import CoursePage, StudentImportJob
from lms.selectors import (
    PROGRESS_CSV_COLUMNS,
    coach_course_ids,
    courses_for_staff,
    enrollments_for_staff,
    follow_up_students,
    progress_csv_rows,
    student_current_for_staff,
    student_for_staff,
    students_search,
    tracking_courses,
    tracking_dashboard,
)
from lms.services import (
    MAX_IMPORT_BYTES,
    student_import_job_create,
    student_import_roster_take,
    student_password_reset,
)
from lms.students import EXPECTED_COLUMNS

VIEW_PERM = "lms.view_studentprofile"
IMPORT_PERM = "lms.add_studentimportjob"
RESET_PERM = "lms.change_studentprofile"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


NO_COURSE_MESSAGE = (
    "Todavía no tiene un curso asignado: verá aquí a los estudiantes y su avance cuando la "
    "administración lo agregue en «Coordinación» de la página del curso."
)


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages with passwords stay out of every cache and the browser's history."""
    response["Cache-Control"] = "no-store"
    return response


class ImportForm(forms.Form):
    course = forms.ModelChoiceField(
        label="Curso",
        queryset=CoursePage.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Elija uno de sus cursos."},
    )
    file = forms.FileField(
        label="Archivo CSV",
        help_text="UTF-8, con el encabezado " + ",".join(EXPECTED_COLUMNS) + ".",
    )
    dry_run = forms.BooleanField(label="Solo revisar el archivo, sin importar nada", required=False)
    consent = forms.BooleanField(
        label="Los estudiantes de este archivo aceptaron el tratamiento de sus datos personales "
        "para el curso (Ley 29733).",
        error_messages={"required": "Confirme el consentimiento de los estudiantes."},
    )

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        # a coach imports only into the courses they coach
        self.fields["course"].queryset = courses

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("El archivo pesa más de 2 MB; divídalo en partes.")
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(
                "Suba un archivo .csv (en la hoja de cálculo: «CSV UTF-8»)."
            )
        return upload


@require_safe
def students_index(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_PERM)
    # no stored text holds a NUL, and PostgreSQL refuses one in a query parameter
    query, district, zone = (
        request.GET.get(name, "").replace("\x00", "")[:100] for name in ("q", "distrito", "zona")
    )
    course_ids = coach_course_ids(user=request.user)
    students = students_search(query=query, district=district, zone=zone, course_ids=course_ids)
    page = Paginator(students, 50).get_page(request.GET.get("p"))
    jobs = StudentImportJob.objects.select_related("course")
    if not request.user.is_superuser:
        jobs = jobs.filter(created_by=request.user)  # the ones they can open
    if course_ids is not None:
        jobs = jobs.filter(course_id__in=course_ids)
    return TemplateResponse(
        request,
        "lms/admin/students_index.html",
        {
            "page_obj": page,
            "query": query,
            "district": district,
            "zone": zone,
            "districts": CAJAMARCA_DISTRICTS,
            "total": page.paginator.count,
            "can_import": request.user.has_perm(IMPORT_PERM),
            "can_reset": request.user.has_perm(RESET_PERM),
            "jobs": jobs[:5],
            "no_course_message": NO_COURSE_MESSAGE if course_ids == [] else "",
        },
    )


@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    _require(request, IMPORT_PERM)
    courses = courses_for_staff(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None, courses=courses)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = student_import_job_create(
                course=form.cleaned_data["course"],
                content=upload.read(),
                filename=upload.name,
                user=request.user,
                dry_run=form.cleaned_data["dry_run"],
                consent_confirmed=True,
            )
        except ValidationFailed as exc:
            form.add_error("file", exc.detail)
        else:
            return redirect("lms_admin:import_job", job_id=job.pk)
    return TemplateResponse(
        request,
        "lms/admin/import_form.html",
        {
            "form": form,
            "columns": ",".join(EXPECTED_COLUMNS),
            "no_course_message": NO_COURSE_MESSAGE if not courses.exists() else "",
        },
        status=400 if form.errors else 200,
    )


def _job_for(request: HttpRequest, job_id: int) -> StudentImportJob:
    _require(request, IMPORT_PERM)
    job = get_object_or_404(StudentImportJob.objects.select_related("course"), pk=job_id)
    # an import's outcome (and its passwords) belongs to the coach who started it
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied
    # and only while its course is one of theirs
    course_ids = coach_course_ids(user=request.user)
    if course_ids is not None and job.course_id not in course_ids:
        raise PermissionDenied
    return job


@require_safe
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    return TemplateResponse(
        request,
        "lms/admin/import_job.html",
        {"job": job, "status_url": reverse("lms_admin:import_job_status", args=[job.pk])},
    )


@require_safe
def import_job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    """What the progress bar polls."""
    job = _job_for(request, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "phase": job.phase,
            "finished": job.finished,
        }
    )


@require_POST
def import_roster(request: HttpRequest, job_id: int) -> HttpResponse:
    """The printable cards of the new students, shown once (POST: the passwords are erased as
    they are shown)."""
    job = _job_for(request, job_id)
    cards = student_import_roster_take(job=job)
    if not cards:
        return TemplateResponse(request, "lms/admin/roster_gone.html", {"job": job}, status=410)
    return _no_store(
        TemplateResponse(
            request,
            "lms/cards.html",
            {
                "cards": cards,
                "course": job.course,
                "login_url": request.build_absolute_uri(reverse("cms:login")),
                "back_url": reverse("lms_admin:import_job", args=[job.pk]),
            },
        )
    )


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest, student_id: int) -> HttpResponse:
    _require(request, RESET_PERM)
    student = student_for_staff(user=request.user, student_id=student_id)
    if student is None:
        raise Http404("Ese estudiante no está en sus cursos.")
    if student.anonymised_at:
        refused = (
            "Los datos de este estudiante fueron anonimizados al cumplirse el plazo de "
            "conservación: su cuenta ya no existe y no se le puede dar una contraseña."
        )
        return TemplateResponse(
            request,
            "lms/admin/password_reset.html",
            {"student": student, "refused": refused},
            status=409,
        )
    if not student_current_for_staff(user=request.user, student=student):
        # left the coach's courses (or moved to someone else's): no longer theirs to hand a card
        raise Http404("Ese estudiante ya no está en sus cursos.")
    if request.method == "GET":
        return TemplateResponse(request, "lms/admin/password_reset.html", {"student": student})
    password = student_password_reset(student=student)
    course = enrollments_for_staff(user=request.user, student=student).first()
    return _no_store(
        TemplateResponse(
            request,
            "lms/cards.html",
            {
                "cards": [
                    {
                        "dni": student.dni,
                        "first_names": student.first_names,
                        "last_names": student.last_names,
                        "district": student.district,
                        "password": password,
                    }
                ],
                "course": course.course if course else None,
                "login_url": request.build_absolute_uri(reverse("cms:login")),
                "back_url": reverse("lms_admin:students"),
                "reset": True,
            },
        )
    )


# --- "Seguimiento": the coaches' view of progress ------------------------------------------------
TRACKING_PERM = "lms.view_lessonprogress"


def _tracking_course(request: HttpRequest):
    """The courses the user may follow and the one asked for (the first by default). Asking for
    a course outside theirs is a 404, never a silent switch to another course."""
    courses = tracking_courses(course_ids=coach_course_ids(user=request.user))
    wanted = request.GET.get("curso", "")
    if wanted:
        course = next((c for c in courses if str(c.pk) == wanted), None)
        if course is None:
            raise Http404("Ese curso no está entre los suyos.")
        return courses, course
    return courses, courses[0] if courses else None


@require_safe
def tracking(request: HttpRequest) -> HttpResponse:
    _require(request, TRACKING_PERM)
    courses, course = _tracking_course(request)
    context: dict = {
        "courses": courses,
        "course": course,
        "no_course_message": NO_COURSE_MESSAGE if coach_course_ids(user=request.user) == [] else "",
    }
    if course is not None:
        page = request.GET.get("pagina", "1")
        data = tracking_dashboard(course=course)
        rows, districts = data["lesson_rows"], data["district_rows"]
        context.update(data)
        context["follow_up"] = follow_up_students(
            course=course, page=int(page) if page.isdecimal() and len(page) <= 6 else 1
        )
        context["lesson_chart"] = percent_bars(
            title="Estudiantes que completaron cada lección (%)",
            bars=[
                Bar(
                    f"Lección {r.lesson.episode_number}",
                    r.completed_percent,
                    f"{r.completed_percent} % ({r.completed})",
                )
                for r in rows
            ],
        )
        context["district_chart"] = percent_bars(
            title="Lecciones completadas por distrito (%)",
            bars=[
                Bar(d.district, d.completed_percent, f"{d.completed_percent} %") for d in districts
            ],
        )
        context["channel_chart"] = grouped_bars(
            title="Cómo siguieron cada episodio: web, descarga o TV",
            labels=[f"Episodio {r.lesson.episode_number}" for r in rows],
            series={
                "web": [r.web for r in rows],
                "downloaded": [r.downloaded for r in rows],
                "tv": [r.tv for r in rows],
            },
            names={"web": "Vio en la web", "downloaded": "Descargó", "tv": "Vio en TV"},
        )
    return TemplateResponse(request, "lms/admin/tracking.html", context)


class _Echo:
    def write(self, value):
        return value


@require_safe
def tracking_csv(request: HttpRequest) -> HttpResponse:
    _require(request, TRACKING_PERM)
    _, course = _tracking_course(request)
    if course is None:
        raise Http404(NO_COURSE_MESSAGE if coach_course_ids(user=request.user) == [] else "")
    writer = csv_writer(_Echo())

    def lines():
        yield BOM
        yield writer.writerow(PROGRESS_CSV_COLUMNS)
        for row in progress_csv_rows(course=course):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = content_disposition_header(
        True, f"avance-{course.slug}-{stamp}.csv"
    )
    response["Cache-Control"] = "no-store"
    return response
