import hashlib
import io
import json
import os
import zipfile

import pytest

from lms.models import LessonBundle, LessonDownload
from lms.services import lesson_bundles_build, lesson_bundles_missing_queue
from lms.tests.factories import (
    MediaAssetFactory,
    course_create,
    lesson_create,
    rendition_create,
    unit_create,
)
from media_pipeline.models import MediaAsset
from tests.fixtures import LIVE_DB, wait_for


def _zip_of(bundle: LessonBundle) -> zipfile.ZipFile:
    with bundle.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


@pytest.mark.django_db
def test_one_bundle_per_profile_with_a_manifest_matching_its_files(lesson_with_media):
    lesson = lesson_with_media["lesson"]
    built = lesson_bundles_build(lesson_id=lesson.pk)
    assert sorted(b.profile for b in built) == ["audio", "video_240p"]
    audio_bundle = LessonBundle.objects.get(lesson=lesson, profile="audio")
    archive = _zip_of(audio_bundle)
    names = sorted(archive.namelist())
    assert names == [
        "leccion-12-ficha-de-trabajo.pdf",
        "leccion-12-solo-audio.m4a",
        "manifest.json",
    ]
    manifest = json.loads(archive.read("manifest.json"))["files"]
    assert manifest == audio_bundle.manifest
    for entry in manifest:
        data = archive.read(entry["name"])
        assert entry["size_bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert {e["name"]: e["sha256"] for e in manifest}["leccion-12-solo-audio.m4a"] == (
        lesson_with_media["audio"].sha256
    )
    with audio_bundle.file.open("rb") as handle:
        stored = handle.read()
    assert audio_bundle.size_bytes == len(stored)
    assert audio_bundle.sha256 == hashlib.sha256(stored).hexdigest()
    video_names = _zip_of(LessonBundle.objects.get(lesson=lesson, profile="video_240p")).namelist()
    assert "leccion-12-video-liviano.mp4" in video_names
    assert "leccion-12-solo-audio.m4a" not in video_names


@pytest.mark.django_db
def test_building_again_with_the_same_files_changes_nothing(lesson_with_media):
    lesson = lesson_with_media["lesson"]
    lesson_bundles_build(lesson_id=lesson.pk)
    before = {b.profile: (b.file.name, b.built_at) for b in LessonBundle.objects.all()}
    assert lesson_bundles_build(lesson_id=lesson.pk) == []
    after = {b.profile: (b.file.name, b.built_at) for b in LessonBundle.objects.all()}
    assert before == after


@pytest.mark.django_db
def test_a_changed_rendition_rebuilds_its_bundle(lesson_with_media):
    lesson = lesson_with_media["lesson"]
    lesson_bundles_build(lesson_id=lesson.pk)
    video = lesson_with_media["video"]
    video.sha256 = "0" * 64
    video.save()
    rebuilt = lesson_bundles_build(lesson_id=lesson.pk)
    assert [b.profile for b in rebuilt] == ["video_240p"]


@pytest.mark.django_db
def test_no_bundle_while_an_asset_is_still_processing(unit):
    ready = MediaAssetFactory()
    rendition_create(asset=ready, profile="audio")
    busy = MediaAssetFactory(status=MediaAsset.Status.TRANSCODING)
    lesson = lesson_create(unit=unit, episode=3, assets=[ready, busy])
    assert lesson_bundles_build(lesson_id=lesson.pk) == []
    assert not LessonBundle.objects.exists()


@pytest.mark.django_db
def test_the_lesson_page_shows_the_bundle_size_before_download_and_serves_it_with_range(
    client, student, lesson_with_media
):
    lesson = lesson_with_media["lesson"]
    lesson_bundles_build(lesson_id=lesson.pk)
    bundle = LessonBundle.objects.get(lesson=lesson, profile="audio")
    client.force_login(student.user)
    html = client.get(lesson.url).content.decode()
    assert "Descargar todo" in html
    assert "Todo en «Solo audio» — 0,1 MB" in html
    url = f"/mis-lecciones/{lesson.pk}/todo/audio/"
    assert f'href="{url}"' in html
    response = client.get(url, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{bundle.size_bytes}"
    assert response["Content-Disposition"] == (
        'attachment; filename="leccion-12-todo-solo-audio.zip"'
    )
    assert len(b"".join(response.streaming_content)) == 100
    assert LessonDownload.objects.get().bundle == bundle


@pytest.mark.django_db
def test_the_sweeper_finds_lessons_whose_bundles_were_never_built(
    lesson_with_media, django_capture_on_commit_callbacks, published_tasks
):
    lesson = lesson_with_media["lesson"]
    with django_capture_on_commit_callbacks(execute=True):
        missing = lesson_bundles_missing_queue()
    assert missing == [lesson.pk]
    # sent to the broker after the commit, on the queue the task declares
    assert published_tasks == [("lms.build_lesson_bundles", [lesson.pk], "media")]
    lesson_bundles_build(lesson_id=lesson.pk)
    assert lesson_bundles_missing_queue() == []


@LIVE_DB
def test_publishing_a_lesson_has_the_worker_build_its_bundles(settings, celery_worker_process):
    # the worker process stores files where the test settings put MEDIA_ROOT
    location = os.environ["MEDIA_ROOT"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": "/media/"},
        },
    }
    unit = unit_create(course=course_create())
    asset = MediaAssetFactory()
    audio = rendition_create(asset=asset, profile="audio")
    lesson = lesson_create(unit=unit, episode=7, assets=[asset])  # publishing queues the build
    bundle = wait_for(
        lambda: LessonBundle.objects.filter(
            lesson=lesson, profile="audio", status=LessonBundle.Status.READY
        ).first(),
        timeout=60,
        message="El worker no armó el paquete",
    )
    manifest = {entry["name"]: entry for entry in bundle.manifest}
    assert manifest["leccion-7-solo-audio.m4a"]["sha256"] == audio.sha256
    assert set(_zip_of(bundle).namelist()) == {"leccion-7-solo-audio.m4a", "manifest.json"}
