"""Procedure bridge benchmark, in one run, against PostgreSQL through gunicorn:

- submissions per second through POST /api/v1/tramites/submissions (multipart, each with a
  100 KB PDF and its own Idempotency-Key),
- tracking lookups per second through GET /api/v1/tramites/track/{code}?dni= (p95 printed),
- the baseline: a bare Django view returning a constant JSON through the same gunicorn.
Targets: lookups >= 0.4x the bare view's rate, submissions >= 0.15x it.

During each scenario it reads the machine's CPU per request from /proc, split into the gunicorn
workers, PostgreSQL, Redis and the rest. Then, in this process and without gunicorn, the CPU
time of one request of each kind through Django's test client (the whole middleware stack, the
same database and cache): a figure that does not depend on what else the machine is running,
unlike the rates above.

    .venv/bin/python bench/tramites.py

A run started less than six minutes after the previous one ended waits before it measures (see
QUIET_AFTER_DELETE).

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/pap_bench_tramites, created
if missing), CACHE_URL (default redis://127.0.0.1:6379/13 when Redis answers, else the
database cache), BENCH_SECONDS per scenario (default 10), BENCH_CLIENTS concurrent client processes
(default 4), BENCH_WORKERS gunicorn sync workers (default cores + 1).
"""

import http.client
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from _common import (  # noqa: E402
    log,
    machine,
    machine_cpu_seconds,
    process_cpu_seconds,
    redis_reachable,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = Path("/tmp/pasoapaso-bench-tramites")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 1) + 1)))
DB_NAME = "pap_bench_tramites"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
# This machine's disk is ext4 without a journal: to place a new file it checks each free inode
# of the group and skips those freed in the last 60 s, or 360 s while their inode table block
# is not yet written back (and a server creating files in the same group keeps it dirty).
# Right after deleting a run's ~3 000 attachments, creating one file cost ~1 ms of kernel CPU
# instead of ~0.03 ms: a tenth of a submission, nothing to do with the code measured (a server
# does not delete thousands of files before its peak). So a run deletes its files when it ends,
# and a run started within QUIET_AFTER_DELETE seconds of a deletion waits before it measures.
DELETED_MARK = BENCH_DIR.with_name(BENCH_DIR.name + ".deleted")
QUIET_AFTER_DELETE = 360.0


def remove_files() -> None:
    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR, ignore_errors=True)
        DELETED_MARK.write_text(str(time.time()))


def wait_after_delete() -> None:
    try:
        deleted = float(DELETED_MARK.read_text())
    except (OSError, ValueError):
        return
    wait = deleted + QUIET_AFTER_DELETE - time.time()
    if wait > 0:
        log(
            f"Files deleted {QUIET_AFTER_DELETE - wait:.0f} s ago: waiting {wait:.0f} s before "
            "measuring, so that new files do not pay for those just deleted"
        )
        time.sleep(wait)


remove_files()  # what a run that did not end left behind
BENCH_DIR.mkdir(parents=True)
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "PASOAPASO_VAR_DIR": str(BENCH_DIR / "var"),
    "MEDIA_ROOT": str(BENCH_DIR / "media"),
    # connections kept through the whole run (the CPU split counts their backends)
    "DB_CONN_MAX_AGE": "600",
    # the benchmark is one client address: raise the per-client limits out of the way
    "THROTTLE_TRAMITES_SUBMIT_LIMIT": "100000000",
    "THROTTLE_TRAMITES_TRACK_LIMIT": "100000000",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LOG_LEVEL": "WARNING",
}


# The shared cache holds the throttling counters that every lookup and submission reads: as in
# production, Redis when it is there (CACHE_URL wins), else the database cache.
if "CACHE_URL" not in os.environ and redis_reachable():
    SERVER_ENV["CACHE_URL"] = "redis://127.0.0.1:6379/13"
os.environ.update(SERVER_ENV)

PDF_100K = b"%PDF-1.4\n" + b"0" * (100 * 1024 - 16) + b"\n%%EOF\n"


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


