"""The only module that knows ffmpeg's and ffprobe's command lines.

- probe(): what a file contains, through ffprobe's JSON when ffprobe exists, else by parsing
  `ffmpeg -i` (the imageio-ffmpeg wheel ships no ffprobe).
- plan_ladder(): which renditions a source gets, at which size (never upscaled).
- ladder_command(): ONE ffmpeg run for the whole ladder: decode once, scale the picture down in
  a chain (source -> 360p -> 240p, each scale working on the smaller picture before it), split,
  encode every picture size and the soundtrack once, and mux them into every file (tee). The
  same builder makes the per-rendition commands the benchmark compares against.
- run_with_progress(): runs a command, turning `-progress pipe:1` into callbacks.
"""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg as ffmpeg_lib

from media_pipeline.binaries import ffmpeg_binaries
from media_pipeline.profiles import (
    AUDIO,
    POSTER,
    PROFILES,
    SOUNDTRACK_BITRATE,
    VIDEO_PROFILES,
    Profile,
)

STDERR_TAIL_CHARS = 4000
PROBE_TIMEOUT_SECONDS = 60
# A picture-less "video" stream (cover art in an MP3) and still images are not video.
IMAGE_FORMATS = re.compile(r"(_pipe|image2|^png$|^mjpeg$|^gif$|^webp$)")


