from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat_record
from tests.fixtures import LIVE_DB, wait_for

HEALTH_TOKEN = "token-de-salud-para-las-pruebas-2026"


@pytest.fixture
def operator(client, settings):
    """A client that sends the operators' health token from the environment."""
    settings.HEALTHZ_TOKEN = HEALTH_TOKEN
    client.defaults["HTTP_X_HEALTH_TOKEN"] = HEALTH_TOKEN
    return client


@pytest.mark.django_db
def test_healthz_is_200_when_every_part_is_fine(operator):
    worker_heartbeat_record(name="worker")
    response = operator.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "worker", "storage", "ffmpeg"}
    assert body["checks"]["ffmpeg"]["version"]
    assert body["checks"]["ffmpeg"]["source"] in {"path", "imageio-ffmpeg", "setting"}
    assert body["checks"]["worker"]["last_heartbeat_age_seconds"] < 5


@pytest.mark.django_db
def test_healthz_is_503_naming_a_stale_worker(operator):
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(minutes=10))
    response = operator.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "fallo"
    assert response.json()["failing"] == ["worker"]
    assert "latido" in response.json()["checks"]["worker"]["error"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_worker_never_reported(operator):
    response = operator.get("/healthz")
    assert response.status_code == 503
    assert "worker" in response.json()["failing"]


# --- who sees the details -------------------------------------------------------------------------
@pytest.mark.django_db
def test_anonymous_caller_sees_only_ok(client):
    worker_heartbeat_record(name="worker")
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_anonymous_caller_sees_only_fallo_when_a_part_fails(client):
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "fallo"}
    for detail in ("worker", "latido", "sqlite", "postgresql", "ffmpeg", "Storage"):
        assert detail not in response.content.decode()


@pytest.mark.django_db
def test_logged_in_user_who_is_not_staff_sees_only_the_status(client_for):
    worker_heartbeat_record(name="worker")
    for role in ("student", "coach", "cabina_agent"):
        assert client_for(role).get("/healthz").json() == {"status": "ok"}, role


@pytest.mark.django_db
def test_staff_sees_every_part(client_for):
    worker_heartbeat_record(name="worker")
    body = client_for("superuser").get("/healthz").json()

    assert set(body["checks"]) == {"database", "broker", "worker", "storage", "ffmpeg"}
    assert body["checks"]["database"]["vendor"]


@pytest.mark.django_db
def test_a_wrong_health_token_sees_only_the_status(client, settings):
    settings.HEALTHZ_TOKEN = HEALTH_TOKEN
    worker_heartbeat_record(name="worker")
    for wrong in ("otro-token", HEALTH_TOKEN[:-1], HEALTH_TOKEN + "x", "ñandú"):
        response = client.get("/healthz", headers={"X-Health-Token": wrong})
        assert response.json() == {"status": "ok"}, wrong


@pytest.mark.django_db
def test_no_configured_token_means_no_token_opens_the_details(client, settings):
    settings.HEALTHZ_TOKEN = ""
    worker_heartbeat_record(name="worker")
    response = client.get("/healthz", headers={"X-Health-Token": ""})

    assert response.json() == {"status": "ok"}


def test_health_token_defaults_to_none_configured():
    from config.settings import base

    assert base.HEALTHZ_TOKEN == ""


@LIVE_DB
@pytest.mark.worker
def test_a_running_worker_makes_healthz_green(client, celery_worker_process):
    from core.tasks import worker_heartbeat_task

    WorkerHeartbeat.objects.all().delete()
    worker_heartbeat_task.delay()
    wait_for(lambda: WorkerHeartbeat.objects.filter(name="worker").exists())
    assert client.get("/healthz").status_code == 200
