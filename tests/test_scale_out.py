"""Scale-out rehearsal: the deployment of README's "Despliegue con dos workers y almacenamiento
S3", run on one machine with no shared disk.

An S3-compatible server (moto in server mode, its own process), two real worker processes, one
on the `short` queue and one on the `media` queue, and the web process (the live server). Each
of the three has a MEDIA_ROOT, a scratch folder and a temporary folder of its own; the only
place they share files is the bucket. A clip uploaded in chunks to the web process is probed by
the short worker and transcoded by the media worker, which also zips it for the lesson that uses
it; the rendition comes back through the site's download URL, streamed from the bucket or by a
redirect to a signed URL, and the zip through the student's lesson download.

The workers get a broker of their own (another folder, or a Redis key prefix), so the suite's
shared worker, listening on both queues, cannot take their jobs."""

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from django.test import Client

from core.accounts import token_create
from lms.models import LessonBundle
from lms.tests.factories import course_create, lesson_create, student_create, unit_create
from media_pipeline import ffmpeg
from media_pipeline.models import MediaAsset
from tests.fixtures import LIVE_DB, ROOT, _database_url_for_worker, wait_for

pytestmark = [LIVE_DB, pytest.mark.worker]

REGION = "us-east-1"
KEY_ID = "scale-out-test"
SECRET = "scale-out-test-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: object

    @property
    def env(self) -> dict[str, str]:
        """The variables a process of the deployment gets (see README)."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
        }

    def object_keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """moto's S3 server in a process of its own, on a free loopback port."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("s3") / "moto.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: _answers(endpoint) or proc.poll() is not None,
            timeout=60,
            message="El servidor S3 de prueba no respondió en 60 s",
        )
        if proc.poll() is not None:
            raise RuntimeError(f"El servidor S3 de prueba terminó:\n{log_path.read_text()}")
        yield endpoint
    finally:
        _stop(proc)


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return False
    return True


@pytest.fixture
def bucket(s3_server) -> Bucket:
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    name = f"pasoapaso-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(name=name, endpoint=s3_server, client=client)


def _settings_under(env: dict[str, str]) -> dict:
    """The settings a process of the deployment computes from `env` (read in a process of its
    own: settings are made once, at start-up)."""
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'storage': s.STORAGES['default'], "
        "'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']}, default=str))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def web_on_s3(settings, bucket, tmp_path):
    """This process (the live server's) stores media where the deployment's settings say, with
    folders of its own."""
    deployment = _settings_under(bucket.env)
    home = tmp_path / "web"
    settings.MEDIA_ROOT = home / "media"
    settings.MEDIA_WORK_DIR = home / "work"
    settings.STORAGES = {**settings.STORAGES, "default": deployment["storage"]}
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": deployment["csp"],
    }
    return home


@contextlib.contextmanager
def private_broker(tmp_path: Path):
    """Points this process's Celery app at a broker no other worker reads, and yields the
    transport options the workers need to read it."""
    from config.celery import app

    saved = app.conf.broker_transport_options
    if app.conf.broker_url.startswith("filesystem://"):
        folder = tmp_path / "broker"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True)
        extra = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
        }
    else:
        extra = {"global_keyprefix": f"scale-out-{uuid.uuid4().hex[:8]}:"}

    def use(options) -> None:
        app.conf.broker_transport_options = options
        # connections and producers are pooled per broker address and options: forget them
        app._pool = None
        app.amqp._producer_pool = None

    use({**(saved or {}), **extra})
    try:
        yield extra
    finally:
        use(saved)
        if "global_keyprefix" in extra:
            import redis

            server = redis.Redis.from_url(app.conf.broker_url)
            for key in server.scan_iter(match=f"{extra['global_keyprefix']}*"):
                server.delete(key)


