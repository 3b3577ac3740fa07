"""The coaches' "Seguimiento": counters equal a recount from the raw events, charts and the
follow-up list, the CSV export, refusals, and query counts constant in lessons and students."""

import csv
import io
import random
import uuid
from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.models import LessonStats, ProgressEvent, StudentActivity
from lms.services import ProgressEventIn, progress_events_record
from lms.tests.factories import lesson_create, student_create

URL = "/admin/seguimiento/"


def event(lesson, kind="position", minutes_ago=60, **fields) -> ProgressEventIn:
    if kind == "position":
        fields.setdefault("duration_seconds", 100.0)
    return ProgressEventIn(
        id=uuid.uuid4(),
        lesson=lesson.pk,
        type=kind,
        at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )


def recount() -> dict[tuple[int, str], dict[str, int]]:
    """The counters rebuilt from the raw events alone, with the completion rule of the tests'
    course (>= 80 % watched or an accepted TV check-in; no quizzes here)."""
    per_student: dict[tuple[int, int], dict] = defaultdict(
        lambda: {"pos": 0.0, "dur": 0.0, "web": False, "dl": False, "tv": False}
    )
    districts = {}
    for e in ProgressEvent.objects.select_related("student"):
        s = per_student[(e.student_id, e.lesson_id)]
        districts[e.student_id] = e.student.district
        if e.type == "position":
            s["dur"] = max(s["dur"], e.data["duration_seconds"])
            s["pos"] = max(s["pos"], min(e.data["position_seconds"], e.data["duration_seconds"]))
            s["web"] = True
        elif e.type == "download":
            s["dl"] = True
        elif e.type == "tv_checkin" and e.data["accepted"]:
            s["tv"] = True
    counts: dict = defaultdict(lambda: defaultdict(int))
    for (student_id, lesson_id), s in per_student.items():
        completed = s["tv"] or (s["dur"] and round(100 * s["pos"] / s["dur"]) >= 80)
        flags = {
            "started": s["web"] or s["dl"] or s["tv"],
            "web": s["web"],
            "downloaded": s["dl"],
            "tv": s["tv"],
            "completed": bool(completed),
        }
        for district in ("", districts[student_id]):
            for name, on in flags.items():
                counts[(lesson_id, district)][name] += int(on)
    return {k: dict(v) for k, v in counts.items()}


def stored_counts():
    return {
        (s.lesson_id, s.district): {
            "started": s.started,
            "web": s.web,
            "downloaded": s.downloaded,
            "tv": s.tv,
            "completed": s.completed,
        }
        for s in LessonStats.objects.all()
    }


def test_counters_equal_a_recount_from_the_raw_events(course, unit, lesson_with_media):
    rng = random.Random(6)
    lessons = [lesson_create(unit=unit, episode=n) for n in (1, 2, 3)]
    rendition = lesson_with_media["audio"]
    lessons.append(lesson_with_media["lesson"])
    districts = ["Cajamarca", "Jesús", "Llacanora", "Baños del Inca"]
    students = [
        student_create(dni=f"4500{n:04d}", course=course, district=districts[n % 4])
        for n in range(12)
    ]
    sent = []
    for student in students:
        for _ in range(rng.randint(1, 4)):
            batch = []
            for _ in range(rng.randint(1, 6)):
                lesson = rng.choice(lessons)
                kind = rng.choice(["position", "position", "download"])
                if kind == "download" and lesson is lesson_with_media["lesson"]:
                    batch.append(event(lesson, "download", rendition=rendition.pk))
                else:
                    batch.append(event(lesson, position_seconds=float(rng.randint(0, 100))))
            sent.append((student, batch))
            progress_events_record(student=student, events=batch)
    # replays and shuffled replays change nothing
    for student, batch in rng.sample(sent, 5):
        progress_events_record(student=student, events=list(reversed(batch)))
    assert stored_counts() == recount()


def test_the_view_shows_charts_and_the_follow_up_list(course, unit, client_for):
    lesson = lesson_create(unit=unit, episode=1, code="UNO01")
    active = student_create(dni="45550001", course=course, first_names="Activa", district="Jesús")
    student_create(dni="45550002", course=course, first_names="Callada", phone="976111222")
    stalled = student_create(dni="45550003", course=course, first_names="Parada")
    progress_events_record(student=active, events=[event(lesson, position_seconds=90.0)])
    progress_events_record(
        student=stalled, events=[event(lesson, position_seconds=20.0, minutes_ago=60 * 24 * 10)]
    )
    html = client_for("coach").get(URL).content.decode()
    assert "<svg" in html and "Lección 1: 33 % (1)" in html
    assert "Jesús" in html
    follow_up = html[html.index('id="sin-actividad"') :]
    assert "Callada" in follow_up and "976111222" in follow_up and "Nunca" in follow_up
    assert "Parada" in follow_up
    assert "Activa" not in follow_up


