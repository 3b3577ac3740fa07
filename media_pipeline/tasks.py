"""Thin Celery tasks: ids in, one service call. Each service takes a row lock and returns early
when the work is done or a live run has it, so a task delivered twice does its work once.
The services never import this module: they send the probe and the transcode by the name and
queue these declarations take from services.PROBE_JOB and services.TRANSCODE_JOB."""

import logging

from billiard.einfo import ExceptionWithTraceback
from billiard.exceptions import WorkerLostError
from celery import Task, shared_task
from celery.worker.request import Request

from media_pipeline import services

logger = logging.getLogger(__name__)

# Longer than the longest job we expect (a 3-hour recording on 2 cores).
TRANSCODE_TIME_LIMIT = 6 * 3600


class MediaJobRequest(Request):
    """Runs in the worker's main process. When the pool process running a media job dies
    (SIGKILL, out of memory), the message goes back to the broker (reject_on_worker_lost), but
    the asset row still says a live run has it until its heartbeat goes stale. Release it now,
    so the job restarts at once instead of after the sweeper's wait."""

    def on_failure(self, exc_info, send_failed_event=True, return_ok=False):
        exc = exc_info.exception
        if isinstance(exc, ExceptionWithTraceback):  # how the pool hands it over
            exc = exc.exc
        if isinstance(exc, WorkerLostError):
            asset_id = (self.kwargs or {}).get("asset_id") or (self.args or [None])[0]
            if asset_id is not None:
                try:
                    services.asset_run_lost(asset_id=int(asset_id))
                except Exception:  # the database may be what is down: the sweeper remains
                    logger.exception(
                        "could not release media asset %s after its worker died", asset_id
                    )
        return super().on_failure(
            exc_info, send_failed_event=send_failed_event, return_ok=return_ok
        )


class MediaJobTask(Task):
    Request = MediaJobRequest


@shared_task(
    name=services.PROBE_JOB.name,
    base=MediaJobTask,
    queue=services.PROBE_JOB.queue,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=15 * 60,
)
def probe_asset_task(asset_id: int) -> None:
    services.asset_probe(asset_id=asset_id)


@shared_task(
    name=services.TRANSCODE_JOB.name,
    base=MediaJobTask,
    queue=services.TRANSCODE_JOB.queue,
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
