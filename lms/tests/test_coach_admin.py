import re

import pytest
from django.contrib.auth import authenticate
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lms.models import StudentImportJob, StudentProfile
from lms.tests.factories import course_coach_add, course_create, student_create
from tests.fixtures import LIVE_DB, wait_for

CSV = (
    "dni,nombres,apellidos,distrito,zona,telefono\n"
    "42000001,Juana,Quispe Ocas,Jesús,rural,976000111\n"
    "42000002,Elmer,Cerdán Bazán,Cajamarca,urbana,\n"
)


def _upload(client: Client, course, text: str = CSV, **extra):
    return client.post(
        "/admin/estudiantes/importar/",
        {
            "course": course.pk,
            "file": SimpleUploadedFile("estudiantes.csv", text.encode(), "text/csv"),
            "consent": "on",
            **extra,
        },
    )


def _passwords(html: str) -> dict[str, str]:
    dnis = re.findall(r'<dd class="dni">(\d{8})</dd>', html)
    passwords = re.findall(r'<dd class="password">([a-z0-9]+)</dd>', html)
    return dict(zip(dnis, passwords, strict=True))


@LIVE_DB
def test_a_coach_imports_a_file_with_a_progress_bar_and_prints_the_cards_once(
    client_for, users, celery_worker_process
):
    course = course_create()
    course_coach_add(course=course, user=users["coach"])
    coach = client_for("coach")
    response = _upload(coach, course)
    assert response.status_code == 302
    job = StudentImportJob.objects.get()
    assert response["Location"] == f"/admin/estudiantes/importar/{job.pk}/"
    assert job.consent_confirmed
    page = coach.get(response["Location"]).content.decode()
    assert "<progress" in page or "Importación terminada" in page

    def finished():
        data = coach.get(f"/admin/estudiantes/importar/{job.pk}/estado/").json()
        return data if data["finished"] else None

    status = wait_for(finished, timeout=60, message="La importación no terminó")
    assert (status["status"], status["progress"]) == ("done", 100)
    page = coach.get(f"/admin/estudiantes/importar/{job.pk}/").content.decode()
    assert "Estudiantes nuevos: 2" in page
    cards = coach.post(f"/admin/estudiantes/importar/{job.pk}/tarjetas/")
    assert cards.status_code == 200
    assert "no-store" in cards["Cache-Control"]
    passwords = _passwords(cards.content.decode())
    assert set(passwords) == {"42000001", "42000002"}
    assert authenticate(username="42000001", password=passwords["42000001"]) is not None
    again = coach.post(f"/admin/estudiantes/importar/{job.pk}/tarjetas/")
    assert again.status_code == 410
    assert "42000001" not in again.content.decode()
    job.refresh_from_db()
    assert job.roster == [] and bytes(job.content) == b""


@LIVE_DB
def test_a_rejected_file_shows_each_error_by_row_and_column(
    client_for, users, celery_worker_process
):
    course = course_create()
    course_coach_add(course=course, user=users["coach"])
    coach = client_for("coach")
    _upload(coach, course, CSV + "123,Ana,Ruiz,Lima,urbana,\n")
    job = StudentImportJob.objects.get()
    wait_for(
        lambda: StudentImportJob.objects.get(pk=job.pk).finished,
        timeout=60,
        message="La importación no terminó",
    )
    html = coach.get(f"/admin/estudiantes/importar/{job.pk}/").content.decode()
    assert "No se importó nada" in html
    assert "<td>4</td><td>dni</td>" in html
    assert "<td>4</td><td>distrito</td>" in html
    assert StudentProfile.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["student", "presenter", "validator", "tv_staff", "anonymous"])
def test_only_coaches_reach_the_students_admin(client_for, role, course):
    client = client_for(role)
    for url in ["/admin/estudiantes/", "/admin/estudiantes/importar/"]:
        response = client.get(url)
        assert response.status_code in (302, 403), (role, url)
        if response.status_code == 302:
            assert "/login/" in response["Location"] or response["Location"] == "/admin/"
    assert _upload(client, course).status_code in (302, 403)
    assert not StudentImportJob.objects.exists()


