from celery import shared_task

from tramites_bridge.services import attachments_purge_pending


@shared_task(name="tramites_bridge.purge_pending_uploads", queue="short", acks_late=True)
def purge_pending_uploads_task() -> int:
    return attachments_purge_pending()
