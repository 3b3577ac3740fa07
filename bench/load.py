"""Load on the whole site, in one run, through gunicorn (2 workers) against PostgreSQL:

1. Unloaded latency: each page alone, one request at a time (the baseline of this run).
2. Bounded loopback load: BENCH_CLIENTS client processes back to back for BENCH_SECONDS on each
   of the public schedule (/programacion/), a lesson page (logged-in students) and tracking
   lookups (GET /api/v1/tramites/track/{code}?dni=): throughput, p50/p95/p99 and errors.
3. The "21:00 burst": 530 logged-in students open tonight's lesson page within 10 seconds, as
   when the episode airs: arrivals spread evenly over the 10 s (open loop: a slow answer does
   not slow the arrivals). Target: 0 errors and p95 within 3x the same page's unloaded latency.
   The run prints the burst p95 against the unloaded p95 (the verdict) and the unloaded p50.

The progress API (issue 6) is measured when its route exists; until then the run says so.

    .venv/bin/python bench/load.py

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/pap_bench_load, recreated),
CACHE_URL (default Redis at 127.0.0.1:6379/14 when it answers, else the database cache),
BENCH_SECONDS per scenario (10), BENCH_CLIENTS (4), BENCH_WORKERS (2), BENCH_THREADS per worker
(4), BENCH_BURST_STUDENTS (530), BENCH_BURST_SECONDS (10).
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import log, machine, redis_reachable  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = Path("/tmp/pasoapaso-bench-load")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
BURST_STUDENTS = int(os.environ.get("BENCH_BURST_STUDENTS", "530"))
BURST_SECONDS = float(os.environ.get("BENCH_BURST_SECONDS", "10"))
BASELINE_REQUESTS = 100
DB_NAME = "pap_bench_load"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
shutil.rmtree(BENCH_DIR, ignore_errors=True)
BENCH_DIR.mkdir(parents=True)
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "PASOAPASO_VAR_DIR": str(BENCH_DIR / "var"),
    "MEDIA_ROOT": str(BENCH_DIR / "media"),
    "DB_CONN_MAX_AGE": "60",
    "MEDIA_SEED_CLIP_SECONDS": "2",
    # every request comes from one address: the per-client limits are not what is measured
    "THROTTLE_TRAMITES_TRACK_LIMIT": "100000000",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LOG_LEVEL": "WARNING",
}


if "CACHE_URL" not in os.environ and redis_reachable():
    SERVER_ENV["CACHE_URL"] = "redis://127.0.0.1:6379/14"
os.environ.update(SERVER_ENV)


def ensure_database() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[1]
    base = url.rsplit("/", 1)[0]
    subprocess.run(
        ["psql", f"{base}/postgres", "-c", f"DROP DATABASE IF EXISTS {name}"],
        capture_output=True,
        check=False,
    )
    subprocess.run(
        ["psql", f"{base}/postgres", "-c", f"CREATE DATABASE {name}"],
        capture_output=True,
        check=True,
    )


def prepare() -> dict:
    """Migrates, loads the demo data, opens a session for every enrolled student (as if each had
    logged in: hashing 530 passwords is not what is measured) and picks tonight's lesson."""
    from importlib import import_module

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from broadcast.models import Airing
    from lms.models import Enrollment, LessonPage
    from tramites_bridge.models import Submission

    cache.clear()  # this run's own cache: nothing left from an earlier database
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    now = timezone.now()
    airing = (
        Airing.objects.filter(starts_at__gte=now - timezone.timedelta(hours=12))
        .exclude(episode__isnull=True)
        .select_related("episode")
        .order_by("starts_at")
        .first()
    )
    lesson = None
    if airing is not None:
        lesson = LessonPage.objects.live().filter(pk=airing.episode.lesson_id).first()
    lesson = lesson or LessonPage.objects.live().order_by("episode_number").first()
    students = list(
        Enrollment.objects.filter(course_id=lesson.course_id)
        .select_related("student__user")
        .order_by("pk")[:BURST_STUDENTS]
    )
    backend = settings.AUTHENTICATION_BACKENDS[0]
    # the site's own session engine (as a login would store it)
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806
    cookies = []
    for enrollment in students:
        user = enrollment.student.user
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    pairs = [(s.code, s.dni) for s in Submission.objects.order_by("pk")[:50] if s.dni and s.code]
    from config.api import api

    progress_routes = [
        p for p in api.get_openapi_schema()["paths"] if "progress" in p and "/me/" in p
    ]
    connections.close_all()
    return {
        "lesson_url": lesson.url,
        "lesson_title": lesson.title,
        "cookies": cookies,
        "pairs": pairs,
        "progress_url": progress_routes[0] if progress_routes else None,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request_for(kind: str, world: dict, n: int) -> tuple[str, dict]:
    headers = {"Host": "127.0.0.1"}
    if kind == "schedule":
        return "/programacion/", headers
    if kind == "lesson":
        headers["Cookie"] = world["cookies"][n % len(world["cookies"])]
        return world["lesson_url"], headers
    if kind == "progress":
        headers["Cookie"] = world["cookies"][n % len(world["cookies"])]
        return world["progress_url"], headers
    code, dni = world["pairs"][n % len(world["pairs"])]
    return f"/api/v1/tramites/track/{code}?dni={dni}", headers


def fetch(port: int, url: str, headers: dict) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    try:
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        conn.close()
    return time.perf_counter() - started, status


def client_loop(args) -> tuple[list[float], int]:
    kind, port, world, seconds, offset = args
    latencies, errors, n = [], 0, offset
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        url, headers = request_for(kind, world, n)
        elapsed, status = fetch(port, url, headers)
        latencies.append(elapsed)
        errors += status != 200
        n += 1
    return latencies, errors


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values))) - 1))
    return sorted_values[index]


