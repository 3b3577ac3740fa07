"""Tracking by code and DNI: the timeline, one answer for every mismatch, throttled failures."""

import uuid

import pytest

from tramites_bridge.models import Status
from tramites_bridge.services import submission_change_status, submission_create
from tramites_bridge.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(make_user):
    procedure = ProcedureFactory(with_fields=False)
    submission, _ = submission_create(
        procedure=procedure,
        idempotency_key=str(uuid.uuid4()),
        dni="41234567",
        first_names="María",
        last_names="Quispe",
        data={},
        channel="web",
    )
    staff = make_user("back_office")
    submission_change_status(submission=submission, status=Status.IN_REVIEW, actor_id=staff.pk)
    submission_change_status(
        submission=submission,
        status=Status.OBSERVED,
        note="Traiga el croquis del local a la mesa de partes.",
        actor_id=staff.pk,
    )
    return submission


def _track(client, code, dni):
    return client.get(f"/api/v1/tramites/track/{code}", {"dni": dni})


def test_tracking_shows_the_timeline_office_due_date_and_what_to_do(client, submission):
    response = _track(client, submission.display_code.lower(), "41234567")
    assert response.status_code == 200
    body = response.json()
    assert [s["status"] for s in body["timeline"]] == ["recibido", "en_revision", "observado"]
    assert body["office"] == submission.office.name
    assert body["due_date"] == submission.due_date.isoformat()
    assert body["overdue"] is False
    assert body["what_to_do"] == "Traiga el croquis del local a la mesa de partes."


def test_timeline_times_carry_their_zone_and_the_page_shows_lima_time(client, submission):
    from datetime import datetime

    from django.utils import timezone

    received = submission.events.order_by("pk").first().created_at
    body = _track(client, submission.code, "41234567").json()
    first = datetime.fromisoformat(body["timeline"][0]["at"])
    assert first.tzinfo is not None
    assert abs(first - received).total_seconds() < 0.001  # sent to the millisecond
    html = client.post(
        "/tramites/seguimiento/", {"codigo": submission.code, "dni": "41234567"}
    ).content.decode()
    assert timezone.localtime(received).strftime("%d/%m/%Y %H:%M") in html


def test_a_code_typed_with_o_and_l_for_zero_and_one_is_found(client, submission):
    typed = submission.code.replace("0", "o").replace("1", "l")
    assert _track(client, typed, "41234567").status_code == 200


def test_wrong_code_and_wrong_dni_get_the_same_answer(client, submission):
    wrong_dni = _track(client, submission.code, "49999999")
    other = "0000000000" if submission.code != "0000000000" else "1111111111"
    wrong_code = _track(client, other, "41234567")
    assert wrong_dni.status_code == wrong_code.status_code == 404
    assert wrong_dni.json() == wrong_code.json()


