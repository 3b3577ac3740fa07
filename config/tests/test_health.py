from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat_record
from tests.fixtures import LIVE_DB, wait_for


@pytest.mark.django_db
def test_healthz_is_200_when_every_part_is_fine(client):
    worker_heartbeat_record(name="worker")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "worker", "storage", "ffmpeg"}
    assert body["checks"]["ffmpeg"]["version"]
    assert body["checks"]["ffmpeg"]["source"] in {"path", "imageio-ffmpeg", "setting"}
    assert body["checks"]["worker"]["last_heartbeat_age_seconds"] < 5


@pytest.mark.django_db
def test_healthz_is_503_naming_a_stale_worker(client, settings):
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert "latido" in response.json()["checks"]["worker"]["error"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_worker_never_reported(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "worker" in response.json()["failing"]


@LIVE_DB
@pytest.mark.worker
def test_a_running_worker_makes_healthz_green(client, celery_worker_process):
    from core.tasks import worker_heartbeat_task

    WorkerHeartbeat.objects.all().delete()
    worker_heartbeat_task.delay()
    wait_for(lambda: WorkerHeartbeat.objects.filter(name="worker").exists())
    assert client.get("/healthz").status_code == 200