def test_students_who_left_the_course_are_not_followed_up(course, unit, client_for):
    from lms.retention import enrollment_mark_left

    lesson = lesson_create(unit=unit, episode=1, code="UNO01")
    never = student_create(dni="45560001", course=course, first_names="Nuncavino")
    silent = student_create(dni="45560002", course=course, first_names="Silenciosa")
    student_create(dni="45560003", course=course, first_names="Sigue")
    progress_events_record(
        student=silent, events=[event(lesson, position_seconds=20.0, minutes_ago=60 * 24 * 10)]
    )
    for student in (never, silent):
        enrollment_mark_left(enrollment=student.enrollments.get(course=course))
    html = client_for("coach").get(URL).content.decode()
    follow_up = html[html.index('id="sin-actividad"') :]
    assert "Sigue" in follow_up
    assert "Nuncavino" not in follow_up and "Silenciosa" not in follow_up


def test_the_csv_export_has_every_summary(course, unit, student, client_for):
    lesson = lesson_create(unit=unit, episode=1, code="UNO01")
    progress_events_record(student=student, events=[event(lesson, position_seconds=50.0)])
    response = client_for("coach").get(URL + "avance.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 1
    assert rows[0]["dni"] == student.dni
    assert rows[0]["porcentaje_visto"] == "50"
    assert rows[0]["estado"] == "En curso"


@pytest.mark.parametrize("role", ["student", "presenter", "tv_staff", "validator", "back_office"])
def test_other_roles_cannot_see_the_tracking_or_export(course, client_for, role):
    for url in (URL, URL + "avance.csv"):
        response = client_for(role).get(url)
        assert response.status_code in (302, 403)
        assert b"avance" not in response.content.lower() or response.status_code == 302


def _view_queries(client) -> int:
    cache.clear()
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_the_view_query_count_is_constant_in_lessons_and_students(course, unit, client_for):
    client = client_for("coach")
    first = lesson_create(unit=unit, episode=1, code="UNO01")
    s1 = student_create(dni="45660001", course=course)
    progress_events_record(student=s1, events=[event(first, position_seconds=10.0)])
    before = _view_queries(client)
    lessons = [lesson_create(unit=unit, episode=n, code=f"OT{n:03d}") for n in range(2, 8)]
    for n in range(8):
        s = student_create(dni=f"4567000{n}", course=course, district=f"Distrito {n % 3}")
        progress_events_record(
            student=s, events=[event(lesson, position_seconds=90.0) for lesson in lessons]
        )
    assert StudentActivity.objects.count() == 9
    after = _view_queries(client)
    assert before == after
    assert after <= 20


def test_counters_kept_before_departures_were_counted_are_recounted_once(course, unit):
    """Counters from before they followed departures still held the students who had left: the
    migration recounts them from the summaries of the students currently enrolled."""
    from importlib import import_module

    from django.apps import apps

    from lms.models import Enrollment
    from lms.selectors import tracking_dashboard

    recount_migration = import_module("lms.migrations.0009_lesson_stats_count_current_students")
    lesson = lesson_create(unit=unit, episode=1, code="UNO01")
    stays = student_create(dni="45560001", course=course, district="Jesús")
    gone = student_create(dni="45560002", course=course, district="Namora")
    for student in (stays, gone):
        progress_events_record(student=student, events=[event(lesson, position_seconds=90.0)])
    # a departure written as it was before: the counters did not follow it
    Enrollment.objects.filter(student=gone).update(left_at=timezone.now())
    assert stored_counts()[(lesson.pk, "")]["completed"] == 2

    recount_migration.lesson_stats_recount(apps, None)

    counts = stored_counts()
    assert counts[(lesson.pk, "")] == {
        "started": 1, "web": 1, "downloaded": 0, "tv": 0, "completed": 1
    }  # fmt: skip
    assert (lesson.pk, "Namora") not in counts
    (row,) = tracking_dashboard(course=course)["lesson_rows"]
    assert (row.started, row.completed) == (1, 1)


@pytest.mark.parametrize("page", ["²", "٣", "-1", "99999999999999999999", "x"])
def test_any_follow_up_page_number_shows_the_tracking(course, unit, client_for, page):
    student_create(dni="45550002", course=course, first_names="Callada")
    response = client_for("coach").get(URL, {"pagina": page})
    assert response.status_code == 200
    assert 'id="sin-actividad"' in response.content.decode()
