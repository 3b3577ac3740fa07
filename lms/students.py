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
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in EXPECTED_COLUMNS]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if missing or unknown or repeated:
        if missing:
            result.errors.append(
                RowError(1, "", "Faltan las columnas: " + ", ".join(missing) + ".")
            )
        if unknown:
            result.errors.append(
                RowError(1, "", "Columnas desconocidas: " + ", ".join(unknown) + ".")
            )
        if repeated:
            result.errors.append(
                RowError(1, "", "Columnas repetidas: " + ", ".join(repeated) + ".")
            )
        result.errors.append(
            RowError(1, "", "La primera fila debe ser: " + ",".join(EXPECTED_COLUMNS) + ".")
        )
        return result
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

        def cell(name: str, values=values) -> str:
            position = index.get(name)
            if position is None or position >= len(values):
                return ""
            return " ".join(values[position].split())

        errors: list[RowError] = []
        dni = cell("dni")
        if not dni:
            errors.append(RowError(line_number, "dni", "Falta el DNI."))
        elif not (dni.isdigit() and len(dni) == 8):
            errors.append(
                RowError(
                    line_number,
                    "dni",
                    f"«{dni}» no es un DNI: debe tener exactamente 8 dígitos, sin letras ni "
                    "espacios.",
                )
            )
        elif dni in seen_dni:
            errors.append(
                RowError(
                    line_number,
                    "dni",
                    f"El DNI {dni} ya aparece en la fila {seen_dni[dni]}.",
                )
            )
        else:
            seen_dni[dni] = line_number
        names = {}
        for column, label in (("nombres", "los nombres"), ("apellidos", "los apellidos")):
            value = cell(column)
            if not value:
                errors.append(RowError(line_number, column, f"Faltan {label}."))
            elif len(value) > MAX_NAME:
                errors.append(
                    RowError(line_number, column, f"Es muy largo: máximo {MAX_NAME} caracteres.")
                )
            elif any(c.isdigit() for c in value):
                errors.append(
                    RowError(line_number, column, f"«{value}» tiene números; revise la columna.")
                )
            names[column] = value
        raw_district = cell("distrito")
        district = district_canonical(raw_district) if raw_district else None
        if not raw_district:
            errors.append(RowError(line_number, "distrito", "Falta el distrito."))
        elif district is None:
            errors.append(
                RowError(
                    line_number,
                    "distrito",
                    f"«{raw_district}» no es un distrito de la provincia de Cajamarca.",
                )
            )
        zone = cell("zona").lower()
        if not zone:
            errors.append(RowError(line_number, "zona", "Falta la zona: urbana o rural."))
        elif zone not in ("urbana", "rural"):
            errors.append(
                RowError(
                    line_number, "zona", f"«{cell('zona')}» no es válida: escriba urbana o rural."
                )
            )
        raw_phone = cell("telefono")
        phone = ""
        if raw_phone:
            phone = _phone_normalise(raw_phone) or ""
            if not phone:
                errors.append(
                    RowError(
                        line_number,
                        "telefono",
                        f"«{raw_phone}» no es un teléfono: un celular tiene 9 dígitos y empieza "
                        "con 9. Puede dejarlo vacío.",
                    )
                )
        if errors:
            result.errors.extend(errors)
            continue
        result.rows.append(
            StudentRow(
                row=line_number,
                dni=dni,
                first_names=names["nombres"],
                last_names=names["apellidos"],
                district=district or "",
                zone=zone,
                phone=phone,
            )
        )
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
    return result