@dataclass
class Worker:
    queue: str
    home: Path
    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()

    def tasks_that_succeeded(self) -> list[str]:
        """Task names from the worker's own log lines "Task NAME[id] succeeded in ..."."""
        return [
            line.split("Task ", 1)[1].split("[", 1)[0]
            for line in self.log().splitlines()
            if "Task " in line and "] succeeded in " in line
        ]


def _start_worker(queue: str, home: Path, env: dict[str, str]) -> Worker:
    for sub in ("media", "work", "tmp", "var"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    log_path = home / "worker.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "tests.celery_worker",
                "worker",
                "-Q",
                queue,
                "-c",
                "1",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "-n",
                f"scale-{queue}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env={
                **env,
                "PASOAPASO_VAR_DIR": str(home / "var"),
                "MEDIA_ROOT": str(home / "media"),
                "MEDIA_WORK_DIR": str(home / "work"),
                "TMPDIR": str(home / "tmp"),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(queue=queue, home=home, proc=proc, log_path=log_path)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def workers(web_on_s3, bucket, tmp_path, django_db_blocker):
    """queue name -> a worker process on that queue alone, stored media in the bucket."""
    with django_db_blocker.unblock():
        database_url = _database_url_for_worker()
    with private_broker(tmp_path) as broker_options:
        env = {
            **os.environ,
            **bucket.env,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            "TEST_BROKER_TRANSPORT_OPTIONS": json.dumps(broker_options),
        }
        started = {
            queue: _start_worker(queue, tmp_path / f"{queue}-worker", env)
            for queue in ("short", "media")
        }
        try:
            for worker in started.values():
                deadline = time.monotonic() + 60
                while " ready." not in worker.log():
                    if worker.proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"El worker de la cola {worker.queue} no quedó listo:\n"
                            f"{worker.log()[-3000:]}"
                        )
                    time.sleep(0.2)
            yield started
        finally:
            for worker in started.values():
                _stop(worker.proc)


