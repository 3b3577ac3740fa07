"""The student side of part 2: completion rule, quizzes (plain forms), certificates and their
verification, refusals, and query counts that stay constant in lessons and students."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.models import Certificate, LessonProgress, QuizAttempt, QuizQuestion
from lms.services import ProgressEventIn, progress_events_record, quiz_attempt_submit
from lms.tests.factories import lesson_create, student_create


def watch(student, lesson, percent: int, duration: float = 100):
    return progress_events_record(
        student=student,
        events=[
            ProgressEventIn(
                id=uuid.uuid4(),
                lesson=lesson.pk,
                type="position",
                at=timezone.now() - timedelta(minutes=1),
                position_seconds=duration * percent / 100,
                duration_seconds=duration,
            )
        ],
    )


def quiz_on(lesson, pass_percent: int = 50):
    lesson.quiz_pass_percent = pass_percent
    lesson.save(update_fields=["quiz_pass_percent"])
    return [
        QuizQuestion.objects.create(
            lesson=lesson,
            sort_order=0,
            text="¿Dónde anota sus gastos?",
            choices="En un cuaderno\nEn ningún lado",
            correct_choice=1,
            feedback="Anotar ayuda a ver en qué se va el dinero.",
        ),
        QuizQuestion.objects.create(
            lesson=lesson,
            sort_order=1,
            text="¿Cada cuánto revisa su presupuesto?",
            choices="Nunca\nCada semana\nUna vez al año",
            correct_choice=2,
        ),
    ]


def state(student, lesson) -> str:
    return LessonProgress.objects.get(student=student, lesson=lesson).state


@pytest.fixture
def lessons(unit):
    return [lesson_create(unit=unit, episode=n, code=f"LEC{n:02d}") for n in (1, 2)]


def test_completion_needs_the_course_percent(student, lessons, course):
    watch(student, lessons[0], 79)
    assert state(student, lessons[0]) == "in_progress"
    watch(student, lessons[0], 80)
    assert state(student, lessons[0]) == "completed"
    course.completion_min_percent = 95
    course.save()
    watch(student, lessons[1], 90)
    assert state(student, lessons[1]) == "in_progress"


def test_completion_needs_the_quiz_passed_when_the_lesson_has_one(student, lessons, client_for):
    lesson = lessons[0]
    q1, q2 = quiz_on(lesson, pass_percent=100)
    watch(student, lesson, 100)
    assert state(student, lesson) == "in_progress"
    client = client_for("student", user=student.user)
    wrong = client.post(
        f"/mis-lecciones/{lesson.pk}/cuestionario/", {f"q{q1.pk}": "1", f"q{q2.pk}": "3"}
    )
    assert wrong.status_code == 302
    page = client.get(lesson.url).content.decode()
    assert "Obtuvo 50 % y se necesita 100 % para aprobar" in page
    assert "La respuesta correcta es «Cada semana»" in page
    assert "Anotar ayuda a ver en qué se va el dinero." in page
    assert state(student, lesson) == "in_progress"
    client.post(f"/mis-lecciones/{lesson.pk}/cuestionario/", {f"q{q1.pk}": "1", f"q{q2.pk}": "2"})
    assert QuizAttempt.objects.filter(student=student, lesson=lesson).count() == 2
    progress = LessonProgress.objects.get(student=student, lesson=lesson)
    assert progress.quiz_passed and progress.quiz_best_score == 100
    assert progress.state == "completed"


def test_an_incomplete_quiz_form_is_refused_kindly(student, lessons, client_for):
    q1, _ = quiz_on(lessons[0])
    client = client_for("student", user=student.user)
    client.post(f"/mis-lecciones/{lessons[0].pk}/cuestionario/", {f"q{q1.pk}": "1"})
    assert "Responda todas las preguntas" in client.get(lessons[0].url).content.decode()
    assert not QuizAttempt.objects.exists()


def test_the_course_may_not_require_the_quiz(student, lessons, course):
    quiz_on(lessons[0])
    course.completion_quiz_required = False
    course.save()
    watch(student, lessons[0], 85)
    assert state(student, lessons[0]) == "completed"


def test_completing_every_lesson_issues_one_certificate(student, lessons, client):
    watch(student, lessons[0], 100)
    assert not Certificate.objects.exists()
    watch(student, lessons[1], 100)
    watch(student, lessons[1], 100)
    certificate = Certificate.objects.get(student=student)
    assert len(certificate.code) == 11
    # anyone verifies it and sees only name, course and date
    response = client.get(f"/certificados/{certificate.code.lower()}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rosa Cueva" in html
    assert "Aprendiendo paso a paso" in html
    assert student.dni not in html
    missing = client.get("/certificados/XXXXX-YYYYY/")
    assert missing.status_code == 404
    assert "No encontramos ningún certificado" in missing.content.decode()


def test_a_student_sees_only_their_own_certificate(student, lessons, course, client_for):
    for lesson in lessons:
        watch(student, lesson, 100)
    mine = client_for("student", user=student.user).get(f"/mis-lecciones/certificado/{course.pk}/")
    assert mine.status_code == 200
    assert Certificate.objects.get().code in mine.content.decode()
    other = student_create(dni="47776665", course=course)
    theirs = client_for("student", user=other.user).get(f"/mis-lecciones/certificado/{course.pk}/")
    assert theirs.status_code == 404
    assert Certificate.objects.get().code not in theirs.content.decode()


def test_my_lessons_shows_progress_and_the_certificate(student, lessons, course, client_for):
    client = client_for("student", user=student.user)
    watch(student, lessons[0], 40)
    html = client.get("/mis-lecciones/").content.decode()
    assert "En curso · 40 % visto" in html
    assert "Sin empezar" in html
    assert "Código del día" in html
    watch(student, lessons[0], 100)
    watch(student, lessons[1], 100)
    html = client.get("/mis-lecciones/").content.decode()
    assert "Ver e imprimir su certificado" in html


def test_the_lesson_page_carries_the_player_hooks_without_inline_script(
    student, lesson_with_media, client_for
):
    html = client_for("student", user=student.user).get(lesson_with_media["lesson"].url)
    text = html.content.decode()
    assert f'data-lesson-id="{lesson_with_media["lesson"].pk}"' in text
    assert 'data-progress-url="/api/v1/lms/progress"' in text
    assert "/static/lms/js/progress.js" in text
    assert "<script>" not in text


def _queries(client, url) -> int:
    # warm twice: the first view may create the site's settings row, which renews the
    # footer's cached copy once
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_student_pages_query_counts_are_constant_in_lessons_and_students(
    student, unit, course, client_for, memory_cache
):
    first = lesson_create(unit=unit, episode=1, code="UNO01")
    quiz_on(first)
    client = client_for("student", user=student.user)
    watch(student, first, 50)
    attempt = quiz_attempt_submit(student=student, lesson=first, answers=[2, 1])
    session = client.session
    session[f"quiz-{first.pk}"] = attempt.pk  # the page shows the review of this attempt
    session.save()
    before = (_queries(client, "/mis-lecciones/"), _queries(client, first.url))
    for n in range(2, 8):
        lesson = lesson_create(unit=unit, episode=n, code=f"OTR{n:02d}")
        watch(student, lesson, 100)
    for n in range(5):
        other = student_create(dni=f"4600000{n}", course=course)
        watch(other, first, 90)
    after = (_queries(client, "/mis-lecciones/"), _queries(client, first.url))
    assert before == after
    # the lesson page: Wagtail's routing (the site and the page tree down to the lesson: 8),
    # the user, the profile with the enrolment, the progress, the reviewed attempt and the
    # stamp of the airings; the lesson's body, downloads and quiz questions, the menu, the
    # footer and the session come from the cache
    assert after[0] <= 18 and after[1] <= 13


def test_a_quiz_answer_that_is_no_plain_number_is_refused_kindly(student, lessons, client_for):
    q1, q2 = quiz_on(lessons[0])
    client = client_for("student", user=student.user)
    response = client.post(
        f"/mis-lecciones/{lessons[0].pk}/cuestionario/", {f"q{q1.pk}": "²", f"q{q2.pk}": "1"}
    )
    assert response.status_code == 302
    assert "Responda todas las preguntas" in client.get(lessons[0].url).content.decode()
    assert not QuizAttempt.objects.exists()
