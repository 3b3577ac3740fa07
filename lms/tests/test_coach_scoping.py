"""Coaches see only the students and progress of the courses they coach (CoursePage.coaches):
the student list and its pages, imports, cards, Seguimiento and its CSV; superusers and the
"view all" permission see every course; a coach with no course gets an explanation. The lesson
material's player URLs play for enrolled students and media staff only."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.models import Enrollment, StudentImportJob
from lms.services import ProgressEventIn, progress_events_record
from lms.tests.factories import (
    MediaAssetFactory,
    course_coach_add,
    course_create,
    lesson_create,
    rendition_create,
    student_create,
    unit_create,
)
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.django_db

TRACKING = "/admin/seguimiento/"
STUDENTS = "/admin/estudiantes/"


def _event(lesson, *, position: float, days_ago: int = 0) -> ProgressEventIn:
    return ProgressEventIn(
        id=uuid.uuid4(),
        lesson=lesson.pk,
        type="position",
        at=timezone.now() - timedelta(days=days_ago, minutes=5),
        position_seconds=position,
        duration_seconds=100.0,
    )


@pytest.fixture
def two_courses(make_user):
    """Course X coached by Ana, course Y coached by Berta, a student and a lesson in each, with
    progress in each course (Yolanda stalled for ten days)."""
    x = course_create()
    y = course_create(slug="huertos-familiares", title="Huertos familiares")
    ana = make_user("coach", username="ana-coordina")
    berta = make_user("coach", username="berta-coordina")
    course_coach_add(course=x, user=ana)
    course_coach_add(course=y, user=berta)
    lesson_x = lesson_create(unit=unit_create(course=x), episode=1, code="EQUIS1")
    lesson_y = lesson_create(unit=unit_create(course=y), episode=1, code="YGRIEG")
    xavier = student_create(
        dni="48100001", course=x, first_names="Xavier", district="Jesús", phone="976100001"
    )
    yolanda = student_create(
        dni="48200001", course=y, first_names="Yolanda", district="Llacanora", phone="976200001"
    )
    progress_events_record(student=xavier, events=[_event(lesson_x, position=90.0)])
    progress_events_record(student=yolanda, events=[_event(lesson_y, position=10.0, days_ago=10)])
    return {
        "x": x,
        "y": y,
        "ana": ana,
        "berta": berta,
        "lesson_x": lesson_x,
        "lesson_y": lesson_y,
        "xavier": xavier,
        "yolanda": yolanda,
    }


def _csv_dnis(response) -> list[str]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row["dni"] for row in csv.DictReader(io.StringIO(content))]


def test_a_coach_lists_and_searches_only_the_students_of_their_course(two_courses, client_for):
    ana = client_for("coach", user=two_courses["ana"])
    html = ana.get(STUDENTS).content.decode()
    assert "48100001" in html and "Xavier" in html
    assert "48200001" not in html and "Yolanda" not in html
    assert "1 estudiante." in html
    searched = ana.get(STUDENTS + "?q=48200001").content.decode()
    assert "<td>48200001</td>" not in searched and "0 estudiantes." in searched
    assert "Yolanda" not in ana.get(STUDENTS + "?distrito=Llacanora").content.decode()


def test_a_student_in_two_courses_is_listed_once(two_courses, client_for):
    Enrollment.objects.create(student=two_courses["xavier"], course=two_courses["y"])
    course_coach_add(course=two_courses["y"], user=two_courses["ana"])
    html = client_for("coach", user=two_courses["ana"]).get(STUDENTS).content.decode()
    assert html.count("<td>48100001</td>") == 1
    assert "2 estudiantes." in html


def test_a_coach_cannot_open_reset_or_record_the_departure_of_another_courses_student(
    two_courses, client_for
):
    ana = client_for("coach", user=two_courses["ana"])
    yolanda = two_courses["yolanda"]
    for url in (f"{STUDENTS}{yolanda.pk}/nueva-contrasena/", f"{STUDENTS}{yolanda.pk}/retiro/"):
        assert ana.get(url).status_code == 404, url
    refused = ana.post(f"{STUDENTS}{yolanda.pk}/nueva-contrasena/")
    assert refused.status_code == 404
    assert "48200001" not in refused.content.decode()
    assert authenticate(username="48200001", password=TEST_PASSWORD) is not None
    enrollment = yolanda.enrollments.get()
    response = ana.post(f"{STUDENTS}{yolanda.pk}/retiro/", {"enrollment": enrollment.pk})
    assert response.status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.left_at is None
    # their own student: the card and the departure page work
    xavier = two_courses["xavier"]
    assert ana.get(f"{STUDENTS}{xavier.pk}/retiro/").status_code == 200
    card = ana.post(f"{STUDENTS}{xavier.pk}/nueva-contrasena/")
    assert card.status_code == 200 and "48100001" in card.content.decode()


def test_the_departure_page_lists_only_the_coachs_own_enrolments(two_courses, client_for):
    xavier = two_courses["xavier"]
    other = Enrollment.objects.create(student=xavier, course=two_courses["y"])
    ana = client_for("coach", user=two_courses["ana"])
    html = ana.get(f"{STUDENTS}{xavier.pk}/retiro/").content.decode()
    assert "Huertos familiares" not in html
    response = ana.post(f"{STUDENTS}{xavier.pk}/retiro/", {"enrollment": other.pk})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.left_at is None


def test_a_coach_imports_only_into_their_course(two_courses, client_for):
    ana = client_for("coach", user=two_courses["ana"])
    form = ana.get(STUDENTS + "importar/").content.decode()
    assert "Aprendiendo paso a paso" in form and "Huertos familiares" not in form
    response = ana.post(
        STUDENTS + "importar/",
        {
            "course": two_courses["y"].pk,
            "file": SimpleUploadedFile(
                "e.csv", b"dni,nombres,apellidos,distrito,zona,telefono\n", "text/csv"
            ),
            "consent": "on",
        },
    )
    assert response.status_code == 400
    assert "Elija uno de sus cursos." in response.content.decode()
    assert not StudentImportJob.objects.exists()


def test_a_coachs_import_cannot_rewrite_or_take_over_another_courses_student(two_courses):
    """Yolanda is only in course Y: Ana's file for course X with her DNI is refused, and nothing
    of Yolanda changes; Xavier (Ana's own) and a new student in the same file are not imported
    either (all or nothing)."""
    from lms.services import student_import_job_create, student_import_job_run

    content = (
        "dni,nombres,apellidos,distrito,zona,telefono\n"
        "48200001,Intrusa,Cambiada,Cajamarca,urbana,999999999\n"
        "48100001,Xavier,Nuevo Apellido,Jesús,rural,976100001\n"
        "48100099,Nueva,Estudiante,Jesús,rural,976100099\n"
    ).encode()
    job = student_import_job_create(
        course=two_courses["x"], content=content, filename="x.csv", user=two_courses["ana"]
    )
    student_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == StudentImportJob.Status.REJECTED
    assert any("otro curso que usted no coordina" in e["message"] for e in job.errors)
    yolanda = two_courses["yolanda"]
    yolanda.refresh_from_db()
    assert (yolanda.first_names, yolanda.phone) == ("Yolanda", "976200001")
    assert not Enrollment.objects.filter(student=yolanda, course=two_courses["x"]).exists()
    assert not Enrollment.objects.filter(student__dni="48100099").exists()

    # the same file from someone who sees every course enrols Yolanda in X as well
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("admin-importa", password=TEST_PASSWORD)
    job = student_import_job_create(
        course=two_courses["x"], content=content, filename="x.csv", user=admin
    )
    student_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == StudentImportJob.Status.DONE
    assert Enrollment.objects.filter(student=yolanda, course=two_courses["x"]).exists()


def test_a_coach_cannot_open_the_import_or_cards_of_another_courses_coach(two_courses, client_for):
    job = StudentImportJob.objects.create(
        course=two_courses["y"],
        created_by=two_courses["berta"],
        original_filename="huertos.csv",
        status=StudentImportJob.Status.DONE,
        roster=[{"dni": "48200009", "first_names": "Y", "last_names": "Z", "password": "x1"}],
    )
    ana = client_for("coach", user=two_courses["ana"])
    assert "huertos.csv" not in ana.get(STUDENTS).content.decode()
    for url in (f"{STUDENTS}importar/{job.pk}/", f"{STUDENTS}importar/{job.pk}/estado/"):
        assert ana.get(url).status_code in (302, 403), url
    refused = ana.post(f"{STUDENTS}importar/{job.pk}/tarjetas/")
    assert refused.status_code in (302, 403)
    assert "48200009" not in refused.content.decode()
    job.refresh_from_db()
    assert job.roster and job.roster_shown_at is None


def test_a_coach_taken_off_a_course_loses_its_import_and_cards(two_courses, client_for):
    job = StudentImportJob.objects.create(
        course=two_courses["y"],
        created_by=two_courses["berta"],
        status=StudentImportJob.Status.DONE,
        roster=[{"dni": "48200009", "first_names": "Y", "last_names": "Z", "password": "x1"}],
    )
    berta = client_for("coach", user=two_courses["berta"])
    assert berta.get(f"{STUDENTS}importar/{job.pk}/").status_code == 200
    two_courses["y"].coaches.through.objects.filter(user=two_courses["berta"]).delete()
    berta = client_for("coach", user=two_courses["berta"])
    assert berta.post(f"{STUDENTS}importar/{job.pk}/tarjetas/").status_code in (302, 403)


def test_seguimiento_shows_only_the_coachs_course(two_courses, client_for):
    ana = client_for("coach", user=two_courses["ana"])
    html = ana.get(TRACKING).content.decode()
    assert "Aprendiendo paso a paso: 1 estudiante matriculado" in html
    assert "Huertos familiares" not in html
    assert "Llacanora" not in html  # Yolanda's district is not in Ana's per-district chart
    assert "Jesús" in html
    # Yolanda stalled ten days ago, but in course Y: not in Ana's follow-up list
    assert "Yolanda" not in html and "976200001" not in html
    assert ana.get(TRACKING + f"?curso={two_courses['y'].pk}").status_code == 404
    berta_html = client_for("coach", user=two_courses["berta"]).get(TRACKING).content.decode()
    follow_up = berta_html[berta_html.index('id="sin-actividad"') :]
    assert "Yolanda" in follow_up and "976200001" in follow_up
    assert "Xavier" not in berta_html


def test_the_csv_export_holds_only_the_coachs_course(two_courses, client_for):
    ana = client_for("coach", user=two_courses["ana"])
    response = ana.get(TRACKING + "avance.csv")
    assert response.status_code == 200
    assert _csv_dnis(response) == ["48100001"]
    assert ana.get(TRACKING + f"avance.csv?curso={two_courses['y'].pk}").status_code == 404


def test_superusers_and_the_view_all_permission_see_every_course(
    two_courses, client_for, make_user
):
    boss = make_user("coach", username="jefa-coordinacion")
    boss.user_permissions.add(Permission.objects.get(codename="view_all_students"))
    for client in (client_for("superuser"), client_for("coach", user=boss)):
        html = client.get(STUDENTS).content.decode()
        assert "48100001" in html and "48200001" in html
        y = two_courses["y"].pk
        assert client.get(TRACKING + f"?curso={y}").status_code == 200
        assert _csv_dnis(client.get(TRACKING + f"avance.csv?curso={y}")) == ["48200001"]
        yolanda = two_courses["yolanda"].pk
        assert client.get(f"{STUDENTS}{yolanda}/nueva-contrasena/").status_code == 200


def test_a_coach_with_no_course_sees_an_explanation_not_an_error(two_courses, client_for):
    client = client_for("coach")  # in Coordinación, no course assigned
    for url in (STUDENTS, TRACKING, STUDENTS + "importar/"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Todavía no tiene un curso asignado" in html, url
        assert "48100001" not in html and "Xavier" not in html and "Yolanda" not in html
    assert client.get(TRACKING + "avance.csv").status_code == 404


def _tracking_queries(client) -> int:
    cache.clear()
    client.get(TRACKING)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TRACKING)
    assert response.status_code == 200
    return len(queries)


def test_the_scoped_view_query_count_is_constant_in_courses_lessons_and_students(
    two_courses, client_for
):
    ana_user = two_courses["ana"]
    before = _tracking_queries(client_for("coach", user=ana_user))
    # more courses for Ana, more lessons and students everywhere
    for n in range(3):
        course = course_create(slug=f"curso-{n}", title=f"Curso {n}")
        course_coach_add(course=course, user=ana_user)
        lesson = lesson_create(unit=unit_create(course=course), episode=1, code=f"OTRO{n}")
        for m in range(3):
            s = student_create(dni=f"4830{n}{m:03d}", course=course, district=f"Distrito {m}")
            progress_events_record(student=s, events=[_event(lesson, position=50.0)])
    unit_x = two_courses["lesson_x"].get_parent().specific
    lessons = [lesson_create(unit=unit_x, episode=n, code=f"MAS{n:03d}") for n in range(2, 6)]
    for m in range(6):
        s = student_create(dni=f"4840{m:04d}", course=two_courses["x"], district=f"Zona {m % 3}")
        progress_events_record(
            student=s, events=[_event(lesson, position=90.0) for lesson in lessons]
        )
    after = _tracking_queries(client_for("coach", user=ana_user))
    assert before == after
    assert after <= 20


# --- the lesson material's player URLs (/medios/ver/...) -----------------------------------------
@pytest.fixture
def lesson_media(two_courses):
    """An asset linked to lesson X's material, one only in lesson X's body, one on no lesson."""
    linked = MediaAssetFactory(title="Material enlazado")
    rendition_create(asset=linked, profile="audio")
    in_body = MediaAssetFactory(title="Material en el cuerpo")
    rendition_create(asset=in_body, profile="audio")
    loose = MediaAssetFactory(title="Video del sitio")
    rendition_create(asset=loose, profile="audio")
    unit_x = two_courses["lesson_x"].get_parent().specific
    lesson_create(unit=unit_x, episode=7, code="MEDIA7", assets=[linked])
    lesson_create(
        unit=unit_x, episode=8, code="MEDIA8", body=[("player", {"asset": in_body, "caption": ""})]
    )
    return {"linked": linked, "in_body": in_body, "loose": loose}


def _play(client, asset) -> int:
    return client.get(f"/medios/ver/{asset.pk}/audio.m4a").status_code


def test_lesson_material_plays_for_enrolled_students_and_media_staff_only(
    two_courses, lesson_media, client_for
):
    xavier = client_for("student", user=two_courses["xavier"].user)
    yolanda = client_for("student", user=two_courses["yolanda"].user)
    for key in ("linked", "in_body"):
        asset = lesson_media[key]
        assert _play(xavier, asset) == 200, key
        response = yolanda.get(f"/medios/ver/{asset.pk}/audio.m4a")
        assert response.status_code == 403, key
        assert "No tiene permiso" in response.content.decode()
        for role in ("presenter", "tv_staff", "coach", "validator", "superuser"):
            assert _play(client_for(role), asset) == 200, (key, role)
        for role in ("cabina_agent", "back_office"):
            assert _play(client_for(role), asset) == 403, (key, role)
        assert _play(client_for("anonymous"), asset) == 302, key


def test_material_of_a_draft_lesson_is_not_for_every_student(two_courses, client_for):
    draft_only = MediaAssetFactory(title="Material de un borrador")
    rendition_create(asset=draft_only, profile="audio")
    unit_x = two_courses["lesson_x"].get_parent().specific
    lesson_create(unit=unit_x, episode=9, code="BORR9", assets=[draft_only], live=False)
    assert _play(client_for("student", user=two_courses["yolanda"].user), draft_only) == 403
    assert _play(client_for("student", user=two_courses["xavier"].user), draft_only) == 200


def test_material_of_no_lesson_keeps_playing_for_signed_in_students(
    two_courses, lesson_media, client_for
):
    loose = lesson_media["loose"]
    assert _play(client_for("student", user=two_courses["yolanda"].user), loose) == 200
    assert _play(client_for("cabina_agent"), loose) == 403


def test_a_student_who_enrols_can_play_the_course_material(two_courses, lesson_media, client_for):
    yolanda = two_courses["yolanda"]
    client = client_for("student", user=yolanda.user)
    assert _play(client, lesson_media["in_body"]) == 403
    Enrollment.objects.create(student=yolanda, course=two_courses["x"])
    assert _play(client, lesson_media["in_body"]) == 200


def test_the_course_page_assigns_coaches_among_coordinacion_members(two_courses, client_for):
    from wagtail.test.utils.form_data import querydict_from_html

    x = two_courses["x"]
    admin = client_for("superuser")
    url = f"/admin/pages/{x.pk}/edit/"
    html = admin.get(url).content.decode()
    assert "Coordinación" in html and "berta-coordina" in html
    assert "48100001" not in html  # students are not offered as coaches
    form = querydict_from_html(html, form_id="page-edit-form")
    form.setlist("coaches", [str(two_courses["berta"].pk)])
    form["action-publish"] = "1"
    response = admin.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(x.coaches.values_list("username", flat=True)) == ["berta-coordina"]
    # Berta now follows course X too; Ana, taken off it, sees an explanation
    berta = client_for("coach", user=two_courses["berta"])
    assert "48100001" in berta.get(STUDENTS).content.decode()
    ana_html = client_for("coach", user=two_courses["ana"]).get(STUDENTS).content.decode()
    assert "Todavía no tiene un curso asignado" in ana_html and "48100001" not in ana_html


@pytest.mark.parametrize("role", ["presenter", "validator"])
def test_content_roles_edit_the_course_but_not_its_coaches(two_courses, client_for, role):
    from wagtail.test.utils.form_data import querydict_from_html

    x = two_courses["x"]
    client = client_for(role)
    url = f"/admin/pages/{x.pk}/edit/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="coaches"' not in html and "berta-coordina" not in html
    form = querydict_from_html(html, form_id="page-edit-form")
    form.setlist("coaches", [str(two_courses["berta"].pk)])  # a forged field is ignored
    form["title"] = "Aprendiendo paso a paso (2027)"
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(x.coaches.values_list("username", flat=True)) == ["ana-coordina"]
    latest = x.get_latest_revision_as_object()
    assert [u.username for u in latest.coaches.all()] == ["ana-coordina"]


def test_a_student_of_another_course_cannot_open_answer_or_read_a_lessons_progress(
    two_courses, client_for, api_client_for
):
    from lms.models import QuizAttempt, QuizQuestion

    lesson_x = two_courses["lesson_x"]
    question = QuizQuestion.objects.create(
        lesson=lesson_x, text="¿Dos más dos?", choices="Tres\nCuatro", correct_choice=2
    )
    yolanda = two_courses["yolanda"]
    site = client_for("student", user=yolanda.user)
    page = site.get(lesson_x.url)
    assert page.status_code in (403, 404)
    assert "Xavier" not in page.content.decode()
    answered = site.post(f"/mis-lecciones/{lesson_x.pk}/cuestionario/", {f"q{question.pk}": "2"})
    assert answered.status_code in (403, 404)
    assert not QuizAttempt.objects.exists()
    summaries = api_client_for("student", user=yolanda.user).get("/api/v1/lms/me/progress")
    assert [s["lesson"] for s in summaries.json()["summaries"]] == [two_courses["lesson_y"].pk]
