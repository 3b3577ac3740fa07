import csv
import io
import os
import shutil
import subprocess
from datetime import date, timedelta

import icalendar
import pytest
import recurring_ical_events
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from broadcast import services
from broadcast.models import Airing
from broadcast.tests.factories import lima, next_week

pytestmark = pytest.mark.django_db


def events_of(body: bytes) -> dict[str, icalendar.Event]:
    """The occurrences an RRULE-aware calendar client would show (recurring-ical-events expands
    any RRULE/RDATE/EXDATE and applies RECURRENCE-ID overrides), keyed by UID. Each UID must
    appear once: every airing is its own event, never an occurrence of a series."""
    cal = icalendar.Calendar.from_ical(body)
    occurrences = recurring_ical_events.of(cal).between(
        date.today() - timedelta(days=400), date.today() + timedelta(days=800)
    )
    by_uid = {str(e["UID"]): e for e in occurrences}
    assert len(by_uid) == len(occurrences) == len(cal.walk("VEVENT"))
    return by_uid


def local(value) -> "timezone.datetime":
    return timezone.localtime(value.dt)


def test_ics_has_what_subscribed_calendars_need(client, scheduled):
    response = client.get("/broadcast/feeds/all.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    assert cal["METHOD"] == "PUBLISH"
    assert "Aprendiendo paso a paso" in str(cal["X-WR-CALNAME"])
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Lima"]
    premiere = Airing.objects.get(kind="premiere", occurrence_date=next_week(2))
    event = events_of(response.content)[premiere.uid]
    assert local(event["DTSTART"]) == lima(next_week(2), 21)
    assert event["DTSTART"].params["TZID"] == "America/Lima"
    assert (
        str(event["SUMMARY"])
        == "Aprendiendo paso a paso — Episodio 11: Lección 1: el presupuesto familiar"
    )
    assert "Estreno" in event["CATEGORIES"].to_ical().decode()
    assert str(event["LOCATION"]).startswith("TV Norte canal 7")
    assert str(event["URL"]).endswith("/aprendiendo-paso-a-paso/unidad-1/leccion-1/")
    assert event["STATUS"] == "CONFIRMED"
    for name in ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "DESCRIPTION"):
        assert name in event


def test_saturday_repeats_in_the_feed_relate_to_their_premieres(client, scheduled):
    events = events_of(client.get("/broadcast/feeds/canal-7.ics").content)
    saturday = [e for e in events.values() if local(e["DTSTART"]).date() == next_week(5)]
    saturday.sort(key=lambda e: e["DTSTART"].dt)
    assert [local(e["DTSTART"]).hour for e in saturday] == [16, 17, 18]
    premieres = [events[str(e["RELATED-TO"])] for e in saturday]
    assert [local(p["DTSTART"]).date() for p in premieres] == [
        next_week(2),
        next_week(3),
        next_week(4),
    ]
    assert all(local(p["DTSTART"]).hour == 21 for p in premieres)
    assert all("Repetición" in e["CATEGORIES"].to_ical().decode() for e in saturday)
    assert "Episodio 12" in str(saturday[1]["SUMMARY"])


def test_channel_25_feed_has_weekday_20h_slots_only(client, programme):
    events = events_of(client.get("/broadcast/feeds/canal-25.ics").content)
    week = [
        e for e in events.values() if next_week(0) <= local(e["DTSTART"]).date() <= next_week(6)
    ]
    assert sorted(local(e["DTSTART"]).weekday() for e in week) == [0, 1, 2, 3, 4]
    assert {local(e["DTSTART"]).hour for e in week} == {20}
    assert all("RELATED-TO" in e for e in week)


def test_cancelled_holiday_and_moved_airing_update_in_place(client, scheduled):
    moved = Airing.objects.get(channel__slug="canal-25", occurrence_date=next_week(0))
    before = events_of(client.get("/broadcast/feeds/all.ics").content)
    assert moved.uid in before
    services.schedule_exception_holiday(day=next_week(3), reason="Feriado", user=None)
    services.airing_move(
        airing=moved, starts_at=lima(next_week(0), 19), reason="Concejo", user=None
    )
    services.airings_materialize()  # regeneration must not undo either
    after = events_of(client.get("/broadcast/feeds/all.ics").content)
    assert set(before) == set(after)  # same UIDs: nothing duplicated, nothing lost
    event = after[moved.uid]
    assert local(event["DTSTART"]) == lima(next_week(0), 19)
    assert int(event["SEQUENCE"]) > int(before[moved.uid]["SEQUENCE"])
    thursday = [e for e in after.values() if local(e["DTSTART"]).date() == next_week(3)]
    assert thursday and {str(e["STATUS"]) for e in thursday} == {"CANCELLED"}


