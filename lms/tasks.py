"""The lms tasks: each takes ids and calls a service. The services queue them by name
(core.jobs): the name and queue of each come from the Job record beside its service."""

from celery import shared_task

from lms.services.downloads import BUILD_LESSON_BUNDLES_JOB
from lms.services.students import IMPORT_STUDENTS_JOB


@shared_task(name=IMPORT_STUDENTS_JOB.name, queue=IMPORT_STUDENTS_JOB.queue, acks_late=True)
def import_students_task(job_id: int) -> None:
    from lms.services import student_import_job_run

    student_import_job_run(job_id=job_id)


@shared_task(
    name=BUILD_LESSON_BUNDLES_JOB.name,
    queue=BUILD_LESSON_BUNDLES_JOB.queue,
    acks_late=True,
    soft_time_limit=3600,
)
def build_lesson_bundles_task(lesson_id: int) -> None:
    from lms.services import lesson_bundles_build

    lesson_bundles_build(lesson_id=lesson_id)


@shared_task(name="lms.sweep", queue="short", acks_late=True, ignore_result=True)
def sweep_task() -> None:
    """Re-queues imports whose worker died and bundles that were never built (the filesystem
    broker never redelivers a lost job)."""
    from lms.services import lesson_bundles_missing_queue, stale_import_jobs_requeue

    stale_import_jobs_requeue()
    lesson_bundles_missing_queue()
