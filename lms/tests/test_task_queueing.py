"""What the LMS services hand to the worker: each job by its task's name, on the queue the task
declares, and only once the write that needs it is committed."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from lms.models import StudentImportJob
from lms.services import stale_import_jobs_requeue, student_import_job_create
from lms.services.downloads import BUILD_LESSON_BUNDLES_JOB
from lms.services.students import IMPORT_STUDENTS_JOB

pytestmark = pytest.mark.django_db

CSV = b"dni,nombres,apellidos,distrito,zona,telefono\n41000001,Rosa,Cueva,Cajamarca,urbana,\n"


def test_an_uploaded_student_file_is_queued_on_the_short_queue_after_the_commit(
    course, users, django_capture_on_commit_callbacks, published_tasks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job = student_import_job_create(
            course=course, content=CSV, filename="lista.csv", user=users["coach"]
        )
        assert published_tasks == []
    assert published_tasks == [("lms.import_students", [job.pk], "short")]


def test_an_import_whose_worker_went_silent_is_queued_again_on_the_short_queue(
    course, users, django_capture_on_commit_callbacks, published_tasks
):
    job = StudentImportJob.objects.create(
        course=course, created_by=users["coach"], content=CSV, original_filename="lista.csv"
    )
    StudentImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=10), heartbeat_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert stale_import_jobs_requeue() == [job.pk]
    assert published_tasks == [("lms.import_students", [job.pk], "short")]


def test_every_task_the_services_queue_by_name_exists_on_the_queue_the_services_use():
    from celery import current_app

    import lms.tasks  # noqa: F401 - registers the tasks with the app

    for job in (IMPORT_STUDENTS_JOB, BUILD_LESSON_BUNDLES_JOB):
        assert current_app.tasks[job.name].queue == job.queue
