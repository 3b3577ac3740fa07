"""The bridge to the municipal back office, against a real HTTP server on 127.0.0.1: events
written with each change, delivered signed, retried while the server is down, none lost and none
doubled; the inbound webhook refuses bad signatures, stale timestamps and replays."""

import hmac
import json
import socket
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tests.fixtures import LIVE_DB, wait_for
from tramites_bridge.bridge import outbox_backoff_seconds, outbox_deliver, sign
from tramites_bridge.models import OutboxEvent, Status, Submission
from tramites_bridge.services import submission_change_status, submission_create
from tramites_bridge.tasks import outbox_sweep_task
from tramites_bridge.tests.conftest import WORKER_BACKOFFICE_SECRET, WORKER_BACKOFFICE_URL
from tramites_bridge.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db
SECRET = "secreto-de-prueba"


class BackOffice:
    """A stand-in for the municipal back office: records what it receives."""

    def __init__(self, port: int):
        self.port = port
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.server = None

    def start(self) -> None:
        office = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with office.lock:
                    office.received.append(
                        {
                            "body": body,
                            "signature": self.headers["X-Tramites-Signature"],
                            "timestamp": self.headers["X-Tramites-Timestamp"],
                            "event_id": self.headers["X-Tramites-Event-Id"],
                        }
                    )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def back_office(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.TRAMITES_BACKOFFICE_URL = f"http://127.0.0.1:{port}/eventos"
    settings.TRAMITES_BACKOFFICE_SECRET = SECRET
    settings.TRAMITES_OUTBOX_BACKOFF_SECONDS = 30
    office = BackOffice(port)
    yield office
    office.stop()


def _submit(procedure, dni="41234567", email=""):
    submission, _ = submission_create(
        procedure=procedure,
        idempotency_key=str(uuid.uuid4()),
        dni=dni,
        first_names="María",
        last_names="Quispe",
        email=email,
        data={},
        channel="web",
    )
    return submission


def _make_due():
    OutboxEvent.objects.filter(state="pending").update(next_attempt_at=timezone.now())


def test_each_change_writes_its_event_in_the_same_transaction(users):
    procedure = ProcedureFactory(with_fields=False)
    submission = _submit(procedure)
    submission_change_status(
        submission=submission, status=Status.IN_REVIEW, actor_id=users["back_office"].pk
    )
    kinds = list(OutboxEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["submission.created", "submission.status_changed"]
    payload = OutboxEvent.objects.last().payload
    assert payload["code"] == submission.code and payload["status"] == "en_revision"
    # ids and codes only: nothing that identifies the citizen
    assert "41234567" not in json.dumps(payload) and "María" not in json.dumps(payload)
    with pytest.raises(RuntimeError), transaction.atomic():
        _submit(procedure, dni="42222222")
        raise RuntimeError("rolled back")
    assert OutboxEvent.objects.count() == 2
    assert Submission.objects.count() == 1


def test_events_wait_while_the_back_office_is_down_and_arrive_once_when_it_is_up(back_office):
    procedure = ProcedureFactory(with_fields=False)
    submissions = [_submit(procedure, dni=f"4{n:07d}") for n in range(3)]
    # down: nothing listens on the port
    assert outbox_sweep_task() == 0
    events = list(OutboxEvent.objects.order_by("pk"))
    assert all(e.state == "pending" and e.attempts == 1 for e in events)
    assert all("Connection refused" in e.last_error or "URLError" in e.last_error for e in events)
    assert all(e.next_attempt_at > timezone.now() + timedelta(seconds=25) for e in events)
    # not due yet: the sweep leaves them alone
    assert outbox_sweep_task() == 0
    assert OutboxEvent.objects.filter(attempts=1).count() == 3
    # up
    back_office.start()
    _make_due()
    assert outbox_sweep_task() == 3
    assert outbox_sweep_task() == 0  # nothing left, nothing sent twice
    for event in OutboxEvent.objects.all():
        assert outbox_deliver(event_pk=event.pk) is True  # a late duplicate task: skipped
    received = back_office.received
    assert len(received) == 3
    assert {r["event_id"] for r in received} == {str(e.event_id) for e in events}
    codes = {json.loads(r["body"])["data"]["code"] for r in received}
    assert codes == {s.code for s in submissions}
    for r in received:
        assert r["signature"] == sign(body=r["body"], timestamp=r["timestamp"], secret=SECRET)
        assert abs(int(r["timestamp"]) - time.time()) < 60
    assert OutboxEvent.objects.filter(state="delivered").count() == 3


def test_retries_back_off_exponentially_up_to_a_cap_then_fail_and_can_be_redelivered(
    back_office, settings, client_for
):
    settings.TRAMITES_OUTBOX_MAX_ATTEMPTS = 5
    settings.TRAMITES_OUTBOX_BACKOFF_MAX_SECONDS = 90
    submission = _submit(ProcedureFactory(with_fields=False))
    event = OutboxEvent.objects.get()
    delays = []
    for _ in range(5):
        _make_due()
        before = timezone.now()
        assert outbox_deliver(event_pk=event.pk) is False
        event.refresh_from_db()
        delays.append(round((event.next_attempt_at - before).total_seconds()))
    # 30 s, doubled each time, never more than the cap; the fifth failure is the last
    assert delays == [30, 60, 90, 90, 90]
    assert [outbox_backoff_seconds(attempts=n) for n in (1, 2, 3, 10, 60)] == [30, 60, 90, 90, 90]
    assert event.state == "failed" and event.attempts == 5
    _make_due()
    assert outbox_sweep_task() == 0  # a failed event is not retried on its own
    event.refresh_from_db()
    assert event.attempts == 5
    client = client_for("back_office")
    page = client.get("/admin/tramites/envios/").content.decode()
    assert "Falló" in page and submission.display_code in page and "Reenviar" in page
    assert "Connection refused" in page
    back_office.start()
    response = client.post("/admin/tramites/envios/", {"event": event.pk})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.state == "pending" and event.attempts == 0
    # the button also queues the task on commit; the sweep (the same work) delivers it here
    outbox_sweep_task()
    event.refresh_from_db()
    assert event.state == "delivered"
    assert len(back_office.received) == 1


@pytest.mark.parametrize("trouble", ["garbled_reply", "bad_url"])
def test_a_garbled_reply_or_a_bad_address_is_recorded_and_retried(back_office, settings, trouble):
    """Failures other than a refused connection or an HTTP error status are recorded on the
    event and retried later like any other, and the sweep goes on with the next event."""
    import socketserver

    class Garbage(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(65536)
            self.request.sendall(b"esto no es HTTP\r\n\r\n")

    server = socketserver.TCPServer(("127.0.0.1", back_office.port), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        if trouble == "bad_url":
            settings.TRAMITES_BACKOFFICE_URL = "htp:/sin-esquema"
        _submit(ProcedureFactory(with_fields=False))
        _submit(ProcedureFactory(with_fields=False))
        _make_due()
        assert outbox_sweep_task() == 0
    finally:
        server.shutdown()
        server.server_close()
    for event in OutboxEvent.objects.all():
        assert event.state == "pending" and event.attempts == 1
        assert event.last_error
        assert event.next_attempt_at > timezone.now()


def test_an_event_another_runner_is_posting_is_left_alone(back_office):
    back_office.start()
    _submit(ProcedureFactory(with_fields=False))
    event = OutboxEvent.objects.get()
    # another runner claimed it a moment ago (its post is under way)
    OutboxEvent.objects.filter(pk=event.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=55)
    )
    assert outbox_deliver(event_pk=event.pk) is False
    assert outbox_sweep_task() == 0
    assert back_office.received == []
    # the runner died: once its claim runs out the event is due again and goes once
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    assert outbox_sweep_task() == 1
    assert [r["event_id"] for r in back_office.received] == [str(event.event_id)]
    event.refresh_from_db()
    assert event.state == "delivered" and event.attempts == 2


# --- through the real worker process ------------------------------------------------------------
@pytest.fixture
def worker_back_office(settings):
    """The back office at the address the worker process was started with (see conftest)."""
    settings.TRAMITES_BACKOFFICE_URL = WORKER_BACKOFFICE_URL
    settings.TRAMITES_BACKOFFICE_SECRET = WORKER_BACKOFFICE_SECRET
    office = BackOffice(urlsplit(WORKER_BACKOFFICE_URL).port)
    yield office
    office.stop()


def _assert_each_arrived_once_signed(office: BackOffice, events: list[OutboxEvent]) -> None:
    with office.lock:
        received = list(office.received)
    ids = [r["event_id"] for r in received]
    assert sorted(ids) == sorted(str(e.event_id) for e in events)  # none lost, none doubled
    for r in received:
        expected = sign(body=r["body"], timestamp=r["timestamp"], secret=WORKER_BACKOFFICE_SECRET)
        assert hmac.compare_digest(r["signature"], expected)
        assert json.loads(r["body"])["event_id"] == r["event_id"]


@LIVE_DB
@pytest.mark.worker
def test_the_worker_retries_while_the_back_office_is_down_and_delivers_each_event_once_when_up(
    celery_worker_process, worker_back_office, client_for, users
):
    procedure = ProcedureFactory(with_fields=False)
    # down: nothing listens on the port; each commit queues a delivery on the worker
    submissions = [_submit(procedure, dni=f"4{n:07d}") for n in range(3)]
    submission_change_status(
        submission=submissions[0], status=Status.IN_REVIEW, actor_id=users["back_office"].pk
    )
    events = list(OutboxEvent.objects.order_by("pk"))
    assert len(events) == 4

    # the worker keeps retrying on its own, each wait longer than the one before
    wait_for(
        lambda: all(e.attempts >= 3 for e in OutboxEvent.objects.all()),
        timeout=60,
        message="El worker no reintentó los envíos",
    )
    assert not OutboxEvent.objects.exclude(state="pending").exists()
    page = client_for("back_office").get("/admin/tramites/envios/").content.decode()
    for event in OutboxEvent.objects.all():
        assert "Connection refused" in event.last_error
        assert str(event.event_id) in page
    assert "Connection refused" in page
    assert worker_back_office.received == []

    # up: the next retry of each event gets through
    worker_back_office.start()
    wait_for(
        lambda: OutboxEvent.objects.filter(state="delivered").count() == 4,
        timeout=60,
        message="Los eventos no se entregaron al volver la mesa de partes",
    )
    assert outbox_sweep_task() == 0  # nothing is due any more
    for event in events:
        assert outbox_deliver(event_pk=event.pk) is True  # a late duplicate task: skipped
    _assert_each_arrived_once_signed(worker_back_office, events)
    assert OutboxEvent.objects.filter(last_error="").count() == 4
    page = client_for("back_office").get("/admin/tramites/envios/").content.decode()
    assert "No hay envíos pendientes ni fallidos." in page


@LIVE_DB
@pytest.mark.worker
def test_the_sweep_on_the_worker_delivers_events_whose_task_was_lost(
    celery_worker_process, worker_back_office, settings
):
    from tramites_bridge.tasks import outbox_sweep_task as sweep

    procedure = ProcedureFactory(with_fields=False)
    # written with no task queued: as if the broker lost the first attempt
    settings.TRAMITES_BACKOFFICE_URL = ""
    lost = _submit(procedure, dni="41111111")
    died = _submit(procedure, dni="42222222")
    settings.TRAMITES_BACKOFFICE_URL = WORKER_BACKOFFICE_URL
    # and one whose runner died mid-post: claimed once, the claim has run out
    OutboxEvent.objects.filter(submission=died).update(
        attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    worker_back_office.start()
    assert OutboxEvent.objects.filter(state="pending").count() == 2
    sweep.delay()  # what beat sends every 30 s
    wait_for(
        lambda: OutboxEvent.objects.filter(state="delivered").count() == 2,
        timeout=60,
        message="El barrido no entregó los eventos atascados",
    )
    events = list(OutboxEvent.objects.order_by("pk"))
    assert {e.submission_id for e in events} == {lost.pk, died.pk}
    _assert_each_arrived_once_signed(worker_back_office, events)


def _webhook(client, payload: dict, *, secret=SECRET, timestamp=None, signature=None):
    body = json.dumps(payload).encode()
    ts = str(int(time.time())) if timestamp is None else str(timestamp)
    sig = signature or sign(body=body, timestamp=ts, secret=secret)
    return client.post(
        "/api/v1/tramites/webhook",
        body,
        content_type="application/json",
        HTTP_X_TRAMITES_TIMESTAMP=ts,
        HTTP_X_TRAMITES_SIGNATURE=sig,
    )


def test_a_signed_webhook_updates_the_timeline_and_notifies_the_citizen(
    client, settings, django_capture_on_commit_callbacks
):
    settings.TRAMITES_BACKOFFICE_SECRET = SECRET
    submission = _submit(ProcedureFactory(with_fields=False), email="maria@example.pe")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _webhook(
            client,
            {
                "event_id": "mpc-1001",
                "code": submission.display_code,
                "status": "observado",
                "note": "Falta la copia del DNI.",
            },
        )
    assert response.status_code == 200, response.content
    assert response.json() == {"applied": True, "duplicate": False}
    submission.refresh_from_db()
    assert submission.status == "observado"
    assert submission.events.last().note == "Falta la copia del DNI."
    assert len(mail.outbox) == 1
    # the change came from the back office: it is not sent back to it
    assert not OutboxEvent.objects.filter(kind="submission.status_changed").exists()
    audit = submission.audit.get(action="status_changed")
    assert audit.details["source"] == "back_office" and audit.actor_id is None


def test_a_replayed_webhook_is_ignored(client, settings):
    settings.TRAMITES_BACKOFFICE_SECRET = SECRET
    submission = _submit(ProcedureFactory(with_fields=False))
    payload = {"event_id": "mpc-2002", "code": submission.code, "status": "en_revision"}
    assert _webhook(client, payload).json()["applied"] is True
    submission_change_status(submission=submission, status="observado", note="x", actor_id=1)
    replay = _webhook(client, payload)
    assert replay.status_code == 200
    assert replay.json() == {"applied": False, "duplicate": True}
    submission.refresh_from_db()
    assert submission.status == "observado"


@pytest.mark.parametrize(
    "case", ["wrong_secret", "tampered", "stale", "future", "missing", "not_ascii"]
)
def test_a_bad_webhook_signature_or_timestamp_is_refused(client, settings, case):
    settings.TRAMITES_BACKOFFICE_SECRET = SECRET
    submission = _submit(ProcedureFactory(with_fields=False))
    payload = {"event_id": f"mpc-{case}", "code": submission.code, "status": "aprobado"}
    now = int(time.time())
    if case == "wrong_secret":
        response = _webhook(client, payload, secret="otro")
    elif case == "tampered":
        good = sign(body=json.dumps(payload).encode(), timestamp=str(now), secret=SECRET)
        response = _webhook(
            client, {**payload, "status": "rechazado"}, timestamp=now, signature=good
        )
    elif case == "stale":
        response = _webhook(client, payload, timestamp=now - 301)
    elif case == "future":
        response = _webhook(client, payload, timestamp=now + 400)
    elif case == "not_ascii":
        response = _webhook(client, payload, signature="firmá")
    else:
        response = client.post(
            "/api/v1/tramites/webhook", json.dumps(payload), content_type="application/json"
        )
    assert response.status_code == 401
    assert response.json()["detail"]
    submission.refresh_from_db()
    assert submission.status == "recibido"


def test_an_annulment_sent_by_the_back_office_reverses_the_cabina_credit(client, settings):
    from decimal import Decimal

    from tramites_bridge.models import Cabina, LedgerEntry

    settings.TRAMITES_BACKOFFICE_SECRET = SECRET
    cabina = Cabina.objects.create(name="Cabina Otuzco", address="Av. Perú 3", ruc="10401234569")
    submission, _ = submission_create(
        procedure=ProcedureFactory(with_fields=False),
        idempotency_key=str(uuid.uuid4()),
        dni="41234567",
        first_names="María",
        last_names="Quispe",
        data={},
        channel="cabina",
        cabina=cabina,
    )
    payload = {"event_id": "mpc-3003", "code": submission.code, "status": "anulado", "note": "x"}
    assert _webhook(client, payload).json()["applied"] is True
    assert _webhook(client, payload).json()["duplicate"] is True  # replayed: reversed once
    amounts = list(
        LedgerEntry.objects.filter(submission=submission)
        .order_by("pk")
        .values_list("amount", flat=True)
    )
    assert amounts == [Decimal("4.00"), Decimal("-4.00")]
