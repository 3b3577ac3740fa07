"""POST /api/v1/tramites/submissions and the catalogue endpoints."""

import uuid

import pytest

from tramites_bridge.models import Attachment, AuditEntry, Submission
from tramites_bridge.tests.factories import ProcedureFactory, citizen_fields, pdf_upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/tramites/submissions"


def _post(client, procedure, key=None, files=True, **fields):
    data = {"procedure": procedure.tupa_code, **citizen_fields(**fields)}
    if files:
        data["declaracion"] = pdf_upload()
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, data, **headers)


def test_catalogue_lists_active_procedures_with_their_form(client):
    procedure = ProcedureFactory(tupa_code="LF-01")
    ProcedureFactory(tupa_code="XX-99", active=False)
    listing = client.get("/api/v1/tramites/procedures").json()
    assert [p["code"] for p in listing] == ["LF-01"]
    detail = client.get("/api/v1/tramites/procedures/lf-01").json()
    assert detail["fee"] == "139.40"
    assert detail["requirements"] == ["Requisito uno", "Requisito dos"]
    assert [f["name"] for f in detail["fields"]] == ["ruc", "giro", "declaracion", "referencia"]
    assert detail["fields"][1]["choices"] == ["Bodega", "Restaurante"]
    assert detail["fields"][2]["type"] == "file"
    assert procedure.office.name == detail["office"]
    assert client.get("/api/v1/tramites/procedures/XX-99").status_code == 404


def test_an_anonymous_citizen_submits_and_gets_a_code(client):
    procedure = ProcedureFactory()
    response = _post(client, procedure, key=str(uuid.uuid4()))
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["code"]) == 10
    assert body["code_display"] == f"{body['code'][:5]}-{body['code'][5:]}"
    assert body["status"] == "recibido"
    assert body["due_date"]
    submission = Submission.objects.get(code=body["code"])
    assert submission.data["ruc"] == "20123456786"
    assert submission.channel == "api"
    attachment = submission.attachments.get()
    assert attachment.content_type == "application/pdf"
    assert AuditEntry.objects.filter(submission=submission, action="submitted").count() == 1


def test_a_retried_request_with_the_same_key_returns_the_first_submission(client):
    procedure = ProcedureFactory()
    key = str(uuid.uuid4())
    first = _post(client, procedure, key=key)
    second = _post(client, procedure, key=key)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["code"] == first.json()["code"]
    assert Submission.objects.count() == 1
    assert Attachment.objects.count() == 1


def test_the_same_key_for_another_citizen_is_a_conflict(client):
    procedure = ProcedureFactory()
    key = str(uuid.uuid4())
    assert _post(client, procedure, key=key).status_code == 201
    response = _post(client, procedure, key=key, dni="49999999")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


def test_invalid_fields_get_one_error_each(client):
    procedure = ProcedureFactory()
    response = _post(
        client,
        procedure,
        key=str(uuid.uuid4()),
        files=False,
        dni="1234",
        ruc="20123456780",
        consentimiento=None,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"dni", "ruc", "consentimiento", "declaracion"}
    assert "8 dígitos" in fields["dni"]
    assert "último dígito" in fields["ruc"]
    assert Submission.objects.count() == 0


