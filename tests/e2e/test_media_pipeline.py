"""A presenter watches a recording's job progress live in the admin until it is ready."""

import pytest
from playwright.sync_api import expect

from media_pipeline import ffmpeg, services
from media_pipeline.models import MediaAsset
from media_pipeline.tests.media_fixtures import shared_media  # noqa: F401
from tests.fixtures import LIVE_DB, TEST_PASSWORD, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.worker, LIVE_DB, pytest.mark.usefixtures("shared_media")]


def test_the_admin_progress_bar_moves_to_100_without_a_reload(
    page, make_user, celery_worker_process, tmp_path
):
    make_user("presenter", username="conductora-e2e")
    # long enough for the page (polling every 2 s) to see the job between 0 and 100 % even with
    # a fast ffmpeg (about 5 s of work with ffmpeg 9 on two cores)
    clip = ffmpeg.make_synthetic_clip(
        tmp_path / "episodio-e2e.mp4", seconds=60, width=1280, height=720
    )

    page.goto("/admin/login/")
    page.get_by_label("Nombre de usuario").fill("conductora-e2e")
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/admin/")
    page.get_by_role("link", name="Material audiovisual").click()
    page.wait_for_url("**/admin/snippets/media_pipeline/mediaasset/")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    with open(clip, "rb") as handle:
        from django.core.files import File

        asset = services.asset_create_from_upload(
            file=File(handle, name=clip.name), title="Episodio en vivo", uploaded_by=None
        )
    # the new row appears on the next visit of the list; from then on it updates itself
    page.reload()
    page.evaluate("window.__sameDocument = true")
    job = page.locator(f'[data-media-asset="{asset.pk}"]')
    bar = job.locator("progress")
    expect(job).to_be_visible()

    seen = set()
    for _ in range(600):
        seen.add(int(bar.get_attribute("value")))
        if 100 in seen:
            break
        page.wait_for_timeout(200)
    expect(bar).to_have_attribute("value", "100", timeout=120_000)
    expect(job.locator("[data-media-status]")).to_have_text("Listo")
    assert page.evaluate("window.__sameDocument") is True
    assert MediaAsset.objects.get(pk=asset.pk).status == "ready"
    # it moved through intermediate values, not straight from 0 to 100
    assert any(0 < value < 100 for value in seen), seen


def test_the_admin_upload_sends_chunks_and_survives_a_dropped_connection(
    page, make_user, settings, tmp_path, celery_worker_process
):
    settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES = 64 * 1024  # several chunks for a small clip
    make_user("tv_staff", username="tv-e2e")
    clip = ffmpeg.make_synthetic_clip(tmp_path / "noticiero.mp4", seconds=3, width=640, height=360)
    size = clip.stat().st_size
    assert size > 3 * 64 * 1024

    page.goto("/admin/login/")
    page.get_by_label("Nombre de usuario").fill("tv-e2e")
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/admin/")
    page.goto("/admin/snippets/media_pipeline/mediaasset/add/")
    chunk_requests = []
    page.on(
        "request",
        lambda r: (
            chunk_requests.append(r.headers.get("content-range")) if r.method == "PATCH" else None
        ),
    )
    # the link drops once, in the middle of the upload
    dropped = []

    def drop_second_chunk(route):
        if route.request.method == "PATCH" and len(chunk_requests) == 2 and not dropped:
            dropped.append(route.request.headers.get("content-range"))
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/media/uploads/**", drop_second_chunk)
    page.get_by_label("Título").fill("Noticiero de prueba")
    page.get_by_label("Archivo").set_input_files(str(clip))
    page.get_by_role("button", name="Subir").click()
    page.wait_for_url("**/admin/snippets/media_pipeline/mediaasset/edit/*/")
    expect(page.get_by_role("heading", name="Noticiero de prueba")).to_be_visible()

    asset = MediaAsset.objects.get(title="Noticiero de prueba")
    assert asset.original_size == size
    assert asset.original.read() == clip.read_bytes()
    assert len(chunk_requests) >= 4
    assert chunk_requests[0] == f"bytes 0-65535/{size}"
    assert dropped == [f"bytes 65536-131071/{size}"]
    assert chunk_requests.count(dropped[0]) == 2  # sent again after the drop
    # the upload queued its transcode on the worker: it finishes before the test's tables are
    # emptied (a job still writing while they are truncated deadlocks PostgreSQL)
    wait_for(
        lambda: MediaAsset.objects.get(pk=asset.pk).status in {"ready", "failed"},
        timeout=120,
        message="La transcodificación del archivo subido no terminó",
    )
    assert MediaAsset.objects.get(pk=asset.pk).status == "ready"
