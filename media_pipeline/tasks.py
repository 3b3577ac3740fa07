"""Thin Celery tasks: ids in, one service call. Each service takes a row lock and returns early
when the work is done or a live run has it, so a task delivered twice does its work once."""

from celery import shared_task

from media_pipeline import services

# Longer than the longest job we expect (a 3-hour recording on 2 cores).
TRANSCODE_TIME_LIMIT = 6 * 3600


@shared_task(
    name="media_pipeline.probe",
    queue="short",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=15 * 60,
)
def probe_asset_task(asset_id: int) -> None:
    services.asset_probe(asset_id=asset_id)


@shared_task(
    name="media_pipeline.transcode",
    queue="media",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=TRANSCODE_TIME_LIMIT,
    time_limit=TRANSCODE_TIME_LIMIT + 300,
)
def transcode_asset_task(asset_id: int) -> None:
    services.asset_transcode(asset_id=asset_id)


@shared_task(name="media_pipeline.sweep_stale", queue="short", acks_late=True)
def sweep_stale_task() -> list[int]:
    requeued = services.asset_sweep_stale()
    services.upload_sessions_expire()
    return requeued
