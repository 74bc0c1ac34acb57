"""Danish bank days: public holidays, the banks' own closing days, weekends."""

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.betalingsservice.bankdays import add_bank_days, easter_sunday, is_bank_day, next_bank_day
from shared.betalingsservice.writer import earliest_due_date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Easter 2026: Maundy Thursday 2 Apr, Good Friday 3 Apr, Easter Monday 6 Apr
        (date(2026, 4, 1), True),
        (date(2026, 4, 2), False),
        (date(2026, 4, 3), False),
        (date(2026, 4, 6), False),
        (date(2026, 4, 7), True),
        # Christmas 2026 and the turn of the year
        (date(2026, 12, 23), True),
        (date(2026, 12, 24), False),
        (date(2026, 12, 25), False),
        (date(2026, 12, 28), True),
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), False),
        # Constitution Day: a bank closing day, not a public holiday
        (date(2025, 6, 5), False),
        (date(2026, 6, 5), False),
        (date(2026, 6, 4), True),
        # a weekend
        (date(2026, 3, 7), False),
        (date(2026, 3, 8), False),
        (date(2026, 3, 9), True),
        # Ascension Day and the Friday after it
        (date(2025, 5, 29), False),
        (date(2025, 5, 30), False),
        (date(2026, 5, 14), False),
        (date(2026, 5, 15), False),
        # Store Bededag: a holiday up to 2023, abolished from 2024
        (date(2023, 5, 5), False),
        (date(2024, 4, 26), True),
        (date(2026, 5, 1), True),  # 1 May is a bank day
    ],
)
def test_is_bank_day(day: date, expected: bool) -> None:
    assert is_bank_day(day) is expected


def test_add_bank_days_skips_easter_2026() -> None:
    # Given the Wednesday before Easter, When one and two bank days are added, Then Easter is skipped
    assert add_bank_days(date(2026, 4, 1), 1) == date(2026, 4, 7)
    assert add_bank_days(date(2026, 4, 1), 2) == date(2026, 4, 8)
    assert add_bank_days(date(2026, 4, 7), -1) == date(2026, 4, 1)


def test_add_bank_days_over_christmas_and_new_year() -> None:
    assert add_bank_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert add_bank_days(date(2026, 12, 30), 1) == date(2027, 1, 4)


def test_add_zero_bank_days_keeps_the_day() -> None:
    assert add_bank_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    assert next_bank_day(date(2026, 3, 7)) == date(2026, 3, 9)
    assert next_bank_day(date(2026, 3, 9)) == date(2026, 3, 9)


def test_earliest_due_date_is_two_bank_days_after_creation() -> None:
    assert earliest_due_date(date(2025, 3, 1)) == date(2025, 3, 4)  # a Saturday: Monday 1, Tuesday 2
    assert earliest_due_date(date(2025, 2, 28)) == date(2025, 3, 4)
    assert earliest_due_date(date(2026, 5, 13)) == date(2026, 5, 19)  # Ascension Thursday and Friday


@pytest.mark.parametrize("year", range(1950, 2101))
def test_easter_agrees_with_the_holiday_library(year: int) -> None:
    danish = holidays.country_holidays("DK", years=year)
    assert easter_sunday(year) in danish
    assert easter_sunday(year) + timedelta(days=39) in danish  # Ascension Day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(min_value=1, max_value=40))
def test_add_bank_days_counts_exactly_n_bank_days(start: date, count: int) -> None:
    end = add_bank_days(start, count)
    assert is_bank_day(end)
    between = [start + timedelta(days=offset) for offset in range(1, (end - start).days + 1)]
    assert sum(is_bank_day(day) for day in between) == count
    assert add_bank_days(end, -count) <= start
