"""Reading a students CSV: every row and column checked, errors in Spanish.

Pure parsing, no database: services.py decides what the rows mean against the stored students."""

import csv
import io
from dataclasses import dataclass, field

from lms.districts import district_canonical

EXPECTED_COLUMNS = ["dni", "nombres", "apellidos", "distrito", "zona", "telefono"]
REQUIRED_COLUMNS = ["dni", "nombres", "apellidos", "distrito", "zona"]
MAX_ROWS = 5000
MAX_NAME = 120


@dataclass(frozen=True)
class RowError:
    row: int  # the line number in the file, header = 1, as a spreadsheet shows it
    column: str  # "" for the whole file or row
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"Fila {self.row}" if self.row else "Archivo"
        if self.column:
            where += f", columna «{self.column}»"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class StudentRow:
    row: int
    dni: str
    first_names: str
    last_names: str
    district: str
    zone: str
    phone: str


@dataclass
class ParsedFile:
    rows: list[StudentRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _decode(content: bytes) -> str | None:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _phone_normalise(raw: str) -> str | None:
    digits = "".join(c for c in raw if c.isdigit())
    if raw.strip().startswith("+51") or (len(digits) == 11 and digits.startswith("51")):
        digits = digits[2:]
    if len(digits) == 9 and digits.startswith("9"):
        return digits  # a mobile number
    if 6 <= len(digits) <= 9 and not digits.startswith("9"):
        return digits  # a landline, with or without the 076 area code
    return None


def students_csv_parse(*, content: bytes) -> ParsedFile:
    """Parses the file; every problem becomes a RowError naming its row and column."""
    result = ParsedFile()
    text = _decode(content)
    if text is None:
        result.errors.append(
            RowError(
                0,
                "",
                "El archivo no está en UTF-8. En la hoja de cálculo use «Guardar como» → "
                "«CSV UTF-8» y vuelva a subirlo.",
            )
        )
        return result
    if not text.strip():
        result.errors.append(RowError(0, "", "El archivo está vacío."))
        return result
    first_line = text.splitlines()[0]
    # Spreadsheets set to Spanish save CSV with ";" between columns.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    result.errors.extend(_header_errors(header))
    if result.errors:
        return result
    _rows_parse(reader, header=header, result=result)
    _total_check(result)
    return result


def _header_errors(header: list[str]) -> list[RowError]:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in EXPECTED_COLUMNS]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if not (missing or unknown or repeated):
        return []
    errors = []
    if missing:
        errors.append(RowError(1, "", "Faltan las columnas: " + ", ".join(missing) + "."))
    if unknown:
        errors.append(RowError(1, "", "Columnas desconocidas: " + ", ".join(unknown) + "."))
    if repeated:
        errors.append(RowError(1, "", "Columnas repetidas: " + ", ".join(repeated) + "."))
    errors.append(RowError(1, "", "La primera fila debe ser: " + ",".join(EXPECTED_COLUMNS) + "."))
    return errors


def _rows_parse(reader, *, header: list[str], result: ParsedFile) -> None:
    """Adds each data row to result.rows, or its problems to result.errors."""
    index = {name: header.index(name) for name in EXPECTED_COLUMNS if name in header}
    seen_dni: dict[str, int] = {}
    for line_number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # blank lines at the end of a spreadsheet export
        if len(result.rows) + len(seen_dni) > 2 * MAX_ROWS:
            break
        if len(values) > len(header):
            result.errors.append(
                RowError(
                    line_number,
                    "",
                    f"La fila tiene {len(values)} valores y el encabezado {len(header)} "
                    "columnas. ¿Hay una coma de más?",
                )
            )
            continue
        cells = {
            name: " ".join(values[position].split()) if position < len(values) else ""
            for name, position in index.items()
        }
        row, errors = _row_parse(line_number, cells=cells, seen_dni=seen_dni)
        if errors:
            result.errors.extend(errors)
        else:
            result.rows.append(row)


def _row_parse(
    line_number: int, *, cells: dict[str, str], seen_dni: dict[str, int]
) -> tuple[StudentRow | None, list[RowError]]:
    """The row's student, or its problems (every column is checked, not only the first)."""
    errors: list[RowError] = []

    def check(column: str, value: str, problem: str | None) -> str:
        if problem:
            errors.append(RowError(line_number, column, problem))
        return value

    dni = check("dni", cells.get("dni", ""), _dni_problem(cells.get("dni", ""), seen_dni))
    if not errors:
        seen_dni[dni] = line_number
    first_names = check("nombres", cells.get("nombres", ""), _name_problem(cells, "nombres"))
    last_names = check("apellidos", cells.get("apellidos", ""), _name_problem(cells, "apellidos"))
    district, problem = _district_parse(cells.get("distrito", ""))
    check("distrito", district, problem)
    zone = check("zona", cells.get("zona", "").lower(), _zone_problem(cells.get("zona", "")))
    phone, problem = _phone_parse(cells.get("telefono", ""))
    check("telefono", phone, problem)
    if errors:
        return None, errors
    row = StudentRow(
        row=line_number,
        dni=dni,
        first_names=first_names,
        last_names=last_names,
        district=district,
        zone=zone,
        phone=phone,
    )
    return row, []


def _dni_problem(dni: str, seen_dni: dict[str, int]) -> str | None:
    if not dni:
        return "Falta el DNI."
    if not (dni.isdigit() and len(dni) == 8):
        return f"«{dni}» no es un DNI: debe tener exactamente 8 dígitos, sin letras ni espacios."
    if dni in seen_dni:
        return f"El DNI {dni} ya aparece en la fila {seen_dni[dni]}."
    return None


def _name_problem(cells: dict[str, str], column: str) -> str | None:
    value = cells.get(column, "")
    if not value:
        return "Faltan " + {"nombres": "los nombres", "apellidos": "los apellidos"}[column] + "."
    if len(value) > MAX_NAME:
        return f"Es muy largo: máximo {MAX_NAME} caracteres."
    if any(c.isdigit() for c in value):
        return f"«{value}» tiene números; revise la columna."
    return None


def _district_parse(raw: str) -> tuple[str, str | None]:
    """(the district as the province writes it, or "", and the problem if any)."""
    if not raw:
        return "", "Falta el distrito."
    district = district_canonical(raw)
    if district is None:
        return "", f"«{raw}» no es un distrito de la provincia de Cajamarca."
    return district, None


def _zone_problem(raw: str) -> str | None:
    if not raw:
        return "Falta la zona: urbana o rural."
    if raw.lower() not in ("urbana", "rural"):
        return f"«{raw}» no es válida: escriba urbana o rural."
    return None


def _phone_parse(raw: str) -> tuple[str, str | None]:
    """(the phone as digits, or "", and the problem if any); an empty cell is no problem."""
    if not raw:
        return "", None
    phone = _phone_normalise(raw)
    if not phone:
        return "", (
            f"«{raw}» no es un teléfono: un celular tiene 9 dígitos y empieza con 9. "
            "Puede dejarlo vacío."
        )
    return phone, None


def _total_check(result: ParsedFile) -> None:
    total = len(result.rows) + len({e.row for e in result.errors if e.row > 1})
    if total > MAX_ROWS:
        result.errors.insert(
            0,
            RowError(
                0,
                "",
                f"El archivo tiene más de {MAX_ROWS} estudiantes; divídalo en partes.",
            ),
        )
    elif total == 0 and not result.errors:
        result.errors.append(
            RowError(0, "", "El archivo no tiene estudiantes debajo del encabezado.")
        )
