import socket

from celery import shared_task
from django.utils import timezone

from core.models import WorkerHeartbeat


def worker_heartbeat_record(*, name: str = "worker", hostname: str = "") -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"beat_at": timezone.now(), "hostname": hostname or socket.gethostname()},
    )
    return beat


@shared_task(name="core.worker_heartbeat", queue="short", ignore_result=True)
def worker_heartbeat_task(name: str = "worker") -> None:
    """Proves a worker is consuming the queue: beat sends it every WORKER_HEARTBEAT_SECONDS."""
    worker_heartbeat_record(name=name, hostname=worker_heartbeat_task.request.hostname or "")


@shared_task(name="core.anonymise_personal_data", queue="short", acks_late=True)
def anonymise_personal_data_task() -> dict:
    """Weekly (beat): the same run as manage.py anonimizar_datos; a repeat finds nothing."""
    from core.anonymise import personal_data_anonymise

    result = personal_data_anonymise()
    return {
        "submissions": result.submissions,
        "attachments": result.attachments,
        "students": result.students,
        "import_jobs": result.import_jobs,
    }
