import hashlib

import pytest

from lms.models import LessonDownload
from lms.tests.factories import (
    MediaAssetFactory,
    course_create,
    lesson_create,
    rendition_create,
    student_create,
)

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _audio_url(media) -> str:
    return f"/mis-lecciones/{media['lesson'].pk}/descargar/{media['audio'].pk}/"


def test_a_download_is_recorded_once_per_request_with_the_lesson_filename(
    client, student, lesson_with_media
):
    client.force_login(student.user)
    response = client.get(_audio_url(lesson_with_media))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="leccion-12-solo-audio.m4a"'
    assert response["Content-Type"] == "audio/mp4"
    body = _body(response)
    assert hashlib.sha256(body).hexdigest() == lesson_with_media["audio"].sha256
    rows = list(LessonDownload.objects.all())
    assert len(rows) == 1
    row = rows[0]
    assert (row.student, row.lesson, row.rendition, row.range_start) == (
        student,
        lesson_with_media["lesson"],
        lesson_with_media["audio"],
        0,
    )
    client.get(_audio_url(lesson_with_media))
    assert LessonDownload.objects.count() == 2


def test_a_resumed_download_gets_the_rest_of_the_file_and_is_recorded(
    client, student, lesson_with_media
):
    client.force_login(student.user)
    full = lesson_with_media["audio"].file.open("rb").read()
    response = client.get(_audio_url(lesson_with_media), HTTP_RANGE="bytes=100-")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-{len(full) - 1}/{len(full)}"
    assert _body(response) == full[100:]
    assert list(LessonDownload.objects.values_list("range_start", flat=True)) == [100]


def test_head_and_unchanged_revalidations_are_not_counted_as_downloads(
    client, student, lesson_with_media
):
    client.force_login(student.user)
    head = client.head(_audio_url(lesson_with_media))
    assert head.status_code == 200
    etag = client.get(_audio_url(lesson_with_media))["ETag"]
    not_modified = client.get(_audio_url(lesson_with_media), HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert LessonDownload.objects.count() == 1


def test_a_student_of_another_course_cannot_download_and_nothing_is_recorded(
    client, lesson_with_media
):
    outsider = student_create(dni="49999999", course=course_create(slug="otro", title="Otro"))
    client.force_login(outsider.user)
    response = client.get(_audio_url(lesson_with_media))
    assert response.status_code == 403
    assert LessonDownload.objects.count() == 0


def test_anonymous_download_goes_to_login(client, lesson_with_media):
    response = client.get(_audio_url(lesson_with_media))
    assert response.status_code == 302
    assert "/cuenta/ingresar/" in response["Location"]
    assert LessonDownload.objects.count() == 0


def test_a_rendition_of_another_lesson_is_not_served_through_this_one(
    client, student, unit, lesson_with_media
):
    foreign_asset = MediaAssetFactory(title="Otra clase")
    foreign = rendition_create(asset=foreign_asset, profile="audio")
    lesson_create(unit=unit, episode=13, assets=[foreign_asset])
    client.force_login(student.user)
    lesson = lesson_with_media["lesson"]
    response = client.get(f"/mis-lecciones/{lesson.pk}/descargar/{foreign.pk}/")
    assert response.status_code == 404
    assert LessonDownload.objects.count() == 0


def test_an_unpublished_lesson_offers_no_downloads(client, student, unit):
    asset = MediaAssetFactory()
    audio = rendition_create(asset=asset, profile="audio")
    draft = lesson_create(unit=unit, episode=14, assets=[asset], live=False)
    client.force_login(student.user)
    assert client.get(f"/mis-lecciones/{draft.pk}/descargar/{audio.pk}/").status_code == 404


def test_the_worksheet_downloads_under_the_lesson_name_and_is_recorded(
    client, student, lesson_with_media
):
    client.force_login(student.user)
    lesson, document = lesson_with_media["lesson"], lesson_with_media["document"]
    response = client.get(f"/mis-lecciones/{lesson.pk}/documento/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="leccion-12-ficha-de-trabajo.pdf"'
    )
    assert _body(response).startswith(b"%PDF-")
    assert LessonDownload.objects.get().document == document


def test_staff_can_download_without_being_counted(client_for, lesson_with_media):
    response = client_for("validator").get(_audio_url(lesson_with_media))
    assert response.status_code == 200
    assert LessonDownload.objects.count() == 0
