"""Probing through ffprobe and through the `ffmpeg -i` fallback, and every bad input ending in
`failed` with a Spanish reason, the original kept."""

import pytest

from media_pipeline import ffmpeg, services
from media_pipeline.binaries import ffmpeg_binaries
from media_pipeline.models import MediaAsset
from media_pipeline.tests.conftest import upload_of


@pytest.fixture
def no_ffprobe(settings):
    """This installation as if it only had the imageio-ffmpeg binary (no ffprobe)."""
    settings.FFMPEG_BINARY = ffmpeg_binaries().ffmpeg
    settings.FFPROBE_BINARY = ""
    ffmpeg_binaries.cache_clear()
    assert ffmpeg_binaries().ffprobe is None
    yield
    ffmpeg_binaries.cache_clear()


@pytest.mark.parametrize("use_ffprobe", [True, False], ids=["ffprobe", "ffmpeg-i"])
def test_both_probing_paths_read_the_same_facts(clips, use_ffprobe):
    info = ffmpeg.probe(clips["video_720p"], use_ffprobe=use_ffprobe)
    assert info.source == ("ffprobe" if use_ffprobe else "ffmpeg")
    assert (info.width, info.height) == (1280, 720)
    assert info.frame_rate == pytest.approx(25)
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.bitrate and info.bitrate > 10_000
    audio = ffmpeg.probe(clips["audio"], use_ffprobe=use_ffprobe)
    assert (audio.has_video, audio.has_audio, audio.kind) == (False, True, "audio")


@pytest.mark.django_db
def test_without_ffprobe_the_whole_pipeline_still_works(clips, no_ffprobe):
    asset = services.asset_create_from_upload(
        file=upload_of(clips["audio"]), title="Sin ffprobe", uploaded_by=None
    )
    services.asset_probe(asset_id=asset.pk)
    services.asset_transcode(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.READY, asset.error_message
    assert asset.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert asset.renditions.get().profile == "audio"


BAD_INPUTS = {
    "empty": "El archivo está vacío",
    "text": "no es un audio ni un video",
    "truncated": "incompleto o dañado",
    "truncated_faststart": "incompleto o dañado",
    "no_streams": "no contiene ninguna pista de audio ni de video",
}


@pytest.mark.django_db
@pytest.mark.parametrize("use_ffprobe", [True, False], ids=["ffprobe", "ffmpeg-i"])
@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_a_bad_input_fails_with_a_spanish_reason_and_the_original_is_kept(clips, name, use_ffprobe):
    asset = services.asset_create_from_upload(
        file=upload_of(clips[name]), title=f"Malo {name}", uploaded_by=None
    )
    services.asset_probe(asset_id=asset.pk, use_ffprobe=use_ffprobe)
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.FAILED
    assert BAD_INPUTS[name] in asset.error_message
    assert asset.original.storage.exists(asset.original.name)
    assert asset.original.size == clips[name].stat().st_size
    # a transcode task arriving anyway does nothing to a failed asset
    services.asset_transcode(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.FAILED
    assert asset.renditions.count() == 0


def test_the_banner_parser_reads_what_ffmpeg_prints():
    banner = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clase.mp4':
  Duration: 01:02:03.50, start: 0.000000, bitrate: 8123 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 7990 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)
"""  # noqa: E501
    info = ffmpeg.parse_ffmpeg_banner(banner)
    assert info.duration == pytest.approx(3723.5)
    assert info.bitrate == 8_123_000
    assert (info.width, info.height, info.frame_rate) == (1920, 1080, 29.97)
    assert (info.video_codec, info.video_profile, info.audio_codec) == ("h264", "High", "aac")
    assert info.audio_channels == 2
