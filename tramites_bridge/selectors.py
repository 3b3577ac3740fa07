"""Reads of the procedure bridge."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from tramites_bridge.codes import code_normalise
from tramites_bridge.models import (
    OPEN_STATUSES,
    Attachment,
    Procedure,
    ProcedureField,
    Status,
    Submission,
    SubmissionEvent,
)


def procedures_active() -> QuerySet[Procedure]:
    return (
        Procedure.objects.filter(active=True)
        .select_related("office")
        .prefetch_related(
            Prefetch("fields", queryset=ProcedureField.objects.order_by("sort_order"))
        )
    )


def procedure_by_code(code: str, *, active_only: bool = True) -> Procedure | None:
    queryset = procedures_active() if active_only else Procedure.objects.select_related("office")
    return queryset.filter(tupa_code=(code or "").strip().upper()).first()


def pending_attachments(*, token: str) -> dict[str, Attachment]:
    """Files already validated for a form token and not yet bound to a submission."""
    if not token:
        return {}
    return {
        a.field_name: a
        for a in Attachment.objects.filter(token=token, submission__isnull=True).order_by("pk")
    }


def submission_is_overdue(submission: Submission, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return submission.status in OPEN_STATUSES and today > submission.due_date


@dataclass
class TrackingResult:
    submission: Submission
    events: list[SubmissionEvent]
    overdue: bool
    todo: str  # what the citizen must do while the file is "observado"


def submission_track(*, code: str, dni: str) -> TrackingResult | None:
    """The file with this code and DNI, or None when either does not match (the caller must not
    tell which)."""
    normalised = code_normalise(code)
    dni = (dni or "").strip()
    if normalised is None or not dni:
        return None
    # One query: the timeline joined to its file (every file has at least its "recibido" step).
    # Ids grow with time, so the id orders the timeline.
    events = list(
        SubmissionEvent.objects.select_related(
            "office", "submission__procedure", "submission__office"
        )
        .filter(submission__code=normalised, submission__dni=dni)
        .order_by("pk")
    )
    if not events:
        return None
    submission = events[0].submission
    todo = ""
    if submission.status == Status.OBSERVED:
        todo = next((e.note for e in reversed(events) if e.status == Status.OBSERVED), "")
    return TrackingResult(
        submission=submission,
        events=events,
        overdue=submission_is_overdue(submission),
        todo=todo,
    )


def submission_queue(
    *,
    procedure_id: int | None = None,
    status: str | None = None,
    office_id: int | None = None,
    overdue: bool | None = None,
    search: str = "",
) -> QuerySet[Submission]:
    """The back office's queue, oldest due date first."""
    queryset = Submission.objects.select_related("procedure", "office")
    if procedure_id:
        queryset = queryset.filter(procedure_id=procedure_id)
    if status:
        queryset = queryset.filter(status=status)
    if office_id:
        queryset = queryset.filter(office_id=office_id)
    today = timezone.localdate()
    if overdue is True:
        queryset = queryset.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    elif overdue is False:
        queryset = queryset.exclude(Q(status__in=OPEN_STATUSES) & Q(due_date__lt=today))
    search = (search or "").strip()
    if search:
        normalised = code_normalise(search)
        condition = Q(dni=search)
        if normalised:
            condition |= Q(code=normalised)
        queryset = queryset.filter(condition)
    return queryset.order_by("due_date", "created_at")


def submission_for_back_office(*, pk: int) -> Submission | None:
    return (
        Submission.objects.select_related("procedure", "office")
        .prefetch_related("attachments", "events__office", "audit")
        .filter(pk=pk)
        .first()
    )
