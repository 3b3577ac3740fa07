"""Outages seen by clients: the database unreachable answers 503 in Spanish (the API's error
contract, a plain page for the site), and a progress batch that failed and is sent again counts
once. The worker killed mid-transcode is in media_pipeline/tests/test_jobs.py; the real faults
(Redis stopped, a worker killed, PostgreSQL restarted) are provoked by bench/faults.py."""

import contextlib
import json
import socket
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from lms.models import LessonProgress, ProgressEvent
from lms.tests.factories import course_create, lesson_create, student_create, unit_create
from tests.fixtures import LIVE_DB, service_missing

pytestmark = LIVE_DB

PROGRESS_URL = "/api/v1/lms/progress"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def database_unreachable(tmp_path):
    """The default connection points where no database answers: a folder that does not exist
    for SQLite, a closed port for PostgreSQL. Restored (and reconnected) afterwards."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        connection.ensure_connection()


@pytest.fixture
def student(db):
    course = course_create()
    unit = unit_create(course=course)
    lesson = lesson_create(unit=unit, episode=1, code="FAL01")
    profile = student_create(dni="45678912", course=course)
    return profile, lesson


def _event(lesson, position: float) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "lesson": lesson.pk,
        "type": "position",
        "at": (timezone.now() - timedelta(minutes=10)).isoformat(),
        "position_seconds": position,
        "duration_seconds": 100,
        "watched_seconds": 10,
    }


def test_the_api_answers_503_in_spanish_when_the_database_is_down(student, token_for, tmp_path):
    profile, _ = student
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for('student', profile.user)}")
    with database_unreachable(tmp_path):
        response = client.get("/api/v1/lms/me/progress")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": (
            "El servicio no está disponible en este momento. Intente de nuevo en unos minutos."
        ),
        "code": "service_unavailable",
    }


def test_a_site_page_answers_a_plain_spanish_503_when_the_database_is_down(db, tmp_path):
    client = Client(raise_request_exception=False)
    with database_unreachable(tmp_path):
        response = client.get("/programacion/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert "Servicio no disponible por un momento" in body
    assert "No se perdió nada de lo que ya guardó" in body


def test_a_progress_batch_sent_again_after_an_outage_counts_once(student, token_for, tmp_path):
    profile, lesson = student
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for('student', profile.user)}")
    batch = json.dumps({"events": [_event(lesson, 30), _event(lesson, 60)]})

    def send():
        return client.post(PROGRESS_URL, batch, content_type="application/json")

    with database_unreachable(tmp_path):
        refused = send()
    assert refused.status_code == 503
    assert refused.json()["code"] == "service_unavailable"
    assert not ProgressEvent.objects.filter(student=profile).exists()

    # The player sends the same batch again: stored once. Its answer is lost on the way, so
    # the player sends it once more: nothing is counted twice.
    first = send()
    assert first.status_code == 200, first.content
    assert first.json()["stored"] == 2
    again = send()
    assert again.status_code == 200
    assert (again.json()["stored"], again.json()["duplicates"]) == (0, 2)
    assert ProgressEvent.objects.filter(student=profile).count() == 2
    progress = LessonProgress.objects.get(student=profile, lesson=lesson)
    assert (progress.position_seconds, progress.seconds_watched) == (60, 20)


def test_the_shared_cache_serves_without_redis_and_forgets_what_it_missed(tmp_path, settings):
    """While Redis is down the cache (the "default" alias, as production configures it) is a
    miss and writes are dropped; when Redis is back the process deletes what each dropped write
    would have replaced, so no stale entry outlives the outage (an invalidation may be what was
    dropped)."""
    import shutil
    import subprocess
    import time

    from django.core.cache import cache

    from config.env import cache_aliases

    if shutil.which("redis-server") is None:
        service_missing("redis-server", "instale el paquete 'redis-server' de Debian")
    port = _closed_port()
    settings.CACHES = {**settings.CACHES, **cache_aliases(f"redis://127.0.0.1:{port}/0")}

    def start_redis():
        proc = subprocess.Popen(  # noqa: S603
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(tmp_path),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                return proc
            time.sleep(0.05)
        proc.kill()
        raise RuntimeError("redis-server no arrancó")

    # down from the start: every read misses, every write is dropped, nothing raises
    assert cache.get("token", "sin caché") == "sin caché"
    assert cache.get_many(["token"]) == {}
    cache.set("token", "a")
    assert cache.add("other", 1) is False
    assert cache.incr("counter") == 1

    redis_server = start_redis()
    try:
        cache.set("stale", "old page")  # first call after the outage empties the cache first
        assert cache.get("stale") == "old page"
        redis_server.terminate()
        redis_server.wait(timeout=10)
        cache.delete("stale")  # an invalidation dropped while Redis is down
        redis_server = start_redis()  # the append-only file brings "stale" back
        assert cache.get("stale") is None
        cache.set("fresh", "new")
        assert cache.get("fresh") == "new"
    finally:
        redis_server.terminate()
        redis_server.wait(timeout=10)
