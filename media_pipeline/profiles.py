"""The rendition ladder, sized to a data budget.

Each profile states a ceiling in MB per hour of content (MB = 1,000,000 bytes, as phone plans
count them). Bitrates are derived from that ceiling, leaving HEADROOM for the container and for
x264's rate control overshooting on busy scenes; the pipeline fails a job whose output exceeds
its ceiling by more than BUDGET_TOLERANCE. Other apps read labels, extensions and MIME types
from here (e.g. to name a download `leccion-12-solo-audio.m4a`)."""

from dataclasses import dataclass

# Fraction of the budget the encoder aims at: the rest absorbs MP4 overhead and rate-control
# overshoot, so a rendition stays under its ceiling on real footage, not only on test patterns.
HEADROOM = 0.85
# A rendition may exceed its ceiling by at most this much before the job fails.
BUDGET_TOLERANCE = 0.05

AUDIO = "audio"
VIDEO_240P = "video_240p"
VIDEO_360P = "video_360p"
POSTER = "poster"


def bits_per_second_for(mb_per_hour: float) -> int:
    """The average bitrate (bit/s) that spends exactly `mb_per_hour` MB in one hour."""
    return int(mb_per_hour * 1_000_000 * 8 / 3600)


AUDIO_BUDGET_MB_PER_HOUR = 25
# One soundtrack for every download: AAC-LC mono at the audio-only budget. The voice is what a
# lesson cannot do without, and one shared track is encoded once per job, not once per file.
SOUNDTRACK_BITRATE = int(bits_per_second_for(AUDIO_BUDGET_MB_PER_HOUR) * HEADROOM) // 1000 * 1000


@dataclass(frozen=True)
class Profile:
    key: str
    label: str  # what students see, in Spanish
    description: str
    kind: str  # "audio", "video" or "image"
    extension: str  # without the dot
    mime_type: str
    budget_mb_per_hour: float | None = None  # None: no budget (the poster)
    width: int | None = None  # the box the picture is fitted into (never upscaled)
    height: int | None = None
    audio_bitrate: int = 0  # bit/s
    h264_profile: str = ""
    order: int = 0  # lightest first

    @property
    def total_bitrate(self) -> int:
        """What the encoder aims at for audio + video together (bit/s)."""
        if self.budget_mb_per_hour is None:
            return 0
        return int(bits_per_second_for(self.budget_mb_per_hour) * HEADROOM)

    @property
    def video_bitrate(self) -> int:
        if self.kind != "video":
            return 0
        return self.total_bitrate - self.audio_bitrate

    @property
    def ceiling_bytes_per_second(self) -> float | None:
        if self.budget_mb_per_hour is None:
            return None
        return self.budget_mb_per_hour * 1_000_000 / 3600

    def size_ceiling_bytes(self, duration_seconds: float) -> int | None:
        """The largest file this profile may produce for that duration, tolerance included."""
        per_second = self.ceiling_bytes_per_second
        if per_second is None:
            return None
        return int(per_second * duration_seconds * (1 + BUDGET_TOLERANCE))

    def mb_per_hour(self, size_bytes: int, duration_seconds: float) -> float:
        """What a file of that size costs per hour of content, in MB."""
        if not duration_seconds:
            return 0.0
        return size_bytes / 1_000_000 * 3600 / duration_seconds

    def estimated_bytes(self, duration_seconds: float) -> int:
        """A generous estimate of the output size, for the free-space check."""
        if self.budget_mb_per_hour is None:
            return 2_000_000
        return int(self.ceiling_bytes_per_second * duration_seconds * (1 + BUDGET_TOLERANCE))


PROFILES: dict[str, Profile] = {
    p.key: p
    for p in [
        Profile(
            key=AUDIO,
            label="Solo audio",
            description="Para escuchar la clase gastando pocos datos.",
            kind="audio",
            extension="m4a",
            mime_type="audio/mp4",
            budget_mb_per_hour=AUDIO_BUDGET_MB_PER_HOUR,
            # AAC-LC mono: every Android phone plays it; the whole budget goes to the voice.
            audio_bitrate=SOUNDTRACK_BITRATE,
            order=1,
        ),
        Profile(
            key=VIDEO_240P,
            label="Video liviano",
            description="Video pequeño (240p) para conexiones lentas.",
            kind="video",
            extension="mp4",
            mime_type="video/mp4",
            budget_mb_per_hour=120,
            width=426,
            height=240,
            audio_bitrate=SOUNDTRACK_BITRATE,
            h264_profile="baseline",
            order=2,
        ),
        Profile(
            key=VIDEO_360P,
            label="Video estándar",
            description="Video de mejor calidad (360p).",
            kind="video",
            extension="mp4",
            mime_type="video/mp4",
            budget_mb_per_hour=220,
            width=640,
            height=360,
            audio_bitrate=SOUNDTRACK_BITRATE,
            h264_profile="main",
            order=3,
        ),
        Profile(
            key=POSTER,
            label="Imagen de portada",
            description="Un cuadro del video en JPEG.",
            kind="image",
            extension="jpg",
            mime_type="image/jpeg",
            width=640,
            height=360,
            order=4,
        ),
    ]
}

VIDEO_PROFILES = [PROFILES[VIDEO_360P], PROFILES[VIDEO_240P]]  # largest first: scaling chains
PROFILE_CHOICES = [(p.key, p.label) for p in PROFILES.values()]


def profile_get(key: str) -> Profile:
    return PROFILES[key]


def profile_label(key: str) -> str:
    """The Spanish label students see ("Solo audio"); the key itself if unknown."""
    profile = PROFILES.get(key)
    return profile.label if profile else key


def profile_slug(key: str) -> str:
    """A filename-friendly label: "solo-audio", "video-liviano", "video-estandar"."""
    import unicodedata

    label = unicodedata.normalize("NFKD", profile_label(key)).encode("ascii", "ignore").decode()
    return "-".join(label.lower().split())