def test_xmltv_validates_against_the_dtd(client, scheduled, tmp_path):
    response = client.get("/broadcast/feeds/epg.xml")
    assert response.status_code == 200
    path = tmp_path / "epg.xml"
    path.write_bytes(response.content)
    validator = shutil.which("tv_validate_file")
    assert validator, "Instale xmltv-util (tv_validate_file)"
    # The DTD shipped with xmltv-util, not the network copy.
    env = {**os.environ, "XMLTV_SUPPLEMENT": "/usr/share/xmltv"}
    result = subprocess.run([validator, str(path)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    body = response.content.decode()
    start = timezone.localtime(lima(next_week(2), 21)).strftime("%Y%m%d%H%M%S")
    assert f'start="{start} -0500"' in body
    assert '<channel id="tvnorte7.pe">' in body and '<channel id="canal25.pe">' in body
    assert '<episode-num system="xmltv_ns">.10.</episode-num>' in body
    assert '<episode-num system="onscreen">Episodio 11</episode-num>' in body
    assert f'<previously-shown start="{start} -0500" channel="tvnorte7.pe" />' in body


def test_rundown_csv_opens_in_excel_and_reads_back(client, scheduled):
    response = client.get(f"/broadcast/feeds/rundown.csv?from={next_week(0)}&to={next_week(6)}")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for UTF-8
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "fecha",
        "canal",
        "inicio",
        "fin",
        "episodio",
        "título",
        "conductoras",
        "tipo",
        "estado",
        "enlace",
    ]
    wednesday = [
        r for r in rows if r["fecha"] == next_week(2).isoformat() and r["canal"] == "Canal 7"
    ]
    assert wednesday[0]["inicio"] == "21:00" and wednesday[0]["fin"] == "22:00"
    assert wednesday[0]["título"].startswith("Lección 1") and wednesday[0]["tipo"] == "Estreno"
    assert wednesday[0]["conductoras"] == "Presenter Prueba"
    assert len(rows) == 3 + 3 + 5  # premieres, Saturday repeats, channel 25


def test_etag_and_last_modified_give_304(client, scheduled):
    first = client.get("/broadcast/feeds/all.ics")
    assert first["ETag"] and first["Last-Modified"]
    again = client.get("/broadcast/feeds/all.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get("/broadcast/feeds/all.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    services.airing_cancel(
        airing=Airing.objects.filter(starts_at__gt=timezone.now()).first(),
        reason="Falla",
        user=None,
    )
    changed = client.get("/broadcast/feeds/all.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2026-13-01", "formato AAAA-MM-DD"),
        ("from=2027-01-10&to=2027-01-01", "posterior"),
        ("from=2026-01-01&to=2028-06-01", "como máximo 2 años"),
        ("from=9999-12-31&to=9999-12-31", "fuera de rango"),
        ("from=0001-01-01&to=0001-01-02", "fuera de rango"),
        ("to=2101-01-01", "fuera de rango"),
    ],
)
def test_bad_windows_are_refused_in_spanish(client, programme, query, message):
    response = client.get(f"/broadcast/feeds/all.ics?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_window_limits_the_events(client, programme):
    day = next_week(2)
    events = events_of(client.get(f"/broadcast/feeds/all.ics?from={day}&to={day}").content)
    assert sorted(local(e["DTSTART"]).hour for e in events.values()) == [20, 21]


def test_unknown_channel_is_404(client, programme):
    response = client.get("/broadcast/feeds/canal-99.ics")
    assert response.status_code == 404
    assert "No existe el canal" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/broadcast/feeds/all.ics",
        "/broadcast/feeds/epg.xml",
        "/broadcast/feeds/rundown.csv",
        "/broadcast/feeds/canal-7.ics",
    ],
)
def test_feed_queries_do_not_grow_with_the_number_of_airings(client, scheduled, url):
    def count(weeks: int) -> int:
        to = timezone.localdate() + timedelta(weeks=weeks)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{url}?to={to}").status_code == 200
        return len(ctx.captured_queries)

    small, large = count(2), count(26)
    assert Airing.objects.count() > 200
    assert small == large
    assert large <= 7


def test_presenter_feed_is_private_and_renewable(client, scheduled, users):
    presenter = users["presenter"]
    calendar = services.presenter_calendar_ensure(user=presenter)
    response = client.get(f"/broadcast/feeds/presenter/{calendar.token}.ics")
    assert response.status_code == 200
    events = events_of(response.content)
    assert len(events) == Airing.objects.filter(episode__presenters=presenter).count() > 0
    assert "private" in response["Cache-Control"]
    old = calendar.token
    services.presenter_calendar_renew(user=presenter)
    assert client.get(f"/broadcast/feeds/presenter/{old}.ics").status_code == 404


def test_export_schedule_command_writes_each_format(scheduled, tmp_path):
    for fmt, name in (("ics", "p.ics"), ("xmltv", "p.xml"), ("csv", "p.csv")):
        target = tmp_path / name
        call_command(
            "export_schedule",
            format=fmt,
            channel="canal-7",
            date_from=str(next_week(0)),
            date_to=str(next_week(6)),
            output=str(target),
        )
        assert target.stat().st_size > 0
    events = events_of((tmp_path / "p.ics").read_bytes())
    assert len(events) == 6  # channel 7: three premieres and three Saturday repeats
    assert all(str(e["URL"]).startswith("http") for e in events.values())
    assert b'channel="tvnorte7.pe"' in (tmp_path / "p.xml").read_bytes()
