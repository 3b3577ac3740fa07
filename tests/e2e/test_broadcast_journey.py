"""A presenter plans an overdue episode from "Mis episodios"; TV staff download the rundown."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from broadcast.models import Airing, Episode
from broadcast.services import week_start
from broadcast.tests.factories import build_course, episode_on, install_programme, lima
from tests.fixtures import LIVE_DB, TEST_PASSWORD

pytestmark = [pytest.mark.e2e, LIVE_DB]


def admin_login(page, username: str) -> None:
    page.goto("/admin/login/")
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/admin/")


@pytest.fixture
def overdue_episode(make_user):
    presenter = make_user("presenter", username="conductora.e2e", first_name="Rosa")
    lessons = build_course(1)
    install_programme()
    # The next premiere is at most a week away: its script (due 7 days before) is overdue.
    premiere = (
        Airing.objects.filter(kind="premiere", starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    return episode_on(lessons[0], premiere, [presenter])


def test_presenter_attaches_overdue_script_and_moves_episode_forward(
    page, overdue_episode, tmp_path
):
    admin_login(page, "conductora.e2e")
    page.get_by_role("link", name="Mis episodios").first.click()
    expect(page.get_by_role("heading", name="Mis episodios").first).to_be_visible()
    overdue = page.locator(".deadline.overdue", has_text="Guion")
    expect(overdue).to_contain_text("vencido")
    expect(overdue).to_have_css("color", "rgb(176, 0, 32)")  # red
    expect(page.get_by_label("Enlace del calendario")).to_have_value(
        re.compile(r"/broadcast/feeds/presenter/.+\.ics$")
    )

    page.get_by_role("link", name="Episodio 11: Lección 1: el presupuesto familiar").click()
    script = tmp_path / "guion-episodio-11.txt"
    script.write_text("Guion del episodio 11: presentación, ejemplo, código del día.")
    page.get_by_label("Guion (documento)").set_input_files(str(script))
    page.get_by_role("button", name="Guardar y pasar a «Guion»").click()
    expect(page.get_by_text("Episodio actualizado.")).to_be_visible()
    expect(page.get_by_text("Estado: Guion")).to_be_visible()
    expect(page.locator(".deadline.done", has_text="Guion")).to_contain_text("listo")

    episode = Episode.objects.get(pk=overdue_episode.pk)
    assert episode.state == "guion" and episode.script is not None


def test_tv_staff_downloads_the_weeks_rundown(page, make_user, overdue_episode):
    make_user("tv_staff", username="tvnorte.e2e")
    admin_login(page, "tvnorte.e2e")
    page.goto("/admin/programacion/calendario/")
    expect(page.get_by_role("heading", name="Calendario de emisiones").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Descargar la programación de la semana (CSV)").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    monday = week_start(timezone.localdate())
    this_week = Airing.objects.filter(
        starts_at__gte=lima(monday, 0), starts_at__lt=lima(monday + timedelta(days=7), 0)
    )
    assert len(rows) == this_week.count() > 0
    assert {r["canal"] for r in rows} <= {"Canal 7", "Canal 25"}
    assert any(r["tipo"] == "Estreno" and r["inicio"] == "21:00" for r in rows)