def summary(latencies: list[float], errors: int, seconds: float) -> dict:
    ordered = sorted(latencies)
    return {
        "count": len(ordered),
        "rate": len(ordered) / seconds if seconds else 0.0,
        "p50": statistics.median(ordered) * 1000 if ordered else float("nan"),
        "p95": percentile(ordered, 0.95) * 1000,
        "p99": percentile(ordered, 0.99) * 1000,
        "errors": errors,
    }


def unloaded(kind: str, port: int, world: dict) -> dict:
    latencies, errors = [], 0
    for n in range(BASELINE_REQUESTS):
        url, headers = request_for(kind, world, n)
        elapsed, status = fetch(port, url, headers)
        latencies.append(elapsed)
        errors += status != 200
    return summary(latencies, errors, sum(latencies))


def loaded(kind: str, port: int, world: dict) -> dict:
    with mp.get_context("fork").Pool(CLIENTS) as pool:
        results = pool.map(
            client_loop, [(kind, port, world, SECONDS, i * 1000) for i in range(CLIENTS)]
        )
    latencies = [lat for lats, _ in results for lat in lats]
    return summary(latencies, sum(e for _, e in results), SECONDS)


def burst_part(args) -> tuple[list[float], int, list[float]]:
    """One client process's share of the burst: each student's request at its own moment."""
    port, world, start_at, slots = args
    latencies, lateness, errors = [], [], 0
    lock = threading.Lock()

    def one(slot: tuple[int, float]) -> None:
        nonlocal errors
        n, offset = slot
        delay = start_at + offset - time.time()
        if delay > 0:
            time.sleep(delay)
        late = time.time() - (start_at + offset)
        url, headers = request_for("lesson", world, n)
        elapsed, status = fetch(port, url, headers)
        with lock:
            latencies.append(elapsed)
            lateness.append(late)
            errors += status != 200

    with ThreadPoolExecutor(max_workers=len(slots)) as pool:
        list(pool.map(one, slots))
    return latencies, errors, lateness


def burst(port: int, world: dict) -> dict:
    students = min(BURST_STUDENTS, len(world["cookies"]))
    slots = [(n, BURST_SECONDS * n / students) for n in range(students)]
    parts = [slots[i::CLIENTS] for i in range(CLIENTS)]
    start_at = time.time() + 2.0  # every client process ready before the first arrival
    began = time.perf_counter()
    with mp.get_context("fork").Pool(CLIENTS) as pool:
        results = pool.map(burst_part, [(port, world, start_at, part) for part in parts])
    took = time.perf_counter() - began - 2.0
    latencies = [lat for lats, _, _ in results for lat in lats]
    lateness = sorted(late for _, _, lates in results for late in lates)
    result = summary(latencies, sum(e for _, e, _ in results), took)
    result["students"] = students
    result["took"] = took
    result["late_p95"] = percentile(lateness, 0.95) * 1000
    return result


