"""A real worker process consumes the real broker (the filesystem transport by default, Redis in
CI's second pass)."""

import pytest
from django.db import transaction

from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat_task
from tests.fixtures import LIVE_DB, wait_for

pytestmark = [LIVE_DB, pytest.mark.worker]


def test_a_task_sent_through_the_broker_is_executed_by_the_worker_process(celery_worker_process):
    worker_heartbeat_task.delay("probe-broker")
    beat = wait_for(
        lambda: WorkerHeartbeat.objects.filter(name="probe-broker").first(),
        message="El worker no ejecutó la tarea enviada por el broker",
    )
    assert beat.hostname.startswith("test-worker-")


def test_a_task_queued_in_a_rolled_back_transaction_never_runs(celery_worker_process):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        transaction.on_commit(lambda: worker_heartbeat_task.delay("probe-rolled-back"))
        raise Abort
    with transaction.atomic():
        transaction.on_commit(lambda: worker_heartbeat_task.delay("probe-committed"))
    # the committed one runs; the worker has consumed everything queued before it by then
    wait_for(lambda: WorkerHeartbeat.objects.filter(name="probe-committed").exists())
    assert not WorkerHeartbeat.objects.filter(name="probe-rolled-back").exists()
