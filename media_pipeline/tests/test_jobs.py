"""Jobs through a real worker process: the whole path from upload to renditions, a worker killed
mid-transcode ending with exactly one set of renditions, the sweeper and the ingest command."""

import os
import signal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from media_pipeline import services
from media_pipeline.models import MediaAsset
from media_pipeline.tests.conftest import upload_of
from tests.fixtures import LIVE_DB, wait_for

pytestmark = [LIVE_DB, pytest.mark.worker]


def _ffmpeg_processes_for(asset_id: int) -> list[tuple[int, int]]:
    """(pid, parent pid) of ffmpeg processes working in this asset's scratch folder."""
    found = []
    marker = f"asset-{asset_id}/".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if b"ffmpeg" in cmdline and marker in cmdline:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                found.append((int(entry.name), int(stat[1])))
        except OSError:
            continue
    return found


def test_an_upload_is_probed_and_transcoded_by_the_worker(
    celery_worker_process, shared_media, clips, api_client_for
):
    client = api_client_for("presenter")
    with open(clips["video_720p"], "rb") as handle:
        response = client.post("/api/v1/media/assets", {"title": "Clase 1", "file": handle})
    assert response.status_code == 201
    asset_id = response.json()["id"]
    asset = wait_for(
        lambda: MediaAsset.objects.filter(pk=asset_id, status__in=["ready", "failed"]).first(),
        timeout=120,
        message="El worker no terminó el material",
    )
    assert asset.status == "ready", asset.error_message
    assert sorted(asset.renditions.values_list("profile", flat=True)) == [
        "audio",
        "poster",
        "video_240p",
        "video_360p",
    ]
    assert (asset.width, asset.height, asset.attempts) == (1280, 720, 1)
    body = client.get(f"/api/v1/media/assets/{asset_id}").json()
    assert body["progress"] == 100
    assert all(r["size_bytes"] > 0 for r in body["renditions"])


def test_a_worker_killed_mid_job_ends_with_exactly_one_set_of_renditions(
    celery_worker_process, shared_media, longer_clip, settings
):
    asset = services.asset_create_from_upload(
        file=upload_of(longer_clip), title="Episodio largo", uploaded_by=None
    )
    # the transcode starts (probing runs ffmpeg too): wait for its ffmpeg, then kill the
    # worker process that runs it
    running = wait_for(
        lambda: (
            MediaAsset.objects.filter(pk=asset.pk, status="transcoding").exists()
            and _ffmpeg_processes_for(asset.pk)
        ),
        timeout=90,
        message="ffmpeg no empezó",
    )
    _, worker_child = running[0]
    os.kill(worker_child, signal.SIGKILL)

    # The worker's main process sees its pool process die and queues the job again at once:
    # no waiting for the dead run's heartbeat to go stale, no sweeper.
    asset = wait_for(
        lambda: MediaAsset.objects.filter(pk=asset.pk, status__in=["ready", "failed"]).first(),
        timeout=180,
        message="El trabajo no se reanudó",
    )
    assert asset.status == "ready", asset.error_message
    assert asset.attempts == 2
    profiles = list(asset.renditions.values_list("profile", flat=True))
    assert sorted(profiles) == ["audio", "poster", "video_240p", "video_360p"]
    # nothing but the renditions is left: no temporary names, no scratch folder
    kept = {shared_media / name for name in asset.renditions.values_list("file", flat=True)}
    folder = shared_media / "media" / "renditions" / str(asset.pk)
    assert {p for p in folder.rglob("*") if p.is_file()} == kept
    assert not (Path(settings.MEDIA_WORK_DIR) / f"asset-{asset.pk}").exists()


def test_ingest_media_waits_with_a_progress_bar_and_fails_loudly(
    celery_worker_process, shared_media, clips, capsys
):
    call_command(
        "ingest_media", str(clips["audio"]), "--title", "Radio", "--wait", "--timeout", "120"
    )
    out = capsys.readouterr().out
    assert "100 % Listo" in out
    assert "Listo: audio" in out
    with pytest.raises(CommandError, match="no es un audio ni un video"):
        call_command("ingest_media", str(clips["text"]), "--wait", "--timeout", "120")
