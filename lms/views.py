"""The students' pages: "Mis lecciones", the lesson page (through LessonPage.serve) and the
download URLs that record each download and hand the file to the media pipeline."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from config.roles import ADMIN_ACCESS
from lms.models import LessonBundle, LessonPage
from lms.selectors import (
    bundle_filename,
    document_filename,
    lesson_document_get,
    lesson_rendition_get,
    lesson_viewer_allowed,
    rendition_filenames,
    student_lessons,
    student_profile_for,
)
from lms.services import lesson_download_record
from media_pipeline.serving import serve_stored_file

REFUSED_TEMPLATE = "lms/lesson_refused.html"


def _refused(request: HttpRequest, *, lesson: LessonPage | None = None) -> HttpResponse:
    return TemplateResponse(request, REFUSED_TEMPLATE, {"lesson": lesson}, status=403)


@require_safe
def my_lessons(request: HttpRequest) -> HttpResponse:
    """The student's lessons, the latest first in view. Where every login lands
    (LOGIN_REDIRECT_URL): staff without a student profile go on to the admin."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    student = student_profile_for(request.user)
    if student is None:
        if request.user.has_perm(ADMIN_ACCESS):
            return redirect("wagtailadmin_home")
        return TemplateResponse(request, "lms/my_lessons.html", {"student": None, "courses": []})
    context = {"student": student, **student_lessons(student=student)}
    return TemplateResponse(request, "lms/my_lessons.html", context)


def lesson_serve(request: HttpRequest, *args, lesson: LessonPage, **kwargs) -> HttpResponse:
    """LessonPage.serve: only students enrolled in the lesson's course (and the course's staff)
    see it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    allowed, student = lesson_viewer_allowed(user=request.user, lesson=lesson)
    if not allowed:
        return _refused(request, lesson=lesson)
    context = lesson.get_context(request, *args, **kwargs)
    context["student"] = student
    return TemplateResponse(request, lesson.get_template(request, *args, **kwargs), context)


def _lesson_for_download(request: HttpRequest, lesson_id: int):
    """(lesson, student) when the caller is an enrolled student; a response otherwise."""
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    lesson = get_object_or_404(LessonPage.objects.live().public(), pk=lesson_id)
    allowed, student = lesson_viewer_allowed(user=request.user, lesson=lesson)
    if not allowed:
        return None, _refused(request, lesson=lesson)
    return (lesson, student), None


def _range_start(request: HttpRequest) -> int:
    header = request.headers.get("Range", "")
    value = header.partition("=")[2].split("-", 1)[0].strip()
    return int(value) if value.isdigit() else 0


def _serve_and_record(request, *, lesson, student, file, filename, content_type, etag, **target):
    response = serve_stored_file(
        request, file=file, filename=filename, content_type=content_type, etag=etag
    )
    # One row per GET that sends bytes; HEAD, 304 and 416 send none. Staff previewing a lesson
    # have no student profile and are not counted.
    if student is not None and request.method == "GET" and response.status_code in (200, 206):
        lesson_download_record(
            student=student,
            lesson=lesson,
            range_start=_range_start(request) if response.status_code == 206 else 0,
            **target,
        )
    return response


@require_safe
def download_rendition(request: HttpRequest, lesson_id: int, rendition_id: int) -> HttpResponse:
    found, refusal = _lesson_for_download(request, lesson_id)
    if refusal:
        return refusal
    lesson, student = found
    rendition = lesson_rendition_get(lesson=lesson, rendition_id=rendition_id)
    if rendition is None:
        raise Http404("Esa descarga no es de esta lección.")
    filename = rendition_filenames(lesson=lesson)[rendition.pk]
    return _serve_and_record(
        request,
        lesson=lesson,
        student=student,
        file=rendition.file,
        filename=filename,
        content_type=rendition.mime_type,
        etag=rendition.sha256 or None,
        rendition=rendition,
    )


@require_safe
def download_document(request: HttpRequest, lesson_id: int, document_id: int) -> HttpResponse:
    found, refusal = _lesson_for_download(request, lesson_id)
    if refusal:
        return refusal
    lesson, student = found
    document = lesson_document_get(lesson=lesson, document_id=document_id)
    if document is None:
        raise Http404("Ese documento no es de esta lección.")
    return _serve_and_record(
        request,
        lesson=lesson,
        student=student,
        file=document.file,
        filename=document_filename(lesson=lesson, document=document),
        content_type=None,
        etag=document.file_hash or None,
        document=document,
    )


@require_safe
def download_bundle(request: HttpRequest, lesson_id: int, profile: str) -> HttpResponse:
    found, refusal = _lesson_for_download(request, lesson_id)
    if refusal:
        return refusal
    lesson, student = found
    bundle = LessonBundle.objects.filter(
        lesson=lesson, profile=profile, status=LessonBundle.Status.READY
    ).first()
    if bundle is None or not bundle.file:
        raise Http404("Este paquete todavía se está preparando.")
    return _serve_and_record(
        request,
        lesson=lesson,
        student=student,
        file=bundle.file,
        filename=bundle_filename(lesson=lesson, profile=profile),
        content_type="application/zip",
        etag=bundle.sha256 or None,
        bundle=bundle,
    )
