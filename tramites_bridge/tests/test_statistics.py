"""The municipality's statistics: counts and processing times in working days, checked against
files with known dates (and a recount from the raw rows), in a constant number of queries, as
SVG charts and as CSV."""

import csv
import io
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tramites_bridge.models import (
    Cabina,
    Holiday,
    Procedure,
    Submission,
    SubmissionEvent,
)
from tramites_bridge.services import submission_create
from tramites_bridge.statistics import statistics_compute
from tramites_bridge.tests.factories import OfficeFactory, ProcedureFactory

pytestmark = pytest.mark.django_db
LIMA = ZoneInfo("America/Lima")
TODAY = date(2026, 3, 20)  # a Friday


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LIMA)


def _file(
    procedure,
    *,
    received: date,
    due: date,
    channel="web",
    cabina=None,
    office=None,
    decided: tuple[str, date] | None = None,
    status: str = "recibido",
) -> Submission:
    submission, _ = submission_create(
        procedure=procedure,
        idempotency_key=str(uuid.uuid4()),
        dni="41234567",
        first_names="María",
        last_names="Quispe",
        data={},
        channel=channel,
    )
    if decided:
        status, day = decided
        step = SubmissionEvent.objects.create(
            submission=submission, status=status, office_id=submission.office_id
        )
        # late in the evening, Lima time: still that day, though already the next one in UTC
        SubmissionEvent.objects.filter(pk=step.pk).update(created_at=_at(day, 21))
    Submission.objects.filter(pk=submission.pk).update(
        created_at=_at(received),
        due_date=due,
        status=status,
        channel=channel,
        cabina=cabina,
        office=office or submission.office,
    )
    return submission


@pytest.fixture
def known_files():
    """Five files with known dates; Wednesday 11 March is a local holiday."""
    Holiday.objects.create(date=date(2026, 3, 11), name="Aniversario de la provincia")
    licencias = OfficeFactory(name="Subgerencia de Licencias")
    registro = OfficeFactory(name="Registro Civil")
    a = ProcedureFactory(tupa_code="LF-01", name="Licencia", with_fields=False, office=licencias)
    b = ProcedureFactory(tupa_code="RC-02", name="Partida", with_fields=False, office=registro)
    cabina = Cabina.objects.create(name="Mollepampa", address="Jr. Sauces 1", ruc="10401234569")
    # Mon 2 → Fri 6: Tue, Wed, Thu, Fri = 4 working days, on time
    _file(
        a, received=date(2026, 3, 2), due=date(2026, 3, 10), decided=("aprobado", date(2026, 3, 6))
    )
    # Fri 6 → Fri 13: Mon 9, Tue 10, (holiday), Thu 12, Fri 13 = 4, after its due date
    _file(a, received=date(2026, 3, 6), due=date(2026, 3, 11), channel="cabina", cabina=cabina,
          decided=("rechazado", date(2026, 3, 13)))  # fmt: skip
    # annulled the day it came in: 0
    _file(
        b, received=date(2026, 3, 4), due=date(2026, 3, 20), decided=("anulado", date(2026, 3, 4))
    )
    # open since Mon 16, today Fri 20: 4 working days old, past its due date
    _file(a, received=date(2026, 3, 16), due=date(2026, 3, 18), channel="cabina", cabina=cabina)
    # open since Thu 19 (observado): 1 day old, on time; it sits in Licencias now
    _file(b, received=date(2026, 3, 19), due=date(2026, 3, 30), channel="api", office=licencias,
          status="observado")  # fmt: skip


def _figures(rows) -> dict:
    return {
        f.label: (f.total, f.decided, f.average_days, f.decided_late, f.open,
                  f.average_open_age, f.overdue, f.overdue_rate)
        for f in rows
    }  # fmt: skip


def test_processing_times_are_exact_working_day_averages(known_files):
    stats = statistics_compute(today=TODAY)
    o = stats.overall
    assert (o.total, o.decided, o.open, o.overdue) == (5, 3, 2, 1)
    assert o.average_days == 2.7  # (4 + 4 + 0) / 3
    assert o.average_open_age == 2.5  # (4 + 1) / 2
    assert o.overdue_rate == 50.0 and o.decided_late == 1 and o.late_rate == 33.3
    assert _figures(stats.times_by_procedure) == {
        "LF-01 · Licencia": (3, 2, 4.0, 1, 1, 4.0, 1, 100.0),
        "RC-02 · Partida": (2, 1, 0.0, 0, 1, 1.0, 0, 0.0),
    }
    assert _figures(stats.times_by_channel) == {
        "Sitio web": (2, 2, 2.0, 0, 0, None, 0, None),
        "Cabina Mollepampa": (2, 1, 4.0, 1, 1, 4.0, 1, 100.0),
        "API": (1, 0, None, 0, 1, 1.0, 0, 0.0),
    }
    assert _figures(stats.times_by_office) == {
        "Subgerencia de Licencias": (4, 2, 4.0, 1, 2, 2.5, 1, 50.0),
        "Registro Civil": (1, 1, 0.0, 0, 0, None, 0, None),
    }
    assert dict(stats.by_status) == {
        "Aprobado": 1, "Rechazado": 1, "Anulado por improcedente": 1, "Recibido": 1, "Observado": 1
    }  # fmt: skip
    assert stats.by_month == [("2026-03", 5)]
    assert stats.by_channel == [("Cabina Mollepampa", 2), ("Sitio web", 2), ("API", 1)]


