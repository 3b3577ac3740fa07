"""Reading stored files without a shared disk: from S3 (moto's in-process S3) a download asks the
bucket for the bytes it sends and no more, and a worker's copy of an original streams to its
own disk; a local disk gives the same bytes."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.http import Http404
from moto import mock_aws

from media_pipeline.serving import serve_stored_file
from media_pipeline.stored_files import stored_download, stored_range, stored_stat

DATA = bytes(range(256)) * 4096  # 1 MiB


@pytest.fixture
def s3_storage(settings):
    """The default storage is an S3 bucket (moto, in this process); `.sent` lists the requests
    about stored files sent to it: (method, Range header)."""
    with mock_aws():
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": "medios-prueba", "region_name": "us-east-1"},
            },
        }
        storage = storages["default"]
        client = storage.connection.meta.client
        client.create_bucket(Bucket="medios-prueba")
        sent: list[tuple[str, str | None]] = []

        def record(request, **kwargs):
            if "/media/" in request.url:
                value = request.headers.get("Range")
                sent.append((request.method, value.decode() if value else None))

        client.meta.events.register("before-send.s3", record)
        storage.sent = sent
        yield storage


@pytest.fixture
def disk_storage(tmp_path):
    return FileSystemStorage(location=str(tmp_path / "media"))


def _read_all(chunks) -> bytes:
    return b"".join(chunks)


def test_a_resumed_download_asks_the_bucket_for_the_missing_bytes_only(s3_storage, rf):
    name = s3_storage.save("media/renditions/1/clase-video_240p.mp4", ContentFile(DATA))
    s3_storage.sent.clear()
    request = rf.get("/", HTTP_RANGE="bytes=1000-2999")
    response = serve_stored_file(request, file=name, filename="clase.mp4", etag="abc")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-2999/{len(DATA)}"
    assert b"".join(response.streaming_content) == DATA[1000:3000]
    # one lookup (size, date) and one ranged read: never the whole object
    assert s3_storage.sent == [("HEAD", None), ("GET", "bytes=1000-2999")]

    whole = serve_stored_file(rf.get("/"), file=name, filename="clase.mp4", etag="abc")
    assert whole["Content-Length"] == str(len(DATA))
    assert b"".join(whole.streaming_content) == DATA


def test_a_worker_copies_an_s3_original_to_its_own_disk(s3_storage, tmp_path):
    name = s3_storage.save("media/originals/clase.mp4", ContentFile(DATA))
    target = tmp_path / "trabajo" / "original.mp4"
    target.parent.mkdir()
    stored_download(s3_storage, name, str(target))
    assert target.read_bytes() == DATA


def test_a_missing_s3_object_is_a_404(s3_storage, rf):
    with pytest.raises(FileNotFoundError):
        stored_stat(s3_storage, "media/renditions/9/no-existe.mp4")
    with pytest.raises(Http404):
        serve_stored_file(rf.get("/"), file="media/renditions/9/no-existe.mp4", filename="x.mp4")


def test_the_local_disk_gives_the_same_bytes(disk_storage, tmp_path):
    name = disk_storage.save("media/renditions/1/clase-audio.m4a", ContentFile(DATA))
    stat = stored_stat(disk_storage, name)
    assert (stat.size, stat.remote) == (len(DATA), None)
    assert _read_all(stored_range(disk_storage, name, 5, 10)) == DATA[5:15]
    assert _read_all(stored_range(disk_storage, name, 0, 0)) == b""
    target = tmp_path / "copia.m4a"
    stored_download(disk_storage, name, str(target))
    assert target.read_bytes() == DATA
