"""Every date parameter of the API and of the cabina ledger refuses a date that does not exist
or lies outside the supported years (2000-2100) with a 422 in Spanish naming the parameter,
instead of silently showing another period."""

import pytest
from django.test import Client

from tramites_bridge.models import Cabina, CabinaAgent

pytestmark = pytest.mark.django_db

BAD_MONTHS = ["0", "13", "2026-13", "-1", "abril"]
BAD_HTML_MONTHS = ["0", "13", "2026-13", "2026-00", "1999-12", "2101-01", "2026-1-1", "abril"]


def assert_names_field(response, field: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["detail"]
    assert [e["field"] for e in body["errors"]] == [field]
    assert all(e["message"] for e in body["errors"])


@pytest.fixture
def agent(make_user):
    cabina = Cabina.objects.create(
        name="Cabina Mollepampa", address="Jr. Prueba 1", ruc="10401234569"
    )
    user = make_user("cabina_agent", username="agente-mollepampa")
    CabinaAgent.objects.create(cabina=cabina, user=user)
    return user


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_cabina_ledger_api_refuses_a_month_that_does_not_exist(api_client_for, agent, month):
    response = api_client_for("cabina_agent", agent).get(
        "/api/v1/tramites/cabina/ledger", {"month": month}
    )

    assert_names_field(response, "month")


@pytest.mark.parametrize("year", ["0", "1999", "2101", "2026-13"])
def test_cabina_ledger_api_refuses_a_year_outside_the_supported_range(api_client_for, agent, year):
    response = api_client_for("cabina_agent", agent).get(
        "/api/v1/tramites/cabina/ledger", {"year": year, "month": "5"}
    )

    assert_names_field(response, "year")


def test_cabina_ledger_api_shows_the_month_asked_and_this_month_by_default(api_client_for, agent):
    client = api_client_for("cabina_agent", agent)

    asked = client.get("/api/v1/tramites/cabina/ledger", {"year": "2026", "month": "2"})
    assert asked.status_code == 200
    assert (asked.json()["settlement"]["year"], asked.json()["settlement"]["month"]) == (2026, 2)
    assert client.get("/api/v1/tramites/cabina/ledger").status_code == 200


@pytest.mark.parametrize("mes", BAD_HTML_MONTHS)
def test_cabina_desk_ledger_refuses_a_month_that_does_not_exist(client_for, agent, mes):
    response = client_for("cabina_agent", agent).get("/cabina/cuenta/", {"mes": mes})

    assert response.status_code == 422
    html = response.content.decode()
    assert "Mes no válido" in html and "AAAA-MM" in html


def test_cabina_desk_ledger_still_shows_a_valid_month(client_for, agent):
    client = client_for("cabina_agent", agent)

    assert "febrero de 2026" in client.get("/cabina/cuenta/", {"mes": "2026-02"}).content.decode()
    assert client.get("/cabina/cuenta/").status_code == 200


@pytest.mark.parametrize("mes", ["2026-13", "0"])
def test_back_office_settlements_refuse_a_month_that_does_not_exist(client_for, mes):
    response = client_for("back_office").get("/admin/tramites/liquidaciones/", {"mes": mes})

    assert response.status_code == 422
    assert "Mes no válido" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "1999-12-31", "to": "2000-01-05"}, "from"),
        ({"from": "ayer"}, "from"),
    ],
)
def test_airings_api_refuses_a_date_that_does_not_exist_or_is_out_of_range(params, field):
    response = Client().get("/api/v1/broadcast/airings", params)

    assert_names_field(response, field)
    assert "AAAA-MM-DD" in response.json()["detail"] or "2000" in response.json()["detail"]
