"""The back office's queue in the admin: who may enter, filters, state changes with notes,
hand-offs, attachments, the append-only audit log and the citizen's e-mails."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tramites_bridge.models import AuditEntry, Office, Status, Submission
from tramites_bridge.services import submission_create
from tramites_bridge.tests.factories import ProcedureFactory, pdf_upload

pytestmark = pytest.mark.django_db
QUEUE = "/admin/tramites/bandeja/"


def _submit(procedure, dni="41234567", email="maria@example.pe", files=None):
    uploads = {}
    for name, upload in (files or {}).items():
        upload.sniffed = ("application/pdf", "pdf")
        uploads[name] = upload
    submission, _ = submission_create(
        procedure=procedure,
        idempotency_key=str(uuid.uuid4()),
        dni=dni,
        first_names="María",
        last_names="Quispe",
        email=email,
        data={"ruc": "20123456786", "giro": "Bodega"},
        uploads=uploads,
        channel="web",
        ip="192.0.2.10",
    )
    return submission


@pytest.fixture
def procedure():
    return ProcedureFactory(tupa_code="LF-01")


@pytest.mark.parametrize(
    "role", ["student", "presenter", "tv_staff", "coach", "validator", "cabina_agent"]
)
def test_other_roles_cannot_open_the_queue(client_for, role, procedure):
    submission = _submit(procedure)
    client = client_for(role)
    for url in (QUEUE, f"{QUEUE}{submission.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert not response["Location"].startswith(QUEUE)
        assert submission.display_code not in client.get(url, follow=True).content.decode()
    assert client.post(f"{QUEUE}{submission.pk}/", {"action": "status", "status": "aprobado"})
    assert Submission.objects.get().status == Status.RECEIVED


def test_anonymous_visitors_are_sent_to_the_login(client, procedure):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_back_office_sees_the_menu_and_filters_the_queue(client_for, procedure):
    other = ProcedureFactory(tupa_code="RC-01")
    on_time = _submit(procedure)
    late = _submit(other, dni="42222222")
    Submission.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    client = client_for("back_office")
    home = client.get("/admin/").content.decode()
    assert '"label": "Tr\\u00e1mites"' in home and '"url": "/admin/tramites/bandeja/"' in home
    assert "/admin/tramites/bandeja/" not in client_for("coach").get("/admin/").content.decode()
    html = client.get(QUEUE).content.decode()
    assert on_time.display_code in html and late.display_code in html
    html = client.get(QUEUE, {"overdue": "si"}).content.decode()
    assert late.display_code in html and on_time.display_code not in html
    html = client.get(QUEUE, {"procedure": procedure.pk}).content.decode()
    assert on_time.display_code in html and late.display_code not in html
    html = client.get(QUEUE, {"status": "observado"}).content.decode()
    assert on_time.display_code not in html
    html = client.get(QUEUE, {"office": procedure.office.pk}).content.decode()
    assert on_time.display_code in html and late.display_code not in html
    html = client.get(QUEUE, {"q": late.display_code.lower()}).content.decode()
    assert late.display_code in html and on_time.display_code not in html


def test_the_file_shows_data_and_attachments_only_to_the_back_office(client_for, procedure):
    submission = _submit(procedure, files={"declaracion": pdf_upload("declaracion.pdf")})
    attachment = submission.attachments.get()
    client = client_for("back_office")
    html = client.get(f"{QUEUE}{submission.pk}/").content.decode()
    assert "20123456786" in html and "declaracion.pdf" in html and "41234567" in html
    url = f"{QUEUE}{submission.pk}/adjuntos/{attachment.pk}/"
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert download["Content-Type"] == "application/pdf"
    for role in ("student", "cabina_agent"):
        assert client_for(role).get(url).status_code == 302
    from django.test import Client

    assert Client().get(url).status_code == 302
    viewed = AuditEntry.objects.filter(action="attachment_viewed")
    assert viewed.count() == 1


def test_changing_state_with_a_note_updates_timeline_audit_and_emails_the_citizen(
    client_for, users, procedure, django_capture_on_commit_callbacks
):
    submission = _submit(procedure)
    client = client_for("back_office")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{QUEUE}{submission.pk}/",
            {"action": "status", "status": "observado", "note": "Traiga el croquis."},
            REMOTE_ADDR="198.51.100.7",
        )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.OBSERVED
    assert submission.events.last().note == "Traiga el croquis."
    entry = AuditEntry.objects.filter(action="status_changed").get()
    assert entry.actor_id == users["back_office"].pk
    assert entry.ip == "198.51.100.7"
    assert entry.details == {"from": "recibido", "to": "observado", "note": "Traiga el croquis."}
    # refers to people by id, never by copying their data
    assert "41234567" not in str(entry.details) and "María" not in str(entry.details)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["maria@example.pe"]
    assert "Observado" in mail.outbox[0].subject
    assert "Traiga el croquis." in mail.outbox[0].body


def test_observado_needs_a_note_and_closed_files_cannot_move(client_for, procedure):
    submission = _submit(procedure)
    client = client_for("back_office")
    response = client.post(
        f"{QUEUE}{submission.pk}/", {"action": "status", "status": "observado"}, follow=True
    )
    assert "Escriba qué debe hacer el ciudadano" in response.content.decode()
    assert Submission.objects.get().status == Status.RECEIVED
    response = client.post(
        f"{QUEUE}{submission.pk}/", {"action": "status", "status": "entregado"}, follow=True
    )
    assert Submission.objects.get().status == Status.RECEIVED


def test_moving_to_another_office_is_audited_and_tracked(
    client_for, users, procedure, django_capture_on_commit_callbacks
):
    submission = _submit(procedure, email="")
    legal = Office.objects.create(name="Oficina de Asesoría Jurídica")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for("back_office").post(
            f"{QUEUE}{submission.pk}/", {"action": "move", "office": legal.pk, "note": ""}
        )
    submission.refresh_from_db()
    assert submission.office == legal
    assert submission.events.last().office == legal
    entry = AuditEntry.objects.get(action="office_changed")
    assert entry.details["to_office"] == legal.pk
    assert entry.actor_id == users["back_office"].pk
    assert mail.outbox == []  # no address given, no e-mail


def test_every_change_is_in_the_audit_log(procedure, users):
    from tramites_bridge.services import submission_change_status, submission_move

    submission = _submit(procedure)
    staff = users["back_office"].pk
    submission_change_status(submission=submission, status="en_revision", actor_id=staff)
    submission_move(
        submission=submission, office=Office.objects.create(name="Otra"), actor_id=staff
    )
    submission_change_status(submission=submission, status="aprobado", actor_id=staff)
    submission_change_status(submission=submission, status="entregado", actor_id=staff)
    actions = list(
        AuditEntry.objects.filter(submission=submission).values_list("action", flat=True)
    )
    assert actions == [
        "submitted",
        "status_changed",
        "office_changed",
        "status_changed",
        "status_changed",
    ]
    assert submission.events.count() == 5


def test_the_audit_log_cannot_be_edited_or_deleted(procedure):
    submission = _submit(procedure)
    entry = AuditEntry.objects.get(submission=submission)
    entry.details = {"forged": True}
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(ip="10.0.0.1")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).details["channel"] == "web"


def test_no_role_may_change_the_audit_log():
    from django.contrib.auth.models import Group, Permission

    codenames = set(
        Permission.objects.filter(content_type__model="auditentry").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_auditentry"}
    granted = Permission.objects.filter(group__isnull=False, content_type__model="auditentry")
    assert set(granted.values_list("codename", flat=True)) <= {"view_auditentry"}
    assert (
        Group.objects.get(name="Mesa de partes")
        .permissions.filter(codename="view_auditentry")
        .exists()
    )


def test_only_the_back_office_edits_the_catalogue(client_for):
    assert (
        client_for("back_office").get("/admin/snippets/tramites_bridge/procedure/").status_code
        == 200
    )
    assert client_for("coach").get("/admin/snippets/tramites_bridge/procedure/").status_code == 302


def test_the_back_office_edits_procedures_fields_and_cabinas_in_the_admin(client_for):
    from tramites_bridge.tests.factories import ProcedureFactory

    client = client_for("back_office")
    procedure = ProcedureFactory()
    for url in (
        "/admin/snippets/tramites_bridge/procedure/add/",
        f"/admin/snippets/tramites_bridge/procedure/edit/{procedure.pk}/",
        "/admin/snippets/tramites_bridge/holiday/add/",
        "/admin/snippets/tramites_bridge/cabina/add/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(f"/admin/snippets/tramites_bridge/procedure/edit/{procedure.pk}/").content
    assert "Campos del formulario" in html.decode()
    assert "RUC del titular" in html.decode()


@pytest.mark.parametrize("query", ["LF-01", "prueba", '"', "LF*", "\x00"])
def test_the_back_office_searches_the_procedures_by_name_or_tupa_code(client_for, procedure, query):
    response = client_for("back_office").get(
        "/admin/snippets/tramites_bridge/procedure/", {"q": query}
    )
    assert response.status_code == 200
    if query in ("LF-01", "prueba"):
        assert procedure.name in response.content.decode()
