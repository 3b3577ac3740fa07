"""Every file the site hands out (renditions and originals, lesson downloads and bundles,
citizens' attachments, Wagtail documents, CSV exports) is sent under the strict file policy
(nothing runs, sandboxed), with nosniff, and as an attachment unless it is audio, video or an
image asked for inline."""

import uuid

import pytest
from django.core.files.base import ContentFile

from lms.services import lesson_bundles_build
from lms.tests.factories import (
    MediaAssetFactory,
    course_create,
    document_create,
    lesson_create,
    rendition_create,
    student_create,
    unit_create,
)
from media_pipeline.models import MediaAsset
from tramites_bridge.models import Attachment
from tramites_bridge.services import submission_create
from tramites_bridge.tests.factories import ProcedureFactory, pdf_upload

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


def _directives(header: str) -> dict[str, list[str]]:
    return {words[0]: words[1:] for part in header.split(";") if (words := part.split())}


def assert_file_headers(response, *, disposition: str) -> None:
    assert response.status_code in (200, 206, 304), response.status_code
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert "sandbox" in policy
    assert (
        "script-src" not in policy and "'unsafe-inline'" not in response["Content-Security-Policy"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    if disposition:
        assert response["Content-Disposition"].startswith(disposition), response[
            "Content-Disposition"
        ]


@pytest.fixture
def media(users):
    """A lesson with an audio asset (audio and 240p renditions), a PDF asset and a worksheet,
    and an enrolled student."""
    course = course_create()
    asset = MediaAssetFactory(title="Clase 12")
    audio = rendition_create(asset=asset, profile="audio")
    video = rendition_create(asset=asset, profile="video_240p", data=b"\x00" * 5000)
    pdf_asset = MediaAssetFactory(
        title="Guía", kind=MediaAsset.Kind.DOCUMENT, status=MediaAsset.Status.READY,
        original=ContentFile(b"%PDF-1.4 guia", name="guia.pdf"),
    )  # fmt: skip
    document = document_create(title="Ficha de trabajo")
    lesson = lesson_create(
        unit=unit_create(course=course),
        episode=12,
        code="SOL12",
        body=[("paragraph", "<p>Hoy.</p>"), ("document", document)],
        assets=[asset, pdf_asset],
    )
    student = student_create(dni="41234567", course=course)
    return {
        "lesson": lesson, "asset": asset, "audio": audio, "video": video,
        "pdf_asset": pdf_asset, "document": document, "student": student,
    }  # fmt: skip


def test_player_video_plays_inline_under_the_file_policy(client, media):
    client.force_login(media["student"].user)
    url = f"/medios/ver/{media['asset'].pk}/video_240p.mp4"

    assert_file_headers(client.get(url, HTTP_RANGE="bytes=0-9"), disposition="inline")
    assert_file_headers(client.get(f"{url}?descargar=1"), disposition="attachment")


def test_a_pdf_of_the_player_is_a_download_even_when_asked_inline(client, media):
    client.force_login(media["student"].user)

    response = client.get(f"/medios/ver/{media['pdf_asset'].pk}/document.pdf")

    assert_file_headers(response, disposition="attachment")


def test_staff_downloads_of_originals_and_renditions(client_for, media):
    client = client_for("superuser")
    for profile in ("original", "audio"):
        response = client.get(f"/medios/descargar/{media['asset'].pk}/{profile}/")
        assert_file_headers(response, disposition="attachment")


def test_revalidations_and_refused_ranges_carry_the_file_policy(client, media):
    client.force_login(media["student"].user)
    url = f"/mis-lecciones/{media['lesson'].pk}/descargar/{media['audio'].pk}/"
    etag = client.get(url)["ETag"]

    assert_file_headers(client.get(url, HTTP_IF_NONE_MATCH=etag), disposition="")
    refused = client.get(url, HTTP_RANGE="bytes=999999-")
    assert refused.status_code == 416
    assert _directives(refused["Content-Security-Policy"])["default-src"] == ["'none'"]


def test_lesson_downloads_worksheets_and_bundles(client, media):
    lesson = media["lesson"]
    lesson_bundles_build(lesson_id=lesson.pk)
    client.force_login(media["student"].user)

    for url in (
        f"/mis-lecciones/{lesson.pk}/descargar/{media['audio'].pk}/",
        f"/mis-lecciones/{lesson.pk}/documento/{media['document'].pk}/",
        f"/mis-lecciones/{lesson.pk}/todo/audio/",
    ):
        assert_file_headers(client.get(url), disposition="attachment")


def test_a_wagtail_document_is_a_sandboxed_download(client, media):
    document = media["document"]

    response = client.get(document.url)

    assert_file_headers(response, disposition="attachment")


@pytest.fixture
def submission():
    upload = pdf_upload("declaracion.pdf")
    upload.sniffed = ("application/pdf", "pdf")
    created, _ = submission_create(
        procedure=ProcedureFactory(tupa_code="LF-01"),
        idempotency_key=str(uuid.uuid4()),
        dni="41234567",
        first_names="María",
        last_names="Quispe",
        email="maria@example.pe",
        data={"ruc": "20123456786", "giro": "Bodega"},
        uploads={"declaracion": upload},
        channel="web",
        ip="192.0.2.10",
    )
    return created


def test_a_citizens_pdf_is_a_download_even_when_viewed(client_for, submission):
    attachment = submission.attachments.get()
    url = f"/admin/tramites/bandeja/{submission.pk}/adjuntos/{attachment.pk}/"
    client = client_for("back_office")

    assert_file_headers(client.get(url), disposition="attachment")
    assert_file_headers(client.get(url, {"ver": "1"}), disposition="attachment")


def test_a_citizens_photo_may_be_viewed_inline(client_for, submission):
    photo = Attachment.objects.create(
        token="t", field_name="foto", submission=submission,
        file=ContentFile(PNG, name="foto.png"), original_name="foto.png",
        content_type="image/png", size=len(PNG),
    )  # fmt: skip
    url = f"/admin/tramites/bandeja/{submission.pk}/adjuntos/{photo.pk}/"
    client = client_for("back_office")

    assert_file_headers(client.get(url, {"ver": "1"}), disposition="inline")
    assert_file_headers(client.get(url), disposition="attachment")


def test_csv_exports_carry_the_file_policy(client_for):
    response = client_for("back_office").get("/admin/tramites/liquidaciones/", {"formato": "csv"})

    assert_file_headers(response, disposition="attachment")
