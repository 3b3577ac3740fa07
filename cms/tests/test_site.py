import pytest
from django.core.management import call_command

from cms.models import HomePage, StandardPage
from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_tree():
    from cms.seed import seed

    seed()
    return HomePage.objects.get()


def test_home_page_renders_in_spanish_with_menu_and_footer(client, site_tree):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Aprendiendo paso a paso" in html
    assert 'href="/programa/"' in html
    assert "Saltar al contenido" in html
    assert "Municipalidad Provincial de Cajamarca" in html


def test_pages_reference_no_outside_host(client, site_tree):
    for url in ["/", "/programa/", "/buscar/?q=canal", "/cuenta/ingresar/"]:
        html = client.get(url).content.decode()
        assert "http://" not in html.replace("http://testserver", "")
        assert "https://" not in html, url


def test_program_page_shows_the_broadcast_schedule(client, site_tree):
    html = client.get("/programa/").content.decode()
    assert "canal 7" in html and "Canal 25" in html
    assert "21:00 a 22:00" in html


def test_search_finds_live_pages(client, site_tree):
    call_command("update_index", verbosity=0)
    html = client.get("/buscar/", {"q": "conductoras"}).content.decode()
    assert "Resultados para «conductoras»" in html
    assert 'href="/programa/"' in html
    empty = client.get("/buscar/", {"q": "zzzzqqq"}).content.decode()
    assert "No encontramos nada" in empty


def test_seed_demo_prints_one_account_per_role_when_debug_and_a_second_run_adds_nothing(
    capsys, settings
):
    """One test for both (each run of the whole demo costs seconds)."""
    settings.DEBUG = True
    call_command("seed_demo")
    first_run = capsys.readouterr().out
    for role in [
        "Superusuario",
        "Estudiantes",
        "Conductoras",
        "Personal TV",
        "Coordinación",
        "Validación",
        "Agentes de cabina",
        "Mesa de partes",
    ]:
        assert role in first_run
    counts = (HomePage.objects.count(), StandardPage.objects.count())
    call_command("seed_demo")
    second_run = capsys.readouterr().out.split("cms.seed")[-1]
    # one home; the standard pages are "Programa" and the apps' own (e.g. "Trámites en línea")
    assert (HomePage.objects.count(), StandardPage.objects.count()) == counts
    assert counts[0] == 1 and StandardPage.objects.filter(slug="programa").exists()
    assert "0 nuevos" in second_run


def test_site_login_is_throttled_after_repeated_failures(client, make_user, settings, site_tree):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": (3, 300)}
    make_user("student", username="70000009")
    for _ in range(3):
        response = client.post("/cuenta/ingresar/", {"username": "70000009", "password": "mala"})
        assert "Usuario o contraseña incorrectos" in response.content.decode()
    response = client.post("/cuenta/ingresar/", {"username": "70000009", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Demasiados intentos fallidos" in response.content.decode()


def test_admin_login_is_throttled_after_repeated_failures(client, make_user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": (3, 300)}
    make_user("coach", username="carmen")
    for _ in range(3):
        client.post("/admin/login/", {"username": "carmen", "password": "mala"})
    response = client.post("/admin/login/", {"username": "carmen", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Demasiados intentos fallidos" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_site_login_then_logout(client, make_user, site_tree):
    make_user("student", username="70000010")
    response = client.post("/cuenta/ingresar/", {"username": "70000010", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post("/cuenta/salir/")
    assert "_auth_user_id" not in client.session


def test_home_page_shows_todays_tv_and_the_ways_in(client, site_tree):
    html = client.get("/").content.decode()
    assert "Hoy en TV" in html
    for href in ["/aprendiendo-paso-a-paso/", "/programacion/", "/tramites/seguimiento/"]:
        assert f'href="{href}"' in html


@pytest.mark.parametrize("next_url", ["0001-01-01", "mis-lecciones", '"\x00(', ""])
def test_signed_in_staff_opening_the_admin_login_with_any_next_go_to_the_dashboard(
    client_for, next_url
):
    response = client_for("coach").get("/admin/login/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_signed_in_staff_opening_the_admin_login_keep_a_next_path_of_the_site(client_for):
    response = client_for("coach").get("/admin/login/", {"next": "/admin/seguimiento/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/seguimiento/"
