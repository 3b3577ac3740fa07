"""The sweeper re-queues jobs whose heartbeat went stale, and gives up after too many tries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from media_pipeline import services
from media_pipeline.models import MediaAsset
from media_pipeline.tests.factories import MediaAssetFactory

pytestmark = pytest.mark.django_db


def _ours(callbacks) -> list:
    """The pipeline's own after-commit callbacks; saving an asset also renews the lesson
    page's cache tokens (an lms signal), which is not what these tests count."""
    return [c for c in callbacks if c.__module__ == "media_pipeline.services"]


def test_a_job_with_a_stale_heartbeat_is_queued_again(django_capture_on_commit_callbacks):
    old = timezone.now() - timedelta(hours=1)
    stale = MediaAssetFactory(status="transcoding", heartbeat_at=old, job_token="abc", attempts=1)
    live = MediaAssetFactory(status="transcoding", heartbeat_at=timezone.now(), job_token="def")
    stuck_probe = MediaAssetFactory(status="probing", heartbeat_at=old)
    with django_capture_on_commit_callbacks() as callbacks:
        requeued = services.asset_sweep_stale()
    assert sorted(requeued) == sorted([stale.pk, stuck_probe.pk])
    assert len(_ours(callbacks)) == 2  # one task message each, sent after commit
    stale.refresh_from_db()
    live.refresh_from_db()
    stuck_probe.refresh_from_db()
    assert (stale.status, stale.job_token) == ("queued", "")
    assert stuck_probe.status == "uploaded"
    assert (live.status, live.job_token) == ("transcoding", "def")


def test_a_run_marked_dead_but_never_queued_again_is_swept(django_capture_on_commit_callbacks):
    # what asset_run_lost leaves when queueing it again failed (the database or broker blinked)
    dead = MediaAssetFactory(status="transcoding", heartbeat_at=None, started_at=None, attempts=1)
    with django_capture_on_commit_callbacks():
        assert services.asset_sweep_stale() == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == "queued"


def test_queueing_is_idempotent(django_capture_on_commit_callbacks):
    ready = MediaAssetFactory(status="ready")
    running = MediaAssetFactory(status="transcoding", heartbeat_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        services.asset_queue(asset_id=ready.pk)
        services.asset_queue(asset_id=running.pk)
    assert callbacks == []


def test_a_job_interrupted_too_often_fails_with_a_reason():
    asset = MediaAssetFactory(status="queued", attempts=3)
    services.asset_transcode(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.FAILED
    assert "se interrumpió 3 veces" in asset.error_message


def test_a_run_that_lost_the_job_stops_writing_progress():
    asset = MediaAssetFactory(status="transcoding", job_token="mine", duration_seconds=10)
    writer = services._ProgressWriter(asset.pk, "mine", 10)
    writer(5.0, 2.0)
    asset.refresh_from_db()
    assert (asset.progress, asset.eta_seconds) == (47, 2)
    MediaAsset.objects.filter(pk=asset.pk).update(job_token="someone-else")
    writer.last_write = 0
    from media_pipeline.ffmpeg import Aborted

    with pytest.raises(Aborted):
        writer(6.0, 3.0)


def test_queueing_an_asset_already_waiting_keeps_its_place(django_capture_on_commit_callbacks):
    waiting = MediaAssetFactory(status="queued", queued_at=timezone.now() - timedelta(minutes=5))
    before = waiting.queued_at
    with django_capture_on_commit_callbacks() as callbacks:
        services.asset_queue(asset_id=waiting.pk)
    waiting.refresh_from_db()
    assert (callbacks, waiting.queued_at) == ([], before)


def test_a_retried_asset_is_sent_to_probing_at_once(django_capture_on_commit_callbacks):
    failed = MediaAssetFactory(status="failed", queued_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.asset_retry(asset=failed, by=None)
    # the retry's own callback queues the asset, which sends one probe message
    assert len(_ours(callbacks)) == 2
    failed.refresh_from_db()
    assert failed.status == "uploaded" and failed.queued_at is not None


def test_progress_is_written_at_most_once_per_interval(django_assert_num_queries, settings):
    settings.MEDIA_PROGRESS_INTERVAL_SECONDS = 60
    asset = MediaAssetFactory(status="transcoding", job_token="mine", duration_seconds=10)
    writer = services._ProgressWriter(asset.pk, "mine", 10)
    with django_assert_num_queries(1):  # ffmpeg reports twice a second; we write once
        for second in range(1, 6):
            writer(float(second), float(second))
    asset.refresh_from_db()
    assert asset.progress == 9 and asset.heartbeat_at is not None


def test_the_transcode_task_cannot_be_lost_with_its_worker():
    from media_pipeline.tasks import probe_asset_task, sweep_stale_task, transcode_asset_task

    assert transcode_asset_task.queue == "media"
    for task in (transcode_asset_task, probe_asset_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["media-sweep-stale-jobs"]
    assert entry["task"] == sweep_stale_task.name


def test_a_job_whose_message_never_reached_the_broker_is_sent_again(
    django_capture_on_commit_callbacks,
):
    # the broker was down when probing finished: the row says queued, with no queued time
    lost = MediaAssetFactory(status="queued", queued_at=None, duration_seconds=10)
    waiting = MediaAssetFactory(status="queued", queued_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        requeued = services.asset_sweep_stale()
    assert requeued == [lost.pk]
    assert len(_ours(callbacks)) == 1
    lost.refresh_from_db()
    assert lost.status == "queued" and lost.queued_at is not None
    waiting.refresh_from_db()
    assert waiting.queued_at is not None


def test_each_job_is_sent_to_the_queue_its_task_declares(django_capture_on_commit_callbacks):
    # the services send tasks by name; a transcode in the short queue would block quick jobs
    from celery.signals import before_task_publish

    published = []

    def record(sender=None, routing_key=None, **kwargs):
        published.append((sender, routing_key))

    uploaded = MediaAssetFactory(status="uploaded")
    probed = MediaAssetFactory(status="queued", queued_at=None, duration_seconds=10)
    before_task_publish.connect(record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.asset_queue(asset_id=uploaded.pk)
            services.asset_queue(asset_id=probed.pk)
    finally:
        before_task_publish.disconnect(record)
    assert sorted(published) == [
        ("media_pipeline.probe", "short"),
        ("media_pipeline.transcode", "media"),
    ]
