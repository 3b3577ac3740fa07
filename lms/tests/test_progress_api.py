"""POST /api/v1/lms/progress and GET /api/v1/lms/me/progress: idempotent and out-of-order
batches, a malformed batch stored not at all, refusals, downloads counted as progress."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from lms.models import LessonProgress, LessonStats, ProgressEvent
from lms.tests.factories import lesson_create, student_create

URL = "/api/v1/lms/progress"


def at(minutes: int = 0) -> str:
    return (timezone.now() - timedelta(hours=1) + timedelta(minutes=minutes)).isoformat()


def position(lesson, pos, duration=100, minutes=0, **extra) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "lesson": lesson.pk,
        "type": "position",
        "at": at(minutes),
        "position_seconds": pos,
        "duration_seconds": duration,
        **extra,
    }


@pytest.fixture
def lesson(unit):
    return lesson_create(unit=unit, episode=3, code="LUZ03")


@pytest.fixture
def api(student, api_client_for):
    client = api_client_for("student", user=student.user)

    def post(events):
        return client.post(URL, json.dumps({"events": events}), content_type="application/json")

    post.client = client
    return post


def summary(student, lesson) -> LessonProgress:
    return LessonProgress.objects.get(student=student, lesson=lesson)


def test_a_batch_updates_the_summary_and_returns_it(api, student, lesson):
    response = api([position(lesson, 30, watched_seconds=30), position(lesson, 50, minutes=1)])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stored"] == 2
    [out] = body["summaries"]
    assert out["lesson"] == lesson.pk
    assert out["percent_watched"] == 50
    assert out["state"] == "in_progress"
    progress = summary(student, lesson)
    assert progress.position_seconds == 50
    assert progress.seconds_watched == 30
    assert progress.web_at is not None


def test_a_replayed_batch_counts_once(api, student, lesson):
    batch = [position(lesson, 40, watched_seconds=20), position(lesson, 60, watched_seconds=20)]
    assert api(batch).status_code == 200
    again = api(batch)
    assert again.status_code == 200
    assert again.json()["stored"] == 0
    assert again.json()["duplicates"] == 2
    assert ProgressEvent.objects.filter(student=student).count() == 2
    assert summary(student, lesson).seconds_watched == 40
    assert LessonStats.objects.get(lesson=lesson, district="").web == 1


def test_out_of_order_events_end_the_same(api, student, lesson, unit):
    late = position(lesson, 90, minutes=5, watched_seconds=10)
    early = position(lesson, 10, minutes=1, watched_seconds=10)
    assert api([late]).status_code == 200
    assert api([early]).status_code == 200
    progress = summary(student, lesson)
    assert progress.position_seconds == 90
    assert progress.percent_watched == 90
    assert progress.seconds_watched == 20
    assert progress.state == LessonProgress.State.COMPLETED  # 90 % >= 80 % and no quiz


def test_a_malformed_event_rejects_the_whole_batch(api, student, lesson):
    good = position(lesson, 10)
    bad = {**position(lesson, 20), "type": "position", "duration_seconds": None}
    response = api([good, bad, position(lesson, 30)])
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"].startswith("events.1")
    assert not ProgressEvent.objects.exists()
    assert not LessonProgress.objects.exists()


def test_an_event_for_a_lesson_of_another_course_rejects_the_batch(api, lesson, student):
    from lms.tests.factories import course_create, unit_create

    other = course_create(slug="otro-curso", title="Otro curso")
    foreign = lesson_create(unit=unit_create(course=other), episode=1, code="OTRO1")
    response = api([position(lesson, 10), position(foreign, 10)])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "events.1.lesson"
    assert "No se guardó ningún evento" in response.json()["detail"]
    assert not ProgressEvent.objects.exists()


def test_more_than_500_events_is_refused(api, lesson):
    response = api([position(lesson, i % 100) for i in range(501)])
    assert response.status_code == 422
    assert not ProgressEvent.objects.exists()


def test_my_progress_shows_only_my_summaries(api, student, lesson, course, api_client_for):
    other = student_create(dni="48887776", course=course)
    assert api([position(lesson, 70)]).status_code == 200
    mine = api.client.get("/api/v1/lms/me/progress").json()["summaries"]
    assert [s["percent_watched"] for s in mine] == [70]
    theirs = api_client_for("student", user=other.user).get("/api/v1/lms/me/progress")
    assert theirs.json()["summaries"] == []


def test_staff_and_anonymous_cannot_report_progress(lesson, api_client_for, client):
    event = position(lesson, 10)
    coach = api_client_for("coach").post(
        URL, json.dumps({"events": [event]}), content_type="application/json"
    )
    assert coach.status_code == 403
    anonymous = client.post(URL, json.dumps({"events": [event]}), content_type="application/json")
    assert anonymous.status_code == 401


def test_a_download_counts_as_download_progress(lesson_with_media, student, client_for):
    lesson = lesson_with_media["lesson"]
    audio = lesson_with_media["audio"]
    client = client_for("student", user=student.user)
    response = client.get(f"/mis-lecciones/{lesson.pk}/descargar/{audio.pk}/")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    progress = summary(student, lesson)
    assert progress.downloaded_at is not None
    assert ProgressEvent.objects.get(student=student).type == "download"
    assert LessonStats.objects.get(lesson=lesson, district=student.district).downloaded == 1


# --- dates an event cannot have -------------------------------------------------------------------
def event_at(lesson, when: str) -> dict:
    return {**position(lesson, 10), "at": when}


def assert_refused_at(response, index: int = 0) -> str:
    assert response.status_code == 422, response.content
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [f"events.{index}.at"]
    assert not ProgressEvent.objects.exists()
    return body["errors"][0]["message"]


def test_an_event_dated_before_the_course_existed_rejects_the_batch(api, course, lesson):
    course.first_published_at = timezone.now() - timedelta(days=30)
    course.save(update_fields=["first_published_at"])
    before = (course.first_published_at - timedelta(hours=1)).isoformat()

    message = assert_refused_at(api([position(lesson, 5), event_at(lesson, before)]), index=1)

    assert "antes" in message and "curso" in message


def test_an_event_since_the_course_existed_is_stored(api, course, lesson):
    course.first_published_at = timezone.now() - timedelta(days=30)
    course.save(update_fields=["first_published_at"])
    since = (course.first_published_at + timedelta(hours=1)).isoformat()

    assert api([event_at(lesson, since)]).status_code == 200


@pytest.mark.parametrize(
    "when", ["1999-12-31T23:00:00-05:00", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]
)
def test_an_event_dated_before_any_course_could_exist_rejects_the_batch(api, lesson, when):
    assert_refused_at(api([event_at(lesson, when)]))


@pytest.mark.parametrize("days", [2, 400, None])
def test_an_event_dated_in_the_future_rejects_the_batch(api, lesson, days):
    when = (
        "9999-12-31T23:59:59-05:00"
        if days is None
        else (timezone.now() + timedelta(days=days)).isoformat()
    )

    message = assert_refused_at(api([event_at(lesson, when)]))

    assert "futuro" in message
