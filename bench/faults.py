"""Faults, provoked for real, against throwaway services this script starts and stops itself
(never the machine's own PostgreSQL or Redis):

1. Redis stops while a transcode runs, and comes back 10 s later. Meanwhile clients poll the
   job, open a site page and report progress; the job must end ready with its renditions once.
2. A worker is killed mid-transcode: (a) the pool process running ffmpeg (SIGKILL), with the
   worker left running; (b) the whole worker (SIGKILL to its process group), and a new one
   started. The job must end ready with each rendition exactly once.
3. PostgreSQL restarts while a student's player sends progress batches; the client resends a
   batch that failed, as the player does. Every event must be stored once.

For each: what was lost (expected vs present), what was doubled, the status codes clients saw
(503 in the Spanish error contract is fine, a 500 is not), and the recovery time (from the
service being back to the job or the requests completing).

    .venv/bin/python bench/faults.py

Environment: FAULTS_DIR (default: pasoapaso-faults in the system's temporary folder),
FAULTS_REDIS_PORT (6391), FAULTS_PG_PORT (5441), FAULTS_HTTP_PORT (8091), FAULTS_CLIP_SECONDS
(default 90: a 720p clip long enough that a kill lands mid-job). PostgreSQL's `initdb` refuses
to run as root: as root the cluster is made by the `postgres` OS user.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._common import log, machine  # noqa: E402

BASE = Path(os.environ.get("FAULTS_DIR", str(Path(tempfile.gettempdir()) / "pasoapaso-faults")))
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6391"))
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "5441"))
HTTP_PORT = int(os.environ.get("FAULTS_HTTP_PORT", "8091"))
CLIP_SECONDS = float(os.environ.get("FAULTS_CLIP_SECONDS", "90"))
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
DB_NAME = "pasoapaso_faults"
# The sweeper's wait is short here so a job nobody redelivers is picked up within the run.
STALE_SECONDS = 20
URL = f"http://127.0.0.1:{HTTP_PORT}"

ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "PASOAPASO_VAR_DIR": str(BASE / "var"),
    "MEDIA_ROOT": str(BASE / "var" / "media"),
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB_NAME}",
    "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CACHE_URL": f"redis://127.0.0.1:{REDIS_PORT}/1",
    "MEDIA_HEARTBEAT_STALE_SECONDS": str(STALE_SECONDS),
    "MEDIA_SWEEP_SECONDS": "5",
    "MEDIA_PROGRESS_INTERVAL_SECONDS": "1",
    "LOG_LEVEL": "WARNING",
    "PYTHONUNBUFFERED": "1",
}


# --- throwaway services -------------------------------------------------------------------------
class Services:
    def __init__(self) -> None:
        self.redis: subprocess.Popen | None = None
        self.pg_dir = BASE / "pg"
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.beat: subprocess.Popen | None = None
        self.logs = BASE / "logs"
        # A broker keeps its queues on disk (append-only file), as in production: a restart
        # must not drop the messages that are waiting.
        self.redis_dir = BASE / "redis"
        shutil.rmtree(self.redis_dir, ignore_errors=True)
        self.redis_dir.mkdir(parents=True)

    def _as_postgres(self, *args: str) -> list[str]:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(  # noqa: S603
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--dir",
                str(self.redis_dir),
                "--daemonize",
                "no",
            ],  # fmt: skip
            stdout=open(self.logs / "redis.log", "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        wait_port(REDIS_PORT)

    def stop_redis(self) -> None:
        self.redis.terminate()
        self.redis.wait(timeout=30)

    def init_pg(self) -> None:
        if self.pg_dir.exists():
            shutil.rmtree(self.pg_dir)
        self.pg_dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, "postgres", "postgres")
        subprocess.run(  # noqa: S603
            self._as_postgres(
                "initdb",
                "-D",
                str(self.pg_dir / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ),  # fmt: skip
            check=True,
            capture_output=True,
        )

    def pg_ctl(self, action: str) -> None:
        subprocess.run(  # noqa: S603
            self._as_postgres(
                "pg_ctl",
                "-D",
                str(self.pg_dir / "data"),
                "-w",
                "-m",
                "fast",
                "-l",
                str(self.pg_dir / "server.log"),
                "-o",
                f"-p {PG_PORT} -k {self.pg_dir} -c fsync=off",
                action,
            ),  # fmt: skip
            check=True,
            capture_output=True,
        )

    def create_db(self) -> None:
        subprocess.run(  # noqa: S603
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(PG_PORT),
                "-U",
                "postgres",
                DB_NAME,
            ],  # fmt: skip
            check=True,
        )

    def start_web(self) -> None:
        self.web = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "-w",
                "2",
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{HTTP_PORT}",
                "--log-level",
                "warning",
                "config.wsgi:application",
            ],  # fmt: skip
            cwd=ROOT,
            env={**os.environ},
            stdout=open(self.logs / "web.log", "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        wait_port(HTTP_PORT)

    def start_worker(self, name: str) -> subprocess.Popen:
        log_path = self.logs / f"worker-{name}.log"
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "short,media",
                "-c",
                "2",
                "-n",
                f"{name}@%h",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
            ],  # fmt: skip
            cwd=ROOT,
            env={**os.environ},
            stdout=open(log_path, "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while " ready." not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"el worker {name} no arrancó:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        self.workers.append(proc)
        return proc

    def start_beat(self) -> None:
        self.beat = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=WARNING",
                "-s",
                str(BASE / "celerybeat-schedule"),
            ],  # fmt: skip
            cwd=ROOT,
            env={**os.environ},
            stdout=open(self.logs / "beat.log", "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop_all(self) -> None:
        for proc in [*self.workers, self.beat]:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        for proc in [self.web, self.redis]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)
        if (self.pg_dir / "data" / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603
                self._as_postgres("pg_ctl", "-D", str(self.pg_dir / "data"), "-m", "fast", "stop"),
                capture_output=True,
                check=False,
            )


def wait_port(port: int, timeout: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nada escucha en el puerto {port}")


# --- HTTP clients -------------------------------------------------------------------------------
class Seen:
    """Status codes clients saw, and whether every error kept the Spanish contract."""

    def __init__(self) -> None:
        self.codes: Counter = Counter()
        self.broken: list[str] = []

    def record(self, response, *, api: bool) -> None:
        self.codes[response.status_code] += 1
        if response.status_code < 400:
            return
        if response.status_code >= 500 and response.status_code != 503:
            self.broken.append(f"{response.status_code} {response.url}: {response.text[:200]}")
        elif api:
            try:
                body = response.json()
            except ValueError:
                self.broken.append(f"{response.status_code} sin JSON: {response.text[:200]}")
                return
            if not {"detail", "code"} <= body.keys():
                self.broken.append(f"{response.status_code} fuera del contrato: {body}")
        elif "no disponible" not in response.text:
            self.broken.append(f"{response.status_code} página: {response.text[:200]}")

    def connection_refused(self) -> None:
        self.codes["sin conexión"] += 1

    def __str__(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(self.codes.items(), key=str))


def call(session, seen: Seen, method: str, path: str, *, api: bool = True, **kwargs):
    import requests

    try:
        response = session.request(method, URL + path, timeout=30, **kwargs)
    except requests.ConnectionError:
        seen.connection_refused()
        return None
    seen.record(response, api=api)
    return response


# --- the world: a course, one lesson, a student, staff; a clip ---------------------------------
def prepare_world() -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from wagtail.models import Page, Site

    from cms.seed import seed_site_root
    from core.accounts import token_create
    from lms.models import CoursePage, Enrollment, LessonPage, StudentProfile, UnitPage

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    seed_site_root()
    home = Site.objects.get(is_default_site=True).root_page
    course = CoursePage(title="Aprendiendo paso a paso", slug="aprendiendo-paso-a-paso")
    home.add_child(instance=course)
    unit = UnitPage(title="Unidad 1", slug="unidad-1", number=1)
    course.add_child(instance=unit)
    lesson = LessonPage(title="Lección 1", slug="leccion-1", episode_number=1, on_air_code="F0001")
    unit.add_child(instance=lesson)
    Page.objects.filter(pk=lesson.pk).update(live=True)
    User = get_user_model()
    admin = User.objects.create_superuser("faults-admin", password="!", email="")
    student = User.objects.create_user("faults-student", password="!")
    profile = StudentProfile.objects.create(
        user=student,
        dni="71234567",
        first_names="Rosa",
        last_names="Cueva",
        district="Cajamarca",
        zone="urbana",
    )
    Enrollment.objects.create(student=profile, course=course)
    return {
        "admin_token": token_create(user=admin)[0],
        "student_token": token_create(user=student)[0],
        "student": profile,
        "lesson": lesson.pk,
    }


def make_clip(path: Path) -> Path:
    from media_pipeline import ffmpeg

    if not path.exists():
        log(f"clip: generating {CLIP_SECONDS:.0f} s of 720p30 (once; reused later)...")
        ffmpeg.make_synthetic_clip(
            path, seconds=CLIP_SECONDS, width=1280, height=720, fps=30, preset="ultrafast"
        )
    return path


def variant(clip: Path, tag: str) -> Path:
    """The same clip under different metadata: other bytes, so the upload is not recognised as
    a copy of an earlier one (identical content is deduplicated, not processed again)."""
    from media_pipeline.binaries import ffmpeg_binaries

    out = clip.with_name(f"{clip.stem}-{tag}.mp4")
    if not out.exists():
        subprocess.run(  # noqa: S603
            [
                ffmpeg_binaries().ffmpeg,
                "-v",
                "error",
                "-y",
                "-i",
                str(clip),
                "-c",
                "copy",
                "-metadata",
                f"comment={tag}",
                str(out),
            ],  # fmt: skip
            check=True,
        )
    return out


def upload(session, world, clip: Path, title: str, seen: Seen):
    clip = variant(clip, uuid.uuid4().hex[:8])
    with open(clip, "rb") as handle:
        return call(
            session,
            seen,
            "POST",
            "/api/v1/media/assets",
            files={"file": (clip.name, handle, "video/mp4")},
            data={"title": title},
            headers={"Authorization": f"Bearer {world['admin_token']}"},
        )


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise RuntimeError(f"no ocurrió en {timeout:.0f} s: {what}")


def asset_row(asset_id: int):
    from django.db import close_old_connections

    from media_pipeline.models import MediaAsset

    close_old_connections()
    return MediaAsset.objects.get(pk=asset_id)


def mid_transcode(asset_id: int):
    row = asset_row(asset_id)
    return row if row.status == "transcoding" and row.progress >= 10 else None


def finished(asset_id: int):
    row = asset_row(asset_id)
    return row if row.status in ("ready", "failed") else None


def renditions_report(asset) -> tuple[str, bool]:
    from media_pipeline import ffmpeg

    planned = {o.profile.key for o in ffmpeg.plan_ladder(_probe_of(asset)).outputs}
    present = Counter(asset.renditions.values_list("profile", flat=True))
    lost = planned - set(present)
    doubled = {k for k, n in present.items() if n > 1}
    ok = asset.status == "ready" and not lost and not doubled
    return (
        f"status {asset.status}, attempts {asset.attempts}; renditions expected "
        f"{len(planned)}, present {sum(present.values())}, lost {sorted(lost) or 'none'}, "
        f"doubled {sorted(doubled) or 'none'}",
        ok,
    )


def _probe_of(asset):
    from media_pipeline import ffmpeg

    return ffmpeg.ProbeResult(
        duration=asset.duration_seconds,
        has_video=bool(asset.width),
        has_audio=bool(asset.audio_codec),
        width=asset.width,
        height=asset.height,
        frame_rate=asset.frame_rate,
    )


# --- fault 1: Redis ----------------------------------------------------------------------------
def fault_redis(services: Services, world: dict, clip: Path) -> bool:
    import requests

    log("\n1. Redis stops during a transcode and comes back after 10 s")
    seen = Seen()
    session = requests.Session()
    auth = {"Authorization": f"Bearer {world['admin_token']}"}
    response = upload(session, world, clip, "Redis se detiene", seen)
    asset_id = response.json()["id"]
    wait_until(lambda: mid_transcode(asset_id), 300, "la conversión empezó")
    services.stop_redis()
    down_at = time.monotonic()
    log(f"   Redis stopped at {asset_row(asset_id).progress} % of the job")
    events = []
    student = {
        "Authorization": f"Bearer {world['student_token']}",
        "Content-Type": "application/json",
    }
    sent_at = time.monotonic()
    during = upload(session, world, clip, "Subida durante la caída", seen)
    log(
        f"   an upload while Redis is down answered "
        f"{during.status_code if during is not None else 'nothing (connection closed)'} in "
        f"{time.monotonic() - sent_at:.1f} s"
    )
    while time.monotonic() - down_at < 10:
        call(session, seen, "GET", f"/api/v1/media/assets/{asset_id}", headers=auth)
        call(session, seen, "GET", "/programacion/", api=False)
        batch = [_event(world, 10 + len(events))]
        got = call(session, seen, "POST", "/api/v1/lms/progress", headers=student,
                   data=json.dumps({"events": batch}))  # fmt: skip
        events.append((batch, got is not None and got.status_code == 200))
        time.sleep(0.5)
    services.start_redis()
    back_at = time.monotonic()
    # the player resends what failed
    for batch, stored in events:
        if not stored:
            resend_until_stored(session, seen, student, batch)
    requests_back = time.monotonic() - back_at
    asset = wait_until(lambda: finished(asset_id), 600, "la conversión terminó")
    job_back = time.monotonic() - back_at
    report, ok = renditions_report(asset)
    log(f"   job: {report}")
    from media_pipeline.models import MediaAsset

    late = MediaAsset.objects.filter(title="Subida durante la caída").first()
    if late is not None:
        late = wait_until(lambda: finished(late.pk), 600, "la subida de la caída terminó")
        late_report, late_ok = renditions_report(late)
        log(f"   upload made during the outage: {late_report}")
        ok &= late_ok
    ok &= progress_report(world, [e for batch, _ in events for e in batch])
    log(f"   client responses: {seen}")
    for line in seen.broken:
        log(f"   NOT OK: {line}")
    log(
        f"   recovery after Redis was back: requests {requests_back:.1f} s, job finished "
        f"{job_back:.1f} s later"
    )
    return ok and not seen.broken


def _event(world: dict, position: float) -> dict:
    from django.utils import timezone

    return {
        "id": str(uuid.uuid4()),
        "lesson": world["lesson"],
        "type": "position",
        "at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "position_seconds": float(position),
        "duration_seconds": 3600.0,
        "watched_seconds": 1.0,
    }


def resend_until_stored(session, seen: Seen, headers: dict, batch: list, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = call(session, seen, "POST", "/api/v1/lms/progress", headers=headers,
                   data=json.dumps({"events": batch}))  # fmt: skip
        if got is not None and got.status_code == 200:
            return got
        time.sleep(0.5)
    raise RuntimeError("un lote no se guardó tras reenviarlo durante 120 s")


def progress_report(world: dict, events: list[dict]) -> bool:
    from django.db import close_old_connections

    from lms.models import ProgressEvent

    close_old_connections()
    ids = [uuid.UUID(e["id"]) for e in events]
    stored = Counter(
        str(x)
        for x in ProgressEvent.objects.filter(event_id__in=ids).values_list("event_id", flat=True)
    )
    lost = len(ids) - len(stored)
    doubled = sum(n - 1 for n in stored.values() if n > 1)
    log(
        f"   progress events: sent {len(ids)}, stored {len(stored)}, lost {lost}, doubled {doubled}"
    )
    return lost == 0 and doubled == 0


# --- fault 2: a worker killed -------------------------------------------------------------------
def ffmpeg_parent(asset_id: int) -> int | None:
    """The pool process running this asset's ffmpeg (ffmpeg runs in the asset's work folder)."""
    marker = f"asset-{asset_id}"
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if Path(cmd[0].decode()).name != "ffmpeg":
                continue
            if marker not in os.readlink(f"/proc/{pid}/cwd"):
                continue
            stat = Path(f"/proc/{pid}/stat").read_text()
            return int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return None


def fault_worker(services: Services, world: dict, clip: Path, *, whole: bool) -> bool:
    import requests

    what = "the whole worker (SIGKILL to its process group)" if whole else "the pool process"
    log(f"\n2{'b' if whole else 'a'}. A worker is killed mid-transcode: {what}")
    seen = Seen()
    session = requests.Session()
    response = upload(session, world, clip, f"Worker muerto {what}", seen)
    asset_id = response.json()["id"]
    wait_until(lambda: mid_transcode(asset_id), 300, "la conversión empezó")
    child = wait_until(lambda: ffmpeg_parent(asset_id), 60, "ffmpeg corre")
    before = asset_row(asset_id)
    progress, attempts = before.progress, before.attempts
    if whole:
        worker = next(w for w in services.workers if w.poll() is None)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        services.workers.remove(worker)
        killed_at = time.monotonic()
        services.start_worker(f"replacement-{int(time.time())}")
        back_at = time.monotonic()
        log(f"   killed at {progress} %; a new worker was ready {back_at - killed_at:.1f} s later")
    else:
        os.kill(child, signal.SIGKILL)
        back_at = time.monotonic()
        log(f"   pool process {child} killed at {progress} %")
    wait_until(
        lambda: asset_row(asset_id).attempts > attempts, 900, "la conversión volvió a empezar"
    )
    restarted = time.monotonic() - back_at
    asset = wait_until(lambda: finished(asset_id), 900, "la conversión terminó")
    took = time.monotonic() - back_at
    report, ok = renditions_report(asset)
    log(f"   job: {report}")
    log(
        f"   recovery: the job started again {restarted:.1f} s and was ready {took:.1f} s after "
        f"{'the new worker was ready' if whole else 'the kill'}"
    )
    for line in seen.broken:
        log(f"   NOT OK: {line}")
    return ok and not seen.broken


# --- fault 3: PostgreSQL restarts during progress batches ---------------------------------------
def fault_postgres(services: Services, world: dict) -> bool:
    import requests

    log("\n3. PostgreSQL restarts while a player sends progress batches")
    seen = Seen()
    headers = {
        "Authorization": f"Bearer {world['student_token']}",
        "Content-Type": "application/json",
    }
    batches = [[_event(world, 100 + b * 50 + i) for i in range(50)] for b in range(60)]
    done = threading.Event()
    first_ok_after: list[float] = []
    restart = {}

    def player() -> None:
        session = requests.Session()
        for batch in batches:
            while True:
                got = call(session, seen, "POST", "/api/v1/lms/progress", headers=headers,
                           data=json.dumps({"events": batch}))  # fmt: skip
                if got is not None and got.status_code == 200:
                    if "back" in restart and not first_ok_after:
                        first_ok_after.append(time.monotonic())
                    break
                time.sleep(0.2)  # the player waits a moment and resends the same batch
            time.sleep(0.1)
        done.set()

    thread = threading.Thread(target=player)
    thread.start()
    time.sleep(2)
    restart["start"] = time.monotonic()
    services.pg_ctl("restart")
    restart["back"] = time.monotonic()
    thread.join(timeout=300)
    finished_at = time.monotonic()
    log(f"   restart took {restart['back'] - restart['start']:.1f} s")
    ok = progress_report(world, [e for batch in batches for e in batch])
    log(f"   client responses: {seen}")
    for line in seen.broken:
        log(f"   NOT OK: {line}")
    if first_ok_after:
        log(
            f"   recovery: first batch stored {first_ok_after[0] - restart['back']:.2f} s after "
            f"PostgreSQL was back; all batches stored {finished_at - restart['back']:.1f} s after"
        )
    return ok and not seen.broken and done.is_set()


def main() -> int:
    BASE.mkdir(parents=True, exist_ok=True)
    for sub in ("logs", "var"):
        (BASE / sub).mkdir(exist_ok=True)
    shutil.rmtree(BASE / "var", ignore_errors=True)
    (BASE / "var").mkdir()
    os.environ.update(ENV)
    log(f"Machine: {machine()}")
    log(
        f"Throwaway services: Redis 127.0.0.1:{REDIS_PORT} (broker db 0, cache db 1), "
        f"PostgreSQL 15 127.0.0.1:{PG_PORT}, gunicorn 2 workers on :{HTTP_PORT}, Celery worker "
        f"-c 2 on short,media + beat (sweeper every 5 s, heartbeat stale after {STALE_SECONDS} s)"
    )
    services = Services()
    results = {}
    try:
        services.start_redis()
        services.init_pg()
        services.pg_ctl("start")
        services.create_db()
        import django

        django.setup()
        world = prepare_world()
        clip = make_clip(BASE / f"clip-{CLIP_SECONDS:.0f}s.mp4")
        services.start_web()
        services.start_worker("faults")
        services.start_beat()
        results["redis"] = fault_redis(services, world, clip)
        results["pool process"] = fault_worker(services, world, clip, whole=False)
        results["whole worker"] = fault_worker(services, world, clip, whole=True)
        results["postgres"] = fault_postgres(services, world)
    finally:
        services.stop_all()
    log("\nSummary: " + ", ".join(f"{k} {'OK' if v else 'NOT OK'}" for k, v in results.items()))
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
