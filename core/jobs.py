"""A Celery task as a service queues it: by its registered name, on its queue.

Tasks import services, never the other way round (no import circle), so a service cannot call
`some_task.delay`. Each app declares its jobs once, as `Job` records next to its services; the
`@shared_task` declarations in its tasks.py read their name and queue from the same record, and
a service sends with `job.send(...)` inside `transaction.on_commit`. The queue travels with every
message: Celery applies a task's declared options to a message sent by name only when the
sending process has that task registered, and a web process need not have."""

from dataclasses import dataclass

from celery import current_app


@dataclass(frozen=True)
class Job:
    name: str
    queue: str

    def send(self, *args, countdown: float | None = None) -> None:
        """Sends one message (run `countdown` seconds from now); a broker that cannot be
        reached raises kombu's OperationalError."""
        current_app.send_task(self.name, args=list(args), queue=self.queue, countdown=countdown)
