"""LMS progress benchmark, in one run, against PostgreSQL:

(a) BENCH_EVENTS events (default 100,000) in batches of 500 through POST /api/v1/lms/progress
    (the whole Django stack in process: middleware, bearer-token auth, ninja's validation, the
    service with its summaries, counters and last-activity rows), one batch per request;
(b) the same number of event rows inserted with a bare bulk_create of 500 (the floor);
    events per second of each and the ratio a/b;
(c) the coaches' "Seguimiento" view's server time with 530 students and with BENCH_STUDENTS
    (default 50,000) simulated students on BENCH_LESSONS lessons (default 60), and the ratio.
    Simulated students get their profile, enrolment, last activity (a third silent for more
    than a week) and the per-(district, lesson) counters they would have produced; their
    per-lesson summaries are not written because the view never reads them.

    .venv/bin/python bench/lms_progress.py

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/pap_bench_lms, created if
missing and emptied of earlier runs' LMS rows), BENCH_EVENTS, BENCH_STUDENTS, BENCH_LESSONS,
BENCH_VIEW_RUNS (default 15; the median is reported).
"""

import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "pap_bench_lms"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("PASOAPASO_VAR_DIR", "/tmp/pasoapaso-bench-lms")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
STUDENTS = int(os.environ.get("BENCH_STUDENTS", "50000"))
LESSONS = int(os.environ.get("BENCH_LESSONS", "60"))
VIEW_RUNS = int(os.environ.get("BENCH_VIEW_RUNS", "15"))
BATCH = 500
Path(os.environ["PASOAPASO_VAR_DIR"]).mkdir(parents=True, exist_ok=True)


def _create_database() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres") or not url.rstrip("/").endswith(DB_NAME):
        return
    subprocess.run(  # noqa: S603
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {DB_NAME}"],  # noqa: S607
        capture_output=True,
        check=False,
    )


def _machine() -> str:
    model = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():  # noqa: S607
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{platform.python_version()} · {os.cpu_count()} cores · {model}"


_create_database()
import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from wagtail.models import Page, Site  # noqa: E402

from core import roles  # noqa: E402
from core.accounts import token_create  # noqa: E402
from lms.districts import CAJAMARCA_DISTRICTS  # noqa: E402
from lms.models import (  # noqa: E402
    CoursePage,
    Enrollment,
    LessonPage,
    LessonProgress,
    LessonStats,
    ProgressEvent,
    StudentActivity,
    StudentProfile,
    UnitPage,
)

User = get_user_model()


def _world() -> tuple[CoursePage, list[LessonPage]]:
    call_command("migrate", verbosity=0)
    from cms.seed import seed_site_root

    seed_site_root()
    # a clean slate: earlier runs' course, students and progress
    for course in CoursePage.objects.all():
        course.delete()
    User.objects.filter(username__startswith="bench").delete()
    ProgressEvent.objects.all().delete()
    home = Site.objects.get(is_default_site=True).root_page
    course = CoursePage(title="Aprendiendo paso a paso", slug="aprendiendo-paso-a-paso")
    home.add_child(instance=course)
    unit = UnitPage(title="Unidad 1", slug="unidad-1", number=1)
    course.add_child(instance=unit)
    lessons = []
    for n in range(1, LESSONS + 1):
        lesson = LessonPage(
            title=f"Lección {n}", slug=f"leccion-{n}", episode_number=n, on_air_code=f"B{n:04d}"
        )
        unit.add_child(instance=lesson)
        lessons.append(lesson)
    Page.objects.filter(pk__in=[x.pk for x in lessons]).update(live=True)
    return course, lessons


def _students(course, start: int, count: int, *, silent_share: float = 0.33) -> list:
    """`count` students (numbered from `start`) in bulk, enrolled, with their last activity."""
    password = "!"  # an unusable password: these accounts never log in
    users = User.objects.bulk_create(
        [User(username=f"bench{start + i:08d}", password=password) for i in range(count)],
        batch_size=5000,
    )
    rng = random.Random(start)  # noqa: S311
    now = timezone.now()
    profiles = StudentProfile.objects.bulk_create(
        [
            StudentProfile(
                user=user,
                dni=f"{70000000 + start + i:08d}",
                first_names="Estudiante",
                last_names=f"Prueba {start + i}",
                district=CAJAMARCA_DISTRICTS[(start + i) % len(CAJAMARCA_DISTRICTS)],
                zone="rural" if i % 2 else "urbana",
                phone="976000000",
            )
            for i, user in enumerate(users)
        ],
        batch_size=5000,
    )
    Enrollment.objects.bulk_create(
        [Enrollment(student=p, course=course) for p in profiles], batch_size=5000
    )
    StudentActivity.objects.bulk_create(
        [
            StudentActivity(
                student=p,
                last_activity_at=now - timedelta(days=rng.randint(8, 40))
                if rng.random() < silent_share
                else now - timedelta(hours=rng.randint(1, 140)),
            )
            for p in profiles
        ],
        batch_size=5000,
    )
    return profiles


