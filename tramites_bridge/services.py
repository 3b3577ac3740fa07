"""Every write of the procedure bridge. The page, the API, the admin and the seed all come here."""

import ipaddress
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from core.jobs import Job
from tramites_bridge.codes import code_generate
from tramites_bridge.models import (
    STATUS_TRANSITIONS,
    Attachment,
    AuditEntry,
    Cabina,
    LedgerEntry,
    Office,
    OutboxEvent,
    Procedure,
    Status,
    Submission,
    SubmissionEvent,
)
from tramites_bridge.workdays import HolidayCalendar, due_date_compute

logger = logging.getLogger(__name__)

# States whose note tells the citizen what to do (or why): the note is required there.
NOTE_REQUIRED = {Status.OBSERVED, Status.REJECTED}


def _clean_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


def attachment_stash(*, token: str, field_name: str, upload: UploadedFile) -> Attachment:
    """Keeps a validated upload for a form token (replacing an earlier one for the same field),
    so that a form shown again after an error need not ask for it. The upload must already be
    sniffed (forms.SniffedFileField sets `upload.sniffed`)."""
    content_type, _ext = upload.sniffed
    with transaction.atomic():
        for old in Attachment.objects.filter(
            token=token, field_name=field_name, submission__isnull=True
        ):
            old.file.delete(save=False)
            old.delete()
        attachment = Attachment(
            token=token,
            field_name=field_name,
            original_name=(upload.name or "archivo")[-200:],
            content_type=content_type,
            size=upload.size,
        )
        attachment.file.save(upload.name or "archivo", upload, save=False)
        attachment.save()
    return attachment


def submission_create(
    *,
    procedure: Procedure,
    idempotency_key: str,
    dni: str,
    first_names: str,
    last_names: str,
    email: str = "",
    phone: str = "",
    data: dict,
    uploads: dict[str, UploadedFile] | None = None,
    channel: str,
    ip: str | None = None,
    actor_id: int | None = None,
    key_checked: bool = False,
    stashed: bool = True,
    cabina: Cabina | None = None,
    calendar: HolidayCalendar | None = None,
) -> tuple[Submission, bool]:
    """Creates the submission once per idempotency key: (submission, created). A repeat of the
    same key returns the first submission; the same key with another citizen or procedure is a
    conflict. Uploads are validated files; attachments already stashed under the key (a form
    shown again after an error) are bound too.

    A caller that has just looked the key up may say so (key_checked) and whether any files are
    stashed under it (stashed), to save those queries; a concurrent twin is still caught by the
    unique key. A holiday `calendar` (workdays.HolidayCalendar) saves the due date's query."""
    if not key_checked:
        existing = submission_for_key(key=idempotency_key, procedure=procedure, dni=dni)
        if existing is not None:
            return existing, False
    if cabina is not None and not cabina.active:
        raise PermissionDeniedError(
            "Su cabina está inactiva: no puede presentar trámites. Consulte a la Municipalidad.",
            code="cabina_inactive",
        )
    if not procedure.active:
        raise ValidationFailed(
            "Este procedimiento no recibe solicitudes por ahora.",
            errors=[{"field": "procedure", "message": "El procedimiento no está activo."}],
        )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                submission, received = _insert_submission(
                    procedure=procedure,
                    idempotency_key=idempotency_key,
                    dni=dni,
                    first_names=first_names,
                    last_names=last_names,
                    email=email,
                    phone=phone,
                    data=data,
                    uploads=uploads or {},
                    channel=channel,
                    ip=ip,
                    actor_id=actor_id,
                    stashed=stashed,
                    cabina=cabina,
                    calendar=calendar,
                )
        except IntegrityError:
            # Either a concurrent request with the same key won (return its submission) or, once
            # in 10^15, the random code was taken (try another).
            existing = submission_for_key(key=idempotency_key, procedure=procedure, dni=dni)
            if existing is not None:
                return existing, False
            continue
        if submission.email:
            transaction.on_commit(lambda eid=received.pk: submission_notify(event_id=eid))
        return submission, True
    raise ConflictError("No se pudo registrar el trámite. Intente de nuevo.")


def submission_for_key(*, key: str, procedure: Procedure, dni: str) -> Submission | None:
    """The submission already made with this idempotency key (its procedure and office loaded),
    or None. The same key with another citizen or procedure is a conflict."""
    existing = (
        Submission.objects.select_related("procedure", "office").filter(idempotency_key=key).first()
    )
    if existing is None:
        return None
    if existing.procedure_id != procedure.pk or existing.dni != dni:
        raise ConflictError(
            "Esta clave de idempotencia ya se usó para otra solicitud. Use una clave nueva.",
            code="idempotency_key_reused",
        )
    return existing


def _attachments_store(*, token: str, uploads: dict[str, UploadedFile]) -> list[Attachment]:
    """The uploads as new attachments, their files already in storage, not yet saved."""
    attachments = []
    for field_name, upload in uploads.items():
        content_type, _ext = upload.sniffed
        attachment = Attachment(
            token=token,
            field_name=field_name,
            original_name=(upload.name or "archivo")[-200:],
            content_type=content_type,
            size=upload.size,
        )
        attachment.file.save(upload.name or "archivo", upload, save=False)
        attachments.append(attachment)
    return attachments


