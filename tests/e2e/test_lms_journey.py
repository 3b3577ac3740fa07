"""A student on a 360-px phone logs in with their DNI, opens the latest lesson from "Mis
lecciones", sees each download's size in MB and downloads the audio; a coach then gives the
student a new password on a printed card, and the new password works."""

import pytest
from playwright.sync_api import expect

from lms.models import LessonDownload
from lms.tests.factories import (
    MediaAssetFactory,
    course_coach_add,
    course_create,
    document_create,
    lesson_create,
    rendition_create,
    student_create,
    unit_create,
)
from tests.e2e.accessibility import assert_accessible, horizontal_overflow
from tests.fixtures import LIVE_DB, TEST_PASSWORD

pytestmark = [pytest.mark.e2e, LIVE_DB]


@pytest.fixture
def phone_page(browser, live_server):
    """The shared 360-px phone page, allowed to inject axe-core past the site's CSP (the check
    is test tooling; the pages themselves run no inline script)."""
    context = browser.new_context(
        locale="es-PE",
        timezone_id="America/Lima",
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def course_with_lessons():
    course = course_create()
    unit = unit_create(course=course, number=1, title="Unidad 1: Mi celular, paso a paso")
    lesson_create(unit=unit, episode=1, title="Conozco mi celular")
    lesson_create(unit=unit, episode=2, title="Llamadas y mensajes")
    asset = MediaAssetFactory(title="Clase 3")
    rendition_create(asset=asset, profile="audio")
    latest = lesson_create(
        unit=unit,
        episode=3,
        title="Cuido mis datos móviles",
        assets=[asset],
        body=[("document", document_create(title="Ficha de trabajo"))],
    )
    student = student_create(dni="45678912", course=course, first_names="Marleni")
    return {"course": course, "latest": latest, "student": student}


def _student_login(page, dni: str, password: str) -> None:
    page.goto("/cuenta/ingresar/")
    page.get_by_label("DNI").fill(dni)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar").click()


def test_student_downloads_the_latest_lesson_and_a_coach_resets_the_password(
    phone_page, page, make_user, course_with_lessons
):
    student = course_with_lessons["student"]
    _student_login(phone_page, student.dni, TEST_PASSWORD)
    phone_page.wait_for_url("**/mis-lecciones/")
    expect(phone_page.get_by_role("heading", name="Mis lecciones")).to_be_visible()
    latest = phone_page.locator(".latest")
    expect(latest).to_contain_text("Lección 3: Cuido mis datos móviles")
    expect(latest).to_be_in_viewport()
    assert_accessible(phone_page)
    latest.get_by_role("link", name="Abrir la lección 3").click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Cuido mis datos móviles")
    downloads = phone_page.locator(".downloads").first
    audio_link = downloads.get_by_role("link", name="Solo audio — 0,1 MB")
    expect(audio_link).to_be_visible()
    expect(downloads.get_by_role("link", name="Ficha de trabajo (PDF) — 0,1 MB")).to_be_visible()
    assert horizontal_overflow(phone_page) == 0, "la lección no debe desbordar 360 px"
    assert_accessible(phone_page)
    with phone_page.expect_download() as download_info:
        audio_link.click()
    download = download_info.value
    assert download.suggested_filename == "leccion-3-solo-audio.m4a"
    assert download.failure() is None
    assert (
        LessonDownload.objects.filter(
            student=student, lesson=course_with_lessons["latest"], rendition__profile="audio"
        ).count()
        == 1
    )

    # the coach gives the student a new password on a printed card
    course_coach_add(
        course=course_with_lessons["course"], user=make_user("coach", username="coordinacion-e2e")
    )
    page.goto("/admin/login/")
    page.get_by_label("Nombre de usuario").fill("coordinacion-e2e")
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/estudiantes/?q={student.dni}")
    page.get_by_role("link", name="Nueva contraseña y tarjeta").click()
    with page.context.expect_page() as card_info:
        page.get_by_role("button", name="Crear nueva contraseña e imprimir la tarjeta").click()
    card = card_info.value
    card.wait_for_load_state()
    expect(card.locator(".dni")).to_have_text(student.dni)
    new_password = card.locator(".password").inner_text().strip()
    assert new_password and new_password != TEST_PASSWORD

    # the old password no longer works; the new one does
    phone_page.context.clear_cookies()
    _student_login(phone_page, student.dni, TEST_PASSWORD)
    expect(phone_page.get_by_text("Usuario o contraseña incorrectos")).to_be_visible()
    _student_login(phone_page, student.dni, new_password)
    phone_page.wait_for_url("**/mis-lecciones/")
    expect(phone_page.get_by_text("Hola, Marleni.")).to_be_visible()
