"""Reads of the media pipeline: assets with their renditions, queue positions, and what a
player or a download list shows."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from media_pipeline.models import MediaAsset, Rendition, UploadSession
from media_pipeline.profiles import AUDIO, POSTER, PROFILES, VIDEO_240P, VIDEO_360P, profile_slug


def asset_list(*, ids: list[int] | None = None, status: str | None = None) -> QuerySet[MediaAsset]:
    queryset = MediaAsset.objects.select_related("uploaded_by").prefetch_related("renditions")
    if ids:
        queryset = queryset.filter(pk__in=ids)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at")


def asset_get(*, asset_id: int) -> MediaAsset | None:
    return asset_list().filter(pk=asset_id).first()


def asset_find_by_sha256(*, sha256: str) -> MediaAsset | None:
    return MediaAsset.objects.filter(sha256=sha256.lower()).first()


def asset_queue_position(*, asset: MediaAsset) -> int | None:
    """1 for the next job the media queue will start; None when the asset is not waiting."""
    if asset.status != MediaAsset.Status.QUEUED or asset.queued_at is None:
        return None
    ahead = MediaAsset.objects.filter(
        status=MediaAsset.Status.QUEUED, queued_at__lt=asset.queued_at
    ).count()
    return ahead + 1


def upload_session_get(*, session_id, user) -> UploadSession | None:
    """A resumable upload, only for the person who started it (or a superuser)."""
    queryset = UploadSession.objects.filter(pk=session_id)
    if not user.is_superuser:
        queryset = queryset.filter(uploaded_by=user)
    return queryset.first()


def _renditions(asset: MediaAsset) -> dict[str, Rendition]:
    return {r.profile: r for r in asset.renditions.all()}


def _in_ladder_order(renditions) -> list[Rendition]:
    """Lightest first, as PROFILES orders them; a profile it does not know goes last."""
    return sorted(
        renditions, key=lambda r: PROFILES[r.profile].order if r.profile in PROFILES else 9
    )


@dataclass
class StaffRendition:
    """One rendition as staff see it: its size against its profile's data budget and the
    staff-only download."""

    profile: str
    label: str
    size_bytes: int
    size_mb: float
    mime_type: str
    width: int | None
    height: int | None
    duration_seconds: float | None
    bitrate: int | None
    mb_per_hour: float | None  # None: the profile has no budget (the poster) or no duration
    budget_mb_per_hour: float | None
    download_url: str


def asset_renditions(*, asset: MediaAsset) -> list[StaffRendition]:
    """Every rendition of the asset, the poster included, lightest first: what the admin's
    asset page and the API list. Reads `asset.renditions.all()`, so an asset from
    `asset_list()` costs no query."""
    listed = []
    for rendition in _in_ladder_order(asset.renditions.all()):
        profile = PROFILES.get(rendition.profile)
        budget = profile.budget_mb_per_hour if profile else None
        listed.append(
            StaffRendition(
                profile=rendition.profile,
                label=profile.label if profile else rendition.profile,
                size_bytes=rendition.size_bytes,
                size_mb=rendition.size_bytes / 1_000_000,
                mime_type=rendition.mime_type,
                width=rendition.width,
                height=rendition.height,
                duration_seconds=rendition.duration_seconds,
                bitrate=rendition.bitrate,
                mb_per_hour=(
                    profile.mb_per_hour(rendition.size_bytes, rendition.duration_seconds)
                    if budget and rendition.duration_seconds
                    else None
                ),
                budget_mb_per_hour=budget,
                download_url=staff_download_url(asset=asset, profile=rendition.profile),
            )
        )
    return listed


def rendition_filename(*, asset: MediaAsset, profile: str, base: str | None = None) -> str:
    """A download name such as `leccion-12-solo-audio.m4a` (base defaults to the title)."""
    from django.utils.text import slugify

    stem = slugify(base or asset.title)[:60] or "material"
    if profile == "original":
        ext = asset.original_filename.rsplit(".", 1)[-1] if "." in asset.original_filename else ""
        return f"{stem}.{ext}" if ext else stem
    return f"{stem}-{profile_slug(profile)}.{PROFILES[profile].extension}"


def original_content_type(*, asset: MediaAsset) -> str:
    """The type to serve a stored original as, from its stored name, whose extension is what its
    content showed (see services._stored_original_name); never from the uploader's name."""
    import mimetypes

    return mimetypes.guess_type(asset.original.name)[0] or "application/octet-stream"


@dataclass
class RenditionView:
    profile: str
    label: str
    description: str
    size_bytes: int
    size_mb: float
    mime_type: str
    width: int | None
    height: int | None
    stream_url: str
    download_url: str


def rendition_views(*, asset: MediaAsset) -> list[RenditionView]:
    """The downloadable renditions (not the poster), lightest first, with sizes."""
    views = []
    for rendition in _in_ladder_order(
        r for r in asset.renditions.all() if r.profile in PROFILES and r.profile != POSTER
    ):
        profile = PROFILES[rendition.profile]
        views.append(
            RenditionView(
                profile=rendition.profile,
                label=profile.label,
                description=profile.description,
                size_bytes=rendition.size_bytes,
                size_mb=rendition.size_bytes / 1_000_000,
                mime_type=rendition.mime_type,
                width=rendition.width,
                height=rendition.height,
                stream_url=stream_url(asset=asset, profile=rendition.profile),
                download_url=stream_url(asset=asset, profile=rendition.profile, download=True),
            )
        )
    return views


def stream_url(*, asset: MediaAsset, profile: str, download: bool = False) -> str:
    """The public URL of a ready asset's rendition or document (what the player plays)."""
    ext = "pdf" if profile == "document" else PROFILES[profile].extension
    url = reverse("media_pipeline:stream", args=[asset.pk, profile, ext])
    return f"{url}?descargar=1" if download else url


def staff_download_url(*, asset: MediaAsset, profile: str) -> str:
    """The staff-only download (originals included), for the admin and the API."""
    return reverse("media_pipeline:download", args=[asset.pk, profile])


def player_context(*, asset: MediaAsset | None) -> dict:
    """What the player block shows: the lightest suitable rendition to play, the poster and the
    list of downloads with their sizes."""
    if asset is None:
        return {"asset": None, "ready": False}
    context = {"asset": asset, "ready": asset.status == MediaAsset.Status.READY}
    if asset.kind == MediaAsset.Kind.DOCUMENT:
        context.update(
            {
                "is_document": True,
                "document_url": stream_url(asset=asset, profile="document", download=True),
                "document_size_mb": asset.original_size / 1_000_000,
            }
        )
        return context
    if not context["ready"]:
        return context
    by_profile = _renditions(asset)
    playable = [by_profile[key] for key in (VIDEO_240P, VIDEO_360P) if key in by_profile]
    playable_audio = [by_profile[AUDIO]] if not playable and AUDIO in by_profile else []
    context.update(
        {
            "is_video": bool(playable),
            "is_audio": bool(playable_audio),
            # lightest first: the browser plays the first source it can
            "sources": [
                {
                    "url": stream_url(asset=asset, profile=r.profile),
                    "type": r.mime_type,
                    "label": PROFILES[r.profile].label,
                }
                for r in (playable or playable_audio)
            ],
            "poster_url": stream_url(asset=asset, profile=POSTER) if POSTER in by_profile else "",
            "renditions": rendition_views(asset=asset),
        }
    )
    return context