class ProbeError(Exception):
    """The file is not media we can work with. `message` is Spanish, for people; `detail` is
    ffmpeg's own words, for staff."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class FfmpegFailed(Exception):
    def __init__(self, returncode: int, stderr_tail: str) -> None:
        super().__init__(f"ffmpeg terminó con código {returncode}")
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class Aborted(Exception):
    """Raised by a progress callback to stop ffmpeg (the job was taken by another run)."""


@dataclass
class ProbeResult:
    format_name: str = ""
    duration: float | None = None
    bitrate: int | None = None
    has_video: bool = False
    has_audio: bool = False
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    video_codec: str = ""
    audio_codec: str = ""
    video_profile: str = ""
    audio_channels: int | None = None
    source: str = ""  # "ffprobe" or "ffmpeg"

    @property
    def kind(self) -> str:
        return "video" if self.has_video else "audio"


# --- probing ------------------------------------------------------------------------------------
NOT_MEDIA = (
    "El archivo no es un audio ni un video que se pueda leer. Revise que haya elegido el "
    "archivo correcto (por ejemplo, un .mp4, .mov, .mp3 o .m4a)."
)
TRUNCATED = (
    "El archivo está incompleto o dañado (probablemente la copia o la subida se cortó). "
    "Vuelva a subir el archivo original completo."
)
NO_STREAMS = "El archivo no contiene ninguna pista de audio ni de video."
NO_DURATION = "No se pudo determinar la duración del archivo: parece estar dañado."
IS_IMAGE = "El archivo es una imagen, no un audio ni un video."


def container_extension(head: bytes) -> str | None:
    """The usual extension of the audio or video container a file's first 16 bytes start like
    (MP4/M4A/MOV, Matroska/WebM, AVI, WAV, Ogg, FLAC, FLV, MP3, AAC), or None."""
    box = head[4:8]
    if box == b"ftyp":
        return {b"M4A ": "m4a", b"M4B ": "m4a", b"qt  ": "mov"}.get(head[8:12], "mp4")
    if box in (b"moov", b"mdat", b"free", b"wide", b"skip"):
        return "mov"
    if head.startswith(b"RIFF"):
        return {b"WAVE": "wav", b"AVI ": "avi"}.get(head[8:12])
    for magic, ext in (
        (b"\x1aE\xdf\xa3", "mkv"), (b"OggS", "ogg"), (b"fLaC", "flac"), (b"ID3", "mp3"),
        (b"FLV", "flv"), (b"\xff\xfb", "mp3"), (b"\xff\xf3", "mp3"), (b"\xff\xf2", "mp3"),
        (b"\xff\xf1", "aac"), (b"\xff\xf9", "aac"),
    ):  # fmt: skip
        if head.startswith(magic):
            return ext
    return None


def _looks_like_media_container(path: str | None) -> bool:
    """True when the file starts like an audio or video container (container_extension): a
    container whose end is missing, not some other kind of file."""
    if not path:
        return False
    with open(path, "rb") as handle:
        return container_extension(handle.read(16)) is not None


def _classify_failure(stderr: str, path: str | None = None) -> ProbeError:
    text = stderr.lower()
    truncated_words = ("moov atom not found", "end of file", "truncat", "partial file")
    if any(word in text for word in truncated_words) and _looks_like_media_container(path):
        return ProbeError(TRUNCATED, stderr[-STDERR_TAIL_CHARS:])
    if "does not contain any stream" in text or "output file #0 does not contain" in text:
        return ProbeError(NO_STREAMS, stderr[-STDERR_TAIL_CHARS:])
    return ProbeError(NOT_MEDIA, stderr[-STDERR_TAIL_CHARS:])


def _fraction(value: str | None) -> float | None:
    if not value or value in ("0/0", "N/A"):
        return None
    if "/" in value:
        num, den = value.split("/", 1)
        try:
            return float(num) / float(den) if float(den) else None
        except ValueError:
            return None
    try:
        return float(value)
    except ValueError:
        return None


def _int_or_none(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _probe_with_ffprobe(path: str, ffprobe: str) -> ProbeResult:
    completed = subprocess.run(  # noqa: S603
        [ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_SECONDS,
    )
    if completed.returncode != 0:
        raise _classify_failure(completed.stderr, path)
    data = json.loads(completed.stdout or "{}")
    fmt = data.get("format", {})
    result = ProbeResult(
        format_name=fmt.get("format_name", ""),
        duration=_fraction(fmt.get("duration")),
        bitrate=_int_or_none(fmt.get("bit_rate")),
        source="ffprobe",
    )
    for stream in data.get("streams", []):
        kind = stream.get("codec_type")
        if kind == "video" and not result.has_video:
            if stream.get("disposition", {}).get("attached_pic"):
                continue
            result.has_video = True
            result.video_codec = stream.get("codec_name", "")
            result.video_profile = stream.get("profile", "")
            result.width = _int_or_none(stream.get("width"))
            result.height = _int_or_none(stream.get("height"))
            result.frame_rate = _fraction(stream.get("avg_frame_rate")) or _fraction(
                stream.get("r_frame_rate")
            )
            if result.duration is None:
                result.duration = _fraction(stream.get("duration"))
        elif kind == "audio" and not result.has_audio:
            result.has_audio = True
            result.audio_codec = stream.get("codec_name", "")
            result.audio_channels = _int_or_none(stream.get("channels"))
            if result.duration is None:
                result.duration = _fraction(stream.get("duration"))
    return result


_DURATION_RE = re.compile(
    r"Duration:\s*(?:(\d+):(\d+):(\d+(?:\.\d+)?)|N/A)(?:.*?bitrate:\s*(\d+)\s*kb/s)?"
)
_INPUT_RE = re.compile(r"Input #0, ([^ ]+?),? from")
_STREAM_RE = re.compile(r"Stream #0:\d+.*?: (Video|Audio): (\w+)(.*)")
_SIZE_RE = re.compile(r"(?<![\dx])(\d{2,5})x(\d{2,5})(?![\dx])")
_FPS_RE = re.compile(r"(\d+(?:\.\d+)?)\s*fps")
_PROFILE_RE = re.compile(r"^\w+ \(([^)]+)\)")


def parse_ffmpeg_banner(stderr: str, path: str | None = None) -> ProbeResult:
    """What `ffmpeg -i FILE` says about FILE (the fallback when there is no ffprobe)."""
    result = ProbeResult(source="ffmpeg")
    input_match = _INPUT_RE.search(stderr)
    if not input_match:
        raise _classify_failure(stderr, path)
    result.format_name = input_match.group(1)
    duration = _DURATION_RE.search(stderr)
    if duration:
        if duration.group(1) is not None:
            hours, minutes, seconds = duration.group(1), duration.group(2), duration.group(3)
            result.duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        if duration.group(4):
            result.bitrate = int(duration.group(4)) * 1000
    for line in stderr.splitlines():
        match = _STREAM_RE.search(line)
        if not match:
            continue
        kind, codec, rest = match.groups()
        if kind == "Video" and not result.has_video:
            if "attached pic" in rest:
                continue
            result.has_video = True
            result.video_codec = codec
            profile = _PROFILE_RE.match(f"{codec}{rest}")
            result.video_profile = profile.group(1) if profile else ""
            size = _SIZE_RE.search(rest)
            if size:
                result.width, result.height = int(size.group(1)), int(size.group(2))
            fps = _FPS_RE.search(rest)
            result.frame_rate = float(fps.group(1)) if fps else None
        elif kind == "Audio" and not result.has_audio:
            result.has_audio = True
            result.audio_codec = codec
            if " mono" in rest:
                result.audio_channels = 1
            elif " stereo" in rest:
                result.audio_channels = 2
    return result


def _probe_with_ffmpeg(path: str, ffmpeg: str) -> ProbeResult:
    # Without an output ffmpeg exits 1 after printing what it found: that is expected.
    completed = subprocess.run(  # noqa: S603
        [ffmpeg, "-hide_banner", "-nostdin", "-i", path],
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_SECONDS,
    )
    return parse_ffmpeg_banner(completed.stderr, path)


def probe(path: str | os.PathLike, *, use_ffprobe: bool | None = None) -> ProbeResult:
    """What `path` contains; raises ProbeError (with a Spanish message) for anything that is not
    decodable audio or video. use_ffprobe=False forces the `ffmpeg -i` fallback."""
    path = str(path)
    if os.path.getsize(path) == 0:
        raise ProbeError("El archivo está vacío (0 bytes). Vuelva a subirlo.")
    binaries = ffmpeg_binaries()
    if use_ffprobe is None:
        use_ffprobe = binaries.ffprobe is not None
    if use_ffprobe and binaries.ffprobe:
        result = _probe_with_ffprobe(path, binaries.ffprobe)
    else:
        result = _probe_with_ffmpeg(path, binaries.ffmpeg)
    if IMAGE_FORMATS.search(result.format_name or "") and not result.has_audio:
        raise ProbeError(IS_IMAGE)
    if not result.has_video and not result.has_audio:
        raise ProbeError(NO_STREAMS)
    if not result.duration or result.duration <= 0:
        raise ProbeError(NO_DURATION)
    return result


def decodes_to_the_end(path: str | os.PathLike, duration: float) -> tuple[bool, str]:
    """Decodes the last two seconds: a truncated file whose index sits at the start (a cut
    upload of a +faststart MP4) probes fine but has nothing there. (ok, stderr tail)."""
    start = max(0.0, duration - 2.0)
    args = (
        ffmpeg_lib.input(str(path), ss=f"{start:.3f}")
        .output("-", f="null")
        .global_args("-hide_banner", "-nostdin", "-loglevel", "error", "-progress", "pipe:1")
        .compile(cmd=ffmpeg_binaries().ffmpeg)
    )
    completed = subprocess.run(args, capture_output=True, text=True, timeout=120)  # noqa: S603
    out_us = 0
    for line in completed.stdout.splitlines():
        if line.startswith(("out_time_us=", "out_time_ms=")):
            out_us = max(out_us, _int_or_none(line.split("=", 1)[1]) or 0)
    decoded = out_us / 1_000_000
    expected = duration - start
    ok = (
        completed.returncode == 0
        and decoded >= expected * 0.75
        and "partial file" not in completed.stderr
    )
    return ok, completed.stderr[-STDERR_TAIL_CHARS:]


# --- the ladder ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedOutput:
    profile: Profile
    width: int | None = None
    height: int | None = None


@dataclass
class LadderPlan:
    outputs: list[PlannedOutput]
    source_width: int | None = None
    source_height: int | None = None
    fps_cap: float | None = None  # set when the source runs faster than 30 fps
    poster_at: float = 0.0
    duration: float = 0.0
    has_audio: bool = True

    @property
    def profiles(self) -> list[str]:
        return [o.profile.key for o in self.outputs]


def _fit(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The largest even size with the source's shape that fits the box, never larger than the
    source (no upscaling)."""
    factor = min(box_w / width, box_h / height, 1.0)
    fit_w = min(round(width * factor / 2) * 2, box_w, width)
    fit_h = min(round(height * factor / 2) * 2, box_h, height)
    return max(2, fit_w - fit_w % 2), max(2, fit_h - fit_h % 2)


