import json
from datetime import timedelta

import pytest
from django.utils import timezone

from broadcast import services
from broadcast.models import Airing, Channel, Episode, SlotRule
from broadcast.tests.factories import build_course, lima, next_week

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def test_channels_are_public(client, programme):
    body = client.get("/api/v1/broadcast/channels").json()
    assert [(c["slug"], c["xmltv_id"]) for c in body] == [
        ("canal-7", "tvnorte7.pe"),
        ("canal-25", "canal25.pe"),
    ]


def test_airings_are_paginated_and_filtered_by_channel(client, scheduled):
    first = client.get(
        f"/api/v1/broadcast/airings?channel=canal-7&from={next_week(0)}&to={next_week(6)}&page_size=4"
    )
    body = first.json()
    assert body["count"] == 6 and body["pages"] == 2 and len(body["items"]) == 4
    assert body["items"][0]["title"].startswith("Episodio 11")
    second = client.get(
        f"/api/v1/broadcast/airings?channel=canal-7&from={next_week(0)}&to={next_week(6)}&page_size=4&page=2"
    ).json()
    assert len(second["items"]) == 2
    assert all(i["premiere_id"] for i in second["items"])


def test_airings_refuse_bad_windows_and_unknown_channels(client, programme):
    bad = client.get("/api/v1/broadcast/airings?from=ayer")
    assert bad.status_code == 422 and "AAAA-MM-DD" in bad.json()["detail"]
    missing = client.get("/api/v1/broadcast/airings?channel=canal-99")
    assert missing.status_code == 404 and "canal-99" in missing.json()["detail"]


def test_now_gives_on_air_and_next_per_channel(client, programme):
    rows = client.get("/api/v1/broadcast/now").json()
    assert [r["channel"]["slug"] for r in rows] == ["canal-7", "canal-25"]
    assert all(r["next"] is not None for r in rows)


def test_move_is_for_tv_staff_only(api_client_for, scheduled):
    airing = Airing.objects.get(channel__slug="canal-25", occurrence_date=next_week(0))
    body = {"starts_at": lima(next_week(0), 19).isoformat(), "reason": "Sesión del concejo"}
    for role in ("presenter", "student", "coach"):
        assert (
            post(
                api_client_for(role), f"/api/v1/broadcast/airings/{airing.pk}/move", body
            ).status_code
            == 403
        )
    assert (
        post(
            api_client_for("anonymous"), f"/api/v1/broadcast/airings/{airing.pk}/move", body
        ).status_code
        == 401
    )
    response = post(api_client_for("tv_staff"), f"/api/v1/broadcast/airings/{airing.pk}/move", body)
    assert response.status_code == 200
    moved = response.json()["airing"]
    assert moved["uid"] == airing.uid and moved["sequence"] == 1 and moved["state"] == "moved"


