"""Cabinas: agents submit for citizens, see only their own cabina, earn S/. 4.00 per procedure;
an annulment reverses; settlements add up; an inactive cabina is refused."""

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from tramites_bridge.models import Cabina, CabinaAgent, LedgerEntry, Submission
from tramites_bridge.selectors import cabina_settlement
from tramites_bridge.services import cabina_guarantee_record
from tramites_bridge.tests.factories import ProcedureFactory, citizen_fields, pdf_upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/tramites/submissions"


@pytest.fixture
def two_cabinas(make_user):
    """{"a": (cabina, agent), "b": (cabina, agent), "procedure": procedure}."""
    out = {}
    for key, ruc in (("a", "10401234569"), ("b", "20123456786")):
        cabina = Cabina.objects.create(name=f"Cabina {key}", address="Jr. Prueba 1", ruc=ruc)
        agent = make_user("cabina_agent", username=f"agente-{key}")
        CabinaAgent.objects.create(cabina=cabina, user=agent)
        out[key] = (cabina, agent)
    out["procedure"] = ProcedureFactory(tupa_code="LF-01")
    return out


def _agent_post(api_client_for, agent, procedure, **fields):
    client = api_client_for("cabina_agent", agent)
    data = {"procedure": procedure.tupa_code, **citizen_fields(**fields)}
    data["declaracion"] = pdf_upload()
    return client.post(URL, data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def test_an_agent_submits_with_its_token_and_the_cabina_earns_four_soles(
    api_client_for, two_cabinas
):
    cabina, agent = two_cabinas["a"]
    response = _agent_post(api_client_for, agent, two_cabinas["procedure"])
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(code=response.json()["code"])
    assert submission.cabina == cabina
    assert submission.agent_id == agent.pk
    assert submission.channel == "cabina"
    credit = LedgerEntry.objects.get(submission=submission)
    assert credit.kind == "credit" and credit.amount == Decimal("4.00")
    assert credit.cabina == cabina


def test_the_cabina_comes_from_the_agent_never_from_the_request(api_client_for, two_cabinas):
    cabina_b, _ = two_cabinas["b"]
    _, agent_a = two_cabinas["a"]
    response = _agent_post(
        api_client_for, agent_a, two_cabinas["procedure"], cabina=str(cabina_b.pk)
    )
    assert response.status_code == 201
    assert Submission.objects.get().cabina == two_cabinas["a"][0]


def test_an_inactive_cabina_cannot_submit(api_client_for, client_for, two_cabinas):
    cabina, agent = two_cabinas["a"]
    Cabina.objects.filter(pk=cabina.pk).update(active=False)
    response = _agent_post(api_client_for, agent, two_cabinas["procedure"])
    assert response.status_code == 403
    assert response.json()["code"] == "cabina_inactive"
    desk = client_for("cabina_agent", agent)
    page = desk.get("/cabina/tramite/LF-01/").content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    answer = desk.post(
        "/cabina/tramite/LF-01/",
        {"token": token, **citizen_fields(), "declaracion": pdf_upload()},
    )
    assert "Su cabina está inactiva" in answer.content.decode()
    assert Submission.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_an_agent_submits_on_the_desk_and_prints_the_receipt(client_for, two_cabinas):
    cabina, agent = two_cabinas["a"]
    desk = client_for("cabina_agent", agent)
    page = desk.get("/cabina/tramite/LF-01/").content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    response = desk.post(
        "/cabina/tramite/LF-01/",
        {"token": token, **citizen_fields(), "declaracion": pdf_upload()},
        follow=True,
    )
    submission = Submission.objects.get()
    assert submission.cabina == cabina and submission.agent_id == agent.pk
    assert submission.display_code in response.content.decode()
    assert "S/. 4.00" in desk.get("/cabina/").content.decode()


def test_agents_see_only_their_own_cabina_in_desk_api_and_receipts(
    api_client_for, client_for, two_cabinas
):
    _, agent_a = two_cabinas["a"]
    _, agent_b = two_cabinas["b"]
    code_a = _agent_post(api_client_for, agent_a, two_cabinas["procedure"]).json()["code"]
    code_b = _agent_post(api_client_for, agent_b, two_cabinas["procedure"], dni="42222222").json()[
        "code"
    ]
    listed = api_client_for("cabina_agent", agent_a).get("/api/v1/tramites/cabina/submissions")
    assert [s["code"] for s in listed.json()] == [code_a]
    ledger = api_client_for("cabina_agent", agent_a).get("/api/v1/tramites/cabina/ledger").json()
    assert [e["submission_code"] for e in ledger["entries"]] == [code_a]
    desk = client_for("cabina_agent", agent_a)
    html = desk.get("/cabina/tramites/").content.decode()
    assert code_a[:5] in html and code_b[:5] not in html
    assert desk.get(f"/tramites/constancia/{code_a}/").status_code == 200
    assert desk.get(f"/tramites/constancia/{code_b}/").status_code == 404
    ledger_html = desk.get("/cabina/cuenta/").content.decode()
    assert code_a[:5] in ledger_html and code_b[:5] not in ledger_html
    # the admin's cabina screens are not theirs either
    assert desk.get("/admin/tramites/liquidaciones/").status_code == 302


@pytest.mark.parametrize("role", ["anonymous", "student", "back_office", "coach"])
def test_others_cannot_use_the_cabina_endpoints_or_desk(api_client_for, client_for, role):
    response = api_client_for(role).get("/api/v1/tramites/cabina/ledger")
    assert response.status_code in (401, 403)
    desk = client_for(role).get("/cabina/")
    assert desk.status_code in (302, 403)


def test_the_back_office_annuls_and_the_ledger_shows_the_reversal(
    api_client_for, client_for, two_cabinas
):
    cabina, agent = two_cabinas["a"]
    code = _agent_post(api_client_for, agent, two_cabinas["procedure"]).json()["code"]
    submission = Submission.objects.get(code=code)
    client_for("back_office").post(
        f"/admin/tramites/bandeja/{submission.pk}/",
        {"action": "status", "status": "anulado", "note": "Improcedente."},
    )
    entries = list(LedgerEntry.objects.filter(submission=submission).order_by("pk"))
    assert [(e.kind, e.amount) for e in entries] == [
        ("credit", Decimal("4.00")),
        ("reversal", Decimal("-4.00")),
    ]
    today = timezone.localdate()
    settlement = cabina_settlement(cabina=cabina, year=today.year, month=today.month)
    assert settlement.total == Decimal("0.00")
    html = client_for("cabina_agent", agent).get("/cabina/cuenta/").content.decode()
    assert "Reversión por anulación" in html and "S/. -4.00" in html


def test_ledger_entries_are_never_edited():
    cabina = Cabina.objects.create(name="C", address="x", ruc="20123456786")
    entry = cabina_guarantee_record(cabina=cabina)
    assert cabina_guarantee_record(cabina=cabina) == entry  # once
    entry.amount = Decimal("1.00")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("0"))
    with pytest.raises(PermissionError):
        entry.delete()


