"""Which ffmpeg and ffprobe this installation runs: FFMPEG_BINARY/FFPROBE_BINARY when set, else
Debian's on PATH, else the ffmpeg shipped in the imageio-ffmpeg wheel (which has no ffprobe:
probing then goes through ffmpeg itself, see ffmpeg.probe)."""

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class FfmpegBinaries:
    ffmpeg: str
    ffprobe: str | None
    source: str  # "setting", "path" or "imageio-ffmpeg"


@functools.cache
def ffmpeg_binaries() -> FfmpegBinaries:
    if settings.FFMPEG_BINARY:
        return FfmpegBinaries(
            ffmpeg=settings.FFMPEG_BINARY,
            ffprobe=settings.FFPROBE_BINARY or None,
            source="setting",
        )
    on_path = shutil.which("ffmpeg")
    if on_path:
        return FfmpegBinaries(ffmpeg=on_path, ffprobe=shutil.which("ffprobe"), source="path")
    import imageio_ffmpeg

    return FfmpegBinaries(
        ffmpeg=imageio_ffmpeg.get_ffmpeg_exe(), ffprobe=None, source="imageio-ffmpeg"
    )


@functools.cache
def ffmpeg_version() -> str:
    """The version ffmpeg reports (e.g. "5.1.6-0+deb12u1"); raises OSError if it cannot run."""
    out = subprocess.run(  # noqa: S603
        [ffmpeg_binaries().ffmpeg, "-hide_banner", "-version"],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    match = re.search(r"ffmpeg version (\S+)", out)
    return match.group(1) if match else out.splitlines()[0]