@pytest.mark.django_db
def test_another_coach_cannot_see_an_import_or_its_cards(client_for, make_user, course):
    owner = client_for("coach")
    _upload(owner, course)
    job = StudentImportJob.objects.get()
    StudentImportJob.objects.filter(pk=job.pk).update(
        status=StudentImportJob.Status.DONE, roster=[{"dni": "42000001", "password": "x"}]
    )
    intruder = client_for("coach", user=make_user("coach"))
    # the admin turns a refusal into a redirect to its dashboard, with a message
    assert intruder.get(f"/admin/estudiantes/importar/{job.pk}/").status_code in (302, 403)
    refused = intruder.post(f"/admin/estudiantes/importar/{job.pk}/tarjetas/")
    assert refused.status_code in (302, 403)
    assert "42000001" not in refused.content.decode()
    job.refresh_from_db()
    assert job.roster and job.roster_shown_at is None


@pytest.mark.django_db
def test_the_import_form_requires_consent_and_a_csv(client_for, course):
    coach = client_for("coach")
    response = coach.post(
        "/admin/estudiantes/importar/",
        {"course": course.pk, "file": SimpleUploadedFile("lista.xlsx", b"PK\x03\x04")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Confirme el consentimiento" in html
    assert "Suba un archivo .csv" in html
    assert not StudentImportJob.objects.exists()


@pytest.mark.django_db
def test_a_coach_resets_a_password_and_gets_a_printable_card(client_for, token_for, course):
    student = student_create(dni="43000001", course=course, first_names="Nelly")
    old_session = client_for("student", user=student.user)
    assert old_session.get("/mis-lecciones/").status_code == 200
    old_token = token_for("student", user=student.user)
    coach = client_for("coach")
    listing = coach.get("/admin/estudiantes/?q=43000001").content.decode()
    assert "43000001" in listing
    assert f"/admin/estudiantes/{student.pk}/nueva-contrasena/" in listing
    confirm = coach.get(f"/admin/estudiantes/{student.pk}/nueva-contrasena/")
    assert confirm.status_code == 200
    card = coach.post(f"/admin/estudiantes/{student.pk}/nueva-contrasena/")
    assert card.status_code == 200
    password = _passwords(card.content.decode())["43000001"]
    assert authenticate(username="43000001", password=password) is not None
    assert authenticate(username="43000001", password="clave-de-prueba-2026") is None
    assert "Nelly" in card.content.decode()
    # whoever used the old password is out
    assert old_session.get("/mis-lecciones/").status_code == 302
    me = Client(HTTP_AUTHORIZATION=f"Bearer {old_token}").get("/api/v1/auth/me")
    assert me.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["student", "presenter", "validator"])
def test_other_roles_cannot_reset_a_password(client_for, role, course):
    student = student_create(dni="43000002", course=course)
    response = client_for(role).post(f"/admin/estudiantes/{student.pk}/nueva-contrasena/")
    assert response.status_code in (302, 403)
    assert authenticate(username="43000002", password="clave-de-prueba-2026") is not None


@pytest.mark.django_db
def test_the_students_menu_shows_for_coaches_only(client_for):
    assert "/admin/estudiantes/" in client_for("coach").get("/admin/").content.decode()
    assert "/admin/estudiantes/" not in client_for("presenter").get("/admin/").content.decode()


@pytest.mark.parametrize("field", ["q", "distrito", "zona"])
def test_a_nul_character_in_the_students_search_is_ignored(client_for, course, field):
    """PostgreSQL refuses NUL in a text parameter; the search must not pass it on."""
    student_create(dni="43000002", course=course, first_names="Nelly")
    value = {"q": "Nelly\x00", "distrito": "\x00", "zona": "\x00"}[field]
    response = client_for("coach").get("/admin/estudiantes/", {field: value})
    assert response.status_code == 200
    assert "43000002" in response.content.decode()
