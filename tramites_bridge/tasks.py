import logging

from celery import shared_task

from tramites_bridge.services import attachments_purge_pending

logger = logging.getLogger(__name__)


@shared_task(name="tramites_bridge.purge_pending_uploads", queue="short", acks_late=True)
def purge_pending_uploads_task() -> int:
    return attachments_purge_pending()


@shared_task(name="tramites_bridge.deliver_outbox_event", queue="short", acks_late=True)
def deliver_outbox_event_task(event_id: int) -> bool:
    from tramites_bridge.bridge import outbox_deliver

    return outbox_deliver(event_pk=event_id)


@shared_task(name="tramites_bridge.outbox_sweep", queue="short", acks_late=True)
def outbox_sweep_task() -> int:
    """Delivers every pending event whose next attempt is due: a retry whose queued task was lost,
    a first attempt lost with the broker (the filesystem broker never redelivers), an event whose
    runner died mid-post (its claim ran out). Returns how many were delivered now."""
    from tramites_bridge.bridge import outbox_deliver, outbox_due_ids

    delivered = 0
    for event_pk in outbox_due_ids():
        try:
            delivered += int(outbox_deliver(event_pk=event_pk))
        except Exception:  # one event's trouble (e.g. a database error) must not stop the rest
            logger.exception("Evento %s: falló el intento de entrega", event_pk)
    return delivered
