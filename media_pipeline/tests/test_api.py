"""The media API: who may use it, direct and resumable uploads, dedupe, size limit, status,
retry and staff downloads."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media_pipeline import services
from media_pipeline.models import MediaAsset, UploadSession
from media_pipeline.tests.factories import MediaAssetFactory, RenditionFactory

pytestmark = pytest.mark.django_db

STAFF = ["presenter", "tv_staff", "coach", "validator", "superuser"]
REFUSED = ["student", "cabina_agent", "back_office"]


def _start(client, size, **extra):
    body = {"title": "Episodio 12", "filename": "episodio-12.mp4", "size": size, **extra}
    return client.post("/api/v1/media/assets", body, content_type="application/json")


def _chunk(client, url, data: bytes, first: int, total: int):
    return client.patch(
        url,
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {first}-{first + len(data) - 1}/{total}",
    )


@pytest.mark.parametrize("role", STAFF)
def test_staff_roles_can_list_and_read_assets(api_client_for, role):
    asset = MediaAssetFactory()
    client = api_client_for(role)
    assert client.get("/api/v1/media/assets").status_code == 200
    response = client.get(f"/api/v1/media/assets/{asset.pk}")
    assert response.status_code == 200
    assert response.json()["title"] == asset.title


@pytest.mark.parametrize("role", REFUSED)
def test_students_agents_and_back_office_are_refused(api_client_for, role):
    asset = MediaAssetFactory(status=MediaAsset.Status.FAILED)
    client = api_client_for(role)
    for response in (
        client.get("/api/v1/media/assets"),
        client.get(f"/api/v1/media/assets/{asset.pk}"),
        client.post(f"/api/v1/media/assets/{asset.pk}/retry"),
        _start(client, 100),
        client.get(f"/medios/descargar/{asset.pk}/original/"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_anonymous_gets_401_in_spanish(api_client_for):
    asset = MediaAssetFactory()
    client = api_client_for("anonymous")
    response = client.get(f"/api/v1/media/assets/{asset.pk}")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Debe iniciar sesión")
    assert client.get(f"/medios/descargar/{asset.pk}/original/").status_code == 401


def test_a_direct_upload_creates_the_asset_and_the_same_file_again_returns_it(api_client_for):
    client = api_client_for("presenter")
    pdf = b"%PDF-1.4\n% ficha\n"
    response = client.post(
        "/api/v1/media/assets",
        {"title": "Ficha 3", "file": SimpleUploadedFile("ficha.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["duplicate"]) == ("document", "ready", False)
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    again = client.post(
        "/api/v1/media/assets",
        {"title": "Otra", "file": SimpleUploadedFile("copia.pdf", pdf, "application/pdf")},
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert again.json()["duplicate"] is True
    assert MediaAsset.objects.count() == 1


def test_a_file_over_the_limit_is_413_in_spanish(api_client_for, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000
    client = api_client_for("tv_staff")
    response = client.post(
        "/api/v1/media/assets",
        {"title": "Grande", "file": SimpleUploadedFile("g.mp4", b"x" * 2000, "video/mp4")},
    )
    assert response.status_code == 413
    assert "demasiado grande" in response.json()["detail"]
    started = _start(client, 5000)
    assert started.status_code == 413
    assert started.json()["code"] == "file_too_large"
    assert MediaAsset.objects.count() == 0


def test_an_interrupted_resumable_upload_continues_from_the_last_byte(
    api_client_for, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES = 4096
    data = b"%PDF-1.4\n" + bytes(range(256)) * 40  # 10,249 bytes
    client = api_client_for("presenter")
    started = _start(client, len(data), kind="document")
    assert started.status_code == 201, started.json()
    upload = started.json()
    assert (upload["offset"], upload["chunk_max_bytes"]) == (0, 4096)
    url = upload["upload_url"]

    assert _chunk(client, url, data[:4000], 0, len(data)).json()["offset"] == 4000
    # the link drops: a chunk that skips bytes is refused with where to continue from
    skipped = _chunk(client, url, data[6000:8000], 6000, len(data))
    assert skipped.status_code == 409
    assert skipped["Upload-Offset"] == "4000"
    assert "Continúe desde el byte 4000" in skipped.json()["detail"]
    # the client asks where it stands and resends, overlapping bytes it had already sent
    assert client.get(url).json()["offset"] == 4000
    overlap = _chunk(client, url, data[3000:7000], 3000, len(data))
    assert overlap.json()["offset"] == 7000
    with django_capture_on_commit_callbacks(execute=True):
        done = _chunk(client, url, data[7000:], 7000, len(data))
    assert done.status_code == 201
    asset = done.json()["asset"]
    assert asset["sha256"] == hashlib.sha256(data).hexdigest()
    assert asset["original_size"] == len(data)
    stored = MediaAsset.objects.get(pk=asset["id"])
    assert stored.original.read() == data
    session = UploadSession.objects.get()
    assert session.status == "complete"
    # the parts are gone once the original is whole
    storage = stored.original.storage
    assert not any(storage.exists(name) for _, _, name in session.parts)


def test_a_resumable_upload_of_known_content_is_answered_without_uploading(api_client_for):
    asset = MediaAssetFactory()
    response = _start(api_client_for("coach"), 10, sha256=asset.sha256)
    assert response.status_code == 200
    assert response.json()["id"] == asset.pk
    assert response.json()["duplicate"] is True


def test_chunk_errors_are_clear_4xx(api_client_for, settings):
    settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES = 100
    client = api_client_for("presenter")
    url = _start(client, 300).json()["upload_url"]
    missing = client.patch(url, b"abc", content_type="application/octet-stream")
    assert missing.status_code == 422
    assert "Content-Range" in missing.json()["detail"]
    assert _chunk(client, url, b"x" * 150, 0, 300).status_code == 413
    assert _chunk(client, url, b"x" * 10, 0, 999).status_code == 422
    short = client.patch(
        url, b"x" * 5, content_type="application/octet-stream", HTTP_CONTENT_RANGE="bytes 0-9/300"
    )
    assert short.status_code == 422
    assert short.json()["code"] == "chunk_length_mismatch"


def test_an_upload_belongs_to_whoever_started_it(api_client_for, make_user):
    url = _start(api_client_for("presenter"), 300).json()["upload_url"]
    other = api_client_for("presenter", user=make_user("presenter"))
    assert other.get(url).status_code == 404
    assert _chunk(other, url, b"x" * 10, 0, 300).status_code == 404


def test_a_bad_start_request_lists_the_fields_in_spanish(api_client_for):
    response = api_client_for("presenter").post(
        "/api/v1/media/assets", {"title": ""}, content_type="application/json"
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"title", "filename", "size"} <= fields


def test_status_shows_progress_eta_queue_position_and_renditions(api_client_for):
    from django.utils import timezone

    first = MediaAssetFactory(status="queued", queued_at=timezone.now())
    asset = MediaAssetFactory(status="queued", queued_at=timezone.now())
    body = api_client_for("tv_staff").get(f"/api/v1/media/assets/{asset.pk}").json()
    assert (body["status"], body["status_label"], body["queue_position"]) == (
        "queued",
        "En cola",
        2,
    )
    ready = MediaAssetFactory(status="ready", progress=100, duration_seconds=3600)
    RenditionFactory(
        asset=ready, profile="video_240p", size_bytes=100_000_000, duration_seconds=3600
    )
    body = api_client_for("tv_staff").get(f"/api/v1/media/assets/{ready.pk}").json()
    (rendition,) = body["renditions"]
    assert rendition["label"] == "Video liviano"
    assert (rendition["size_mb"], rendition["mb_per_hour"], rendition["budget_mb_per_hour"]) == (
        100.0,
        100.0,
        120,
    )
    download = api_client_for("tv_staff").get(rendition["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert first.pk != ready.pk


def test_retry_restarts_a_failed_asset_and_refuses_others(api_client_for):
    client = api_client_for("validator")
    failed = MediaAssetFactory(status="failed", error_message="Algo falló", attempts=3)
    response = client.post(f"/api/v1/media/assets/{failed.pk}/retry")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["error_message"]) == ("uploaded", "")
    again = client.post(f"/api/v1/media/assets/{failed.pk}/retry")
    assert again.status_code == 409
    assert "Solo se puede reintentar" in again.json()["detail"]
    assert client.post("/api/v1/media/assets/999999/retry").status_code == 404


def test_the_original_downloads_for_staff_with_ranges(api_client_for):
    asset = MediaAssetFactory(title="Episodio 12", original_filename="ep12.mp4")
    client = api_client_for("presenter")
    response = client.get(f"/medios/descargar/{asset.pk}/original/", HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"cont"
    assert 'filename="episodio-12.mp4"' in response["Content-Disposition"]


def test_the_openapi_schema_documents_the_chunk_protocol(client):
    schema = client.get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/media/assets"]["post"]
    assert "Content-Range: bytes INICIO-FIN/TOTAL" in create["description"]
    assert {"multipart/form-data", "application/json"} <= set(create["requestBody"]["content"])
    chunk = schema["paths"]["/api/v1/media/uploads/{upload_id}"]["patch"]
    assert any(p["name"] == "Content-Range" for p in chunk["parameters"])


def test_upload_service_rejects_a_non_pdf_document():
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.asset_create_from_upload(
            file=SimpleUploadedFile("a.pdf", b"not a pdf"),
            title="x",
            uploaded_by=None,
            kind="document",
        )
