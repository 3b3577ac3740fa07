"""The whole ladder from one ffmpeg run, read back by probing (services called in-process)."""

import subprocess
from pathlib import Path

import pytest

from media_pipeline import ffmpeg, services
from media_pipeline.binaries import ffmpeg_binaries
from media_pipeline.models import MediaAsset
from media_pipeline.profiles import PROFILES
from media_pipeline.tests.conftest import upload_of

pytestmark = pytest.mark.django_db
AUDIO_FILES = ("audio", "video_240p", "video_360p")


def ingest(path, user=None, **kwargs) -> MediaAsset:
    asset = services.asset_create_from_upload(
        file=upload_of(path), title=kwargs.pop("title", path.stem), uploaded_by=user, **kwargs
    )
    services.asset_probe(asset_id=asset.pk)
    services.asset_transcode(asset_id=asset.pk)
    asset.refresh_from_db()
    return asset


def _moov_before_mdat(path) -> bool:
    data = Path(path).read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


def test_a_720p_clip_gets_audio_240p_360p_and_a_poster_each_checked_by_probing(clips):
    asset = ingest(clips["video_720p"])
    assert asset.status == MediaAsset.Status.READY, asset.error_message
    assert asset.progress == 100
    assert (asset.width, asset.height, asset.kind) == (1280, 720, "video")
    renditions = {r.profile: r for r in asset.renditions.all()}
    assert set(renditions) == {"audio", "video_240p", "video_360p", "poster"}

    expected = {"video_360p": (640, 360, "Main"), "video_240p": (426, 240, "Baseline")}
    for key, (width, height, h264_profile) in expected.items():
        rendition = renditions[key]
        info = ffmpeg.probe(rendition.file.path)
        assert (info.video_codec, info.audio_codec) == ("h264", "aac")
        assert (info.width, info.height) == (width, height)
        assert h264_profile in info.video_profile
        assert info.audio_channels == 1
        assert info.duration == pytest.approx(2.0, abs=0.15)
        assert _moov_before_mdat(rendition.file.path), f"{key} sin +faststart"
        assert rendition.size_bytes == rendition.file.size
        assert rendition.mime_type == "video/mp4"
        profile = PROFILES[key]
        assert profile.mb_per_hour(rendition.size_bytes, info.duration) <= (
            profile.budget_mb_per_hour * 1.05
        )

    audio = ffmpeg.probe(renditions["audio"].file.path)
    assert (audio.has_video, audio.audio_codec, audio.audio_channels) == (False, "aac", 1)
    assert audio.duration == pytest.approx(2.0, abs=0.15)
    assert renditions["audio"].file.name.endswith(".m4a")
    assert PROFILES["audio"].mb_per_hour(renditions["audio"].size_bytes, audio.duration) <= 26.25

    poster = renditions["poster"]
    assert Path(poster.file.path).read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG
    assert (poster.width, poster.height) == (640, 360)


