from celery import shared_task


@shared_task(name="lms.import_students", queue="short", acks_late=True)
def import_students_task(job_id: int) -> None:
    from lms.services import student_import_job_run

    student_import_job_run(job_id=job_id)


@shared_task(name="lms.build_lesson_bundles", queue="media", acks_late=True, soft_time_limit=3600)
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
