"""Which ffmpeg runs: one on PATH of version 7 or later (threaded command line), else the wheel's,
with PATH's ffprobe kept for probing either way; an explicit setting always wins."""

import pytest

from media_pipeline.binaries import ffmpeg_binaries


@pytest.fixture
def fake_path(tmp_path, monkeypatch, settings):
    settings.FFMPEG_BINARY = ""
    settings.FFPROBE_BINARY = ""

    def install(version: str):
        for name in ("ffmpeg", "ffprobe"):
            script = tmp_path / name
            script.write_text(f"#!/bin/sh\necho 'ffmpeg version {version} Copyright'\n")
            script.chmod(0o755)
        monkeypatch.setenv("PATH", str(tmp_path))
        ffmpeg_binaries.cache_clear()
        return tmp_path

    yield install
    ffmpeg_binaries.cache_clear()


def test_an_old_ffmpeg_on_path_gives_way_to_the_wheels(fake_path):
    folder = fake_path("5.1.6-0+deb12u1")
    chosen = ffmpeg_binaries()
    assert chosen.source == "imageio-ffmpeg"
    assert "imageio_ffmpeg" in chosen.ffmpeg
    assert chosen.ffprobe == str(folder / "ffprobe")


def test_a_threaded_ffmpeg_on_path_is_used(fake_path):
    folder = fake_path("7.1.1")
    chosen = ffmpeg_binaries()
    assert (chosen.source, chosen.ffmpeg) == ("path", str(folder / "ffmpeg"))


def test_the_setting_wins(fake_path, settings):
    fake_path("7.1.1")
    settings.FFMPEG_BINARY = "/opt/ffmpeg/bin/ffmpeg"
    ffmpeg_binaries.cache_clear()
    assert ffmpeg_binaries().ffmpeg == "/opt/ffmpeg/bin/ffmpeg"
    assert ffmpeg_binaries().source == "setting"


def test_a_build_of_ffmpegs_main_branch_counts_as_new(fake_path):
    folder = fake_path("N-118000-g0123abcd")
    assert ffmpeg_binaries().ffmpeg == str(folder / "ffmpeg")