def prepare() -> list[tuple[str, str]]:
    """Migrates, creates the catalogue and 300 submissions: the (code, dni) pairs to look up."""
    import django

    django.setup()
    from django.core.management import call_command

    from tramites_bridge.models import Office, Procedure, ProcedureField
    from tramites_bridge.services import submission_create

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    office = Office.objects.create(name="Subgerencia de Licencias y Autorizaciones")
    procedure = Procedure.objects.create(
        tupa_code="LF-01", name="Licencia de funcionamiento", office=office, deadline_days=4
    )
    K = ProcedureField.Kind
    for order, (name, kind) in enumerate(
        [("ruc", K.RUC), ("razon_social", K.TEXT), ("declaracion", K.FILE)]
    ):
        ProcedureField.objects.create(
            procedure=procedure, sort_order=order, name=name, label=name, kind=kind
        )
    pairs = []
    for n in range(300):
        dni = f"4{n:07d}"
        submission, _ = submission_create(
            procedure=procedure,
            idempotency_key=f"bench:{n}",
            dni=dni,
            first_names="Ciudadano",
            last_names="De Prueba",
            data={"ruc": "20123456786", "razon_social": "Bodega"},
            channel="api",
        )
        pairs.append((submission.code, dni))
    from django.db import connections

    connections.close_all()
    return pairs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def client_loop(args) -> tuple[list[float], int]:
    """One client: requests back to back for SECONDS. Returns (latencies, errors)."""
    kind, port, pairs, seconds, offset = args
    latencies, errors, n = [], 0, offset
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if kind == "bare":
            method, url, body = "GET", "/bench/bare", None
            expected = 200
        elif kind == "track":
            code, dni = pairs[n % len(pairs)]
            method, url, body = "GET", f"/api/v1/tramites/track/{code}?dni={dni}", None
            expected = 200
        else:
            body, ctype = multipart(
                {
                    "procedure": "LF-01",
                    "dni": "41234567",
                    "nombres": "María",
                    "apellidos": "Quispe",
                    "consentimiento": "true",
                    "ruc": "20123456786",
                    "razon_social": "Bodega Santa Apolonia",
                },
                {"declaracion": ("declaracion.pdf", PDF_100K)},
            )
            headers.update({"Content-Type": ctype, "Idempotency-Key": str(uuid.uuid4())})
            method, url, expected = "POST", "/api/v1/tramites/submissions", 201
        started = time.perf_counter()
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != expected:
            errors += 1
        conn.close()
        n += 1
    return latencies, errors


