"""The working-days calendar: Monday to Friday, except the holidays in the Holiday table
(Peru's national holidays are loaded by a migration; the back office adds local ones)."""

from dataclasses import dataclass
from datetime import date, timedelta

HORIZON_DAYS = 400


def holidays_between(start: date, end: date) -> set[date]:
    from tramites_bridge.models import Holiday

    return set(
        Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
    )


@dataclass(frozen=True)
class HolidayCalendar:
    """The holidays from `start` to `end` (both included): what due_date_compute needs, loaded
    once and kept in the shared cache instead of a query per submission."""

    start: date
    end: date
    days: frozenset[date]

    def covers(self, start: date, end: date) -> bool:
        return self.start <= start and end <= self.end


def holiday_calendar_load(start: date, days: int = HORIZON_DAYS) -> HolidayCalendar:
    end = start + timedelta(days=days)
    return HolidayCalendar(start=start, end=end, days=frozenset(holidays_between(start, end)))


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def due_date_compute(
    *, start: date, working_days: int, calendar: HolidayCalendar | None = None
) -> date:
    """The date on which a deadline of `working_days` working days ends, counting from the
    working day after `start` (the day of receipt does not count, as in Peru's Ley 27444).
    A `calendar` that covers the window saves the query."""
    # Weekends alone at most add 3 days per 5; holidays are rare: a generous window, one query.
    window_end = start + timedelta(days=working_days * 2 + 30)
    if calendar is not None and calendar.covers(start, window_end):
        holidays = set(calendar.days)
    else:
        holidays = holidays_between(start, window_end)
    day, counted = start, 0
    while counted < working_days:
        day += timedelta(days=1)
        if day > window_end:
            holidays |= holidays_between(day, day + timedelta(days=60))
            window_end = day + timedelta(days=60)
        if is_working_day(day, holidays):
            counted += 1
    return day


def working_days_late(*, due: date, today: date) -> int:
    """How many working days past its due date a file is (0 when on time)."""
    if today <= due:
        return 0
    holidays = holidays_between(due, today)
    day, late = due, 0
    while day < today:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            late += 1
    return late


def easter_sunday(year: int) -> date:
    """Gregorian Easter (Anonymous Gregorian algorithm): Jueves and Viernes Santo move with it."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


# Peru's national non-working holidays (Ley 31788 and earlier laws).
FIXED_HOLIDAYS = [
    (1, 1, "Año Nuevo"),
    (5, 1, "Día del Trabajo"),
    (6, 7, "Batalla de Arica y Día de la Bandera"),
    (6, 29, "San Pedro y San Pablo"),
    (7, 23, "Día de la Fuerza Aérea del Perú"),
    (7, 28, "Fiestas Patrias"),
    (7, 29, "Fiestas Patrias"),
    (8, 6, "Batalla de Junín"),
    (8, 30, "Santa Rosa de Lima"),
    (10, 8, "Combate de Angamos"),
    (11, 1, "Día de Todos los Santos"),
    (12, 8, "Inmaculada Concepción"),
    (12, 9, "Batalla de Ayacucho"),
    (12, 25, "Navidad"),
]


def peru_national_holidays(year: int) -> list[tuple[date, str]]:
    easter = easter_sunday(year)
    days = [(date(year, m, d), name) for m, d, name in FIXED_HOLIDAYS]
    days += [
        (easter - timedelta(days=3), "Jueves Santo"),
        (easter - timedelta(days=2), "Viernes Santo"),
    ]
    return sorted(days)
