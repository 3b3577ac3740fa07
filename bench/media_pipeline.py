"""Media pipeline benchmark, all in one run on the same synthetic recording:

(a) our pipeline end to end: upload service -> real Celery worker -> probe -> one-pass ladder
    -> renditions checked and stored -> ready,
(b) the bare single-pass ffmpeg command for the same ladder (what (a) runs, without us), run
    before and after the others; the mean is used,
(c) one ffmpeg run per rendition (how MediaCMS/PeerTube-style pipelines work).

Prints a/b (our overhead; target <= 1.10), b/c (what one decode saves; target <= 0.75) and each
rendition's MB per hour against its budget.

    .venv/bin/python bench/media_pipeline.py            # 10-minute 1080p30 clip at ~8 Mbps
    BENCH_SECONDS=120 .venv/bin/python bench/media_pipeline.py   # a shorter run

Environment: BENCH_SECONDS (default 600), BENCH_DIR (default /tmp/pasoapaso-bench-media),
DATABASE_URL (default: a SQLite file in BENCH_DIR; PostgreSQL works too).
"""

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/pasoapaso-bench-media"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "600"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("PASOAPASO_VAR_DIR", str(BENCH_DIR / "var"))
os.environ.setdefault("MEDIA_ROOT", str(BENCH_DIR / "var" / "media"))
os.environ["DJANGO_DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402

from media_pipeline import ffmpeg, services  # noqa: E402
from media_pipeline.models import MediaAsset  # noqa: E402
from media_pipeline.profiles import PROFILES  # noqa: E402

# A station's recording: a busy 1080p30 picture (moving test card plus grain, so the encoder
# has real work) at about 8 Mbps, with a tone for audio.
SOURCE_GRAPH = "testsrc2=size=1920x1080:rate=30,noise=alls=6:allf=t"


def log(message: str) -> None:
    print(message, flush=True)


def make_source(path: Path) -> Path:
    if path.exists():
        info = ffmpeg.probe(path)
        if abs((info.duration or 0) - SECONDS) < 1:
            log(f"source: reusing {path}")
            return path
    log(f"source: generating {SECONDS:.0f} s of 1080p30 at ~8 Mbps (once; reused later)...")
    started = time.monotonic()
    ffmpeg.make_synthetic_clip(
        path,
        seconds=SECONDS,
        width=1920,
        height=1080,
        fps=30,
        source=SOURCE_GRAPH,
        video_bitrate="8M",
        preset="ultrafast",
    )
    log(f"source: done in {time.monotonic() - started:.0f} s")
    return path


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one command. On a shared machine the wall time follows
    the load of others; the CPU time is what the work costs."""
    started, cpu = time.monotonic(), children_cpu()
    subprocess.run(args, check=True)  # noqa: S603
    return time.monotonic() - started, children_cpu() - cpu


def stop_worker(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, 15)
    proc.wait(timeout=60)


def idle_worker_cpu() -> float:
    """What starting and stopping an idle worker costs, subtracted from (a)'s CPU time."""
    cpu = children_cpu()
    stop_worker(start_worker())
    return children_cpu() - cpu


def start_worker() -> subprocess.Popen:
    log_path = BENCH_DIR / "worker.log"
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
            "1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "-n",
            f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=open(log_path, "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    time.sleep(6)  # the worker imports Django and connects to the broker
    if proc.poll() is not None:
        raise SystemExit(f"the worker did not start: see {log_path}")
    return proc


def main() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    source = make_source(BENCH_DIR / f"station-1080p30-{SECONDS:.0f}s.mp4")
    info = ffmpeg.probe(source)
    plan = ffmpeg.plan_ladder(info)
    log(
        f"source: {info.width}x{info.height} {info.frame_rate:.0f} fps, {info.duration:.0f} s, "
        f"{(info.bitrate or 0) / 1e6:.1f} Mbps; ladder: {', '.join(plan.profiles)}"
    )
    out_dir = BENCH_DIR / "outputs"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    preset = os.environ.get("MEDIA_X264_PRESET", "veryfast")

    # (b) the bare single-pass command
    outputs = {
        o.profile.key: str(out_dir / f"b-{o.profile.key}.{o.profile.extension}")
        for o in plan.outputs
    }
    single = ffmpeg.ladder_command(source, plan, outputs, preset=preset, progress=False)
    log("(b) single-pass ffmpeg...")
    b_runs = [timed(single)]
    log(f"(b) {b_runs[0][0]:.1f} s wall, {b_runs[0][1]:.1f} s CPU")

    # (a) our pipeline through a real worker
    MediaAsset.objects.all().delete()
    idle_cpu = idle_worker_cpu()
    worker_cpu_before, own_cpu_before = children_cpu(), self_cpu()
    worker = start_worker()
    try:
        log("(a) our pipeline through a real worker...")
        started = time.monotonic()
        with open(source, "rb") as handle:
            asset = services.asset_create_from_upload(
                file=File(handle, name=source.name), title="Benchmark", uploaded_by=None
            )
        # asset_create_from_upload queued the job on commit (autocommit here)
        last_progress = -1
        while True:
            asset.refresh_from_db()
            if asset.status in (MediaAsset.Status.READY, MediaAsset.Status.FAILED):
                break
            if asset.progress != last_progress:
                last_progress = asset.progress
                log(f"    {asset.get_status_display()}: {asset.progress} % eta {asset.eta_seconds}")
            time.sleep(0.5)
        a = time.monotonic() - started
        own_cpu = self_cpu() - own_cpu_before  # hashing and storing the upload, polling
    finally:
        stop_worker(worker)
    a_cpu = children_cpu() - worker_cpu_before - idle_cpu + own_cpu
    if asset.status == MediaAsset.Status.FAILED:
        raise SystemExit(f"(a) failed: {asset.error_message}\n{asset.error_detail}")
    log(f"(a) {a:.1f} s wall, {a_cpu:.1f} s CPU (idle worker's {idle_cpu:.1f} s subtracted)")

    # (c) one ffmpeg per rendition
    c_parts = {}
    for out in plan.outputs:
        key = out.profile.key
        dest = {key: str(out_dir / f"c-{key}.{out.profile.extension}")}
        args = ffmpeg.ladder_command(source, plan, dest, preset=preset, only=key, progress=False)
        log(f"(c) {key}...")
        c_parts[key] = timed(args)
    c = sum(wall for wall, _ in c_parts.values())
    c_cpu = sum(cpu for _, cpu in c_parts.values())
    log(f"(c) {c:.1f} s wall, {c_cpu:.1f} s CPU")

    # (b) again: the machine's load drifts during a long run; (b) is the mean of both runs
    log("(b) single-pass ffmpeg, second run...")
    b_runs.append(timed(single))
    log(f"(b) {b_runs[1][0]:.1f} s wall, {b_runs[1][1]:.1f} s CPU")
    b = sum(wall for wall, _ in b_runs) / 2
    b_cpu = sum(cpu for _, cpu in b_runs) / 2

    rows = []
    for rendition in asset.renditions.all():
        profile = PROFILES[rendition.profile]
        mbh = (
            profile.mb_per_hour(rendition.size_bytes, rendition.duration_seconds)
            if profile.budget_mb_per_hour
            else None
        )
        rows.append(
            {
                "profile": rendition.profile,
                "size_mb": round(rendition.size_bytes / 1e6, 2),
                "mb_per_hour": round(mbh, 1) if mbh else None,
                "budget": profile.budget_mb_per_hour,
                "within": (mbh <= profile.budget_mb_per_hour) if mbh else None,
                "size": f"{rendition.width}x{rendition.height}" if rendition.width else "",
            }
        )
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in subprocess.run(
                ["lscpu"], capture_output=True, text=True
            ).stdout.splitlines()
            if line.startswith("Model name")
        )
    except (StopIteration, OSError):
        cpu = platform.processor()
    result = {
        "seconds": SECONDS,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "preset": preset,
        "ffmpeg": ffmpeg.ffmpeg_binaries().ffmpeg,
        "wall_s": {"a": round(a, 1), "b": round(b, 1), "c": round(c, 1)},
        "cpu_s": {"a": round(a_cpu, 1), "b": round(b_cpu, 1), "c": round(c_cpu, 1)},
        "b_runs": [[round(w, 1), round(u, 1)] for w, u in b_runs],
        "c_parts": {k: [round(w, 1), round(u, 1)] for k, (w, u) in c_parts.items()},
        "wall_ratios": {"a/b": round(a / b, 3), "b/c": round(b / c, 3)},
        "cpu_ratios": {"a/b": round(a_cpu / b_cpu, 3), "b/c": round(b_cpu / c_cpu, 3)},
        "load_average_at_end": os.getloadavg(),
        "renditions": rows,
    }
    (BENCH_DIR / "result.json").write_text(json.dumps(result, indent=2))
    log("")
    log(f"machine: {cpu}, {os.cpu_count()} cores; preset {preset}; clip {SECONDS:.0f} s 1080p30")
    log(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    log("                          wall s     CPU s")
    log(f"(a) pipeline via worker  {a:8.1f}  {a_cpu:8.1f}")
    log(f"(b) single-pass ffmpeg   {b:8.1f}  {b_cpu:8.1f}   (mean of two runs)")
    log(f"(c) one ffmpeg each      {c:8.1f}  {c_cpu:8.1f}")
    log(f"a/b = {a / b:.3f} wall, {a_cpu / b_cpu:.3f} CPU  (target <= 1.10)")
    log(f"b/c = {b / c:.3f} wall, {b_cpu / c_cpu:.3f} CPU  (target <= 0.75)")
    for row in rows:
        if row["budget"]:
            verdict = "OK" if row["within"] else "OVER"
            log(
                f"  {row['profile']:<11} {row['size']:>9} {row['size_mb']:8.2f} MB  "
                f"{row['mb_per_hour']:6.1f} MB/h of {row['budget']:.0f}  {verdict}"
            )
        else:
            log(f"  {row['profile']:<11} {row['size']:>9} {row['size_mb']:8.2f} MB")


if __name__ == "__main__":
    main()
