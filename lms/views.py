"""The students' pages: "Mis lecciones", the lesson page (through LessonPage.serve) and the
download URLs that record each download and hand the file to the media pipeline."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from core.errors import Throttled
from core.roles import ADMIN_ACCESS
from core.throttling import throttle_check, throttle_hit
from lms.api import TV_CHECKIN_THROTTLED, tv_throttle_identity
from lms.lesson_cache import lesson_page_parts
from lms.models import LessonBundle, LessonPage
from lms.selectors import (
    bundle_filename,
    certificate_by_code,
    certificate_of,
    document_filename,
    lesson_document_get,
    lesson_progress_context,
    lesson_quiz_questions,
    lesson_rendition_get,
    lesson_viewer_allowed,
    rendition_filenames,
    student_lessons,
    student_profile_for,
    student_progress_overview,
)
from lms.services import lesson_download_record, quiz_attempt_submit, tv_checkin_submit
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
    context.update(student_progress_overview(student=student))
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
    # the same for every student: from the cache, except in a preview (a draft's content)
    context.update(
        lesson_page_parts(lesson=lesson, use_cache=not getattr(request, "is_preview", False))
    )
    context["student"] = student
    context.update(
        lesson_progress_context(
            lesson=lesson,
            student=student,
            attempt_id=request.session.get(f"quiz-{lesson.pk}"),
            questions=context["quiz_questions"],
        )
    )
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


# --- part 2: TV check-in, quizzes, certificates --------------------------------------------------
TV_MESSAGES = {
    "unknown": "Ese código no corresponde a ninguna lección de su curso. Revise las letras y "
    "los números que aparecen en pantalla y vuelva a intentarlo.",
    "not_aired": "Ese código es de una lección que todavía no se ha emitido. Podrá registrarlo "
    "cuando vea el programa en TV.",
    "other_lesson": "Ese código es de otra lección de su curso. Escríbalo en «Mis lecciones» "
    "o en la página de esa lección.",
    "empty": "Escriba el código del día que aparece en pantalla durante el programa.",
}


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def tv_checkin(request: HttpRequest) -> HttpResponse:
    """The "código del día" form of Mis lecciones and of the lesson page (no JavaScript needed).
    Wrong codes are counted per student and throttled."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("lms:my_lessons"))
    student = student_profile_for(request.user)
    back = _safe_next(request, reverse("lms:my_lessons"))
    if student is None:
        messages.error(request, "Solo los estudiantes registran el código del día.")
        return redirect(back)
    lesson = None
    lesson_id = request.POST.get("lesson", "")
    if lesson_id.isdecimal() and len(lesson_id) <= 18:
        lesson = LessonPage.objects.live().filter(pk=int(lesson_id)).first()
    code = request.POST.get("code", "")
    if not code.strip():
        messages.error(request, TV_MESSAGES["empty"])
        return redirect(back)
    identity = tv_throttle_identity(student)
    try:
        throttle_check(**identity, detail=TV_CHECKIN_THROTTLED)
    except Throttled as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    found, why = tv_checkin_submit(student=student, code=code, lesson=lesson)
    if found is None:
        # every failure counts (also a right code too early: it would reveal future codes)
        throttle_hit(**identity)
        messages.error(request, TV_MESSAGES[why])
        return redirect(back)
    messages.success(
        request,
        f"¡Muy bien! Registramos que vio la lección {found.episode_number} «{found.title}» en TV.",
    )
    return redirect(back)


@require_POST
def quiz_submit(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """The lesson's quiz, a plain form: one radio group per question."""
    found, refusal = _lesson_for_download(request, lesson_id)
    if refusal:
        return refusal
    lesson, student = found
    back = lesson.url + "#cuestionario"
    if student is None:
        messages.error(request, "Solo los estudiantes responden el cuestionario.")
        return redirect(back)
    questions = lesson_quiz_questions(lesson=lesson)
    answers: list[int] = []
    for question in questions:
        raw = request.POST.get(f"q{question.pk}", "")
        if not raw.isdecimal() or not 1 <= int(raw) <= len(question.choice_list()):
            messages.error(
                request, "Responda todas las preguntas (elija una opción en cada una) y envíe."
            )
            return redirect(back)
        answers.append(int(raw))
    if not questions:
        raise Http404("Esta lección no tiene cuestionario.")
    attempt = quiz_attempt_submit(student=student, lesson=lesson, answers=answers)
    request.session[f"quiz-{lesson.pk}"] = attempt.pk
    if attempt.passed:
        messages.success(
            request, f"¡Aprobó el cuestionario con {attempt.score} %! Vea abajo cada respuesta."
        )
    else:
        messages.warning(
            request,
            f"Obtuvo {attempt.score} % y se necesita {lesson.quiz_pass_percent} % para aprobar. "
            "Lea las explicaciones de abajo y vuelva a intentarlo cuando quiera.",
        )
    return redirect(back)


@require_safe
def my_certificate(request: HttpRequest, course_id: int) -> HttpResponse:
    """The student's own printable certificate (nobody else's: looked up by the caller)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    student = student_profile_for(request.user)
    certificate = certificate_of(student=student, course_id=course_id) if student else None
    if certificate is None:
        raise Http404("Todavía no tiene un certificado de este curso.")
    verify_url = request.build_absolute_uri(
        reverse("lms:certificate_verify", args=[certificate.code])
    )
    return TemplateResponse(
        request, "lms/certificate.html", {"certificate": certificate, "verify_url": verify_url}
    )


@require_safe
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone can check a code; it shows only the name, the course and the date."""
    certificate = certificate_by_code(code=code)
    return TemplateResponse(
        request,
        "lms/certificate_verify.html",
        {"certificate": certificate, "code": code},
        status=200 if certificate else 404,
    )