def _files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def test_a_clip_uploaded_to_the_web_is_transcoded_by_the_media_worker_and_served_from_s3(
    live_server, workers, bucket, web_on_s3, make_user, settings, tmp_path
):
    clip = ffmpeg.make_synthetic_clip(tmp_path / "clase-1.mp4", seconds=2, width=480, height=360)
    data = clip.read_bytes()
    settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES = len(data) // 2 + 1  # two chunks, two stored parts
    raw_token, _ = token_create(user=make_user("presenter"))
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {raw_token}"
    api = f"{live_server.url}/api/v1/media"

    # the web process takes the upload in chunks; each chunk is an object in the bucket
    started = http.post(
        f"{api}/assets", json={"title": "Clase 1", "filename": "clase-1.mp4", "size": len(data)}
    )
    assert started.status_code == 201, started.text
    upload_url = live_server.url + started.json()["upload_url"]
    half = settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES
    first = http.patch(
        upload_url, data=data[:half], headers={"Content-Range": f"bytes 0-{half - 1}/{len(data)}"}
    )
    assert first.status_code == 200, first.text
    assert [k for k in bucket.object_keys() if k.startswith("media/uploads/")], "sin fragmento"
    last = http.patch(
        upload_url,
        data=data[half:],
        headers={"Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"},
    )
    assert last.status_code == 201, last.text
    asset_id = last.json()["asset"]["id"]
    # a lesson uses the clip: once it is ready, its "download everything" zip is built too
    course = course_create()
    lesson = lesson_create(
        unit=unit_create(course=course), episode=1, assets=[MediaAsset.objects.get(pk=asset_id)]
    )
    student = student_create(dni="41234567", course=course)

    def finished():
        body = http.get(f"{api}/assets/{asset_id}").json()
        return body if body["status"] in ("ready", "failed") else None

    body = wait_for(finished, timeout=180, message="Los workers no terminaron el material")
    assert body["status"] == "ready", (
        body["error_message"],
        workers["short"].log()[-2000:],
        workers["media"].log()[-2000:],
    )

    bundle = wait_for(
        lambda: LessonBundle.objects.filter(
            lesson=lesson, profile="video_240p", status=LessonBundle.Status.READY
        ).first(),
        timeout=120,
        message="El paquete de la lección no se armó",
    )

    # probing ran on the short queue's worker; the transcode and the lesson's zip on the media
    # queue's worker
    short_tasks, media_tasks = (workers[q].tasks_that_succeeded() for q in ("short", "media"))
    assert "media_pipeline.probe" in short_tasks
    assert not {"media_pipeline.transcode", "lms.build_lesson_bundles"} & set(short_tasks)
    assert set(media_tasks) == {"media_pipeline.transcode", "lms.build_lesson_bundles"}
    assert media_tasks.count("media_pipeline.transcode") == 1

    # every file is an object in the bucket: the original and each rendition, no upload parts
    asset = MediaAsset.objects.get(pk=asset_id)
    renditions = {r.profile: r for r in asset.renditions.all()}
    assert {"video_240p", "audio", "poster"} <= set(renditions)
    keys = set(bucket.object_keys())
    assert asset.original.name in keys
    assert bucket.read(asset.original.name) == data
    assert {r.file.name for r in renditions.values()} <= keys
    assert bundle.file.name in keys
    assert not [k for k in keys if k.startswith("media/uploads/")]
    # ... and nothing on any process's disk
    homes = [web_on_s3, *(w.home for w in workers.values())]
    assert _files_under(*(h / sub for h in homes for sub in ("media", "work"))) == []

    # the site's download URL streams the rendition from the bucket, ranges included
    rendition = renditions["video_240p"]
    stored = bucket.read(rendition.file.name)
    assert len(stored) == rendition.size_bytes
    download_url = live_server.url + next(
        r["download_url"] for r in body["renditions"] if r["profile"] == "video_240p"
    )
    whole = http.get(download_url)
    assert whole.status_code == 200
    assert whole.content == stored
    assert whole.headers["Content-Length"] == str(len(stored))
    resumed = http.get(download_url, headers={"Range": "bytes=1000-"})
    assert resumed.status_code == 206
    assert resumed.headers["Content-Range"] == f"bytes 1000-{len(stored) - 1}/{len(stored)}"
    assert resumed.content == stored[1000:]

    # a student downloads the lesson's zip, built by the media worker from the bucket's copies
    student_http = requests.Session()
    browser = Client()
    browser.force_login(student.user)
    student_http.cookies.set(
        settings.SESSION_COOKIE_NAME, browser.cookies[settings.SESSION_COOKIE_NAME].value
    )
    zipped = student_http.get(
        f"{live_server.url}/mis-lecciones/{lesson.pk}/todo/video_240p/", allow_redirects=False
    )
    assert zipped.status_code == 200
    assert zipped.content == bucket.read(bundle.file.name)
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert stored in members.values()
    assert "manifest.json" in members

    # with MEDIA_SERVE_MODE=signed-url the same URL sends the client to the bucket instead,
    # with a signed URL; the bucket answers ranges itself
    settings.MEDIA_SERVE_MODE = "signed-url"
    redirect = http.get(download_url, allow_redirects=False)
    assert redirect.status_code == 302
    signed = redirect.headers["Location"]
    assert signed.startswith(f"{bucket.endpoint}/{bucket.name}/{rendition.file.name}?")
    from_bucket = requests.get(signed, timeout=30)
    assert from_bucket.status_code == 200
    assert from_bucket.content == stored
    assert "attachment" in from_bucket.headers["Content-Disposition"]
    tail = requests.get(signed, headers={"Range": "bytes=-500"}, timeout=30)
    assert tail.status_code == 206
    assert tail.content == stored[-500:]

    # the site's pages let the browser load images and media from the bucket, and only those
    header = requests.get(f"{live_server.url}/cuenta/ingresar/", timeout=30).headers
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in header["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert bucket.endpoint in policy["img-src"]
    assert bucket.endpoint in policy["media-src"]
    assert bucket.endpoint not in policy["script-src"]
