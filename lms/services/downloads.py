"""Lesson downloads and the "Descargar todo" bundles."""

import hashlib
import json
import logging
import tempfile
import zipfile

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ConflictError
from core.jobs import Job
from lms.models import (
    CoursePage,
    LessonBundle,
    LessonDownload,
    LessonMediaAsset,
    LessonPage,
    StudentProfile,
)

logger = logging.getLogger(__name__)

BUILD_LESSON_BUNDLES_JOB = Job(name="lms.build_lesson_bundles", queue="media")


def lesson_download_record(
    *,
    student: StudentProfile,
    lesson: LessonPage,
    rendition=None,
    document=None,
    bundle: LessonBundle | None = None,
    range_start: int = 0,
) -> LessonDownload:
    """One row per download request (a resumed download is a request of its own, with the byte
    it resumes from)."""
    if sum(x is not None for x in (rendition, document, bundle)) != 1:
        raise ValueError("exactly one of rendition, document or bundle")
    return LessonDownload.objects.create(
        student=student,
        lesson=lesson,
        rendition=rendition,
        document=document,
        bundle=bundle,
        range_start=max(0, range_start),
    )


def _sha256_of(fieldfile) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with fieldfile.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def lesson_bundles_build(*, lesson_id: int) -> list[LessonBundle]:
    """Builds (or rebuilds, when the inputs changed) one zip per profile for a lesson whose media
    assets are all ready. Idempotent: a bundle whose inputs did not change is left alone. Media
    is stored uncompressed in the zip (it is compressed already); the manifest lists each file's
    name, size and sha256 and travels inside the zip as manifest.json."""
    from lms.selectors import lesson_bundle_inputs

    lesson = LessonPage.objects.filter(pk=lesson_id).first()
    if lesson is None:
        return []
    inputs = lesson_bundle_inputs(lesson=lesson)
    if inputs is None:  # some asset is still being processed: its "ready" will queue us again
        return []
    built = []
    for profile, files in inputs.items():
        signature = hashlib.sha256(
            json.dumps([(f["name"], f["fingerprint"]) for f in files]).encode()
        ).hexdigest()
        existing = LessonBundle.objects.filter(lesson=lesson, profile=profile).first()
        if (
            existing
            and existing.signature == signature
            and existing.status == LessonBundle.Status.READY
        ):
            continue
        bundle, _ = LessonBundle.objects.update_or_create(
            lesson=lesson,
            profile=profile,
            defaults={"status": LessonBundle.Status.BUILDING, "error_message": ""},
        )
        try:
            built.append(
                _bundle_write(lesson=lesson, bundle=bundle, files=files, signature=signature)
            )
        except Exception as exc:
            logger.exception("bundle %s of lesson %s failed", profile, lesson.pk)
            LessonBundle.objects.filter(pk=bundle.pk).update(
                status=LessonBundle.Status.FAILED, error_message=str(exc)[:2000]
            )
    # a profile that no longer has files (an asset was removed) loses its bundle
    stale = LessonBundle.objects.filter(lesson=lesson).exclude(profile__in=list(inputs))
    for bundle in stale:
        if bundle.file:
            bundle.file.delete(save=False)
        bundle.delete()
    return built


def _bundle_write(
    *, lesson: LessonPage, bundle: LessonBundle, files: list[dict], signature: str
) -> LessonBundle:
    profile = bundle.profile
    manifest = []
    with tempfile.TemporaryFile() as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for item in files:
                digest = hashlib.sha256()
                size = 0
                large = (item.get("size") or 0) > 2**31 - 2**24
                with (
                    item["file"].open("rb") as source,
                    zf.open(item["name"], "w", force_zip64=large) as target,
                ):
                    for chunk in iter(lambda source=source: source.read(1024 * 1024), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                manifest.append(
                    {"name": item["name"], "size_bytes": size, "sha256": digest.hexdigest()}
                )
            zf.writestr(
                "manifest.json", json.dumps({"files": manifest}, ensure_ascii=False, indent=2)
            )
        tmp.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: tmp.read(1024 * 1024), b""):
            digest.update(chunk)
        size = tmp.tell()
        tmp.seek(0)
        with transaction.atomic():
            locked = LessonBundle.objects.select_for_update().get(pk=bundle.pk)
            old_name = locked.file.name if locked.file else ""
            locked.file.save(
                f"leccion-{lesson.episode_number}-{profile}.zip", File(tmp), save=False
            )
            locked.size_bytes = size
            locked.sha256 = digest.hexdigest()
            locked.manifest = manifest
            locked.signature = signature
            locked.status = LessonBundle.Status.READY
            locked.built_at = timezone.now()
            locked.save()
        if old_name and old_name != locked.file.name:
            locked.file.storage.delete(old_name)
    return locked


def lesson_bundles_queue(*, lesson_ids: list[int]) -> None:
    for lesson_id in set(lesson_ids):
        transaction.on_commit(lambda lesson_id=lesson_id: BUILD_LESSON_BUNDLES_JOB.send(lesson_id))


def lesson_course_refresh(*, lesson: LessonPage) -> None:
    """Re-reads the lesson's course from the tree (after a move)."""
    lesson.refresh_from_db(fields=["path", "depth"])
    course = CoursePage.objects.filter(
        path=lesson.path[: lesson.steplen * (lesson.depth - 2)]
    ).first()
    try:
        with transaction.atomic():
            LessonPage.objects.filter(pk=lesson.pk).update(course=course)
    except IntegrityError as exc:
        raise ConflictError(
            "La lección que movió usa un código del día que ya existe en el curso de destino."
        ) from exc


def lesson_bundles_missing_queue() -> list[int]:
    """Queues the lessons whose assets are all ready but lack a ready bundle for some profile
    (three queries for the whole site)."""
    from media_pipeline.models import MediaAsset, Rendition
    from media_pipeline.profiles import POSTER, PROFILES

    links = list(LessonMediaAsset.objects.values_list("lesson_id", "asset_id", "asset__status"))
    asset_ids = {asset_id for _, asset_id, _ in links}
    profiles_by_asset: dict[int, set[str]] = {}
    for asset_id, profile in (
        Rendition.objects.filter(asset_id__in=asset_ids)
        .exclude(profile=POSTER)
        .values_list("asset_id", "profile")
    ):
        if profile in PROFILES:
            profiles_by_asset.setdefault(asset_id, set()).add(profile)
    expected: dict[int, set[str]] = {}
    not_ready: set[int] = set()
    for lesson_id, asset_id, status in links:
        if status != MediaAsset.Status.READY:
            not_ready.add(lesson_id)
        expected.setdefault(lesson_id, set()).update(profiles_by_asset.get(asset_id, set()))
    ready: dict[int, set[str]] = {}
    for lesson_id, profile in LessonBundle.objects.filter(
        status=LessonBundle.Status.READY
    ).values_list("lesson_id", "profile"):
        ready.setdefault(lesson_id, set()).add(profile)
    missing = [
        lesson_id
        for lesson_id, profiles in expected.items()
        if lesson_id not in not_ready and profiles - ready.get(lesson_id, set())
    ]
    lesson_bundles_queue(lesson_ids=missing)
    return missing
