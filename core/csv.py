"""CSV exports: every cell guarded against formula injection, the download named by Django.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and some skip a
leading tab or carriage return before looking: a citizen named `=HYPERLINK("http://…","Ver")`
would become a link in the back office's sheet. As OWASP advises, such a cell is written with a
single quote in front, which the spreadsheet shows as text.

The rule, decided once here:
- text (anything that is not a number) is always guarded, even text that reads as a number:
  "-3" typed in a name field is written `'-3`;
- numbers (int, float, Decimal) are written as they are, negative ones too: a number is never
  read as a formula, and a reversal of -4.00 must stay a number the sheet can add. So an export
  passes amounts as numbers, not as formatted text;
- None is an empty cell; True/False are text.

Write through `csv_writer` (or `csv_response`), never through `csv.writer` directly, so that no
export can forget the guard."""

import csv
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # spreadsheets open UTF-8 with its accents intact when the file starts with it


def csv_cell(value) -> str | int | float | Decimal:
    """One cell as it is safe to write (see the module docstring for the rule)."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class CsvWriter:
    """csv.writer whose every cell goes through csv_cell. `writerow` returns what the underlying
    writer returns (the line, for a writer over an echoing buffer used to stream)."""

    def __init__(self, out, **fmtparams) -> None:
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out, **fmtparams) -> CsvWriter:
    return CsvWriter(out, **fmtparams)


def csv_response(*, filename: str) -> HttpResponse:
    """An empty CSV download to write rows into with `csv_writer(response)`: UTF-8 with a BOM,
    saved as `filename`. The name may carry a user's text (a cabina's name): Django builds the
    header, so quotes, `;`, line breaks and accents cannot break it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response.write(BOM)
    return response