def _month_of(moment) -> tuple[int, int]:
    local = timezone.localtime(moment)
    return local.year, local.month


def test_every_settlement_adds_up_from_the_entries():
    """Recomputes each cabina's monthly settlement from its raw entries (the demo month)."""
    from core.seed import seed as seed_accounts
    from tramites_bridge.seed import seed_cabinas

    seed_accounts()
    ProcedureFactory(tupa_code="OP-05", with_fields=False)
    seed_cabinas()
    months = {_month_of(e.created_at) for e in LedgerEntry.objects.exclude(kind="guarantee")}
    assert months
    for cabina in Cabina.objects.all():
        guarantee = LedgerEntry.objects.get(cabina=cabina, kind="guarantee")
        assert guarantee.amount == Decimal("300.00")
        for year, month in months:
            settlement = cabina_settlement(cabina=cabina, year=year, month=month)
            entries = [
                e
                for e in LedgerEntry.objects.filter(cabina=cabina)
                if _month_of(e.created_at) == (year, month)
            ]
            credits = [e.amount for e in entries if e.kind == "credit"]
            reversals = [e.amount for e in entries if e.kind == "reversal"]
            assert settlement.credits_count == len(credits)
            assert settlement.credits == sum(credits, Decimal("0.00"))
            assert settlement.reversals == sum(reversals, Decimal("0.00"))
            assert settlement.total == settlement.credits + settlement.reversals
            assert all(c == Decimal("4.00") for c in credits)
            assert all(r == Decimal("-4.00") for r in reversals)
    assert LedgerEntry.objects.filter(kind="reversal").exists()


def test_the_admin_settlement_and_statistics_render_for_the_back_office(client_for, two_cabinas):
    client = client_for("back_office")
    html = client.get("/admin/tramites/liquidaciones/").content.decode()
    assert "Cabina a" in html and "Total del mes" in html
    csv = client.get("/admin/tramites/liquidaciones/", {"formato": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "Cabina a" in csv.content.decode("utf-8-sig")
    stats = client.get("/admin/tramites/estadisticas/").content.decode()
    assert "<svg" in stats
    stats_csv = client.get("/admin/tramites/estadisticas/", {"formato": "csv"})
    assert stats_csv.content.decode("utf-8-sig").startswith("seccion,grupo,tramites,")
    for role in ("cabina_agent", "coach"):
        assert client_for(role).get("/admin/tramites/liquidaciones/").status_code == 302


def test_an_agent_reaches_none_of_the_back_office_admin(api_client_for, client_for, two_cabinas):
    _, agent = two_cabinas["a"]
    code = _agent_post(api_client_for, agent, two_cabinas["procedure"]).json()["code"]
    own = Submission.objects.get(code=code)
    client = client_for("cabina_agent", agent)
    for url in (
        "/admin/",
        "/admin/tramites/bandeja/",
        f"/admin/tramites/bandeja/{own.pk}/",
        "/admin/tramites/liquidaciones/?formato=csv",
        "/admin/tramites/envios/",
        "/admin/tramites/estadisticas/?formato=csv",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert code not in response.content.decode(), url
    # nor can it change a state there, not even on its own cabina's file
    client.post(
        f"/admin/tramites/bandeja/{own.pk}/",
        {"action": "status", "status": "anulado", "note": "x"},
    )
    own.refresh_from_db()
    assert own.status == "recibido"
    assert LedgerEntry.objects.filter(submission=own, kind="reversal").count() == 0


def test_a_month_in_range_still_shows_that_month(client_for, two_cabinas):
    _, agent = two_cabinas["a"]
    html = client_for("cabina_agent", agent).get("/cabina/cuenta/", {"mes": "2100-12"})
    assert html.status_code == 200 and "diciembre de 2100" in html.content.decode().lower()
