from celery import shared_task

from broadcast.services import airings_materialize


@shared_task(name="broadcast.materialize", queue="short", acks_late=True)
def materialize_task(channel_id: int | None = None) -> dict:
    """Daily (beat) and after rule changes: airings to the rolling horizon. Idempotent."""
    from broadcast.models import Channel

    channel = Channel.objects.filter(pk=channel_id).first() if channel_id else None
    if channel_id and channel is None:
        return {}
    return airings_materialize(channel=channel).__dict__