def _audio_packets_md5(path) -> str:
    binary = ffmpeg_binaries().ffmpeg
    command = [
        binary,
        "-v",
        "error",
        "-i",
        str(path),
        "-map",
        "0:a",
        "-c",
        "copy",
        "-f",
        "md5",
        "-",
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def test_the_soundtrack_is_encoded_once_and_is_the_same_in_every_download(clips):
    asset = ingest(clips["video_720p"])
    renditions = {r.profile: r for r in asset.renditions.all()}
    digests = {key: _audio_packets_md5(renditions[key].file.path) for key in AUDIO_FILES}
    assert len(set(digests.values())) == 1, digests

    plan = ffmpeg.plan_ladder(ffmpeg.probe(asset.original.path))
    command = ffmpeg.ladder_command(
        asset.original.path, plan, {o.profile.key: f"/salida/{o.profile.key}" for o in plan.outputs}
    )
    assert command.count("aac") == 1  # one AAC encoder for the three files


def test_an_audio_only_source_produces_only_the_audio_rendition(clips):
    asset = ingest(clips["audio"])
    assert asset.status == MediaAsset.Status.READY
    assert asset.kind == MediaAsset.Kind.AUDIO
    assert list(asset.renditions.values_list("profile", flat=True)) == ["audio"]


def test_a_source_smaller_than_every_profile_is_never_upscaled(clips):
    asset = ingest(clips["video_small"])
    assert asset.status == MediaAsset.Status.READY, asset.error_message
    renditions = {r.profile: r for r in asset.renditions.all()}
    assert set(renditions) == {"audio", "video_240p", "poster"}
    info = ffmpeg.probe(renditions["video_240p"].file.path)
    assert (info.width, info.height) == (160, 120)


def test_a_silent_video_gets_video_renditions_without_audio(clips):
    asset = ingest(clips["silent_video"])
    assert asset.status == MediaAsset.Status.READY, asset.error_message
    renditions = {r.profile: r for r in asset.renditions.all()}
    assert set(renditions) == {"video_240p", "video_360p", "poster"}
    assert not ffmpeg.probe(renditions["video_360p"].file.path).has_audio


def test_a_pdf_is_stored_and_ready_without_transcoding(clips):
    asset = services.asset_create_from_upload(
        file=upload_of(clips["pdf"]), title="Ficha", uploaded_by=None
    )
    assert asset.kind == MediaAsset.Kind.DOCUMENT
    assert asset.status == MediaAsset.Status.READY
    assert asset.renditions.count() == 0
    assert asset.original.read(5) == b"%PDF-"


def test_the_same_content_twice_returns_the_first_asset_and_is_not_transcoded_again(clips):
    first = ingest(clips["audio"], title="Primera")
    rendition_ids = set(first.renditions.values_list("pk", flat=True))
    second = services.asset_create_from_upload(
        file=upload_of(clips["audio"], name="otro-nombre.m4a"), title="Segunda", uploaded_by=None
    )
    assert second.pk == first.pk
    assert second.deduplicated is True
    assert second.title == "Primera"
    assert MediaAsset.objects.count() == 1
    services.asset_transcode(asset_id=first.pk)  # a stray duplicate task
    assert set(first.renditions.values_list("pk", flat=True)) == rendition_ids


def test_a_rendition_over_its_data_budget_fails_the_job(clips, monkeypatch):
    monkeypatch.setattr(type(PROFILES["video_240p"]), "size_ceiling_bytes", lambda self, d: 1000)
    asset = ingest(clips["video_720p"])
    assert asset.status == MediaAsset.Status.FAILED
    assert "supera su límite" in asset.error_message
    assert asset.renditions.count() == 0


def test_not_enough_free_space_fails_with_a_clear_message_then_a_retry_succeeds(
    clips, settings, make_user
):
    settings.MEDIA_FREE_SPACE_RESERVE_BYTES = 10**18
    asset = ingest(clips["audio"])
    assert asset.status == MediaAsset.Status.FAILED
    assert "No hay espacio libre suficiente" in asset.error_message
    assert asset.original.storage.exists(asset.original.name)

    settings.MEDIA_FREE_SPACE_RESERVE_BYTES = 0
    services.asset_retry(asset=asset, by=make_user("tv_staff"))
    asset.refresh_from_db()
    assert (asset.status, asset.error_message, asset.progress) == ("uploaded", "", 0)
    services.asset_probe(asset_id=asset.pk)
    services.asset_transcode(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.READY
    assert asset.renditions.count() == 1


def _sequence_headers(path) -> int:
    """How many times the H.264 stream headers (SPS) appear: in the MP4's header, and before
    keyframes when the encoder was not told to keep them global."""
    command = [ffmpeg_binaries().ffmpeg, "-v", "debug", "-i", str(path), "-map", "0:v"]
    command += ["-c", "copy", "-bsf:v", "trace_headers", "-f", "null", "-"]
    trace = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    return trace.count("Sequence Parameter Set")


def test_the_video_files_carry_their_stream_headers_once(tmp_path):
    clip = ffmpeg.make_synthetic_clip(tmp_path / "siete.mp4", seconds=7, width=640, height=360)
    plan = ffmpeg.plan_ladder(ffmpeg.probe(clip))
    outputs = {
        o.profile.key: str(tmp_path / f"{o.profile.key}.{o.profile.extension}")
        for o in plan.outputs
    }
    subprocess.run(ffmpeg.ladder_command(clip, plan, outputs, progress=False), check=True)
    for key in ("video_360p", "video_240p"):
        assert _sequence_headers(outputs[key]) == 1, key  # 4 keyframes, one header
