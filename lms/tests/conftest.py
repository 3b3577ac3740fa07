import pytest

from lms.tests.factories import (
    MediaAssetFactory,
    course_coach_add,
    course_create,
    document_create,
    lesson_create,
    rendition_create,
    student_create,
    unit_create,
)


@pytest.fixture
def course(db, users):
    """The course, followed by the "coach" role's user (a coach sees only their courses)."""
    course = course_create()
    course_coach_add(course=course, user=users["coach"])
    return course


@pytest.fixture
def unit(course):
    return unit_create(course=course)


@pytest.fixture
def student(course):
    return student_create(dni="41234567", course=course, first_names="Rosa", last_names="Cueva")


@pytest.fixture
def lesson_with_media(unit):
    """Lesson 12 with an audio asset (audio + light video renditions) and a worksheet PDF."""
    asset = MediaAssetFactory(title="Clase 12")
    audio = rendition_create(asset=asset, profile="audio")
    video = rendition_create(asset=asset, profile="video_240p", data=b"\x00" * 5000)
    document = document_create(title="Ficha de trabajo")
    lesson = lesson_create(
        unit=unit,
        episode=12,
        code="SOL12",
        title="Cuentas claras",
        body=[("paragraph", "<p>Hoy: ingresos y gastos.</p>"), ("document", document)],
        assets=[asset],
    )
    return {"lesson": lesson, "asset": asset, "audio": audio, "video": video, "document": document}


@pytest.fixture
def published_tasks():
    """(task name, args, queue) of every message this test sends to the broker, in order."""
    from celery.signals import after_task_publish

    sent = []

    def record(sender=None, body=None, routing_key=None, **kwargs):
        sent.append((sender, list(body[0]), routing_key))

    after_task_publish.connect(record, weak=False)
    yield sent
    after_task_publish.disconnect(record)
