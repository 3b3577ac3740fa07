"""Shared fixtures for every app's tests, loaded for the whole tree by the root conftest.py (a
conftest inside tests/ would only reach tests/):
a user per role, a logged-in client and a bearer token per role, a real Celery worker process,
and a Chromium page driven by Playwright."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.test.testcases import QuietWSGIRequestHandler

from core import roles as R
from core.accounts import token_create
from tests.stale_content_types import forget_stale_content_types

ROOT = Path(__file__).resolve().parent.parent

# The live server writes a response's status line, headers and body in separate small sends:
# with Nagle's algorithm each later send waited for the client's delayed acknowledgement
# (40 ms on loopback), so every request to it cost ~40 ms doing nothing.
QuietWSGIRequestHandler.disable_nagle_algorithm = True

# role key -> group name (None: superuser, "anonymous": nobody)
ROLE_GROUPS = {
    "student": R.STUDENTS,
    "presenter": R.PRESENTERS,
    "tv_staff": R.TV_STAFF,
    "coach": R.COACHES,
    "validator": R.VALIDATORS,
    "cabina_agent": R.CABINA_AGENTS,
    "back_office": R.BACK_OFFICE,
    "superuser": None,
}
ROLES = ["anonymous", *ROLE_GROUPS]
TEST_PASSWORD = "clave-de-prueba-2026"


# Tests that share committed data with another thread or process (the live server, the worker)
# use this mark. Such a test ends by flushing every table; _wagtail_baseline puts back the rows
# Wagtail's migrations create (locale, root page, root collection) before the next one.
LIVE_DB = pytest.mark.django_db(transaction=True)


# --- users, clients, tokens ---------------------------------------------------------------------
@pytest.fixture
def make_user(db, django_user_model):
    """make_user("coach", username=...) -> a user in that role's group ("superuser": a
    superuser)."""
    counter = {"n": 0}

    def _make(role: str, **fields):
        counter["n"] += 1
        group = ROLE_GROUPS[role]
        defaults = {
            "username": fields.pop("username", f"{role}{counter['n']}"),
            "first_name": fields.pop("first_name", role.replace("_", " ").title()),
            "last_name": fields.pop("last_name", "Prueba"),
            "is_superuser": group is None,
            "is_staff": group is None,
        }
        defaults.update(fields)
        user = django_user_model.objects.create_user(password=TEST_PASSWORD, **defaults)
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return _make


@pytest.fixture
def users(make_user) -> dict:
    """One user per role (key "anonymous" maps to None)."""
    return {"anonymous": None, **{role: make_user(role) for role in ROLE_GROUPS}}


@pytest.fixture
def client_for(users):
    """client_for("student") -> a django test Client logged in as that role's user."""

    def _client(role: str, user=None) -> Client:
        client = Client()
        user = user or users[role]
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture
def token_for(users):
    """token_for("coach") -> a live bearer token for that role's user."""

    def _token(role: str, user=None) -> str:
        raw, _ = token_create(user=user or users[role])
        return raw

    return _token


@pytest.fixture
def api_client_for(token_for):
    """api_client_for("student") -> a Client that sends that role's bearer token."""

    def _client(role: str, user=None) -> Client:
        if role == "anonymous":
            return Client()
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(role, user)}")

    return _client


