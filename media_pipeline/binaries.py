"""Which ffmpeg and ffprobe this installation runs: FFMPEG_BINARY/FFPROBE_BINARY when set; else
the newest-generation ffmpeg at hand: the one on PATH (Debian's) when it is version 7 or later,
else the one shipped in the imageio-ffmpeg wheel (9.x), else the one on PATH whatever its
version. ffprobe is PATH's when there is one; the wheel has none, and probing then goes through
ffmpeg itself (see ffmpeg.probe).

Why the version matters: from ffmpeg 7 on, the command-line tool runs decoding, each filter
graph, each encoder and each muxer in threads of their own. The ladder is one decode feeding
two encoders and a soundtrack, so on two cores the single pass finishes about a quarter sooner
with 7+ than with Debian 12's 5.1, which filters and feeds the encoders from one thread (see
BENCHMARKS.md)."""

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

THREADED_CLI_MAJOR = 7


@dataclass(frozen=True)
class FfmpegBinaries:
    ffmpeg: str
    ffprobe: str | None
    source: str  # "setting", "path" or "imageio-ffmpeg"


def _version_of(binary: str) -> str:
    out = subprocess.run(  # noqa: S603
        [binary, "-hide_banner", "-version"],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    match = re.search(r"ffmpeg version (\S+)", out)
    return match.group(1) if match else out.splitlines()[0]


def _major(version: str) -> int:
    """7 for "7.1.1", 9 for "n9.0.2-17-g…"; a build from ffmpeg's main branch ("N-12345-g…")
    counts as newer than any release."""
    if version.startswith("N-"):
        return 1000
    match = re.match(r"n?(\d+)\.", version)
    return int(match.group(1)) if match else 0


def _wheel_ffmpeg() -> str | None:
    """The binary inside the imageio-ffmpeg wheel, if the wheel carries one (without one,
    get_ffmpeg_exe() would hand back PATH's ffmpeg under the wheel's name)."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        binary = Path(imageio_ffmpeg.get_ffmpeg_exe()).resolve()
    except RuntimeError:
        return None
    shipped = Path(imageio_ffmpeg.__file__).resolve().parent / "binaries"
    return str(binary) if binary.is_relative_to(shipped) else None


@functools.cache
def ffmpeg_binaries() -> FfmpegBinaries:
    if settings.FFMPEG_BINARY:
        return FfmpegBinaries(
            ffmpeg=settings.FFMPEG_BINARY,
            ffprobe=settings.FFPROBE_BINARY or None,
            source="setting",
        )
    on_path, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    if on_path:
        try:
            threaded = _major(_version_of(on_path)) >= THREADED_CLI_MAJOR
        except (OSError, subprocess.SubprocessError):
            threaded = False
        if threaded:
            return FfmpegBinaries(ffmpeg=on_path, ffprobe=ffprobe, source="path")
    wheel = _wheel_ffmpeg()
    if wheel:
        return FfmpegBinaries(ffmpeg=wheel, ffprobe=ffprobe, source="imageio-ffmpeg")
    if on_path:
        return FfmpegBinaries(ffmpeg=on_path, ffprobe=ffprobe, source="path")
    raise RuntimeError("No se encontró ffmpeg: instale el paquete ffmpeg o imageio-ffmpeg.")


@functools.cache
def ffmpeg_version() -> str:
    """The version ffmpeg reports (e.g. "n9.0.2-17-g2a571b6068"); raises OSError if it fails."""
    return _version_of(ffmpeg_binaries().ffmpeg)
