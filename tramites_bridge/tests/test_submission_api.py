"""POST /api/v1/tramites/submissions and the catalogue endpoints."""

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client

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


def test_a_submission_costs_two_key_checks_and_its_inserts(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    procedure = ProcedureFactory()
    assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    with CaptureQueriesContext(connection) as captured:
        assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    queries = _data_queries(captured.captured_queries)
    # the key (a submission made with it, files stashed under it), then one INSERT each for the
    # submission, its attachments, timeline step, audit entry and outbox event
    assert len(queries) <= 7, queries
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
def test_a_taken_code_is_retried_and_leaves_nothing_behind(client, monkeypatch):
    """No transaction around the request: a clash on the tracking code stores none of the
    file's rows, and the retry stores the file once."""
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
    assert Attachment.objects.count() == 2


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


def test_the_answer_is_the_same_for_the_new_and_the_repeated_request(client):
    procedure = ProcedureFactory()
    key = str(uuid.uuid4())
    created, repeated = _post(client, procedure, key=key), _post(client, procedure, key=key)
    assert (created.status_code, repeated.status_code) == (201, 200)
    assert created["Content-Type"] == "application/json; charset=utf-8"
    assert created.json() == repeated.json()
    submission = Submission.objects.get()
    body = created.json()
    sent_at = datetime.fromisoformat(body.pop("created_at"))  # to the millisecond
    assert abs(sent_at - submission.created_at) < timedelta(milliseconds=1)
    assert body == {
        "code": submission.code,
        "code_display": f"{submission.code[:5]}-{submission.code[5:]}",
        "procedure": procedure.tupa_code,
        "status": "recibido",
        "status_label": "Recibido",
        "office": procedure.office.name,
        "fee": "139.40",
        "due_date": submission.due_date.isoformat(),
        "receipt_url": f"http://testserver/tramites/constancia/{submission.code}/",
    }


def test_a_code_written_unusually_is_kept_and_dropped_like_any_other(client):
    from tramites_bridge.caching import catalogue_keys

    procedure = ProcedureFactory(tupa_code="LIC Ñ/01")
    assert catalogue_keys("lic ñ/01") == catalogue_keys(" LIC Ñ/01 ")
    assert " " not in catalogue_keys("lic ñ/01")[0]
    assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    assert _post(client, procedure, key=str(uuid.uuid4())).status_code == 201
    procedure.active = False
    procedure.save()
    closed = _post(client, procedure, key=str(uuid.uuid4()))
    assert [e["field"] for e in closed.json()["errors"]] == ["procedure"]


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_requests_with_one_key_make_one_submission(settings):
    """A citizen's app that retries impatiently: every request gets the same file, one is 201,
    and the requests that lost the race leave no stored file behind."""
    from django.core.files.storage import default_storage

    def stored() -> set[str]:
        if not default_storage.exists("tramites/privado"):
            return set()
        return set(default_storage.listdir("tramites/privado")[1])

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "tramites_submit": (100, 600)}
    procedure = ProcedureFactory()
    key = str(uuid.uuid4())
    before = stored()
    start = threading.Barrier(10)
    answers = []

    def submit():
        start.wait()
        try:
            answers.append(_post(Client(), procedure, key=key))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201], [a.content for a in answers]
    assert len({a.json()["code"] for a in answers}) == 1
    assert Submission.objects.count() == 1
    submission = Submission.objects.get()
    assert submission.attachments.count() == 1
    assert submission.events.count() == 1
    assert Attachment.objects.count() == 1
    assert stored() - before == {submission.attachments.get().file.name.rsplit("/", 1)[-1]}


def test_an_office_renamed_shows_in_the_next_submission(client):
    procedure = ProcedureFactory()
    assert _post(client, procedure, key=str(uuid.uuid4())).json()["office"] == procedure.office.name
    procedure.office.name = "Oficina de Licencias (renovada)"
    procedure.office.save()
    body = _post(client, procedure, key=str(uuid.uuid4())).json()
    assert body["office"] == "Oficina de Licencias (renovada)"