def plan_ladder(info: ProbeResult) -> LadderPlan:
    """Audio-only sources get only `audio`. Video gets each video profile whose box the source
    fills; a source smaller than every box still gets the lightest one at its own size."""
    plan = LadderPlan(outputs=[], duration=info.duration or 0.0, has_audio=info.has_audio)
    if info.has_audio:
        plan.outputs.append(PlannedOutput(PROFILES[AUDIO]))
    if not info.has_video or not info.width or not info.height:
        return plan
    plan.source_width, plan.source_height = info.width, info.height
    if info.frame_rate and info.frame_rate > 30.5:
        plan.fps_cap = 30
    videos = []
    for profile in VIDEO_PROFILES:  # largest first
        fills_box = info.width >= profile.width or info.height >= profile.height
        if fills_box:
            videos.append(PlannedOutput(profile, *_fit(info.width, info.height, *_box(profile))))
    if not videos:
        lightest = VIDEO_PROFILES[-1]
        videos.append(PlannedOutput(lightest, *_fit(info.width, info.height, *_box(lightest))))
    plan.outputs.extend(videos)
    poster = PROFILES[POSTER]
    plan.outputs.append(
        PlannedOutput(poster, *_fit(info.width, info.height, poster.width, poster.height))
    )
    plan.poster_at = min(max(plan.duration * 0.1, 0.0), 10.0)
    return plan