def _insert_submission(
    *, procedure, idempotency_key, uploads, ip, actor_id, stashed, cabina, calendar, **fields
):
    """Inserts the submission and the rows that point at it (attachments, its first timeline
    step, the audit entry, the ledger credit, the outbox event) in the caller's transaction."""
    if cabina is not None:
        fields.update(cabina=cabina, agent_id=actor_id, channel="cabina")
    attachments = _attachments_store(token=idempotency_key, uploads=uploads)
    try:
        submission = Submission.objects.create(
            code=code_generate(),
            procedure=procedure,
            idempotency_key=idempotency_key,
            consent_at=timezone.now(),
            status=Status.RECEIVED,
            office=procedure.office,
            fee=procedure.fee,
            due_date=due_date_compute(
                start=timezone.localdate(), working_days=procedure.deadline_days, calendar=calendar
            ),
            **fields,
        )
    except IntegrityError:
        for attachment in attachments:  # a twin won, or the code was taken: no orphan files
            attachment.file.delete(save=False)
        raise
    for attachment in attachments:
        attachment.submission = submission
    Attachment.objects.bulk_create(attachments)
    received = SubmissionEvent.objects.create(
        submission=submission, status=Status.RECEIVED, office=procedure.office
    )
    AuditEntry.objects.create(
        submission=submission,
        action=AuditEntry.Action.SUBMITTED,
        actor_id=actor_id,
        ip=_clean_ip(ip),
        details={"channel": submission.channel, "procedure": procedure.tupa_code},
    )
    if cabina is not None:
        LedgerEntry.objects.create(
            cabina=cabina,
            kind=LedgerEntry.Kind.CREDIT,
            amount=settings.TRAMITES_CABINA_FEE,
            submission=submission,
        )
    if stashed:
        Attachment.objects.filter(token=idempotency_key, submission__isnull=True).exclude(
            field_name__in=list(uploads)
        ).update(submission=submission)
    _outbox_add(submission, "submission.created")
    return submission, received


def _outbox_event(submission: Submission, kind: str, **extra) -> OutboxEvent:
    """The event for the back office, not yet saved. Ids and codes only."""
    return OutboxEvent(
        kind=kind,
        submission=submission,
        payload={
            "code": submission.code,
            "procedure": submission.procedure.tupa_code,
            "status": submission.status,
            "office_id": submission.office_id,
            "due_date": submission.due_date.isoformat(),
            "channel": submission.channel,
            "cabina_id": submission.cabina_id,
            **extra,
        },
    )


# --- queueing -----------------------------------------------------------------------------------
DELIVER_OUTBOX_JOB = Job(name="tramites_bridge.deliver_outbox_event", queue="short")
PURGE_PENDING_JOB = Job(name="tramites_bridge.purge_pending_uploads", queue="short")
OUTBOX_SWEEP_JOB = Job(name="tramites_bridge.outbox_sweep", queue="short")


def outbox_delivery_queue(*, event_id: int, countdown: int | None = None) -> None:
    """Sends the event's delivery task when the caller's transaction commits (after `countdown`
    seconds). Robust: with the broker down the stored event stands, the caller's other
    callbacks still run (the citizen's e-mail), and the beat sweep delivers the event later."""
    transaction.on_commit(
        lambda: DELIVER_OUTBOX_JOB.send(event_id, countdown=countdown), robust=True
    )


def _outbox_deliver_on_commit(event: OutboxEvent) -> None:
    if settings.TRAMITES_BACKOFFICE_URL:
        outbox_delivery_queue(event_id=event.pk)


def _outbox_add(submission: Submission, kind: str, **extra) -> OutboxEvent:
    """The event for the back office, in the caller's transaction."""
    event = _outbox_event(submission, kind, **extra)
    event.save()
    _outbox_deliver_on_commit(event)
    return event


def submission_change_status(
    *,
    submission: Submission,
    status: str,
    note: str = "",
    actor_id: int | None,
    ip: str | None = None,
    emit_outbox: bool = True,
    audit_extra: dict | None = None,
) -> SubmissionEvent:
    """Moves a file to a new state along STATUS_TRANSITIONS, adds the timeline step and the
    audit entry, and e-mails the citizen. Observado and rechazado need a note for the citizen."""
    note = (note or "").strip()
    if status in NOTE_REQUIRED and not note:
        raise ValidationFailed(
            errors=[
                {
                    "field": "note",
                    "message": "Escriba qué debe hacer el ciudadano (o por qué se rechaza).",
                }
            ]
        )
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if status not in STATUS_TRANSITIONS.get(locked.status, set()):
            raise ConflictError(
                f"Un trámite en estado «{locked.get_status_display()}» no puede pasar a "
                f"«{Status(status).label}».",
                code="invalid_transition",
            )
        previous = locked.status
        locked.status = status
        if status == Status.DELIVERED:
            locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        event = SubmissionEvent.objects.create(
            submission=locked, status=status, office_id=locked.office_id, note=note
        )
        AuditEntry.objects.create(
            submission=locked,
            action=AuditEntry.Action.STATUS_CHANGED,
            actor_id=actor_id,
            ip=_clean_ip(ip),
            details={"from": previous, "to": status, "note": note, **(audit_extra or {})},
        )
        if status == Status.ANNULLED and locked.cabina_id:
            _ledger_reverse(locked)
        if emit_outbox:
            _outbox_add(locked, "submission.status_changed", previous_status=previous)
    transaction.on_commit(lambda: submission_notify(event_id=event.pk))
    submission.refresh_from_db()
    return event