# --- a real Celery worker process ---------------------------------------------------------------
def _database_url_for_worker() -> str:
    from django.db import connection

    cfg = connection.settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{cfg['NAME']}"
    auth = cfg["USER"] or ""
    if cfg.get("PASSWORD"):
        auth += f":{cfg['PASSWORD']}"
    host = cfg["HOST"] or "127.0.0.1"
    port = cfg["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{cfg['NAME']}"


def _purge_broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in ("short", "media"):
            # a queue that does not exist yet has nothing to purge
            with contextlib.suppress(Exception):
                channel.queue_purge(queue)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` subprocess on both queues, against the test database.
    Tests that use it need committed data: mark them `django_db(transaction=True)`."""
    with django_db_blocker.unblock():
        database_url = _database_url_for_worker()
        _purge_broker()
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        # a short clip transcodes in seconds: report progress often enough to be seen moving
        "MEDIA_PROGRESS_INTERVAL_SECONDS": "0.5",
    }
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "tests.celery_worker",
            "worker",
            "-Q",
            "short,media",
            "-c",
            "2",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            f"test-worker-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"El worker terminó al iniciar:\n{log_path.read_text()[-3000:]}")
        if " ready." in log_path.read_text():
            break
        time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError(f"El worker no quedó listo en 60 s:\n{log_path.read_text()[-3000:]}")
    proc.log_path = log_path
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


# --- services a test needs ----------------------------------------------------------------------
def ci_run() -> bool:
    """CI=true (.ci/run sets it): every service a test needs must be there."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def service_missing(service: str, how: str) -> NoReturn:
    """Ends a test that cannot reach a service it needs: skipped on a developer's machine,
    failed under CI=true, so a CI run never passes with the service silently off."""
    if ci_run():
        pytest.fail(
            f"Falta {service}: {how}. Con CI=true esta prueba debe correr, no omitirse.",
            pytrace=False,
        )
    pytest.skip(f"Falta {service}: {how}")


def redis_required(url: str) -> None:
    """Returns when a Redis server answers at url; else service_missing."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except (redis.ConnectionError, redis.TimeoutError):
        service_missing(f"el servidor Redis en {url}", "no responde; arránquelo o corrija la URL")


def closed_port() -> int:
    """A local port where nothing listens (to simulate a service that is down)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2, message: str = ""):
    """Polls predicate() until it returns something truthy; fails the test after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(message or f"La condición no se cumplió en {timeout} s")


# --- a browser ----------------------------------------------------------------------------------
def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


CHROMIUM_HOW = "instale el paquete 'chromium' de Debian o indique CHROMIUM_PATH"


def pytest_collection_modifyitems(config, items):
    # under CI=true the browser fixture fails them instead (service_missing)
    if chromium_path() or ci_run():
        return
    skip = pytest.mark.skip(
        reason="Chromium no encontrado: instale el paquete 'chromium' de Debian"
    )
    skipped = 0
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)
            skipped += 1
    config._pasoapaso_e2e_skipped = skipped


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = getattr(config, "_pasoapaso_e2e_skipped", 0)
    if skipped:
        terminalreporter.write_line(
            f"AVISO: se omitieron {skipped} pruebas de navegador (e2e) porque no se encontró "
            "Chromium. Instálelo con: sudo apt-get install chromium",
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM in the same thread
    # (the test's own queries) must be allowed beside it.
    if chromium_path() is None:
        service_missing("Chromium", CHROMIUM_HOW)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page (desktop size); `page.base_url` is the live server."""
    context = browser.new_context(
        locale="es-PE", timezone_id="America/Lima", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A 360-px-wide phone page, like the students' cheap Android phones."""
    context = browser.new_context(
        locale="es-PE",
        timezone_id="America/Lima",
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Throttling counters live in the cache (the database cache by default): every test that
    can reach the database starts with none."""
    if request.node.get_closest_marker("django_db") or DB_FIXTURES.intersection(
        request.fixturenames
    ):
        from django.core.cache import cache

        request.getfixturevalue("_django_db_helper")
        cache.clear()
    yield


# both aliases on the same memory (core.cache: "default" for every caller, "shared" for the
# throttling counters)
MEMORY_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


@pytest.fixture
def memory_cache(settings):
    """An in-memory cache that keeps what it is given, as production's Redis does, and costs no
    query (with the embedded database cache every cache read would be a query). Emptied before
    and after: Django's in-memory caches outlive a test, and entries naming rows of an earlier
    test (a menu, a lesson's shared parts) would be read back here."""
    from django.core.cache import cache

    settings.CACHES = MEMORY_CACHE
    cache.clear()
    yield cache
    cache.clear()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"}.intersection(request.fixturenames))


@pytest.fixture(autouse=True)
def _wagtail_baseline(request):
    if _is_transactional(request):
        request.getfixturevalue("_django_db_helper")
        from wagtail.models import Collection, Locale, Page

        Locale.objects.get_or_create(language_code="es")
        if not Page.objects.filter(depth=1).exists():
            Page.add_root(instance=Page(title="Root", slug="root"))
        if not Collection.objects.exists():
            Collection.add_root(name="Root")
        forget_stale_content_types()
    yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media/"},
        },
    }
    yield
