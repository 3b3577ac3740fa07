"""The Celery app. Queues: `short` (quick jobs, the default) and `media` (transcoding)."""

import os

from celery import Celery
from celery.signals import worker_ready
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("pasoapaso")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each queue its own exchange and key: a bare Queue("media") would bind to the default
# exchange with the default key and receive the "short" queue's messages too.
app.conf.task_queues = [
    Queue(name, Exchange(name, type="direct"), routing_key=name) for name in ("short", "media")
]
app.autodiscover_tasks()


@worker_ready.connect
def _beat_on_start(sender=None, **kwargs) -> None:
    """A fresh worker reports at once, so /healthz is green without waiting for beat."""
    from core.tasks import worker_heartbeat_record

    worker_heartbeat_record(name="worker", hostname=getattr(sender, "hostname", "") or "")