def _recount(today: date) -> dict[str, tuple]:
    """Per procedure, straight from the rows: a day-by-day walk over the calendar."""
    holidays = set(Holiday.objects.values_list("date", flat=True))

    def working_days(start: date, end: date) -> int:
        n, day = 0, start
        while day < end:
            day += timedelta(days=1)
            n += day.weekday() < 5 and day not in holidays
        return n

    per: dict[str, list] = {}
    for s in Submission.objects.select_related("procedure"):
        received = s.created_at.astimezone(LIMA).date()
        steps = [
            e
            for e in s.events.all()
            if e.status in {"aprobado", "rechazado", "anulado", "entregado"}
        ]
        row = per.setdefault(f"{s.procedure.tupa_code} · {s.procedure.name}", [[], []])
        if s.status in {"recibido", "en_revision", "observado"}:
            row[1].append(working_days(received, today))
        elif steps:
            first = min(e.created_at for e in steps).astimezone(LIMA).date()
            row[0].append(working_days(received, first))
    return {
        label: (round(sum(d) / len(d), 1) if d else None, round(sum(o) / len(o), 1) if o else None)
        for label, (d, o) in per.items()
    }


def test_figures_match_a_recount_from_the_raw_rows(known_files):
    a = Procedure.objects.get(tupa_code="LF-01")
    for n in range(12):
        received = date(2026, 1, 5) + timedelta(days=5 * n)
        decided = None if n % 3 == 0 else ("aprobado", received + timedelta(days=n + 2))
        _file(a, received=received, due=received + timedelta(days=6), decided=decided)
    stats = statistics_compute(today=TODAY)
    figures = {f.label: (f.average_days, f.average_open_age) for f in stats.times_by_procedure}
    assert figures == _recount(TODAY)


def _queries(**kwargs) -> int:
    with CaptureQueriesContext(connection) as ctx:
        statistics_compute(**kwargs)
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_submissions(known_files, client_for):
    client = client_for("back_office")
    client.get("/admin/tramites/estadisticas/")  # warm the session and menus
    small = _queries(today=TODAY)
    with CaptureQueriesContext(connection) as page_small:
        assert client.get("/admin/tramites/estadisticas/").status_code == 200
    procedure = ProcedureFactory(with_fields=False)
    cabina = Cabina.objects.create(name="Otuzco", address="Av. Perú 3", ruc="10401234569")
    for n in range(30):
        _file(procedure, received=date(2026, 2, 2) + timedelta(days=n), due=date(2026, 3, 9),
              channel="cabina" if n % 2 else "web", cabina=cabina if n % 2 else None,
              decided=("aprobado", date(2026, 3, 9)) if n % 3 else None)  # fmt: skip
    assert _queries(today=TODAY) == small == 6
    with CaptureQueriesContext(connection) as page_large:
        assert client.get("/admin/tramites/estadisticas/").status_code == 200
    assert len(page_large.captured_queries) == len(page_small.captured_queries)


def test_the_admin_page_draws_the_charts_and_the_csv_has_the_same_figures(known_files, client_for):
    client = client_for("back_office")
    page = client.get("/admin/tramites/estadisticas/").content.decode()
    assert page.count('<svg role="img"') == 9
    assert "Días hábiles promedio hasta resolver, por procedimiento" in page
    # the page writes decimals the Spanish way; the CSV keeps the point for spreadsheets
    assert ">4,0 d</text>" in page and ">100,0 %</text>" in page
    assert "<strong>2,7 días hábiles</strong>" in page
    response = client.get("/admin/tramites/estadisticas/?formato=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by = {(r["seccion"], r["grupo"]): r for r in rows}
    # what does not depend on today's date, exactly
    licencia = by[("procedimiento", "LF-01 · Licencia")]
    assert licencia["promedio_dias_habiles_hasta_resolver"] == "4.0"
    assert licencia["resueltos_fuera_de_plazo"] == "1"
    assert by[("canal", "Sitio web")]["promedio_dias_habiles_hasta_resolver"] == "2.0"
    assert by[("canal", "API")]["promedio_dias_habiles_hasta_resolver"] == ""
    assert by[("total", "Todos los trámites")]["promedio_dias_habiles_hasta_resolver"] == "2.7"
    assert by[("estado", "Observado")]["tramites"] == "1"
    assert by[("mes", "2026-03")]["tramites"] == "5"
    # the open files' age and overdue figures: the same as computed for today
    stats = statistics_compute()
    for section, figures in (
        ("procedimiento", stats.times_by_procedure),
        ("canal", stats.times_by_channel),
        ("oficina", stats.times_by_office),
    ):
        for f in figures:
            row = by[(section, f.label)]
            assert row["vencidos"] == str(f.overdue)
            assert row["abiertos"] == str(f.open)
            assert row["edad_promedio_abiertos_dias_habiles"] == (
                "" if f.average_open_age is None else str(f.average_open_age)
            )
            assert row["porcentaje_vencidos"] == (
                "" if f.overdue_rate is None else str(f.overdue_rate)
            )
    assert len(rows) == 5 + 1 + 1 + 2 + 3 + 2


def test_an_agent_or_a_student_cannot_see_the_statistics(client_for):
    for role in ("cabina_agent", "student"):
        response = client_for(role).get("/admin/tramites/estadisticas/?formato=csv")
        assert response.status_code in (302, 403)
        assert b"seccion" not in response.content