def _simulated_counters(lessons, total_students: int) -> None:
    """The counters that `total_students` students would have produced (about 70 % started,
    55 % completed each lesson), per district and overall."""
    LessonStats.objects.filter(lesson__in=lessons).delete()
    per_district = total_students // len(CAJAMARCA_DISTRICTS)
    rows = []
    for lesson in lessons:
        for district in ["", *CAJAMARCA_DISTRICTS]:
            base = total_students if district == "" else per_district
            rows.append(
                LessonStats(
                    lesson=lesson,
                    district=district,
                    started=int(base * 0.7),
                    web=int(base * 0.3),
                    downloaded=int(base * 0.2),
                    tv=int(base * 0.4),
                    completed=int(base * 0.55),
                )
            )
    LessonStats.objects.bulk_create(rows)


def _events_for(lessons, count: int, rng) -> list[dict]:
    now = timezone.now()
    out = []
    for _ in range(count):
        lesson = rng.choice(lessons)
        out.append(
            {
                "id": str(uuid.uuid4()),
                "lesson": lesson.pk,
                "type": "position",
                "at": (now - timedelta(seconds=rng.randint(60, 86400))).isoformat(),
                "position_seconds": float(rng.randint(0, 1500)),
                "duration_seconds": 1500.0,
                "watched_seconds": 5.0,
            }
        )
    return out


def bench_api(lessons, profiles) -> tuple[float, float]:
    rng = random.Random(6)  # noqa: S311
    batches = EVENTS // BATCH
    clients = []
    for profile in profiles[: min(len(profiles), batches)]:
        raw, _ = token_create(user=profile.user)
        clients.append(raw)
    payloads = [json.dumps({"events": _events_for(lessons, BATCH, rng)}) for _ in range(batches)]
    client = Client()
    started = time.perf_counter()
    cpu = time.process_time()
    for i, body in enumerate(payloads):
        response = client.post(
            "/api/v1/lms/progress",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {clients[i % len(clients)]}",
        )
        assert response.status_code == 200, response.content[:300]
    return time.perf_counter() - started, time.process_time() - cpu


def bench_bulk(lessons, profiles) -> float:
    rng = random.Random(7)  # noqa: S311
    now = timezone.now()
    rows = [
        ProgressEvent(
            event_id=uuid.uuid4(),
            student=profiles[i % len(profiles)],
            lesson=rng.choice(lessons),
            type="position",
            at=now,
            data={"position_seconds": 10.0, "duration_seconds": 1500.0, "watched_seconds": 5.0},
        )
        for i in range(EVENTS)
    ]
    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with transaction.atomic():
            ProgressEvent.objects.bulk_create(rows[i : i + BATCH])
    return time.perf_counter() - started


def bench_view(coach) -> tuple[float, float, int]:
    client = Client()
    client.force_login(coach)
    cache.clear()
    started = time.perf_counter()
    assert client.get("/admin/seguimiento/").status_code == 200
    cold = time.perf_counter() - started
    times = []
    for _ in range(VIEW_RUNS):
        started = time.perf_counter()
        response = client.get("/admin/seguimiento/")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/seguimiento/")
    return statistics.median(times), cold, len(queries)


def main() -> None:
    print(f"# LMS progress benchmark · {_machine()}")
    print(f"database: {connection.vendor} · {EVENTS} events · {LESSONS} lessons")
    course, lessons = _world()
    coach = User.objects.create_user(username="bench-coach", password="x", is_superuser=False)
    from django.contrib.auth.models import Group

    coach.groups.add(Group.objects.get(name=roles.COACHES))
    CoursePage.coaches.through.objects.create(coursepage=course, user=coach)  # follows it
    profiles = _students(course, 0, 530)

    elapsed, cpu = bench_api(lessons, profiles)
    api_rate = EVENTS / elapsed
    print(
        f"(a) API: {EVENTS} events in {elapsed:.1f} s = {api_rate:,.0f} events/s "
        f"(CPU {cpu:.1f} s in this process)"
    )
    assert ProgressEvent.objects.count() == EVENTS
    summaries = LessonProgress.objects.count()
    bulk_elapsed = bench_bulk(lessons, profiles)
    bulk_rate = EVENTS / bulk_elapsed
    print(f"(b) bare bulk insert: {EVENTS} rows in {bulk_elapsed:.1f} s = {bulk_rate:,.0f} rows/s")
    print(f"    ratio a/b = {api_rate / bulk_rate:.2f} · summaries written by (a): {summaries}")

    _simulated_counters(lessons, 530)
    small, small_cold, small_queries = bench_view(coach)
    print(
        f"(c) Seguimiento at 530 students: median {small * 1000:.1f} ms "
        f"(first, cache cold: {small_cold * 1000:.1f} ms) · {small_queries} queries"
    )
    _students(course, 530, STUDENTS - 530)
    _simulated_counters(lessons, STUDENTS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    big, big_cold, big_queries = bench_view(coach)
    print(
        f"    at {STUDENTS:,} students: median {big * 1000:.1f} ms "
        f"(first, cache cold: {big_cold * 1000:.1f} ms) · {big_queries} queries"
    )
    print(f"    ratio {STUDENTS:,}/530 = {big / small:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
