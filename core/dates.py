"""Dates that a page or feed reads from its query string (?semana=, ?from=, ?to=).

One range for the whole site: a year outside MIN_YEAR..MAX_YEAR is refused with a Spanish
message before it reaches date arithmetic (year 1 or 9999 plus a week overflows) or a query."""

from datetime import date

MIN_YEAR = 2000
MAX_YEAR = 2100


class QueryDateError(ValueError):
    """A date or month in the query string that a page cannot serve; the message is Spanish."""


def in_range(day: date) -> bool:
    return MIN_YEAR <= day.year <= MAX_YEAR


def out_of_range_message(noun: str = "fecha") -> str:
    """The one Spanish sentence for a date outside the range; `noun` is feminine ("semana")."""
    return (
        f"{noun.capitalize()} fuera de rango: elija una fecha entre los años {MIN_YEAR} y "
        f"{MAX_YEAR}."
    )


def query_date(raw: str, *, noun: str = "fecha") -> date:
    """A YYYY-MM-DD value between MIN_YEAR and MAX_YEAR; `noun` (feminine: "semana",
    "fecha") names it in the message."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise QueryDateError(f"La {noun} pedida no es una fecha válida (AAAA-MM-DD).") from exc
    if not in_range(day):
        raise QueryDateError(out_of_range_message(noun))
    return day
