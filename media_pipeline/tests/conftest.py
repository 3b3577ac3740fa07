"""Tiny clips made by the real ffmpeg once per test session, and helpers to run the pipeline."""

import os
import subprocess

import pytest
from django.core.files.base import ContentFile

from media_pipeline import ffmpeg
from media_pipeline.tests.media_fixtures import longer_clip, shared_media  # noqa: F401


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """name -> path of small generated media files (real encodes, a few KB each)."""
    folder = tmp_path_factory.mktemp("clips")
    made = {
        "video_720p": ffmpeg.make_synthetic_clip(
            folder / "charla-720p.mp4", seconds=2, width=1280, height=720
        ),
        "video_small": ffmpeg.make_synthetic_clip(
            folder / "pequeno-160x120.mp4", seconds=1.5, width=160, height=120
        ),
        "audio": ffmpeg.make_synthetic_clip(folder / "voz.m4a", seconds=2, video=False),
        "silent_video": ffmpeg.make_synthetic_clip(
            folder / "mudo.mp4", seconds=1.5, width=640, height=360, audio=False
        ),
        "moov_at_end": ffmpeg.make_synthetic_clip(
            folder / "sin-faststart.mp4", seconds=2, width=320, height=240, faststart=False
        ),
    }
    # A truncated upload: the index (moov) was at the end and never arrived.
    data = made["moov_at_end"].read_bytes()
    truncated = folder / "cortado.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    made["truncated"] = truncated
    # A truncated +faststart upload: the index is there, most of the pictures are not.
    data = made["video_720p"].read_bytes()
    truncated_fs = folder / "cortado-faststart.mp4"
    truncated_fs.write_bytes(data[: len(data) // 5])
    made["truncated_faststart"] = truncated_fs
    text = folder / "notas.mp4"
    text.write_text("Esto es un texto, no un video.\n" * 20, encoding="utf-8")
    made["text"] = text
    empty = folder / "vacio.mp4"
    empty.write_bytes(b"")
    made["empty"] = empty
    # A container with no audio or video: only a subtitle track.
    srt = folder / "subtitulos.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHola\n", encoding="utf-8")
    no_streams = folder / "sin-pistas.mp4"
    subprocess.run(  # noqa: S603
        [
            ffmpeg.ffmpeg_binaries().ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(srt),
            "-c:s",
            "mov_text",
            str(no_streams),
        ],
        check=True,
    )
    made["no_streams"] = no_streams
    pdf = folder / "ficha.pdf"
    pdf.write_bytes(minimal_pdf("Ficha de trabajo"))
    made["pdf"] = pdf
    return made


def minimal_pdf(text: str) -> bytes:
    from core.pdf import one_page_pdf

    return one_page_pdf(title=text, lines=["Prueba"])


def upload_of(path, name: str | None = None) -> ContentFile:
    with open(path, "rb") as handle:
        return ContentFile(handle.read(), name=name or os.path.basename(path))
