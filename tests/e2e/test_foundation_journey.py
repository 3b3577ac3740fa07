import pytest
from playwright.sync_api import expect

from tests.fixtures import LIVE_DB, TEST_PASSWORD

pytestmark = [pytest.mark.e2e, LIVE_DB]


@pytest.fixture
def site_tree():
    from cms.seed import seed

    seed()


def test_home_page_renders_in_spanish(page, site_tree):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Aprendiendo paso a paso"
    page.get_by_role("link", name="Programa").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Programa"


def test_admin_logs_in_and_sees_spanish_labels(page, make_user):
    make_user("superuser", username="admin-e2e")
    page.goto("/admin/")
    expect(page.get_by_label("Contraseña")).to_be_visible()
    page.get_by_label("Nombre de usuario").fill("admin-e2e")
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/admin/")
    expect(page.get_by_role("button", name="Páginas")).to_be_visible()
    expect(page.get_by_role("link", name="Imágenes")).to_be_visible()
    body = page.locator("body").inner_text()
    assert "Páginas" in body
    assert "Imágenes" in body
    assert "Pages" not in body.split()


def test_a_student_cannot_enter_the_admin(page, make_user):
    make_user("student", username="70000011")
    page.goto("/admin/login/")
    page.get_by_label("Nombre de usuario").fill("70000011")
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_text("No tiene permiso para acceder a la administración.")).to_be_visible()
    assert "/admin/login/" in page.url
