"""Tracking codes (alphabet, display, forgiving lookups) and the working-days due date."""

from datetime import date

import pytest

from tramites_bridge.codes import ALPHABET, code_display, code_generate, code_normalise
from tramites_bridge.models import Holiday
from tramites_bridge.workdays import due_date_compute, easter_sunday, peru_national_holidays


def test_codes_use_crockford_base32_without_i_l_o_u():
    assert len(ALPHABET) == 32
    assert not set("ILOU") & set(ALPHABET)
    codes = {code_generate() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 10
        assert set(code) <= set(ALPHABET)
    # every position draws from the whole alphabet (500 codes: each of 32 letters ~16 times)
    for position in range(10):
        assert {code[position] for code in codes} == set(ALPHABET)


def test_codes_are_shown_as_two_groups_of_five():
    assert code_display("7KQ2M4XH9T") == "7KQ2M-4XH9T"


@pytest.mark.parametrize(
    "typed",
    ["7KQ2M-4XH9T", "7kq2m4xh9t", "7KQ2M 4XH9T", " 7kq2m-4xh9t ", "7kQ2m-4Xh9T"],
)
def test_lookups_accept_any_case_with_or_without_dash(typed):
    assert code_normalise(typed) == "7KQ2M4XH9T"


def test_i_and_l_read_as_one_and_o_as_zero():
    assert code_normalise("IL0O0-12345") == "11000" + "12345"
    assert code_normalise("ab1cd-eo9fl") == "AB1CDE09F1"


@pytest.mark.parametrize("typed", ["7KQ2M-4XH9", "7KQ2M-4XH9TT", "7KQ2U-4XH9T", "7KQ2M-4XH9*", ""])
def test_what_cannot_be_a_code_is_refused(typed):
    assert code_normalise(typed) is None


def test_easter_and_holy_week():
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    names = dict(peru_national_holidays(2026))
    assert names[date(2026, 4, 2)] == "Jueves Santo"
    assert names[date(2026, 4, 3)] == "Viernes Santo"
    assert names[date(2026, 7, 28)] == "Fiestas Patrias"


@pytest.mark.django_db
def test_national_holidays_are_loaded_by_the_migration():
    assert Holiday.objects.filter(date=date(2026, 12, 8)).exists()
    assert Holiday.objects.filter(date=date(2030, 8, 30)).exists()


@pytest.mark.django_db
def test_due_date_skips_weekends():
    # Friday 13 Nov 2026 + 4 working days: Mon 16, Tue 17, Wed 18, Thu 19
    assert due_date_compute(start=date(2026, 11, 13), working_days=4) == date(2026, 11, 19)


@pytest.mark.django_db
def test_due_date_across_a_national_holiday():
    # Mon 7 Dec 2026 + 3 working days: Tue 8 (Inmaculada) and Wed 9 (Ayacucho) are holidays
    # -> Thu 10, Fri 11, Mon 14
    assert due_date_compute(start=date(2026, 12, 7), working_days=3) == date(2026, 12, 14)


@pytest.mark.django_db
def test_a_holiday_added_in_the_admin_moves_due_dates():
    start = date(2026, 11, 16)  # Monday
    assert due_date_compute(start=start, working_days=2) == date(2026, 11, 18)
    Holiday.objects.create(date=date(2026, 11, 17), name="Aniversario de Cajamarca (local)")
    assert due_date_compute(start=start, working_days=2) == date(2026, 11, 19)