def _box(profile: Profile) -> tuple[int, int]:
    return profile.width or 0, profile.height or 0


def _video_stream_args(out: PlannedOutput, index: int) -> dict:
    """Encoder options for the output's video stream number `index` (`-b:v:1` and so on)."""
    profile = out.profile
    return {
        f"profile:v:{index}": profile.h264_profile,
        f"b:v:{index}": profile.video_bitrate,
        # VBV keeps bursts near the average, so a busy scene cannot blow the data budget.
        f"maxrate:v:{index}": int(profile.video_bitrate * 1.25),
        f"bufsize:v:{index}": int(profile.video_bitrate * 2),
    }


def _audio_args(bitrate: int) -> dict:
    return {"acodec": "aac", "b:a": bitrate, "ac": 1, "ar": 44100}


_TEE_SPECIAL = re.compile(r"([\\'|\[\]:])")


def _tee_slave(path: str, select: str) -> str:
    """One file of a tee output: an MP4 with +faststart holding the streams `select` names."""
    escaped = _TEE_SPECIAL.sub(r"\\\1", str(path))
    return f"[select=\\'{select}\\':f=mp4:movflags=+faststart]{escaped}"


def ladder_command(
    source: str | os.PathLike,
    plan: LadderPlan,
    destinations: dict[str, str],
    *,
    preset: str = "veryfast",
    only: str | None = None,
    progress: bool = True,
) -> list[str]:
    """The ffmpeg argument list that writes every planned output (or `only` that profile) to
    destinations[profile key].

    The videos and the audio-only file share one tee output: each picture size is encoded once
    and the soundtrack is encoded ONCE (every profile carries the same AAC track, see
    profiles.SOUNDTRACK_BITRATE) and muxed into each file, instead of one AAC encoder per file."""
    inp = ffmpeg_lib.input(str(source))
    selected = [o for o in plan.outputs if only is None or o.profile.key == only]
    videos = [o for o in selected if o.profile.kind == "video"]
    poster = next((o for o in selected if o.profile.key == POSTER), None)
    audio = next((o for o in selected if o.profile.key == AUDIO), None)
    video_streams, poster_stream = _picture_streams(inp, plan, videos, poster)
    soundtrack = plan.has_audio and bool(videos or audio)
    outputs = []
    if videos:
        outputs.append(
            _tee_output(
                inp,
                plan,
                videos,
                video_streams,
                destinations,
                preset=preset,
                soundtrack=soundtrack,
                audio_file=bool(audio),
            )
        )
    elif audio and soundtrack:
        outputs.append(_audio_only_output(inp, destinations))
    if poster_stream is not None:
        outputs.append(_poster_output(poster_stream, poster, plan, destinations))
    merged = ffmpeg_lib.merge_outputs(*outputs) if len(outputs) > 1 else outputs[0]
    global_args = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    if progress:
        global_args += ["-progress", "pipe:1", "-nostats"]
    return merged.global_args(*global_args).compile(cmd=ffmpeg_binaries().ffmpeg)