def cpu_split(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: the machine's, the gunicorn workers', PostgreSQL's and Redis's. The
    PostgreSQL backends stay up through a run (the workers keep their connections)."""
    return {
        "machine": machine_cpu_seconds(),
        "gunicorn": process_cpu_seconds(parents={server_pid}),
        "postgres": process_cpu_seconds(names={"postgres"}),
        "redis": process_cpu_seconds(names={"redis-server"}),
    }


def run(kind: str, port: int, pairs: list, server_pid: int) -> dict:
    before = cpu_split(server_pid)
    with mp.get_context("fork").Pool(CLIENTS) as pool:
        results = pool.map(
            client_loop, [(kind, port, pairs, SECONDS, i * 1000) for i in range(CLIENTS)]
        )
    after = cpu_split(server_pid)
    latencies = sorted(lat for lats, _ in results for lat in lats)
    errors = sum(e for _, e in results)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    # CPU milliseconds per request, whole machine and by part (the rest: the client processes,
    # the kernel's network and disk work)
    cpu = {part: (after[part] - before[part]) * 1000 / len(latencies) for part in before}
    cpu["rest"] = cpu["machine"] - cpu["gunicorn"] - cpu["postgres"] - cpu["redis"]
    return {
        "count": len(latencies),
        "rate": len(latencies) / SECONDS,
        "p50": statistics.median(latencies) * 1000,
        "p95": p95 * 1000,
        "errors": errors,
        "cpu": cpu,
    }


def cpu_per_request(pairs: list, rounds: int = 5, count: int = 200) -> dict:
    """Best of `rounds` of `count` requests: CPU milliseconds of this process per request."""
    import tramites_server  # noqa: F401 - the bare view's urlconf, as under gunicorn
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client(REMOTE_ADDR="127.0.0.1")

    def bare(n):
        return client.get("/bench/bare").status_code == 200

    def track(n):
        code, dni = pairs[n % len(pairs)]
        return client.get(f"/api/v1/tramites/track/{code}", {"dni": dni}).status_code == 200

    def submit(n):
        data = {
            "procedure": "LF-01",
            "dni": "41234567",
            "nombres": "María",
            "apellidos": "Quispe",
            "consentimiento": "true",
            "ruc": "20123456786",
            "razon_social": "Bodega Santa Apolonia",
            "declaracion": SimpleUploadedFile("declaracion.pdf", PDF_100K, "application/pdf"),
        }
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        response = client.post("/api/v1/tramites/submissions", data, headers=headers)
        return response.status_code == 201

    kinds = {"bare": bare, "track": track, "submit": submit}
    best = dict.fromkeys(kinds, float("inf"))
    for kind, call in kinds.items():  # warm: imports, connections, caches
        assert all(call(n) for n in range(20)), kind
    for _ in range(rounds):
        for kind, call in kinds.items():
            started = time.process_time()
            for n in range(count):
                call(n)
            best[kind] = min(best[kind], (time.process_time() - started) / count * 1000)
    return best


def main() -> int:
    log(f"Machine: {machine()}")
    log(f"Cache: {os.environ.get('CACHE_URL', 'db://pasoapaso_cache')}")
    log(
        f"Database: {os.environ['DATABASE_URL'].split('@')[-1]}; gunicorn {WORKERS} sync workers; "
        f"{CLIENTS} client processes; {SECONDS:.0f} s per scenario"
    )
    ensure_database()
    pairs = prepare()
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--pythonpath",
            str(ROOT / "bench"),
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "tramites_server:application",
        ],
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/bench/bare", headers={"Host": "127.0.0.1"})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        # warm every worker (imports, DB connections)
        client_loop(("bare", port, pairs, 1.0, 0))
        client_loop(("track", port, pairs, 1.0, 0))
        wait_after_delete()  # before the baseline too: the three scenarios run back to back
        results = {kind: run(kind, port, pairs, server.pid) for kind in ("bare", "track", "submit")}
    finally:
        server.terminate()
        server.wait(timeout=30)
    bare = results["bare"]["rate"]
    log("")
    log("| scenario | requests/s | ratio vs bare | p50 ms | p95 ms | errors | target |")
    log("|---|---|---|---|---|---|---|")
    targets = {"bare": None, "track": 0.4, "submit": 0.15}
    names = {
        "bare": "bare Django view (constant JSON)",
        "track": "tracking lookup (GET track/{code}?dni=)",
        "submit": "submission with a 100 KB PDF (POST submissions)",
    }
    ok = True
    for kind, r in results.items():
        ratio = r["rate"] / bare if bare else 0
        target = targets[kind]
        verdict = (
            "—" if target is None else (f"≥ {target}× " + ("OK" if ratio >= target else "MISSED"))
        )
        ok = ok and (target is None or ratio >= target) and r["errors"] == 0
        log(
            f"| {names[kind]} | {r['rate']:.0f} | {ratio:.2f}× | {r['p50']:.1f} | {r['p95']:.1f} "
            f"| {r['errors']} | {verdict} |"
        )
    log("")
    log("CPU per request during each scenario, from /proc (ms; the ratio of the machine's")
    log("figures is what bounds the rate ratio when the cores are saturated):")
    log("| scenario | machine | × bare | gunicorn | PostgreSQL | Redis | rest |")
    log("|---|---|---|---|---|---|---|")
    bare_cpu = results["bare"]["cpu"]["machine"] or float("nan")
    for kind, r in results.items():
        c = r["cpu"]
        log(
            f"| {names[kind]} | {c['machine']:.2f} | {c['machine'] / bare_cpu:.1f}× "
            f"| {c['gunicorn']:.2f} | {c['postgres']:.2f} | {c['redis']:.2f} | {c['rest']:.2f} |"
        )
    cpu = cpu_per_request(pairs)
    log("")
    log("CPU per request in this process (django.test.Client, best of 5 × 200; no gunicorn):")
    log("| scenario | CPU ms | × bare |")
    log("|---|---|---|")
    for kind, ms in cpu.items():
        log(f"| {names[kind]} | {ms:.2f} | {ms / cpu['bare']:.1f}× |")
    remove_files()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