def test_the_idempotency_key_and_procedure_are_required(client):
    response = client.post(URL, {"procedure": "NOPE"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"Idempotency-Key", "procedure"}


def test_a_valid_file_survives_a_failed_attempt_with_the_same_key(client):
    procedure = ProcedureFactory()
    key = str(uuid.uuid4())
    assert _post(client, procedure, key=key, dni="12").status_code == 422
    response = _post(client, procedure, key=key, files=False)
    assert response.status_code == 201, response.content
    assert Submission.objects.get().attachments.count() == 1


def test_anonymous_submissions_are_throttled_per_client(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "tramites_submit": (2, 600)}
    procedure = ProcedureFactory()
    for _ in range(2):
        assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    response = _post(client, procedure, key=str(uuid.uuid4()))
    assert response.status_code == 429
    assert "Espere" in response.json()["detail"]


def test_the_submission_endpoint_is_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/tramites/submissions"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"201", "422"} <= set(operation["responses"])
    assert "/api/v1/tramites/track/{code}" in schema["paths"]


def _data_queries(captured) -> list[str]:
    """The queries on this app's tables (the tests' cache is the database's: not counted)."""
    return [q["sql"] for q in captured if "tramites_bridge_" in q["sql"]]


def test_a_submission_costs_one_key_check_and_its_inserts(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    procedure = ProcedureFactory()
    assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    with CaptureQueriesContext(connection) as captured:
        assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    queries = _data_queries(captured.captured_queries)
    # the key check, then submission, attachment, timeline step, audit entry, outbox event:
    # one INSERT statement for all of them on PostgreSQL, one each elsewhere
    assert len(queries) <= (2 if connection.vendor == "postgresql" else 6), queries
    assert not [q for q in queries if "procedure" in q.split("FROM")[-1][:40]]
    assert not [q for q in queries if "tramites_bridge_holiday" in q]


def test_a_procedure_closed_or_given_a_new_field_is_seen_by_the_next_submission(client):
    from tramites_bridge.models import ProcedureField

    procedure = ProcedureFactory()
    assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    ProcedureField.objects.create(
        procedure=procedure, sort_order=9, name="aforo", label="Aforo", kind="text", required=True
    )
    refused = _post(client, procedure, key=str(uuid.uuid4()))
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["aforo"]
    procedure.active = False
    procedure.save()
    closed = _post(client, procedure, key=str(uuid.uuid4()), aforo="20")
    assert closed.status_code == 422
    assert [e["field"] for e in closed.json()["errors"]] == ["procedure"]


def test_a_holiday_added_moves_the_next_due_date(client):
    from datetime import date

    from tramites_bridge.models import Holiday

    procedure = ProcedureFactory()
    first = _post(client, procedure, key=str(uuid.uuid4())).json()
    due = date.fromisoformat(first["due_date"])
    Holiday.objects.create(date=due, name="Feriado local")
    second = _post(client, procedure, key=str(uuid.uuid4())).json()
    assert date.fromisoformat(second["due_date"]) > due


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_submission_is_one_prepared_statement_atomic_on_its_own(
    client, monkeypatch
):
    """No transaction around it: the one INSERT either stores every row or none. A clash on the
    tracking code (the unique index fails mid-statement) leaves nothing behind, and the retry
    stores the file once. PostgreSQL plans the statement once per connection."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the single statement exists on PostgreSQL only")
    from tramites_bridge import services

    procedure = ProcedureFactory()
    taken = _post(client, procedure, key=str(uuid.uuid4())).json()["code"]
    codes = iter([taken, "ZZZZZ00000"])
    monkeypatch.setattr(services, "code_generate", lambda: next(codes))
    key = str(uuid.uuid4())
    response = _post(client, procedure, key=key)
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "ZZZZZ00000"
    submission = Submission.objects.get(idempotency_key=f"api:{key}")
    assert submission.attachments.count() == 1
    assert submission.events.count() == 1
    assert AuditEntry.objects.filter(submission=submission).count() == 1
    assert Submission.objects.count() == 2
    assert Attachment.objects.filter(submission__isnull=True).count() == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE 'WITH s AS (INSERT INTO %%tramites_bridge_submission%%'"
        )
        executions = [row[0] for row in cursor.fetchall()]
    assert executions and sum(executions) >= 2  # the first submission and the retry


def test_a_taken_code_inside_a_callers_transaction_is_retried_on_a_savepoint(monkeypatch):
    """The seed and the admin create submissions inside their own transaction: a clash on the
    code must not abort it."""
    from django.db import transaction

    from tramites_bridge import services

    procedure = ProcedureFactory()

    def create(key):
        return services.submission_create(
            procedure=procedure,
            idempotency_key=key,
            dni="41234567",
            first_names="A",
            last_names="B",
            data={},
            channel="api",
        )

    with transaction.atomic():
        first, _ = create("k-1")
        codes = iter([first.code, "ZZZZZ11111"])
        monkeypatch.setattr(services, "code_generate", lambda: next(codes))
        second, created = create("k-2")
        assert created and second.code == "ZZZZZ11111"
        assert Submission.objects.count() == 2


def test_the_answer_is_the_bytes_the_schema_renders_new_and_repeated(client):
    """The answer is serialised without validating it again: it must be what django-ninja
    would send after validating it against SubmissionCreatedOut."""
    import json

    from django.test import RequestFactory
    from ninja.responses import NinjaJSONEncoder

    from tramites_bridge.api import _created_out
    from tramites_bridge.schemas import SubmissionCreatedOut

    procedure = ProcedureFactory()
    key = str(uuid.uuid4())
    created, repeated = _post(client, procedure, key=key), _post(client, procedure, key=key)
    assert (created.status_code, repeated.status_code) == (201, 200)
    assert created["Content-Type"] == "application/json; charset=utf-8"
    submission = Submission.objects.get()
    validated = SubmissionCreatedOut.model_validate(
        _created_out(RequestFactory().get("/"), submission)
    ).model_dump()
    expected = json.dumps(validated, cls=NinjaJSONEncoder).encode()
    assert created.content == repeated.content == expected
    assert created.json()["fee"] == "139.40"


def test_a_code_written_unusually_is_kept_and_dropped_like_any_other(client):
    from tramites_bridge.caching import procedure_cache_key

    procedure = ProcedureFactory(tupa_code="LIC Ñ/01")
    assert procedure_cache_key("lic ñ/01") == procedure_cache_key(" LIC Ñ/01 ")
    assert " " not in procedure_cache_key("lic ñ/01")
    assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    procedure.active = False
    procedure.save()
    closed = _post(client, procedure, key=str(uuid.uuid4()))
    assert [e["field"] for e in closed.json()["errors"]] == ["procedure"]
