"""Retention of students' data (Ley 29733): a student who left every course longer ago than
RETENTION_STUDENTS_DAYS is anonymised; progress and the coaches' aggregates stay."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from core.tasks import anonymise_personal_data_task
from lms.models import (
    Enrollment,
    LessonProgress,
    LessonStats,
    StudentImportJob,
    StudentProfile,
)
from lms.selectors import tracking_dashboard
from lms.services import ProgressEventIn, progress_events_record
from lms.tests.factories import course_create, lesson_create, student_create
from tests.fixtures import LIVE_DB, TEST_PASSWORD, wait_for

pytestmark = pytest.mark.django_db
User = get_user_model()


def _watch(student, lesson) -> None:
    progress_events_record(
        student=student,
        events=[
            ProgressEventIn(
                id=uuid.uuid4(),
                lesson=lesson.pk,
                type="position",
                at=timezone.now() - timedelta(minutes=5),
                position_seconds=90.0,
                duration_seconds=100.0,
            )
        ],
    )


def _left(student, *, days_ago: int, course=None) -> None:
    enrollments = Enrollment.objects.filter(student=student)
    if course is not None:
        enrollments = enrollments.filter(course=course)
    enrollments.update(left_at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def students(course, unit):
    """ "gone": left 2 years ago; "recent": left last month; "current": still enrolled;
    "half": left one course 2 years ago, still in another. Each watched the lesson."""
    lesson = lesson_create(unit=unit, episode=1, code="UNO01")
    other_course = course_create(slug="otro-curso", title="Otro curso")
    people = {
        "gone": student_create(
            dni="40000011",
            course=course,
            first_names="Rosa",
            last_names="Chilón",
            phone="976000111",
            district="Jesús",
        ),
        "recent": student_create(dni="40000012", course=course, district="Jesús"),
        "current": student_create(dni="40000013", course=course, district="Cajamarca"),
        "half": student_create(dni="40000014", course=course, district="Cajamarca"),
    }
    Enrollment.objects.create(student=people["half"], course=other_course)
    for student in people.values():
        _watch(student, lesson)
    _left(people["gone"], days_ago=2 * 365)
    _left(people["recent"], days_ago=30)
    _left(people["half"], days_ago=2 * 365, course=course)
    people["course"] = course
    return people


def _run(*args: str) -> str:
    out = StringIO()
    call_command("anonimizar_datos", *args, stdout=out)
    return out.getvalue()


def _people() -> list[tuple]:
    return list(
        StudentProfile.objects.order_by("pk").values_list(
            "dni",
            "first_names",
            "last_names",
            "phone",
            "district",
            "zone",
            "anonymised_at",
            "user__username",
            "user__email",
            "user__is_active",
            "user__password",
        )
    )


def test_a_student_who_left_long_ago_is_anonymised_and_keeps_district_and_progress(students):
    gone = students["gone"]
    output = _run()

    assert "Anonimizados: 1 estudiantes" in output
    profile = StudentProfile.objects.select_related("user").get(pk=gone.pk)
    assert profile.dni != "40000011" and not profile.dni.isdigit() and len(profile.dni) == 8
    assert (profile.first_names, profile.last_names, profile.phone) == (
        "Estudiante",
        "anonimizado",
        "",
    )
    assert profile.district == "Jesús" and profile.anonymised_at is not None
    user = profile.user
    assert user.username == f"anonimo-{gone.user_id}"
    assert (user.first_name, user.last_name, user.email) == ("", "", "")
    assert not user.is_active and not user.has_usable_password()
    assert not user.groups.exists()
    assert LessonProgress.objects.filter(student=gone).count() == 1
    assert Enrollment.objects.filter(student=gone).count() == 1


def test_an_anonymised_student_gets_no_new_password(students, client_for):
    gone = students["gone"]
    _run()
    client = client_for("coach")
    for method in ("get", "post"):
        response = getattr(client, method)(f"/admin/estudiantes/{gone.pk}/nueva-contrasena/")
        assert response.status_code == 409
        assert "fueron anonimizados" in response.content.decode()
    assert not User.objects.get(pk=gone.user_id).has_usable_password()
    listing = client.get("/admin/estudiantes/").content.decode()
    assert f"/admin/estudiantes/{gone.pk}/nueva-contrasena/" not in listing
    assert f"/admin/estudiantes/{students['current'].pk}/nueva-contrasena/" in listing


def test_students_still_enrolled_or_recently_gone_keep_their_data(students):
    before = {k: students[k].dni for k in ("recent", "current", "half")}
    _run()
    for key, dni in before.items():
        profile = StudentProfile.objects.select_related("user").get(pk=students[key].pk)
        assert profile.dni == dni and profile.anonymised_at is None
        assert profile.user.username == dni and profile.user.is_active


def test_an_anonymised_student_can_no_longer_log_in_or_use_a_token(students, client, token_for):
    gone = students["gone"]
    assert client.login(username="40000011", password=TEST_PASSWORD)
    client.logout()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token_for('student', gone.user)}"}
    assert client.get("/api/v1/auth/me", **bearer).status_code == 200
    _run()
    assert not client.login(username="40000011", password=TEST_PASSWORD)
    assert not client.login(username=f"anonimo-{gone.user_id}", password=TEST_PASSWORD)
    assert client.get("/api/v1/auth/me", **bearer).status_code == 401
    User.objects.filter(pk=gone.user_id).update(is_active=True)
    assert client.get("/api/v1/auth/me", **bearer).status_code == 401


def test_the_coaches_aggregates_are_the_same_after_the_run(students):
    course = students["course"]
    before = (
        tracking_dashboard(course=course),
        list(LessonStats.objects.order_by("pk").values()),
    )
    _run()
    after = (
        tracking_dashboard(course=course),
        list(LessonStats.objects.order_by("pk").values()),
    )
    assert after == before


def test_a_dry_run_changes_nothing_and_a_second_run_is_a_no_op(students):
    before = _people()
    assert "Se anonimizarían: 1 estudiantes" in _run("--dry-run")
    assert _people() == before
    _run()
    first = _people()
    assert first != before
    assert "Anonimizados: 0 estudiantes" in _run()
    assert _people() == first


@override_settings(RETENTION_STUDENTS_DAYS=20)
def test_the_weekly_task_runs_the_same_retention_with_the_configured_period(students):
    result = anonymise_personal_data_task.apply().get()
    assert result == {"submissions": 0, "attachments": 0, "students": 2, "import_jobs": 0}
    anonymised = set(
        StudentProfile.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    )
    assert anonymised == {students["gone"].pk, students["recent"].pk}


def test_the_beat_schedule_runs_the_retention_weekly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["retention-anonymise"]
    assert entry["task"] == anonymise_personal_data_task.name
    assert entry["schedule"].day_of_week == {0}  # Sunday


# --- the coach records the departure ----------------------------------------------------------
def test_a_coach_records_and_undoes_a_departure(client_for, students):
    client = client_for("coach")
    current = students["current"]
    url = f"/admin/estudiantes/{current.pk}/retiro/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Registrar retiro" in page.content.decode() and "un año" in page.content.decode()
    enrollment = Enrollment.objects.get(student=current)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        enrolled_at=timezone.now() - timedelta(days=900)
    )

    response = client.post(url, {"enrollment": enrollment.pk, "left_on": "2026-01-15"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert timezone.localtime(enrollment.left_at).date().isoformat() == "2026-01-15"

    client.post(url, {"enrollment": enrollment.pk, "undo": "on"})
    enrollment.refresh_from_db()
    assert enrollment.left_at is None


def test_a_departure_date_in_the_future_or_of_another_student_is_refused(client_for, students):
    client = client_for("coach")
    current = students["current"]
    url = f"/admin/estudiantes/{current.pk}/retiro/"
    mine = Enrollment.objects.get(student=current)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(url, {"enrollment": mine.pk, "left_on": future})
    assert response.status_code == 400
    assert "no puede ser futura" in response.content.decode()
    before_enrolment = (timezone.localdate() - timedelta(days=10)).isoformat()
    response = client.post(url, {"enrollment": mine.pk, "left_on": before_enrolment})
    assert response.status_code == 400
    assert "no puede ser anterior a la matrícula" in response.content.decode()
    theirs = Enrollment.objects.get(student=students["recent"])
    response = client.post(url, {"enrollment": theirs.pk})
    assert response.status_code == 400
    assert "no es de este estudiante" in response.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.left_at is None
    assert theirs.left_at is not None and theirs.left_at < timezone.now() - timedelta(days=20)


def test_the_login_page_states_the_configured_period(client):
    with override_settings(RETENTION_STUDENTS_DAYS=2 * 365):
        html = client.get("/cuenta/ingresar/").content.decode()
    assert "hasta 2 años después de dejarlo" in html


def test_the_run_takes_the_same_queries_for_one_student_or_three(students):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lms.retention import students_anonymise

    now = timezone.now()
    with CaptureQueriesContext(connection) as one:
        assert students_anonymise(cutoff=now - timedelta(days=365)) == 1
    _left(students["current"], days_ago=2 * 365)
    _left(students["half"], days_ago=2 * 365)
    with CaptureQueriesContext(connection) as three:
        assert students_anonymise(cutoff=now - timedelta(days=20)) == 3
    assert len(three) == len(one)


def test_old_student_imports_lose_the_rows_they_quote_and_keep_their_counts(students, make_user):
    coach = make_user("coach")
    quoted = [{"row": 3, "column": "dni", "message": "El DNI 40000099 ya aparece en la fila 2."}]
    roster = [{"dni": "40000098", "first_names": "Ana", "password": "clave-inicial"}]
    old, recent = (
        StudentImportJob.objects.create(
            course=students["course"],
            created_by=coach,
            status=StudentImportJob.Status.DONE,
            errors=quoted,
            roster=roster,
            created_count=1,
            finished_at=timezone.now() - timedelta(days=days),
        )
        for days in (2 * 365, 10)
    )
    assert "Importaciones de estudiantes a vaciar: 1" in _run("--dry-run")
    assert StudentImportJob.objects.get(pk=old.pk).errors == quoted
    assert "Importaciones de estudiantes vaciadas: 1" in _run()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.errors, old.roster, old.created_count) == ([], [], 1)
    assert (recent.errors, recent.roster) == (quoted, roster)
    assert "Importaciones de estudiantes vaciadas: 0" in _run()


@LIVE_DB
@pytest.mark.worker
def test_the_task_sent_through_the_broker_anonymises_in_the_worker(celery_worker_process):
    from core.models import RetentionRun

    course = course_create()
    gone = student_create(dni="40000021", course=course)
    _left(gone, days_ago=2 * 365)
    anonymise_personal_data_task.delay()
    run = wait_for(
        lambda: RetentionRun.objects.first(),
        message="El worker no ejecutó la retención enviada por el broker",
    )
    assert run.students == 1
    gone.refresh_from_db()
    assert gone.anonymised_at is not None and gone.dni != "40000021"


def test_a_student_whose_course_was_deleted_is_anonymised_once_the_period_has_passed(course):
    """Deleting a course page deletes its enrolments: the profile must not keep its personal
    data for ever. A profile younger than the period, or with another course, stays."""
    old = student_create(dni="40000021", course=course, first_names="Elmer")
    young = student_create(dni="40000022", course=course)
    other_course = course_create(slug="otro-curso", title="Otro curso")
    elsewhere = student_create(dni="40000023", course=other_course)
    StudentProfile.objects.filter(pk__in=[old.pk, elsewhere.pk]).update(
        created_at=timezone.now() - timedelta(days=3 * 365)
    )
    Enrollment.objects.filter(course=course).delete()  # what deleting the course page does

    assert "Anonimizados: 1 estudiantes" in _run()
    dnis = dict(StudentProfile.objects.values_list("pk", "dni"))
    assert not dnis[old.pk].isdigit()
    assert dnis[young.pk] == "40000022"
    assert dnis[elsewhere.pk] == "40000023"
