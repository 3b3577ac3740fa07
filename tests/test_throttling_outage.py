"""The limits that guard sign-in, tracking and submissions hold while the shared cache (Redis) is
down: the counters move to the database, and when that cannot count either the attempt is
refused in Spanish. A page cache outage only makes pages slower.

Redis is "down" by pointing the cache at a port where nothing listens (the real server is shared
and stays up), so these run the same on the embedded defaults and against PostgreSQL."""

import uuid

import pytest

from config.env import cache_aliases
from tests.fixtures import TEST_PASSWORD, closed_port
from tramites_bridge.tests.factories import ProcedureFactory, citizen_fields, pdf_upload

pytestmark = pytest.mark.django_db

LIMIT = 3
COUNTERS_DOWN = "No podemos verificar los intentos en este momento"


@pytest.fixture
def shared_cache_down(settings):
    """The shared cache is Redis on a closed port, as production configures it (config.env);
    the database cache the counters fall back to is kept."""
    settings.CACHES = {
        **settings.CACHES,
        **cache_aliases(f"redis://127.0.0.1:{closed_port()}/0"),
    }
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "login": (LIMIT, 300),
        "tramites_submit": (LIMIT, 600),
    }


@pytest.fixture
def counters_down(shared_cache_down, settings):
    """The database the counters fall back to cannot count either (its table is missing)."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle_fallback": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "no_such_cache_table",
        },
    }


def _site_login(client, password):
    response = client.post("/cuenta/ingresar/", {"username": "70000009", "password": password})
    return response, "_auth_user_id" in client.session


def _admin_login(client, password):
    response = client.post("/admin/login/", {"username": "70000009", "password": password})
    return response, "_auth_user_id" in client.session


def _token(client, password):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "70000009", "password": password},
        content_type="application/json",
    )
    return response, response.status_code == 200


ENTRY_POINTS = {"site": _site_login, "admin": _admin_login, "api": _token}


def _refusal(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return response.json()["detail"]
    return response.content.decode()


@pytest.fixture
def account(make_user):
    from cms.seed import seed

    seed()  # the site's login page lives under the home page
    return make_user("coach", username="70000009", is_staff=True)


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_failed_logins_are_still_counted_while_the_shared_cache_is_down(
    client, account, shared_cache_down, entry_point
):
    login = ENTRY_POINTS[entry_point]
    for _ in range(LIMIT):
        response, signed_in = login(client, "mala")
        assert not signed_in
        assert response.status_code in {200, 401}
    response, signed_in = login(client, "otra-mala")
    assert "Demasiados intentos fallidos" in _refusal(response)
    # the right password after the limit is refused too
    response, signed_in = login(client, TEST_PASSWORD)
    assert not signed_in
    assert "Demasiados intentos fallidos" in _refusal(response)
    if entry_point == "api":
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0


def test_a_sign_in_while_the_shared_cache_is_down_clears_the_clients_failures(
    client, account, shared_cache_down
):
    for _ in range(LIMIT - 1):
        assert _token(client, "mala")[0].status_code == 401
    assert _token(client, TEST_PASSWORD)[0].status_code == 200
    for _ in range(LIMIT):
        assert _token(client, "mala")[0].status_code == 401
    assert _token(client, "mala")[0].status_code == 429


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_sign_in_is_refused_in_spanish_when_nothing_can_count_the_attempts(
    client, account, counters_down, entry_point
):
    response, signed_in = ENTRY_POINTS[entry_point](client, TEST_PASSWORD)
    assert not signed_in
    assert COUNTERS_DOWN in _refusal(response)
    if entry_point == "api":
        assert response.status_code == 503
        assert response.json()["code"] == "service_unavailable"


def test_failed_tracking_lookups_are_still_counted_while_the_shared_cache_is_down(
    client, shared_cache_down, settings
):
    limit = settings.THROTTLE_RATES["tramites_track"][0]
    for n in range(limit):
        response = client.post("/tramites/seguimiento/", {"codigo": f"{n:010d}", "dni": "41234567"})
        assert response.status_code == 404
    response = client.post("/tramites/seguimiento/", {"codigo": "ABCDE12345", "dni": "1"})
    assert response.status_code == 429
    assert "Demasiadas consultas fallidas" in response.content.decode()
    api = client.get("/api/v1/tramites/track/ABCDE12345", {"dni": "41234567"})
    assert api.status_code == 429


def test_submissions_are_still_limited_while_the_shared_cache_is_down(client, shared_cache_down):
    procedure = ProcedureFactory()

    def submit():
        data = {"procedure": procedure.tupa_code, **citizen_fields(), "declaracion": pdf_upload()}
        return client.post(
            "/api/v1/tramites/submissions", data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )

    for _ in range(LIMIT):
        assert submit().status_code == 201
    refused = submit()
    assert refused.status_code == 429
    assert "Espere" in refused.json()["detail"]


def test_pages_still_answer_while_the_shared_cache_is_down(client, account, shared_cache_down):
    assert client.get("/").status_code == 200
    assert client.get("/cuenta/ingresar/").status_code == 200


def test_a_site_sign_in_and_out_work_while_the_shared_cache_is_down(
    client, account, shared_cache_down
):
    """Sessions live in the database as well: without the cache a sign-in, a page that reads
    the session and a sign-out still work."""
    response, signed_in = _site_login(client, TEST_PASSWORD)
    assert signed_in
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.post("/cuenta/salir/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # back to the sign-in page


def test_a_lesson_page_answers_while_the_shared_cache_is_down(client, shared_cache_down):
    from lms.tests.factories import course_create, lesson_create, student_create, unit_create

    course = course_create()
    lesson = lesson_create(unit=unit_create(course=course), episode=1, code="CAI01")
    profile = student_create(dni="45678913", course=course)
    client.force_login(profile.user)
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert lesson.title in response.content.decode()


def test_a_tracking_lookup_finds_the_file_while_the_shared_cache_is_down(client, shared_cache_down):
    from tramites_bridge.services import submission_create

    submission, _ = submission_create(
        procedure=ProcedureFactory(with_fields=False),
        idempotency_key=str(uuid.uuid4()),
        dni="41234567",
        first_names="María",
        last_names="Quispe",
        data={},
        channel="web",
    )
    page = client.post("/tramites/seguimiento/", {"codigo": submission.code, "dni": "41234567"})
    assert page.status_code == 200
    assert submission.display_code in page.content.decode()
    api = client.get(f"/api/v1/tramites/track/{submission.code}", {"dni": "41234567"})
    assert api.status_code == 200
    assert api.json()["timeline"][0]["status"] == "recibido"