def submission_move(
    *,
    submission: Submission,
    office: Office,
    note: str = "",
    actor_id: int,
    ip: str | None = None,
) -> SubmissionEvent:
    """Hands a file to another office; the citizen sees where it is now."""
    note = (note or "").strip()
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.office_id == office.pk:
            raise ConflictError("El trámite ya está en esa oficina.", code="same_office")
        if locked.status == Status.DELIVERED:
            raise ConflictError("El trámite ya fue entregado y está cerrado.", code="closed")
        previous = locked.office_id
        locked.office = office
        locked.save(update_fields=["office", "updated_at"])
        event = SubmissionEvent.objects.create(
            submission=locked, status=locked.status, office=office, note=note
        )
        AuditEntry.objects.create(
            submission=locked,
            action=AuditEntry.Action.OFFICE_CHANGED,
            actor_id=actor_id,
            ip=_clean_ip(ip),
            details={"from_office": previous, "to_office": office.pk, "note": note},
        )
        _outbox_add(locked, "submission.office_changed", previous_office_id=previous)
    transaction.on_commit(lambda: submission_notify(event_id=event.pk))
    submission.refresh_from_db()
    return event


def attachment_record_view(*, attachment: Attachment, actor_id: int, ip: str | None) -> None:
    """Personal documents are read only by the back office, and every reading is recorded."""
    AuditEntry.objects.create(
        submission_id=attachment.submission_id,
        action=AuditEntry.Action.ATTACHMENT_VIEWED,
        actor_id=actor_id,
        ip=_clean_ip(ip),
        details={"attachment": attachment.pk, "field": attachment.field_name},
    )


def submission_notify(*, event_id: int) -> bool:
    """E-mails the citizen about one timeline step, when they gave an address. A mail failure is
    logged and never undoes the change."""
    event = (
        SubmissionEvent.objects.select_related("submission__procedure", "office")
        .filter(pk=event_id)
        .first()
    )
    if event is None or not event.submission.email:
        return False
    submission = event.submission
    context = {
        "submission": submission,
        "event": event,
        "tracking_url": f"{settings.WAGTAILADMIN_BASE_URL}/tramites/seguimiento/",
    }
    subject = f"Trámite {submission.display_code}: {event.get_status_display()}"
    body = render_to_string("tramites_bridge/email/status.txt", context)
    try:
        send_mail(subject, body, None, [submission.email])
    except Exception:  # noqa: BLE001 - any mail transport error
        logger.exception("No se pudo enviar el aviso del evento %s", event_id)
        return False
    return True


def attachments_purge_pending(*, older_than: timedelta = timedelta(days=2)) -> int:
    """Deletes uploads kept for forms that were never completed."""
    cutoff = timezone.now() - older_than
    count = 0
    for attachment in Attachment.objects.filter(submission__isnull=True, created_at__lt=cutoff):
        attachment.file.delete(save=False)
        attachment.delete()
        count += 1
    return count


def _ledger_reverse(submission: Submission) -> LedgerEntry | None:
    """The reversing entry for an annulled cabina submission (once; the credit stays)."""
    credit = LedgerEntry.objects.filter(submission=submission, kind=LedgerEntry.Kind.CREDIT).first()
    if (
        credit is None
        or LedgerEntry.objects.filter(
            submission=submission, kind=LedgerEntry.Kind.REVERSAL
        ).exists()
    ):
        return None
    return LedgerEntry.objects.create(
        cabina_id=credit.cabina_id,
        kind=LedgerEntry.Kind.REVERSAL,
        amount=-credit.amount,
        submission=submission,
    )


def cabina_guarantee_record(*, cabina: Cabina) -> LedgerEntry:
    """The cabina's guarantee deposit as a ledger entry (once per cabina)."""
    with transaction.atomic():
        existing = LedgerEntry.objects.filter(
            cabina=cabina, kind=LedgerEntry.Kind.GUARANTEE
        ).first()
        if existing:
            return existing
        moment = timezone.now()
        if cabina.guarantee_date:
            moment = timezone.make_aware(
                timezone.datetime.combine(cabina.guarantee_date, timezone.datetime.min.time())
            )
        return LedgerEntry.objects.create(
            cabina=cabina,
            kind=LedgerEntry.Kind.GUARANTEE,
            amount=cabina.guarantee_amount,
            created_at=moment,
        )
