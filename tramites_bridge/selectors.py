"""Reads of the procedure bridge."""

import hmac
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.dates import MAX_YEAR, MIN_YEAR
from tramites_bridge.codes import code_normalise
from tramites_bridge.models import (
    OPEN_STATUSES,
    Attachment,
    Office,
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


# What tracking shows of a file, read along its timeline steps (one row each, oldest first).
TRACKED_VALUES = (
    "submission__dni",
    "submission__status",
    "submission__due_date",
    "submission__procedure__tupa_code",
    "submission__procedure__name",
    "submission__procedure__silence_rule",
    "submission__office__name",
    "status",
    "office__name",
    "note",
    "created_at",
)


def submission_track_snapshot(*, code: str) -> dict | None:
    """What the tracking page and API show of the file with this (normalised) code, as plain
    data that can be cached under the code: no names, e-mail or phone (the caller keeps the DNI
    only as a keyed digest, see tracking.dni_digest). None when no file has the code. One
    indexed query: every file has at least its "recibido" step."""
    rows = list(
        SubmissionEvent.objects.filter(submission__code=code)
        .order_by("pk")
        .values_list(*TRACKED_VALUES)
    )
    if not rows:
        return None
    dni, status, due_date, tupa_code, procedure_name, silence_rule, office = rows[0][:7]
    return {
        "code": code,
        "dni": dni,
        "status": status,
        "due_date": due_date,
        "procedure": {"tupa_code": tupa_code, "name": procedure_name, "silence_rule": silence_rule},
        "office": office,
        "events": [row[7:] for row in rows],
    }


def tracking_result_from_snapshot(snapshot: dict) -> TrackingResult:
    """The snapshot as unsaved model instances, which the page and the API read as they read
    any submission."""
    submission = Submission(
        code=snapshot["code"],
        status=snapshot["status"],
        due_date=snapshot["due_date"],
        procedure=Procedure(**snapshot["procedure"]),
        office=Office(name=snapshot["office"]),
    )
    events = [
        SubmissionEvent(
            status=status,
            office=Office(name=office) if office is not None else None,
            note=note,
            created_at=at,
        )
        for status, office, note, at in snapshot["events"]
    ]
    todo = ""
    if submission.status == Status.OBSERVED:
        todo = next((e.note for e in reversed(events) if e.status == Status.OBSERVED), "")
    return TrackingResult(
        submission=submission,
        events=events,
        overdue=submission_is_overdue(submission),
        todo=todo,
    )


def submission_track(*, code: str, dni: str) -> TrackingResult | None:
    """The file with this code and DNI, or None when either does not match (the caller must not
    tell which). Uncached; tracking.tracking_lookup is the throttled, cached path."""
    normalised = code_normalise(code)
    dni = (dni or "").strip()
    if normalised is None or not dni:
        return None
    snapshot = submission_track_snapshot(code=normalised)
    if snapshot is None or not hmac.compare_digest(
        snapshot["dni"].encode(), dni.encode("utf-8", "replace")
    ):
        return None
    return tracking_result_from_snapshot(snapshot)


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


# --- cabinas -------------------------------------------------------------------------------------
def agent_cabina(user):
    """The cabina an agent belongs to, or None (not an agent, or not tied to one)."""
    from tramites_bridge.models import Cabina

    if not getattr(user, "is_authenticated", False):
        return None
    return Cabina.objects.filter(agents__user=user).first()


def cabina_submissions(*, cabina, status: str | None = None) -> QuerySet[Submission]:
    queryset = Submission.objects.filter(cabina=cabina).select_related("procedure", "office")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at")


def cents(amount: Decimal) -> Decimal:
    """Soles rounded to the cent, still a number: an export writes it as 4.00 or -4.00 and a
    spreadsheet adds it up (text would be guarded as a would-be formula)."""
    return Decimal(amount).quantize(Decimal("0.01"))


@dataclass
class Settlement:
    cabina: object
    year: int
    month: int
    credits_count: int
    credits: Decimal
    reversals_count: int
    reversals: Decimal

    @property
    def total(self) -> Decimal:
        """What the municipality owes the cabina for the month."""
        return self.credits + self.reversals


def _month_bounds(year: int, month: int):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/Lima")
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def cabina_ledger(*, cabina, year: int | None = None, month: int | None = None):
    from tramites_bridge.models import LedgerEntry

    queryset = LedgerEntry.objects.filter(cabina=cabina).select_related("submission__procedure")
    if year and month:
        start, end = _month_bounds(year, month)
        queryset = queryset.filter(created_at__gte=start, created_at__lt=end)
    return queryset.order_by("created_at", "pk")


def cabina_settlement(*, cabina, year: int, month: int) -> Settlement:
    """Credits and reversals of the month, in Lima time. The guarantee is a deposit, not pay."""
    from django.db.models import Count, Sum

    from tramites_bridge.models import LedgerEntry

    start, end = _month_bounds(year, month)
    rows = {
        row["kind"]: row
        for row in LedgerEntry.objects.filter(
            cabina=cabina,
            created_at__gte=start,
            created_at__lt=end,
            kind__in=[LedgerEntry.Kind.CREDIT, LedgerEntry.Kind.REVERSAL],
        )
        .values("kind")
        .annotate(n=Count("pk"), total=Sum("amount"))
    }
    zero = Decimal("0.00")
    credit = rows.get(LedgerEntry.Kind.CREDIT, {})
    reversal = rows.get(LedgerEntry.Kind.REVERSAL, {})
    return Settlement(
        cabina=cabina,
        year=year,
        month=month,
        credits_count=credit.get("n", 0),
        credits=credit.get("total") or zero,
        reversals_count=reversal.get("n", 0),
        reversals=reversal.get("total") or zero,
    )


class MonthError(ValueError):
    """A month parameter that names no supported month. The message is Spanish; `field` is the
    parameter at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def month_checked(*, year: int, month: int) -> tuple[int, int]:
    """(year, month) when it is a month of the supported years; MonthError naming the part at
    fault otherwise."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise MonthError(f"El año debe estar entre {MIN_YEAR} y {MAX_YEAR}.", field="year")
    if not 1 <= month <= 12:
        raise MonthError("El mes debe ser un número del 1 al 12.", field="month")
    return year, month


def month_from_query(value: str | None) -> tuple[int, int]:
    """(year, month) from a "YYYY-MM" query value; the current Lima month when absent.
    Anything else is a MonthError: showing another month than the one asked would mislead."""
    if value in (None, ""):
        today = timezone.localdate()
        return today.year, today.month
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if match is not None:
        try:
            return month_checked(year=int(match[1]), month=int(match[2]))
        except MonthError:
            pass
    raise MonthError(
        f"Mes no válido. Escríbalo como AAAA-MM, de {MIN_YEAR} a {MAX_YEAR} "
        "(por ejemplo, 2026-03).",
        field="mes",
    )


def settlements_for_month(*, year: int, month: int) -> list[Settlement]:
    from tramites_bridge.models import Cabina

    return [
        cabina_settlement(cabina=c, year=year, month=month) for c in Cabina.objects.order_by("name")
    ]