def check_lesson_page(port: int, world: dict) -> None:
    """The burst must measure the lesson itself, not a login redirect or a refusal."""
    url, headers = request_for("lesson", world, 0)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    if response.status != 200 or world["lesson_title"] not in body or "Su avance" not in body:
        raise RuntimeError(f"la página de lección no se sirvió a la estudiante ({response.status})")


def wait_until_up(port: int) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        elapsed, status = fetch(port, "/healthz", {"Host": "127.0.0.1"})
        if status in (200, 503):
            return
        time.sleep(0.3)
    raise RuntimeError("gunicorn no respondió en 60 s")


def main() -> int:
    log(f"Machine: {machine()}")
    log(f"Cache: {os.environ.get('CACHE_URL', 'db://pasoapaso_cache')}")
    log(
        f"Database: {os.environ['DATABASE_URL'].split('@')[-1]}; gunicorn {WORKERS} workers x "
        f"{THREADS} threads; {CLIENTS} client processes; {SECONDS:.0f} s per scenario"
    )
    ensure_database()
    started = time.perf_counter()
    world = prepare()
    log(
        f"Demo data loaded in {time.perf_counter() - started:.0f} s; tonight's lesson: "
        f"{world['lesson_title']} ({world['lesson_url']}); {len(world['cookies'])} student "
        "sessions"
    )
    kinds = ["schedule", "lesson", "track"] + (["progress"] if world["progress_url"] else [])
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        wait_until_up(port)
        check_lesson_page(port, world)
        for kind in kinds:  # warm every worker: imports, templates, connections
            client_loop((kind, port, world, 1.0, 0))
        base = {kind: unloaded(kind, port, world) for kind in kinds}
        load = {kind: loaded(kind, port, world) for kind in kinds}
        rush = burst(port, world)
    finally:
        server.terminate()
        server.wait(timeout=30)

    names = {
        "schedule": "schedule page /programacion/ (anonymous)",
        "lesson": "lesson page (logged-in student)",
        "track": "tracking lookup GET /api/v1/tramites/track/{code}?dni=",
        "progress": "progress API GET (student)",
    }
    log()
    log("Unloaded (one request at a time):")
    log("| page | p50 ms | p95 ms | errors |")
    log("|---|---|---|---|")
    for kind in kinds:
        r = base[kind]
        log(f"| {names[kind]} | {r['p50']:.1f} | {r['p95']:.1f} | {r['errors']} |")
    log()
    log(f"Loaded ({CLIENTS} clients back to back, {SECONDS:.0f} s each):")
    log("| page | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    log("|---|---|---|---|---|---|")
    for kind in kinds:
        r = load[kind]
        log(
            f"| {names[kind]} | {r['rate']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['errors']} |"
        )
    if not world["progress_url"]:
        log("| progress API | not measured: the route of issue 6 does not exist yet | | | | |")
    lesson_base = base["lesson"]
    ratio = rush["p95"] / lesson_base["p95"] if lesson_base["p95"] else float("nan")
    ratio_p50 = rush["p95"] / lesson_base["p50"] if lesson_base["p50"] else float("nan")
    ok = rush["errors"] == 0 and ratio <= 3
    log()
    log(
        f"21:00 burst: {rush['students']} students over {BURST_SECONDS:.0f} s "
        f"(all answered after {rush['took']:.1f} s)"
    )
    log(
        "| requests | p50 ms | p95 ms | p99 ms | errors | p95 / unloaded p95 "
        "| p95 / unloaded p50 | target (against unloaded p95) |"
    )
    log("|---|---|---|---|---|---|---|---|")
    log(
        f"| {rush['count']} | {rush['p50']:.1f} | {rush['p95']:.1f} | {rush['p99']:.1f} | "
        f"{rush['errors']} | {ratio:.2f}× (of {lesson_base['p95']:.1f} ms) | "
        f"{ratio_p50:.2f}× (of {lesson_base['p50']:.1f} ms) | "
        f"0 errors and ≤ 3× → {'OK' if ok else 'MISSED'} |"
    )
    log(f"(client lateness p95 {rush['late_p95']:.0f} ms: how far behind schedule requests left)")
    log(f"Load average at the end: {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