def test_an_overdue_file_is_flagged(client, submission):
    from datetime import timedelta

    from django.utils import timezone

    type(submission).objects.filter(pk=submission.pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    assert _track(client, submission.code, "41234567").json()["overdue"] is True


def test_ten_failures_a_minute_from_one_client_are_throttled(client, submission):
    for n in range(10):
        response = _track(client, f"{n:010d}", "41234567")
        assert response.status_code == 404
    response = _track(client, submission.code, "41234567")
    assert response.status_code == 429
    assert "Demasiadas consultas fallidas" in response.json()["detail"]
    assert response["Retry-After"]


def test_failures_on_one_code_from_many_clients_are_throttled(client, submission):
    from django.test import Client

    for n in range(40):
        Client(REMOTE_ADDR=f"10.0.{n}.1").get(
            f"/api/v1/tramites/track/{submission.code}", {"dni": "40000000"}
        )
    response = Client(REMOTE_ADDR="10.9.9.9").get(
        f"/api/v1/tramites/track/{submission.code}", {"dni": "41234567"}
    )
    assert response.status_code == 429


def test_the_tracking_page_works_without_javascript(client, submission):
    page = client.get("/tramites/seguimiento/")
    assert page.status_code == 200
    response = client.post(
        "/tramites/seguimiento/", {"codigo": submission.display_code, "dni": "41234567"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Observado" in html
    assert "Traiga el croquis del local" in html
    assert submission.office.name in html
    wrong = client.post("/tramites/seguimiento/", {"codigo": submission.code, "dni": "4"})
    assert wrong.status_code == 404
    assert "No encontramos un trámite con ese código y ese DNI" in wrong.content.decode()


def test_the_tracking_page_is_throttled_too(client):
    for n in range(10):
        client.post("/tramites/seguimiento/", {"codigo": f"{n:010d}", "dni": "41234567"})
    response = client.post("/tramites/seguimiento/", {"codigo": "ABCDE12345", "dni": "1"})
    assert response.status_code == 429
    assert "Demasiadas consultas fallidas" in response.content.decode()


def _data_queries(captured) -> list[str]:
    """The queries of a request on this app's tables (the tests' cache is the database's: its
    reads, writes and savepoints are not counted)."""
    return [q["sql"] for q in captured if "tramites_bridge_" in q["sql"]]


def test_a_lookup_costs_one_query_and_its_repeat_none(client, submission):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert _track(client, submission.code, "41234567").status_code == 200
    assert len(_data_queries(first.captured_queries)) <= 1
    with CaptureQueriesContext(connection) as repeat:
        assert _track(client, submission.code, "41234567").status_code == 200
    assert _data_queries(repeat.captured_queries) == []


def test_a_change_of_state_or_office_shows_at_once_after_a_cached_lookup(
    client, submission, make_user
):
    from tramites_bridge.models import Office
    from tramites_bridge.services import submission_move

    assert _track(client, submission.code, "41234567").json()["status"] == "observado"
    staff = make_user("back_office")
    submission_change_status(submission=submission, status=Status.IN_REVIEW, actor_id=staff.pk)
    assert _track(client, submission.code, "41234567").json()["status"] == "en_revision"
    archive = Office.objects.create(name="Archivo Central")
    submission_move(submission=submission, office=archive, actor_id=staff.pk)
    body = _track(client, submission.code, "41234567").json()
    assert body["office"] == "Archivo Central"
    assert body["timeline"][-1]["office"] == "Archivo Central"


def test_a_cached_file_still_needs_its_dni_and_wrong_ones_are_throttled(client, submission):
    assert _track(client, submission.code, "41234567").status_code == 200  # now cached
    other = "0000000000" if submission.code != "0000000000" else "1111111111"
    wrong_code = _track(client, other, "41234567").json()
    for _ in range(9):
        wrong_dni = _track(client, submission.code, "49999999")
        assert wrong_dni.status_code == 404
        assert wrong_dni.json() == wrong_code
    assert _track(client, submission.code, "41234567").status_code == 429


def test_the_cached_view_of_a_file_holds_no_dni_or_names(client, submission):
    from django.core.cache import cache

    from tramites_bridge.tracking import track_cache_key

    assert _track(client, submission.code, "41234567").status_code == 200
    cached = repr(cache.get(track_cache_key(submission.code)))
    assert submission.code in cached
    assert "41234567" not in cached
    assert "María" not in cached and "Quispe" not in cached


def test_a_repeated_lookup_answers_the_same_bytes_as_the_schema_renders(client, submission):
    import json

    from ninja.responses import NinjaJSONEncoder

    from tramites_bridge.api import tracking_out
    from tramites_bridge.schemas import TrackingOut
    from tramites_bridge.selectors import submission_track

    first = _track(client, submission.code, "41234567")
    repeat = _track(client, submission.code, "41234567")
    assert first["Content-Type"] == "application/json; charset=utf-8"
    assert first.content == repeat.content
    expected = TrackingOut.model_validate(
        tracking_out(submission_track(code=submission.code, dni="41234567"))
    ).model_dump()
    assert repeat.content == json.dumps(expected, cls=NinjaJSONEncoder).encode()
    assert repeat.json()["timeline"][-1]["status_label"] == "Observado"
