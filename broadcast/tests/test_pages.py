import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from broadcast.models import Airing, Episode
from broadcast.tests.factories import next_week

pytestmark = pytest.mark.django_db


def test_schedule_page_shows_this_week_for_both_channels_without_script(client, scheduled):
    response = client.get("/programacion/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Programación de TV</h1>" in html
    assert "TV Norte canal 7" in html and "Canal 25" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    for link in (
        "/broadcast/feeds/all.ics",
        "/broadcast/feeds/canal-7.ics",
        "/broadcast/feeds/canal-25.ics",
        "/broadcast/feeds/epg.xml",
        "/broadcast/feeds/rundown.csv",
    ):
        assert link in html


def test_schedule_page_next_week_lists_the_episodes(client, scheduled):
    html = client.get(f"/programacion/?semana={next_week(0)}").content.decode()
    assert "Episodio 11: Lección 1" in html
    assert html.count("21:00–22:00") == 3
    assert html.count("20:00–21:00") == 5


def test_schedule_page_refuses_a_bad_week_in_spanish(client, programme):
    response = client.get("/programacion/?semana=mañana")
    assert response.status_code == 400
    assert "no es una fecha válida" in response.content.decode()


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-03"])
def test_schedule_page_refuses_a_week_out_of_range_in_spanish(client, programme, week):
    response = client.get("/programacion/", {"semana": week})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Semana fuera de rango" in html
    assert "<h1>Programación de TV</h1>" in html


def test_schedule_page_at_the_last_week_in_range_links_no_week_beyond(client, programme):
    response = client.get("/programacion/", {"semana": "2100-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "?semana=2100-12-20" in html
    assert "?semana=2101-" not in html
    first = client.get("/programacion/", {"semana": "2000-01-05"}).content.decode()
    assert "?semana=2000-01-10" in first and "?semana=1999-" not in first


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31"])
def test_admin_calendar_refuses_a_week_out_of_range_in_spanish(client_for, programme, week):
    response = client_for("tv_staff").get("/admin/programacion/calendario/", {"semana": week})
    assert response.status_code == 400
    assert "Semana fuera de rango" in response.content.decode()


def test_next_airing_tag_says_when_a_lesson_airs(scheduled):
    lesson = scheduled[0].lesson
    html = Template(
        "{% load broadcast_tags %}{% next_airing lesson as airing %}"
        "{% if airing %}{{ airing }}{% endif %}"
    ).render(Context({"lesson": lesson}))
    assert html.startswith(
        "Se emite el miércoles 21:00 por Canal 7; repetición el jueves 20:00 por Canal 25"
    )
    assert "el sábado 16:00" in html


def test_next_airing_tag_is_empty_for_a_lesson_without_airings(lessons, programme):
    html = Template(
        "{% load broadcast_tags %}{% next_airing lesson as airing %}"
        "[{% if airing %}{{ airing }}{% endif %}]"
    ).render(Context({"lesson": lessons[0]}))
    assert html == "[]"


def test_today_on_tv_block_lists_todays_airings(scheduled):
    from broadcast.blocks import TodayOnTvBlock
    from broadcast.selectors import airings_today

    block = TodayOnTvBlock()
    html = block.render(block.to_python({"heading": "Hoy en TV"}))
    assert "<h2" in html and "Hoy en TV" in html
    assert "Ver la programación de la semana" in html
    today = airings_today()
    for airing in today:
        assert timezone.localtime(airing.starts_at).strftime("%H:%M") in html
    if not today:
        assert "Hoy no hay emisiones" in html


def test_today_on_tv_lists_exactly_the_lima_day(programme):
    from broadcast.selectors import airings_today

    wednesday = airings_today(today=next_week(2))
    assert sorted(timezone.localtime(a.starts_at).hour for a in wednesday) == [20, 21]


# --- admin ---------------------------------------------------------------------------------------
def test_my_episodes_shows_air_dates_deadlines_and_private_link(client_for, scheduled):
    html = client_for("presenter").get("/admin/mis-episodios/").content.decode()
    assert "Episodio 11: Lección 1" in html
    assert "Canal 7" in html and "Canal 25" in html
    assert "/broadcast/feeds/presenter/" in html
    assert "Renovar enlace" in html


def test_my_episodes_marks_overdue_deadlines(client_for, users, programme, lessons):
    # A premiere in 2 days: the script (7 days before) is overdue.
    soon = (
        Airing.objects.filter(kind="premiere", starts_at__gt=timezone.now() + timedelta(days=1))
        .order_by("starts_at")
        .first()
    )
    from broadcast.tests.factories import episode_on

    episode_on(lessons[0], soon, [users["presenter"]])
    html = client_for("presenter").get("/admin/mis-episodios/").content.decode()
    assert re.search(r'class="deadline overdue">Guion: [^<]+ — <strong>vencido</strong>', html)


def test_renewing_the_calendar_link_replaces_it(client_for, users, scheduled):
    client = client_for("presenter")
    client.get("/admin/mis-episodios/")
    old = users["presenter"].broadcast_calendar.token
    client.post("/admin/mis-episodios/calendario/renovar/")
    users["presenter"].broadcast_calendar.refresh_from_db()
    assert users["presenter"].broadcast_calendar.token != old


def test_presenter_edits_only_own_episode_in_admin(client_for, make_user, scheduled):
    other = make_user("presenter", username="otra")
    assert client_for("presenter", other).get(
        f"/admin/mis-episodios/{scheduled[0].pk}/"
    ).status_code in (302, 403)
    assert (
        client_for("presenter").get(f"/admin/mis-episodios/{scheduled[0].pk}/").status_code == 200
    )


def test_presenter_uploads_script_and_moves_forward(client_for, scheduled):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("presenter")
    response = client.post(
        f"/admin/mis-episodios/{scheduled[0].pk}/",
        {
            "script_file": SimpleUploadedFile("guion.txt", b"Guion del episodio 11"),
            "notes": "",
            "advance": "1",
        },
    )
    assert response.status_code == 302
    episode = Episode.objects.get(pk=scheduled[0].pk)
    assert episode.state == "guion" and episode.script is not None


def test_a_refused_step_of_the_episode_form_stores_nothing_of_it(client_for, users, scheduled):
    """Script, notes and the step forward are one edit: when the step is refused (no recording
    yet) the presenter reads why, and neither the new script nor the notes are half-saved."""
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents import get_document_model

    from broadcast import services

    Document = get_document_model()
    first_script = Document.objects.create(
        title="Guion", file=ContentFile(b"guion", name="guion.txt")
    )
    episode = services.episode_update(
        episode=scheduled[0], user=users["presenter"], script=first_script, notes="Primera idea"
    )
    services.episode_advance(episode=episode, user=users["presenter"])  # now «Guion»
    documents = Document.objects.count()

    response = client_for("presenter").post(
        f"/admin/mis-episodios/{episode.pk}/",
        {
            "script_file": SimpleUploadedFile("guion-2.txt", b"Guion corregido"),
            "notes": "Cambio de invitada",
            "advance": "1",
        },
    )

    assert response.status_code == 200
    assert "Adjunte la grabación antes de pasar a «Grabado»." in response.content.decode()
    episode.refresh_from_db()
    assert episode.state == "guion"
    assert episode.script_id == first_script.pk and episode.notes == "Primera idea"
    assert Document.objects.count() == documents


def test_calendar_and_programming_admin_are_for_tv_staff(client_for, scheduled):
    assert client_for("tv_staff").get("/admin/programacion/calendario/").status_code == 200
    assert client_for("presenter").get("/admin/programacion/calendario/").status_code in (302, 403)
    assert client_for("presenter").get("/admin/broadcast_rules/").status_code in (302, 403)
    assert client_for("tv_staff").get("/admin/broadcast_rules/").status_code == 200
    assert client_for("tv_staff").get("/admin/broadcast_exceptions/").status_code == 200
    assert client_for("coach").get("/admin/mis-episodios/").status_code in (302, 403)


def test_calendar_move_form_refuses_overlap_on_the_page(client_for, scheduled):
    repeat = (
        Airing.objects.filter(channel__slug="canal-7", occurrence_date=next_week(5))
        .order_by("starts_at")
        .first()
    )
    response = client_for("tv_staff").post(
        f"/admin/programacion/calendario/{repeat.pk}/mover/",
        {"starts_at": f"{next_week(5)}T17:30", "reason": "Prueba"},
    )
    assert response.status_code == 200
    assert "se superpone" in response.content.decode()


def test_tv_staff_creates_a_holiday_in_admin(client_for, users, programme):
    response = client_for("tv_staff").post(
        "/admin/broadcast_exceptions/new/",
        {"date": str(next_week(3)), "reason": "Feriado regional", "channel": ""},
    )
    assert response.status_code == 302
    assert {a.state for a in Airing.objects.filter(occurrence_date=next_week(3))} == {"cancelled"}


def test_tv_staff_edits_a_rule_and_future_airings_follow(client_for, programme):
    from broadcast.models import SlotRule

    rule = SlotRule.objects.get(channel__slug="canal-25", weekdays="0")
    response = client_for("tv_staff").post(
        f"/admin/broadcast_rules/edit/{rule.pk}/",
        {
            "channel": rule.channel_id,
            "name": rule.name,
            "weekdays": ["0"],
            "start_time": "19:00",
            "duration_minutes": 60,
            "valid_from": str(rule.valid_from),
            "valid_until": "",
            "kind": "repeat",
            "repeats_rule": rule.repeats_rule_id,
            "repeats_days_back": 3,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    airing = Airing.objects.get(rule=rule, occurrence_date=next_week(0))
    assert timezone.localtime(airing.starts_at).hour == 19 and airing.sequence == 1


def test_home_page_shows_the_today_on_tv_block(client, programme):
    from cms.models import HomePage
    from cms.seed import seed_site_root

    seed_site_root()
    home = HomePage.objects.get()
    home.body = [("today_on_tv", {"heading": "Hoy en TV"})]
    home.save_revision().publish()
    html = client.get("/").content.decode()
    assert '<h2 id="hoy-en-tv' in html and "Hoy en TV" in html
    assert "/programacion/" in html


@pytest.fixture
def enrolled_client(client_for, users, scheduled):
    from lms.models import CoursePage, Enrollment, StudentProfile

    profile = StudentProfile.objects.create(
        user=users["student"],
        dni="40000099",
        first_names="Ana",
        last_names="Quispe",
        district="Cajamarca",
        zone="urbana",
    )
    Enrollment.objects.create(student=profile, course=CoursePage.objects.get())
    return client_for("student")


def test_lesson_page_says_when_it_airs(enrolled_client, scheduled):
    html = enrolled_client.get(scheduled[0].lesson.url).content.decode()
    assert "Se emite el miércoles 21:00 por Canal 7; repetición" in html


def test_my_lessons_lists_air_times_in_constant_queries(enrolled_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def airing_queries() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            html = enrolled_client.get("/mis-lecciones/").content.decode()
        assert html.count("Se emite el") >= 3
        return [q["sql"] for q in ctx.captured_queries if "broadcast_airing" in q["sql"]]

    # the stamp of the airings and, the first time, the airings themselves; after that the
    # sentences come from the cache and only the stamp is read, however many lessons
    assert len(airing_queries()) == 2
    again = airing_queries()
    assert len(again) == 1 and "COUNT(" in again[0]


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:00", "0001-01-01T00:00", "2101-01-01T21:00"])
def test_calendar_move_form_refuses_a_date_out_of_range_on_the_page(
    client_for, scheduled, starts_at
):
    airing = Airing.objects.filter(channel__slug="canal-7").order_by("starts_at").first()
    response = client_for("tv_staff").post(
        f"/admin/programacion/calendario/{airing.pk}/mover/",
        {"starts_at": starts_at, "reason": "Prueba"},
    )
    assert response.status_code == 200
    assert "fuera de rango" in response.content.decode()
