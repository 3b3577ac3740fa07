"""TV check-in across lms and broadcast: a code counts only for a lesson of the student's course
that has already aired (first airing on either channel, found through lms.hooks); wrong codes
get a kind message and are throttled per student."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from broadcast.models import Airing, Channel, Episode
from lms.models import LessonProgress, LessonStats, ProgressEvent
from lms.tests.factories import (
    course_create,
    lesson_create,
    student_create,
    unit_create,
)


def airing_of(lesson, *, starts_at, channel_number: int = 7) -> Airing:
    channel, _ = Channel.objects.get_or_create(
        number=channel_number,
        defaults={
            "name": f"Canal {channel_number}",
            "slug": f"canal-{channel_number}",
            "xmltv_id": f"canal{channel_number}.pe",
        },
    )
    episode = Episode.objects.filter(lesson=lesson).first() or Episode.objects.create(lesson=lesson)
    return Airing.objects.create(
        channel=channel,
        occurrence_date=timezone.localdate(starts_at),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        kind=Airing.Kind.PREMIERE,
        episode=episode,
    )


@pytest.fixture
def world(db):
    course = course_create()
    unit = unit_create(course=course)
    aired = lesson_create(unit=unit, episode=1, code="SOL01")
    upcoming = lesson_create(unit=unit, episode=2, code="LUNA2")
    airing_of(aired, starts_at=timezone.now() - timedelta(days=1), channel_number=25)
    airing_of(upcoming, starts_at=timezone.now() + timedelta(days=2))
    student = student_create(dni="43332221", course=course, district="Jesús", zone="rural")
    return {"course": course, "aired": aired, "upcoming": upcoming, "student": student}


def test_the_code_of_an_aired_lesson_counts_as_watched_on_tv(world, client_for):
    client = client_for("student", user=world["student"].user)
    response = client.post(
        "/mis-lecciones/codigo-del-dia/",
        {"code": " sol01 ", "next": "/mis-lecciones/"},
        follow=True,
    )
    html = response.content.decode()
    assert "Registramos que vio la lección 1" in html
    progress = LessonProgress.objects.get(student=world["student"], lesson=world["aired"])
    assert progress.tv_checkin_at is not None and progress.tv_code == "SOL01"
    assert progress.state == "completed"  # the course counts TV; the lesson has no quiz
    assert LessonStats.objects.get(lesson=world["aired"], district="Jesús").tv == 1
    assert "Vio esta lección en TV" in client.get(world["aired"].url).content.decode()


def test_a_course_where_tv_does_not_complete_keeps_the_lesson_in_progress(world, client_for):
    world["course"].completion_tv_counts = False
    world["course"].save()
    client = client_for("student", user=world["student"].user)
    client.post("/mis-lecciones/codigo-del-dia/", {"code": "SOL01", "next": "/mis-lecciones/"})
    progress = LessonProgress.objects.get(student=world["student"], lesson=world["aired"])
    assert progress.tv_checkin_at is not None  # still recorded as watched on TV
    assert progress.state != "completed" and progress.completed_at is None
    stats = LessonStats.objects.get(lesson=world["aired"], district="")
    assert (stats.tv, stats.completed) == (1, 0)


def test_the_code_of_a_lesson_not_aired_yet_does_not_count(world, client_for):
    client = client_for("student", user=world["student"].user)
    response = client.post("/mis-lecciones/codigo-del-dia/", {"code": "LUNA2"}, follow=True)
    assert "todavía no se ha emitido" in response.content.decode()
    assert not LessonProgress.objects.filter(tv_checkin_at__isnull=False).exists()


def test_the_same_code_counts_once_the_lesson_has_aired(world, client_for):
    client = client_for("student", user=world["student"].user)
    client.post("/mis-lecciones/codigo-del-dia/", {"code": "LUNA2"})
    Airing.objects.filter(episode__lesson=world["upcoming"]).update(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(minutes=25),
    )
    client.post("/mis-lecciones/codigo-del-dia/", {"code": "LUNA2"})
    assert LessonProgress.objects.get(lesson=world["upcoming"]).tv_checkin_at is not None


def test_a_cancelled_airing_is_not_an_airing(world, client_for):
    Airing.objects.filter(episode__lesson=world["aired"]).update(state=Airing.State.CANCELLED)
    client = client_for("student", user=world["student"].user)
    client.post("/mis-lecciones/codigo-del-dia/", {"code": "SOL01"})
    assert not LessonProgress.objects.filter(tv_checkin_at__isnull=False).exists()


def test_a_code_of_another_course_does_not_count(world, client_for):
    other_course = course_create(slug="otro", title="Otro curso")
    other = lesson_create(unit=unit_create(course=other_course), episode=1, code="OTRO1")
    airing_of(other, starts_at=timezone.now() - timedelta(days=3))
    client = client_for("student", user=world["student"].user)
    response = client.post("/mis-lecciones/codigo-del-dia/", {"code": "OTRO1"}, follow=True)
    assert "no corresponde a ninguna lección de su curso" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_wrong_codes_are_throttled_per_student(world, client_for, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "lms_tv_checkin": (3, 600)}
    client = client_for("student", user=world["student"].user)
    for _ in range(3):
        client.post("/mis-lecciones/codigo-del-dia/", {"code": "NOPE1"})
    response = client.post("/mis-lecciones/codigo-del-dia/", {"code": "SOL01"}, follow=True)
    assert "Espere unos minutos" in response.content.decode()
    assert not LessonProgress.objects.filter(tv_checkin_at__isnull=False).exists()
    # another student on the same network is not affected
    other = student_create(dni="43332222", course=world["course"])
    client_for("student", user=other.user).post("/mis-lecciones/codigo-del-dia/", {"code": "SOL01"})
    assert LessonProgress.objects.get(student=other).tv_checkin_at is not None


def test_tv_checkin_events_through_the_api(world, api_client_for):
    client = api_client_for("student", user=world["student"].user)

    def post(code, lesson):
        event = {
            "id": str(uuid.uuid4()),
            "lesson": lesson.pk,
            "type": "tv_checkin",
            "at": timezone.now().isoformat(),
            "code": code,
        }
        return client.post(
            "/api/v1/lms/progress", json.dumps({"events": [event]}), content_type="application/json"
        )

    early = post("LUNA2", world["upcoming"])
    assert early.status_code == 200 and early.json()["wrong_codes"] == 1
    assert early.json()["summaries"][0]["tv_checkin_at"] is None
    ok = post("SOL01", world["aired"])
    assert ok.json()["summaries"][0]["tv_checkin_at"] is not None
    assert ProgressEvent.objects.filter(type="tv_checkin").count() == 2


@pytest.mark.parametrize("lesson", ["²", "99999999999999999999999"])
def test_a_lesson_field_that_is_no_plain_number_is_ignored(world, client_for, lesson):
    client = client_for("student", user=world["student"].user)
    response = client.post(
        "/mis-lecciones/codigo-del-dia/", {"code": "SOL01", "lesson": lesson}, follow=True
    )
    assert response.status_code == 200
    assert "Registramos que vio la lección 1" in response.content.decode()