def test_overlapping_move_is_refused_with_both_airings_named(api_client_for, scheduled):
    repeat = Airing.objects.get(
        channel__slug="canal-7", occurrence_date=next_week(5), starts_at=lima(next_week(5), 16)
    )
    body = {"starts_at": lima(next_week(5), 17, 30).isoformat(), "reason": "Prueba"}
    response = post(api_client_for("tv_staff"), f"/api/v1/broadcast/airings/{repeat.pk}/move", body)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "17:30–18:30" in detail and "17:00–18:00" in detail and "se superpone" in detail
    repeat.refresh_from_db()
    assert repeat.state == "scheduled" and repeat.sequence == 0


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:00:00-05:00", "2101-01-01T21:00:00-05:00"])
def test_move_out_of_the_supported_years_is_a_spanish_422(api_client_for, scheduled, starts_at):
    airing = Airing.objects.filter(starts_at__gt=timezone.now()).first()
    body = {"starts_at": starts_at, "reason": "Prueba"}
    response = post(api_client_for("tv_staff"), f"/api/v1/broadcast/airings/{airing.pk}/move", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "starts_at"
    assert "fuera de rango" in response.json()["errors"][0]["message"]


def test_move_to_the_past_is_a_spanish_422(api_client_for, scheduled):
    airing = Airing.objects.filter(starts_at__gt=timezone.now()).first()
    body = {"starts_at": (timezone.now() - timedelta(days=1)).isoformat(), "reason": "Prueba"}
    response = post(api_client_for("tv_staff"), f"/api/v1/broadcast/airings/{airing.pk}/move", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "El nuevo inicio debe ser futuro."


def test_cancel_records_who_and_why(api_client_for, users, scheduled):
    airing = Airing.objects.get(channel__slug="canal-25", occurrence_date=next_week(1))
    response = post(
        api_client_for("tv_staff"),
        f"/api/v1/broadcast/airings/{airing.pk}/cancel",
        {"reason": "Falla del transmisor"},
    )
    assert response.status_code == 200 and response.json()["airing"]["state"] == "cancelled"
    exception = airing.exceptions.get()
    assert exception.created_by == users["tv_staff"] and exception.reason == "Falla del transmisor"
    assert (
        post(
            api_client_for("presenter"),
            f"/api/v1/broadcast/airings/{airing.pk}/cancel",
            {"reason": "x" * 5},
        ).status_code
        == 403
    )


def test_overlapping_rule_is_refused_naming_both(programme):
    ch7 = Channel.objects.get(slug="canal-7")
    rule = SlotRule(
        channel=ch7,
        weekdays="2",
        start_time=lima(next_week(2), 21, 30).time(),
        duration_minutes=60,
        valid_from=next_week(0),
        kind="premiere",
    )
    from core.errors import ConflictError

    with pytest.raises(ConflictError) as exc:
        services.slot_rule_save(rule=rule)
    assert "21:30–22:30" in exc.value.detail and "21:00–22:00" in exc.value.detail
    assert not SlotRule.objects.filter(start_time=rule.start_time).exists()


def test_presenter_double_booking_is_warned(api_client_for, users, scheduled):
    # A live premiere on another channel at the same time as episode 11, same presenter.
    other = Channel.objects.create(name="Canal 9", number=9, slug="canal-9", xmltv_id="canal9.pe")
    services.slot_rule_save(
        rule=SlotRule(
            channel=other,
            weekdays="2",
            start_time=lima(next_week(2), 21, 30).time(),
            duration_minutes=60,
            valid_from=next_week(0),
            kind="premiere",
        )
    )
    lesson = build_course_extra()
    clash = Airing.objects.get(channel=other, occurrence_date=next_week(2))
    services.episode_create(lesson=lesson, user=users["presenter"], premiere=clash)
    body = api_client_for("presenter").get(f"/api/v1/broadcast/episodes/{scheduled[0].pk}").json()
    assert any("dos emisiones en vivo a la vez" in w for w in body["warnings"])


def build_course_extra():
    from lms.models import LessonPage, UnitPage

    unit = UnitPage.objects.get()
    lesson = LessonPage(
        title="Lección extra", slug="extra", episode_number=99, on_air_code="EXTRA", live=True
    )
    unit.add_child(instance=lesson)
    return lesson


def test_presenter_sees_and_edits_only_own_episodes(api_client_for, make_user, scheduled):
    other = make_user("presenter", username="otra.conductora")
    mine = api_client_for("presenter").get("/api/v1/broadcast/episodes").json()
    assert [e["episode_number"] for e in mine] == [11, 12, 13]
    assert mine[0]["deadlines"][0]["label"] == "Guion"
    assert "Falta el guion." in mine[0]["missing"]
    theirs = api_client_for("presenter", other)
    assert theirs.get("/api/v1/broadcast/episodes").json() == []
    assert theirs.get(f"/api/v1/broadcast/episodes/{scheduled[0].pk}").status_code == 404
    assert (
        patch(
            theirs, f"/api/v1/broadcast/episodes/{scheduled[0].pk}", {"notes": "hola"}
        ).status_code
        == 404
    )
    assert api_client_for("student").get("/api/v1/broadcast/episodes").status_code == 403
    assert api_client_for("tv_staff").get("/api/v1/broadcast/episodes").status_code == 200


def test_presenter_creates_and_updates_an_episode(api_client_for, users, programme):
    lessons = build_course(1)
    premiere = Airing.objects.get(kind="premiere", occurrence_date=next_week(2))
    client = api_client_for("presenter")
    created = post(
        client, "/api/v1/broadcast/episodes", {"lesson_id": lessons[0].pk, "airing_id": premiere.pk}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["presenters"] == ["Presenter Prueba"] and body["state"] == "idea"
    assert {a["channel_slug"] for a in body["airings"]} == {"canal-7", "canal-25"}
    again = post(client, "/api/v1/broadcast/episodes", {"lesson_id": lessons[0].pk})
    assert again.status_code == 409
    no_script = patch(client, f"/api/v1/broadcast/episodes/{body['id']}", {"state": "guion"})
    assert no_script.status_code == 422
    assert no_script.json()["errors"][0]["message"] == "Adjunte el guion antes de pasar a «Guion»."
    bad = patch(client, f"/api/v1/broadcast/episodes/{body['id']}", {"state": "publicado"})
    assert bad.status_code == 422
    notes = patch(
        client, f"/api/v1/broadcast/episodes/{body['id']}", {"notes": "Invitar a INDECOPI"}
    )
    assert notes.status_code == 200 and notes.json()["notes"] == "Invitar a INDECOPI"
    assert (
        Episode.objects.get().airings.count() == 4
    )  # Wednesday premiere + Sat + ch25 Thu + next Tue
