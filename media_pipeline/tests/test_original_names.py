"""An uploaded original is stored under a generated name with the extension of the type its first
bytes show (a PDF named `ficha.html` is a `.pdf` in the storage, an M4A named `voz.exe` an
`.m4a`); the uploader's name is kept only as data (`original_filename`), for the download's
name, which Django's Content-Disposition carries."""

from email.message import Message
from pathlib import PurePosixPath

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media_pipeline.models import MediaAsset
from media_pipeline.tests.conftest import minimal_pdf

pytestmark = pytest.mark.django_db
UPLOAD = "/api/v1/media/assets"


def _upload(client, name: str, data: bytes, **fields) -> MediaAsset:
    upload = SimpleUploadedFile(name, data, "application/octet-stream")
    response = client.post(UPLOAD, {"title": "Material de prueba", "file": upload, **fields})
    assert response.status_code == 201, response.json()
    return MediaAsset.objects.get(pk=response.json()["id"])


def _stored(asset: MediaAsset) -> PurePosixPath:
    return PurePosixPath(asset.original.name)


@pytest.mark.parametrize(
    ("clip", "name", "suffix"),
    [
        ("pdf", "ficha.html", ".pdf"),
        ("audio", "voz.exe", ".m4a"),
        ("video_small", "charla.svg", ".mp4"),
        ("text", "notas.mp4", ".bin"),
    ],
)
def test_an_original_is_stored_with_the_extension_of_its_content(
    api_client_for, clips, clip, name, suffix
):
    data = clips[clip].read_bytes()
    asset = _upload(api_client_for("presenter"), name, data)
    stored = _stored(asset)
    assert stored.suffix == suffix
    assert stored.parts[:2] == ("media", "originals")
    assert PurePosixPath(name).stem not in stored.name
    assert asset.original_filename == name
    assert asset.original.read() == data


def test_an_original_sent_in_chunks_is_stored_the_same_way(api_client_for):
    data = minimal_pdf("Ficha por partes")
    client = api_client_for("presenter")
    started = client.post(
        UPLOAD,
        {"title": "Ficha", "filename": "ficha.html", "size": len(data), "kind": "document"},
        content_type="application/json",
    )
    assert started.status_code == 201, started.json()
    done = client.patch(
        started.json()["upload_url"],
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 0-{len(data) - 1}/{len(data)}",
    )
    assert done.status_code == 201, done.json()
    asset = MediaAsset.objects.get(pk=done.json()["asset"]["id"])
    assert _stored(asset).suffix == ".pdf"
    assert asset.original_filename == "ficha.html"


def test_the_original_downloads_under_the_uploaders_name(api_client_for):
    data = minimal_pdf("Ficha con nombre")
    client = api_client_for("presenter")
    asset = _upload(client, "Ficha Ñandú año.pdf", data, title="Ficha del ñandú")
    response = client.get(f"/medios/descargar/{asset.pk}/original/")
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert header.isascii() and header.startswith("attachment")
    message = Message()
    message["Content-Disposition"] = header
    assert message.get_filename() == "ficha-del-nandu.pdf"
    assert b"".join(response.streaming_content) == data


def test_the_original_is_served_as_the_type_of_its_content_not_of_its_name(api_client_for):
    data = minimal_pdf("Ficha disfrazada")
    client = api_client_for("presenter")
    asset = _upload(client, "ficha.html", data, title="Ficha")
    response = client.get(f"/medios/descargar/{asset.pk}/original/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="ficha.html"'