def _picture_streams(inp, plan: LadderPlan, videos: list[PlannedOutput], poster) -> tuple:
    """(one scaled picture stream per video, the poster's stream or None).

    Chain: each video is scaled from the previous (smaller) picture, the poster from the
    largest; every stage is split between its own encoder and the next stage."""
    if not videos and not poster:
        return [], None
    picture = inp.video
    if plan.fps_cap:
        picture = picture.filter("fps", fps=plan.fps_cap)
    if not videos:
        return [], picture.filter("scale", poster.width, poster.height).filter("setsar", "1")
    video_streams = []
    poster_stream = None
    stage = picture
    for index, out in enumerate(videos):
        scaled = stage.filter("scale", out.width, out.height, flags="bicubic").filter("setsar", "1")
        takers = 1 + (1 if index + 1 < len(videos) else 0) + (1 if poster and index == 0 else 0)
        branches = scaled.split() if takers > 1 else None
        video_streams.append(branches[0] if branches else scaled)
        next_slot = 1
        if poster and index == 0:
            poster_stream = branches[next_slot]
            next_slot += 1
        if index + 1 < len(videos):
            stage = branches[next_slot]
    return video_streams, poster_stream


def _tee_output(
    inp,
    plan: LadderPlan,
    videos: list[PlannedOutput],
    video_streams: list,
    destinations: dict,
    *,
    preset: str,
    soundtrack: bool,
    audio_file: bool,
):
    """One tee output: every video file, and the audio-only file when `audio_file`, from one
    set of encoders."""
    streams = list(video_streams)
    args = {
        "vcodec": "libx264",
        "preset": preset,
        "pix_fmt": "yuv420p",
        "g": int(round((plan.fps_cap or 30) * 2)),  # a keyframe every 2 s: seeking
        "map_metadata": -1,
        # the tee muxer cannot tell the encoders that MP4 wants their headers once, in the
        # file's header, rather than before every keyframe: ffmpeg's tee documentation
        "flags": "+global_header",
    }
    for index, out in enumerate(videos):
        args.update(_video_stream_args(out, index))
    if soundtrack:
        streams.append(inp.audio)
        args.update(_audio_args(SOUNDTRACK_BITRATE))
    with_audio = ",a" if soundtrack else ""
    slaves = [
        _tee_slave(destinations[out.profile.key], f"v:{index}{with_audio}")
        for index, out in enumerate(videos)
    ]
    if audio_file and soundtrack:
        slaves.append(_tee_slave(destinations[AUDIO], "a"))
    return ffmpeg_lib.output(*streams, "|".join(slaves), f="tee", **args)


def _audio_only_output(inp, destinations: dict):
    return ffmpeg_lib.output(
        inp.audio,
        destinations[AUDIO],
        vn=None,
        movflags="+faststart",
        map_metadata=-1,
        f="mp4",
        **_audio_args(SOUNDTRACK_BITRATE),
    )


