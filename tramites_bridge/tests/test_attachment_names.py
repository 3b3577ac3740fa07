"""An accepted attachment is stored under a generated name with the extension of the type its
content was sniffed as (a PDF the citizen named `carta.html` is a `.pdf` on disk); the name the
citizen gave is kept only as data, and the back office downloads it under that name through a
header Django builds."""

import importlib
import uuid
from email.message import Message
from pathlib import PurePosixPath

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from tramites_bridge.models import Attachment, Submission
from tramites_bridge.services import attachment_stash
from tramites_bridge.tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    ProcedureFactory,
    citizen_fields,
    pdf_upload,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/tramites/submissions"
QUEUE = "/admin/tramites/bandeja/"


@pytest.fixture
def procedure():
    return ProcedureFactory(tupa_code="LF-01")


def _api_submit(client, upload) -> Submission:
    data = {"procedure": "LF-01", **citizen_fields(), "declaracion": upload}
    response = client.post(API, data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 201, response.content
    return Submission.objects.get(code=response.json()["code"])


def _stored(attachment: Attachment) -> PurePosixPath:
    return PurePosixPath(attachment.file.name)


def _download_name(header: str) -> str:
    message = Message()
    message["Content-Disposition"] = header
    return message.get_filename()


@pytest.mark.parametrize(
    ("name", "content", "suffix"),
    [
        ("carta.html", PDF_BYTES, ".pdf"),
        ("foto.pdf", PNG_BYTES, ".png"),
        ("declaracion", PDF_BYTES, ".pdf"),
        ("informe.PDF.svg", PDF_BYTES, ".pdf"),
    ],
)
def test_a_submitted_file_is_stored_with_the_extension_of_its_content(
    client, procedure, name, content, suffix
):
    upload = SimpleUploadedFile(name, content, content_type="text/html")
    attachment = _api_submit(client, upload).attachments.get()
    stored = _stored(attachment)
    assert stored.suffix == suffix
    assert stored.parent == PurePosixPath("tramites/privado")
    assert PurePosixPath(name).stem.lower() not in stored.name.lower()
    assert attachment.original_name == name
    with attachment.file.open("rb") as handle:
        assert handle.read() == content


def test_a_file_kept_for_a_reshown_form_is_stored_the_same_way(client, procedure):
    page = client.get("/tramites/formulario/LF-01/").content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    data = {
        "token": token,
        **citizen_fields(ruc="20123456787"),  # a wrong check digit: the form comes back
        "declaracion": pdf_upload("carta.html"),
    }
    response = client.post("/tramites/formulario/LF-01/", data)
    assert "el último dígito no corresponde" in response.content.decode()
    kept = Attachment.objects.get(token=f"web:{token}")
    assert _stored(kept).suffix == ".pdf" and kept.original_name == "carta.html"
    data.update(ruc="20123456786")
    data.pop("declaracion")
    assert client.post("/tramites/formulario/LF-01/", data).status_code == 302
    attachment = Submission.objects.get().attachments.get()
    assert _stored(attachment).suffix == ".pdf"
    assert attachment.original_name == "carta.html"


def test_the_back_office_downloads_the_file_under_the_citizens_name(client_for, procedure):
    tricky = 'Mi "carta"; año\r\nX-Inyectado: sí.html'
    upload = SimpleUploadedFile(tricky, PDF_BYTES, content_type="application/pdf")
    upload.sniffed = ("application/pdf", "pdf")
    kept = attachment_stash(token="tok-descarga", field_name="declaracion", upload=upload)
    assert _stored(kept).suffix == ".pdf"
    submission = _api_submit(client_for("anonymous"), pdf_upload())
    Attachment.objects.filter(pk=kept.pk).update(submission=submission)
    response = client_for("back_office").get(f"{QUEUE}{submission.pk}/adjuntos/{kept.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    header = response["Content-Disposition"]
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.startswith("attachment")
    assert _download_name(header) == tricky
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_files_stored_before_under_the_citizens_extension_are_renamed_keeping_their_data():
    """The data migration moves an existing file named after what the citizen typed (`.html`)
    to a generated name with its sniffed type's extension; its row keeps the original name."""
    field = Attachment._meta.get_field("file")
    old_name = field.storage.save("tramites/privado/abc123.html", ContentFile(PDF_BYTES))
    right_name = field.storage.save("tramites/privado/def456.png", ContentFile(PNG_BYTES))
    wrong = Attachment.objects.create(
        token="t1", field_name="declaracion", file=old_name, original_name="carta.html",
        content_type="application/pdf", size=len(PDF_BYTES),
    )  # fmt: skip
    right = Attachment.objects.create(
        token="t2", field_name="foto", file=right_name, original_name="foto.png",
        content_type="image/png", size=len(PNG_BYTES),
    )  # fmt: skip
    missing = Attachment.objects.create(
        token="t3", field_name="otro", file="tramites/privado/perdido.html",
        original_name="perdido.html", content_type="application/pdf", size=1,
    )  # fmt: skip
    migration = importlib.import_module(
        "tramites_bridge.migrations.0006_attachment_files_named_by_sniffed_type"
    )
    migration.rename_files_to_sniffed_type(apps, None)

    wrong.refresh_from_db()
    assert _stored(wrong).suffix == ".pdf" and _stored(wrong).name != "abc123.pdf"
    assert wrong.original_name == "carta.html"
    with wrong.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    assert not field.storage.exists(old_name)
    right.refresh_from_db()
    assert right.file.name == right_name
    missing.refresh_from_db()
    assert missing.file.name == "tramites/privado/perdido.html"
