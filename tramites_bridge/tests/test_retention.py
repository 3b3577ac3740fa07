"""Retention of citizens' data (Ley 29733): a file decided longer ago than RETENTION_TRAMITES_DAYS
loses the citizen's data and attachments; the file, its timeline, the audit log, the ledger and
the statistics stay as they were."""

import json
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models import Sum
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone

from core.models import RetentionRun
from tramites_bridge.models import (
    Attachment,
    AuditEntry,
    Cabina,
    CabinaAgent,
    LedgerEntry,
    OutboxEvent,
    Status,
    Submission,
    SubmissionEvent,
)
from tramites_bridge.selectors import settlements_for_month
from tramites_bridge.services import submission_change_status
from tramites_bridge.statistics import statistics_compute
from tramites_bridge.tests.factories import ProcedureFactory, citizen_fields, pdf_upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/tramites/submissions"
DNI = "41234567"


@pytest.fixture
def world(make_user, api_client_for):
    """Files from one cabina, each with a PDF: "old" delivered 6 years ago, "annulled" 6 years
    ago (with its ledger reversal), "recent" delivered last month, "open" filed 6 years ago and
    still under review."""
    cabina = Cabina.objects.create(
        name="Cabina Mollepampa", address="Jr. Prueba 1", ruc="10401234569"
    )
    agent = make_user("cabina_agent", username="agente-retencion")
    CabinaAgent.objects.create(cabina=cabina, user=agent)
    staff = make_user("back_office")
    procedure = ProcedureFactory(tupa_code="LF-01")
    client = api_client_for("cabina_agent", agent)

    def filed(dni: str, *steps: str, age_days: int) -> Submission:
        data = {"procedure": procedure.tupa_code, **citizen_fields(dni=dni)}
        data["declaracion"] = pdf_upload()
        response = client.post(URL, data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert response.status_code == 201, response.content
        submission = Submission.objects.get(code=response.json()["code"])
        for step in steps:
            note = "Motivo indicado en la resolución." if step == Status.REJECTED else ""
            submission_change_status(
                submission=submission, status=step, note=note, actor_id=staff.pk
            )
        then = timezone.now() - timedelta(days=age_days)
        SubmissionEvent.objects.filter(submission=submission).update(created_at=then)
        Submission.objects.filter(pk=submission.pk, closed_at__isnull=False).update(closed_at=then)
        return Submission.objects.get(pk=submission.pk)

    return {
        "old": filed(DNI, Status.APPROVED, Status.DELIVERED, age_days=6 * 365),
        "annulled": filed("42345678", Status.ANNULLED, age_days=6 * 365),
        "recent": filed("43456789", Status.APPROVED, Status.DELIVERED, age_days=30),
        "open": filed("44567890", Status.IN_REVIEW, age_days=6 * 365),
        "cabina": cabina,
    }


def _run(*args: str, capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("anonimizar_datos", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> list[tuple]:
    return list(
        Submission.objects.order_by("pk").values_list(
            "dni", "first_names", "last_names", "email", "phone", "data", "anonymised_at"
        )
    )


def test_an_old_decided_file_loses_the_citizens_data_and_its_attachments(
    world, django_capture_on_commit_callbacks
):
    old_files = [a.file.name for a in Attachment.objects.filter(submission=world["old"])]
    assert old_files and all(default_storage.exists(name) for name in old_files)

    output = _run(capture=django_capture_on_commit_callbacks)

    assert "Anonimizados: 2 trámites" in output
    assert "Adjuntos borrados: 2" in output
    for key in ("old", "annulled"):
        s = Submission.objects.get(pk=world[key].pk)
        assert (s.dni, s.first_names, s.last_names, s.email, s.phone) == (
            "",
            "Anonimizado",
            "",
            "",
            "",
        )
        assert s.data and set(s.data.values()) == {""}  # the keys stay, the answers go
        assert s.anonymised_at is not None
        assert not s.attachments.exists()
    assert not any(default_storage.exists(name) for name in old_files)
    # the file itself stays: procedure, state, timeline, audit log, ledger
    old = Submission.objects.get(pk=world["old"].pk)
    assert old.status == Status.DELIVERED and old.code == world["old"].code
    assert old.events.count() == 3 and old.audit.count() == 3
    assert LedgerEntry.objects.filter(submission=old).count() == 1


def test_a_recent_file_and_an_old_open_file_keep_everything(
    world, django_capture_on_commit_callbacks
):
    _run(capture=django_capture_on_commit_callbacks)
    for key in ("recent", "open"):
        s = Submission.objects.get(pk=world[key].pk)
        assert s.dni == world[key].dni and s.first_names == "María Elena"
        assert s.email == "maria@example.pe" and s.data["ruc"]
        assert s.anonymised_at is None
        attachment = s.attachments.get()
        assert default_storage.exists(attachment.file.name)


def test_statistics_settlements_and_the_ledger_add_up_the_same_after_the_run(
    world, django_capture_on_commit_callbacks
):
    now = timezone.localtime()
    months = {(now.year, now.month)}
    before = (
        statistics_compute(),
        [vars(s) for y, m in months for s in settlements_for_month(year=y, month=m)],
        LedgerEntry.objects.aggregate(total=Sum("amount"))["total"],
        LedgerEntry.objects.count(),
    )
    _run(capture=django_capture_on_commit_callbacks)
    after = (
        statistics_compute(),
        [vars(s) for y, m in months for s in settlements_for_month(year=y, month=m)],
        LedgerEntry.objects.aggregate(total=Sum("amount"))["total"],
        LedgerEntry.objects.count(),
    )
    assert after == before
    assert before[3] == 5  # four credits and the annulled file's reversal


def test_audit_log_and_outbox_events_hold_no_personal_data(world):
    stored = json.dumps(
        [list(AuditEntry.objects.values_list("details", flat=True))]
        + [list(OutboxEvent.objects.values_list("payload", flat=True))]
    )
    assert OutboxEvent.objects.exists() and AuditEntry.objects.exists()
    for personal in (DNI, "María Elena", "Quispe", "maria@example.pe", "976543210"):
        assert personal not in stored


def test_tracking_an_anonymised_file_with_its_old_dni_answers_like_a_wrong_code(
    world, client, django_capture_on_commit_callbacks
):
    code = world["old"].code
    assert client.get(f"/api/v1/tramites/track/{code}", {"dni": DNI}).status_code == 200
    _run(capture=django_capture_on_commit_callbacks)
    anonymised = client.get(f"/api/v1/tramites/track/{code}", {"dni": DNI})
    wrong_code = client.get("/api/v1/tramites/track/0000000000", {"dni": DNI})
    assert anonymised.status_code == wrong_code.status_code == 404
    assert anonymised.json() == wrong_code.json()
    empty = client.get(f"/api/v1/tramites/track/{code}", {"dni": ""})
    assert empty.status_code == 404


def test_a_dry_run_only_counts_and_a_second_run_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    before = _snapshot()
    output = _run("--dry-run", capture=django_capture_on_commit_callbacks)
    assert "Se anonimizarían: 2 trámites" in output and "Adjuntos a borrar: 2" in output
    assert _snapshot() == before
    assert Attachment.objects.count() == 4 and not RetentionRun.objects.exists()

    _run(capture=django_capture_on_commit_callbacks)
    first = _snapshot()
    assert first != before
    output = _run(capture=django_capture_on_commit_callbacks)
    assert "Anonimizados: 0 trámites" in output and "Adjuntos borrados: 0" in output
    assert _snapshot() == first
    runs = list(RetentionRun.objects.order_by("pk").values_list("submissions", "attachments"))
    assert runs == [(2, 2), (0, 0)]


@override_settings(RETENTION_TRAMITES_DAYS=10 * 365)
def test_a_longer_period_keeps_the_old_files(world, django_capture_on_commit_callbacks):
    output = _run(capture=django_capture_on_commit_callbacks)
    assert "Anonimizados: 0 trámites" in output
    assert not Submission.objects.filter(anonymised_at__isnull=False).exists()


@pytest.mark.parametrize(("days", "said"), [(5 * 365, "5 años"), (365, "un año"), (90, "3 meses")])
def test_the_privacy_notice_states_the_configured_period(days, said):
    with override_settings(RETENTION_TRAMITES_DAYS=days):
        html = render_to_string("tramites_bridge/includes/privacy_notice.html")
    assert f"{said} más desde que se resuelve" in html


def test_the_run_takes_the_same_queries_for_two_files_or_three(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tramites_bridge.retention import submissions_anonymise

    now = timezone.now()
    with CaptureQueriesContext(connection) as two:
        assert submissions_anonymise(cutoff=now - timedelta(days=5 * 365)).submissions == 2
    submission_change_status(submission=world["open"], status=Status.APPROVED, actor_id=None)
    for key in ("recent", "open"):
        SubmissionEvent.objects.filter(submission=world[key]).update(
            created_at=now - timedelta(days=40)
        )
    Submission.objects.filter(pk=world["recent"].pk).update(closed_at=now - timedelta(days=40))
    more = ProcedureFactory(tupa_code="LF-02", with_fields=False)
    extra = Submission.objects.create(
        code="ZZZZZ99999",
        procedure=more,
        idempotency_key=str(uuid.uuid4()),
        channel="web",
        dni="45678901",
        first_names="Ana",
        last_names="Vargas",
        data={"referencia": "Jr. Lima 123"},
        consent_at=now,
        status=Status.ANNULLED,
        office=more.office,
        fee=more.fee,
        due_date=now.date(),
    )
    Submission.objects.filter(pk=extra.pk).update(updated_at=now - timedelta(days=40))
    with CaptureQueriesContext(connection) as three:
        assert submissions_anonymise(cutoff=now - timedelta(days=20)).submissions == 3
    assert len(three) == len(two)
    assert Submission.objects.get(pk=extra.pk).data == {"referencia": ""}


def test_the_back_office_sees_the_anonymised_file_without_the_citizens_data(
    world, client_for, django_capture_on_commit_callbacks
):
    _run(capture=django_capture_on_commit_callbacks)
    html = client_for("back_office").get(f"/admin/tramites/bandeja/{world['old'].pk}/")
    assert html.status_code == 200
    page = html.content.decode()
    assert "anonimizados el" in page
    for personal in (DNI, "María Elena", "maria@example.pe", "976543210", "declaracion.pdf"):
        assert personal not in page


def test_an_attachment_that_cannot_be_deleted_is_logged_and_the_others_still_go(tmp_path, caplog):
    from django.core.files.storage import FileSystemStorage

    from tramites_bridge.retention import _delete_files

    storage = FileSystemStorage(location=tmp_path)
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "b.pdf").mkdir()  # a folder that is not empty: the storage refuses it
    (tmp_path / "b.pdf" / "x").write_bytes(b"x")
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    _delete_files(storage, ["a.pdf", "b.pdf", "c.pdf"])
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "c.pdf").exists()
    assert "b.pdf" in caplog.text and "bórrelo a mano" in caplog.text