def _poster_output(stream, poster: PlannedOutput, plan: LadderPlan, destinations: dict):
    # Output-side -ss: this output skips ahead while the others keep encoding from the start.
    return ffmpeg_lib.output(
        stream,
        destinations[POSTER],
        ss=f"{plan.poster_at:.3f}",
        vframes=1,
        update=1,
        **{"q:v": 4},
    )


@dataclass
class RunResult:
    elapsed: float
    out_time: float
    stderr_tail: str = ""
    progress_events: int = 0
    extra: dict = field(default_factory=dict)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """A worker killed mid-job must not leave ffmpeg running (and writing) behind it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run_with_progress(
    args: list[str],
    *,
    on_progress: Callable[[float, float], None] | None = None,
    cwd: str | None = None,
) -> RunResult:
    """Runs ffmpeg, calling on_progress(out_time_seconds, elapsed_seconds) for each progress
    block it prints on stdout (about twice a second). The callback may raise Aborted.
    Raises FfmpegFailed with the tail of stderr when ffmpeg fails."""
    started = time.monotonic()
    out_time = 0.0
    events = 0
    with tempfile.TemporaryFile(mode="w+b") as stderr_file:
        proc = subprocess.Popen(  # noqa: S603
            args,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            preexec_fn=_die_with_parent if os.name == "posix" else None,  # noqa: PLW1509
        )
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").strip()
                key, _, value = line.partition("=")
                if key in ("out_time_us", "out_time_ms"):  # both are microseconds
                    parsed = _int_or_none(value)
                    if parsed is not None and parsed >= 0:
                        out_time = max(out_time, parsed / 1_000_000)
                elif key == "progress":
                    events += 1
                    if on_progress is not None:
                        on_progress(out_time, time.monotonic() - started)
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        stderr_file.seek(0)
        stderr = stderr_file.read().decode("utf-8", "replace")
    tail = stderr[-STDERR_TAIL_CHARS:]
    if returncode != 0:
        raise FfmpegFailed(returncode, tail)
    return RunResult(
        elapsed=time.monotonic() - started,
        out_time=out_time,
        stderr_tail=tail,
        progress_events=events,
    )


# --- synthetic clips (tests, the demo seed, the benchmark) --------------------------------------
def synthetic_clip_command(
    destination: str | os.PathLike,
    *,
    seconds: float,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    audio: bool = True,
    video: bool = True,
    video_bitrate: str | None = None,
    preset: str = "ultrafast",
    pattern: str = "testsrc2",
    faststart: bool = True,
    source: str | None = None,
    tone: str = "sine=frequency=440:sample_rate=44100",
) -> list[str]:
    """An ffmpeg command that makes a clip from ffmpeg's own test sources: a moving test card
    (or `pattern`, e.g. "mandelbrot") and a sine tone."""
    streams = []
    args: dict = {"t": seconds}
    if video:
        graph = source or f"{pattern}=size={width}x{height}:rate={fps}"
        streams.append(ffmpeg_lib.input(graph, f="lavfi"))
        args.update({"vcodec": "libx264", "preset": preset, "pix_fmt": "yuv420p"})
        if video_bitrate:
            args.update({"b:v": video_bitrate, "maxrate": video_bitrate, "bufsize": video_bitrate})
    if audio:
        streams.append(ffmpeg_lib.input(tone, f="lavfi"))
        args.update({"acodec": "aac", "b:a": "96k"})
    if faststart and str(destination).endswith((".mp4", ".m4a", ".mov")):
        args["movflags"] = "+faststart"
    return (
        ffmpeg_lib.output(*streams, str(destination), **args)
        .global_args("-hide_banner", "-nostdin", "-y", "-loglevel", "error")
        .compile(cmd=ffmpeg_binaries().ffmpeg)
    )


def make_synthetic_clip(destination: str | os.PathLike, **kwargs) -> Path:
    subprocess.run(synthetic_clip_command(destination, **kwargs), check=True, timeout=1800)  # noqa: S603
    return Path(destination)
