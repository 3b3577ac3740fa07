import pytest

from tests.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def post_json(client, url, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def assert_error_contract(response, status, code=None):
    assert response.status_code == status
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str)
    if code:
        assert body["code"] == code
    return body


def test_token_is_issued_used_and_revoked(client, make_user):
    user = make_user("coach", username="carmen")
    response = post_json(
        client, "/api/v1/auth/token", {"username": "carmen", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["expires_at"]

    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "carmen"
    assert me.json()["roles"] == ["Coordinación"]
    assert me.json()["id"] == user.pk

    assert (
        client.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    )
    after = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error_contract(after, 401, "not_authenticated")


def test_tokens_are_stored_hashed(client, make_user):
    from core.models import ApiToken

    make_user("student", username="70000001")
    token = post_json(
        client, "/api/v1/auth/token", {"username": "70000001", "password": TEST_PASSWORD}
    ).json()["token"]
    row = ApiToken.objects.get()
    assert token not in (row.key_hash, row.prefix)
    assert len(row.key_hash) == 64


def test_wrong_password_is_401_in_spanish(client, make_user):
    make_user("coach", username="carmen")
    response = post_json(client, "/api/v1/auth/token", {"username": "carmen", "password": "mala"})
    body = assert_error_contract(response, 401, "invalid_credentials")
    assert body["detail"] == "Usuario o contraseña incorrectos."


def test_missing_fields_are_422_naming_each_field(client):
    response = post_json(client, "/api/v1/auth/token", {})
    body = assert_error_contract(response, 422, "validation_error")
    assert body["detail"] == "Revise los datos enviados."
    assert {e["field"] for e in body["errors"]} == {"username", "password"}
    assert all(e["message"] == "Este campo es obligatorio." for e in body["errors"])


def test_wrong_types_are_422_in_spanish(client):
    response = post_json(client, "/api/v1/auth/token", {"username": ["x"], "password": {"a": 1}})
    body = assert_error_contract(response, 422, "validation_error")
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "username": "Debe ser un texto.",
        "password": "Debe ser un texto.",
    }


@pytest.mark.parametrize("raw", ["{no es json", "", "[1, 2", "null"])
def test_malformed_body_is_a_4xx_never_a_500(client, raw):
    response = client.post("/api/v1/auth/token", raw, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert_error_contract(response, response.status_code)


def test_token_endpoint_answers_429_after_repeated_failures_for_one_username(
    client, make_user, settings
):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": (5, 300)}
    make_user("coach", username="carmen")
    for _ in range(5):
        response = post_json(
            client, "/api/v1/auth/token", {"username": "carmen", "password": "mala"}
        )
        assert response.status_code == 401
    blocked = post_json(
        client, "/api/v1/auth/token", {"username": "carmen", "password": TEST_PASSWORD}
    )
    body = assert_error_contract(blocked, 429, "throttled")
    assert "Demasiados intentos" in body["detail"]
    assert int(blocked["Retry-After"]) > 0
    # someone else behind the same IP (the municipal Wi-Fi) is not locked out
    make_user("student", username="70000002")
    other = post_json(
        client, "/api/v1/auth/token", {"username": "70000002", "password": TEST_PASSWORD}
    )
    assert other.status_code == 200


def test_one_username_attacked_from_many_ips_is_throttled_too(client, make_user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": (2, 300)}
    settings.THROTTLE_IDENTIFIER_FACTOR = 3
    make_user("coach", username="carmen")
    for i in range(6):
        post_json(
            client,
            "/api/v1/auth/token",
            {"username": "carmen", "password": "mala"},
            REMOTE_ADDR=f"10.0.0.{i}",
        )
    response = post_json(
        client,
        "/api/v1/auth/token",
        {"username": "carmen", "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.99",
    )
    assert_error_contract(response, 429, "throttled")


def test_me_without_credentials_is_401_in_spanish(client):
    body = assert_error_contract(client.get("/api/v1/auth/me"), 401, "not_authenticated")
    assert body["detail"].startswith("Debe iniciar sesión")


def test_unknown_api_route_is_404_in_the_contract(client):
    assert_error_contract(client.get("/api/v1/no-existe"), 404)


def test_openapi_schema_and_self_hosted_docs(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/auth/token" in schema.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


# --- a dead token is a 401, whatever the method -------------------------------------------------
def _token_of(client, make_user, username="carmen") -> str:
    make_user("coach", username=username)
    return post_json(
        client, "/api/v1/auth/token", {"username": username, "password": TEST_PASSWORD}
    ).json()["token"]


def test_logout_with_a_revoked_token_is_401(make_user):
    from django.test import Client

    app = Client(enforce_csrf_checks=True)  # an app: no session, no CSRF cookie
    token = _token_of(app, make_user)
    assert app.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    again = app.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {token}")

    body = assert_error_contract(again, 401, "not_authenticated")
    assert body["detail"] == "Debe iniciar sesión o enviar un token válido."
    assert again["WWW-Authenticate"] == "Bearer"


def test_logout_with_an_expired_token_is_401(make_user):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from core.models import ApiToken

    app = Client(enforce_csrf_checks=True)
    token = _token_of(app, make_user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = app.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert_error_contract(response, 401, "not_authenticated")


def test_an_unknown_token_or_none_at_all_is_401_on_a_write(make_user):
    from django.test import Client

    app = Client(enforce_csrf_checks=True)
    for headers in ({"HTTP_AUTHORIZATION": "Bearer no-es-un-token"}, {}):
        response = app.post(
            "/api/v1/lms/progress", "{}", content_type="application/json", **headers
        )
        assert_error_contract(response, 401, "not_authenticated")


def test_a_logged_in_session_without_the_csrf_token_is_still_refused(make_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("coach", username="carmen"))

    response = browser.post("/api/v1/auth/logout")

    assert response.status_code == 403
    assert browser.get("/api/v1/auth/me").status_code == 200
