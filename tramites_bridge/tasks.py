"""Thin Celery tasks: ids in, one call of a service or of the bridge. The services and the
bridge never import this module: they send the delivery by the name and queue these
declarations take from services.DELIVER_OUTBOX_JOB (and the beat schedule names the others)."""

import logging

from celery import shared_task

from tramites_bridge import services
from tramites_bridge.bridge import outbox_deliver, outbox_due_ids

logger = logging.getLogger(__name__)


@shared_task(
    name=services.PURGE_PENDING_JOB.name, queue=services.PURGE_PENDING_JOB.queue, acks_late=True
)
def purge_pending_uploads_task() -> int:
    return services.attachments_purge_pending()


@shared_task(
    name=services.DELIVER_OUTBOX_JOB.name, queue=services.DELIVER_OUTBOX_JOB.queue, acks_late=True
)
def deliver_outbox_event_task(event_id: int) -> bool:
    return outbox_deliver(event_pk=event_id)


@shared_task(
    name=services.OUTBOX_SWEEP_JOB.name, queue=services.OUTBOX_SWEEP_JOB.queue, acks_late=True
)
def outbox_sweep_task() -> int:
    """Delivers every pending event whose next attempt is due: a retry whose queued task was lost,
    a first attempt lost with the broker (the filesystem broker never redelivers), an event whose
    runner died mid-post (its claim ran out). Returns how many were delivered now."""
    delivered = 0
    for event_pk in outbox_due_ids():
        try:
            delivered += int(outbox_deliver(event_pk=event_pk))
        except Exception:  # one event's trouble (e.g. a database error) must not stop the rest
            logger.exception("Evento %s: falló el intento de entrega", event_pk)
    return delivered
