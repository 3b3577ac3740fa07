"""Figures for the municipality's decisions (admin › Trámites › Estadísticas and its CSV).

Processing time is counted in WORKING days, as the legal deadlines are: from the day a file was
received (which does not count, as in due_date_compute) to the day it was first decided
(aprobado, rechazado, anulado or entregado: its first timeline step into one of those states).
An open file's age is counted the same way up to today. Dates are Lima dates.
"Vencido": an open file past its due date; "resuelto fuera de plazo": decided after it.

The figures come from a fixed number of queries (six), whatever the number of submissions: the
rows are read once as plain tuples and grouped here."""

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Min
from django.utils import timezone

from tramites_bridge.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Cabina,
    Channel,
    Office,
    Procedure,
    Status,
    Submission,
    SubmissionEvent,
)
from tramites_bridge.workdays import holidays_between, is_working_day


@dataclass
class TimeFigures:
    """Processing figures for one group (a procedure, a channel or an office)."""

    label: str
    total: int = 0
    decided: int = 0
    decided_days_sum: int = 0
    decided_late: int = 0
    open: int = 0
    open_days_sum: int = 0
    overdue: int = 0

    @property
    def average_days(self) -> float | None:
        return round(self.decided_days_sum / self.decided, 1) if self.decided else None

    @property
    def average_open_age(self) -> float | None:
        return round(self.open_days_sum / self.open, 1) if self.open else None

    @property
    def overdue_rate(self) -> float | None:
        """Percent of the open files that are past their due date."""
        return round(100 * self.overdue / self.open, 1) if self.open else None

    @property
    def late_rate(self) -> float | None:
        """Percent of the decided files decided after their due date."""
        return round(100 * self.decided_late / self.decided, 1) if self.decided else None


@dataclass
class Statistics:
    today: date
    total: int
    by_procedure: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    overall: TimeFigures
    times_by_procedure: list[TimeFigures] = field(default_factory=list)
    times_by_channel: list[TimeFigures] = field(default_factory=list)
    times_by_office: list[TimeFigures] = field(default_factory=list)


class WorkingDayCounter:
    """Working days in (start, end] from a prefix count over the whole span: one holiday query."""

    def __init__(self, first: date, last: date):
        holidays = holidays_between(first, last)
        self.first = first
        self.ordinals: list[int] = []
        day = first
        while day <= last:
            if is_working_day(day, holidays):
                self.ordinals.append(day.toordinal())
            day += timedelta(days=1)

    def between(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        return bisect_right(self.ordinals, end.toordinal()) - bisect_right(
            self.ordinals, start.toordinal()
        )


def _channel_label(channel: str, cabina_id: int | None, cabinas: dict[int, str]) -> str:
    if cabina_id:
        return f"Cabina {cabinas.get(cabina_id, cabina_id)}"
    return "Sitio web" if channel == Channel.WEB else "API"


_OPEN = {str(s) for s in OPEN_STATUSES}


@dataclass
class _Names:
    """The labels of the groups, by id: procedures, cabinas and offices (three queries)."""

    procedures: dict[int, str]
    cabinas: dict[int, str]
    offices: dict[int, str]

    @classmethod
    def load(cls) -> "_Names":
        return cls(
            procedures={
                pk: f"{code} · {name}"
                for pk, code, name in Procedure.objects.values_list("pk", "tupa_code", "name")
            },
            cabinas=dict(Cabina.objects.values_list("pk", "name")),
            offices=dict(Office.objects.values_list("pk", "name")),
        )


def _submission_rows() -> list[tuple]:
    return list(
        Submission.objects.order_by().values_list(
            "pk", "procedure_id", "status", "channel", "cabina_id", "office_id", "created_at",
            "due_date",
        )
    )  # fmt: skip


def _decided_at() -> dict:
    """Submission id -> the moment of its first timeline step into a closed state."""
    return dict(
        SubmissionEvent.objects.filter(status__in=CLOSED_STATUSES)
        .order_by()
        .values("submission_id")
        .annotate(first=Min("created_at"))
        .values_list("submission_id", "first")
    )


class _Groups:
    """The processing figures of every group seen so far, per dimension."""

    def __init__(self, names: _Names):
        self.names = names
        self.by_dimension: dict[str, dict[str, TimeFigures]] = {
            "procedure": {},
            "channel": {},
            "office": {},
        }

    def of(self, *, procedure_id, channel, cabina_id, office_id) -> list[TimeFigures]:
        labels = {
            "procedure": self.names.procedures.get(procedure_id, str(procedure_id)),
            "channel": _channel_label(channel, cabina_id, self.names.cabinas),
            "office": self.names.offices.get(office_id, str(office_id)),
        }
        figures = []
        for dimension, label in labels.items():
            groups = self.by_dimension[dimension]
            if label not in groups:
                groups[label] = TimeFigures(label)
            figures.append(groups[label])
        return figures

    def ranked(self, dimension: str) -> list[TimeFigures]:
        return sorted(self.by_dimension[dimension].values(), key=lambda f: (-f.total, f.label))


def _count(figures, *, status, start, due, decided, counter, today) -> None:
    """Adds one file to each of these figures: its age while open, or its processing time."""
    for f in figures:
        f.total += 1
    if status in _OPEN:
        age = counter.between(start, today)
        for f in figures:
            f.open += 1
            f.open_days_sum += age
            f.overdue += due < today
    elif decided is not None:
        decided_day = timezone.localdate(decided)
        days = counter.between(start, decided_day)
        for f in figures:
            f.decided += 1
            f.decided_days_sum += days
            f.decided_late += decided_day > due


def statistics_compute(*, today: date | None = None, months: int = 12) -> Statistics:
    """Counts by procedure, state, channel (web, API, each cabina) and month of receipt, and the
    processing figures described in the module docstring, overall and per procedure, channel
    and current office. Six queries."""
    today = today or timezone.localdate()
    rows = _submission_rows()
    decided_at = _decided_at()
    groups = _Groups(_Names.load())
    received = {pk: timezone.localdate(created) for pk, *_, created, _due in rows}
    first_day = min(received.values(), default=today)
    counter = WorkingDayCounter(first_day, max(today, first_day))
    overall = TimeFigures("Todos los trámites")
    by_status: Counter = Counter()
    by_month: Counter = Counter()
    for pk, procedure_id, status, channel, cabina_id, office_id, _created, due in rows:
        start = received[pk]
        by_status[status] += 1
        by_month[start.strftime("%Y-%m")] += 1
        figures = groups.of(
            procedure_id=procedure_id, channel=channel, cabina_id=cabina_id, office_id=office_id
        )
        _count(
            [overall, *figures],
            status=status,
            start=start,
            due=due,
            decided=decided_at.get(pk),
            counter=counter,
            today=today,
        )
    labels = dict(Status.choices)
    return Statistics(
        today=today,
        total=len(rows),
        by_procedure=[(f.label, f.total) for f in groups.ranked("procedure")],
        by_status=[(labels.get(s, s), n) for s, n in by_status.most_common()],
        by_channel=[(f.label, f.total) for f in groups.ranked("channel")],
        by_month=sorted(by_month.items())[-months:],
        overall=overall,
        times_by_procedure=groups.ranked("procedure"),
        times_by_channel=groups.ranked("channel"),
        times_by_office=groups.ranked("office"),
    )
