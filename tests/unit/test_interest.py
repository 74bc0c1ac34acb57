"""Morarente (renteloven § 5): the dated rate table, 30E/360 and actual/365, splitting at 1 Jan / 1 Jul."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.interest import (
    DEFAULT_RATES,
    InterestPeriod,
    RatePeriod,
    RateTable,
    day_count_days,
    late_interest,
)

D = Decimal


# --- the rate table -------------------------------------------------------------------


def test_the_default_table_is_reference_plus_8_points() -> None:
    assert DEFAULT_RATES.rate_on(date(2023, 1, 1)) == D("9.90")
    assert DEFAULT_RATES.rate_on(date(2023, 12, 31)) == D("11.25")
    assert DEFAULT_RATES.rate_on(date(2024, 6, 30)) == D("11.75")
    assert DEFAULT_RATES.rate_on(date(2024, 7, 1)) == D("11.50")
    assert DEFAULT_RATES.rate_on(date(2025, 1, 1)) == D("10.75")
    assert DEFAULT_RATES.rate_on(date(2025, 7, 1)) == D("9.75")
    assert DEFAULT_RATES.rate_on(date(2026, 1, 1)) == D("9.75")
    assert all(period.rate == period.reference_rate + 8 for period in DEFAULT_RATES.periods)


def test_the_last_rate_continues_until_the_tenant_extends_the_table() -> None:
    extended = DEFAULT_RATES.with_entries([RatePeriod.statutory(date(2026, 7, 1), D("1.50"))])

    assert DEFAULT_RATES.rate_on(date(2027, 3, 1)) == D("9.75")
    assert extended.rate_on(date(2026, 6, 30)) == D("9.75")
    assert extended.rate_on(date(2026, 7, 1)) == D("9.50")


def test_an_entry_for_a_known_date_corrects_it() -> None:
    corrected = DEFAULT_RATES.with_entries([RatePeriod.statutory(date(2026, 1, 1), D("1.60"))])

    assert corrected.rate_on(date(2026, 2, 1)) == D("9.60")
    assert len(corrected.periods) == len(DEFAULT_RATES.periods)


@pytest.mark.parametrize(
    ("effective_from", "reference", "rate", "message"),
    [
        (date(2026, 3, 1), D("1.00"), D("9.00"), "1 January or 1 July"),
        (date(2026, 7, 1), D("1.00"), D("-0.01"), "at least 0"),
        (date(2026, 7, 1), D("1.00"), 9.0, "Decimal"),
        (date(2026, 7, 1), "1.00", D("9.00"), "Decimal"),
    ],
)
def test_tenant_rates_are_validated(effective_from: date, reference: object, rate: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DEFAULT_RATES.with_entries([RatePeriod(effective_from, reference, rate)])  # type: ignore[arg-type]


def test_two_rates_for_one_date_are_refused() -> None:
    entries = [RatePeriod.statutory(date(2026, 7, 1), D("1.50")), RatePeriod.statutory(date(2026, 7, 1), D("1.25"))]

    with pytest.raises(ValueError, match="two rates"):
        DEFAULT_RATES.with_entries(entries)


def test_a_table_needs_rates_in_date_order() -> None:
    first, second = DEFAULT_RATES.periods[:2]

    with pytest.raises(ValueError, match="at least one rate"):
        RateTable(())
    with pytest.raises(ValueError, match="date order"):
        RateTable((second, first))


def test_days_before_the_table_have_no_rate() -> None:
    with pytest.raises(ValueError, match="no interest rate known for 2022-12-31"):
        late_interest(D("100.00"), date(2022, 12, 1), date(2022, 12, 31))


# --- day counts -------------------------------------------------------------------------------


def test_30e_360_treats_the_31st_as_the_30th() -> None:
    assert day_count_days(date(2026, 1, 30), date(2026, 1, 31)) == 0  # 30 -> 30
    assert day_count_days(date(2026, 1, 31), date(2026, 2, 1)) == 1  # 30 Jan -> 1 Feb: 30 × 1 + (1 − 30)
    assert day_count_days(date(2026, 1, 15), date(2026, 3, 31)) == 75  # 30 × 2 + (30 − 15)
    assert day_count_days(date(2026, 2, 28), date(2026, 3, 1)) == 3  # February is not stretched: 30 + (1 − 28)
    assert day_count_days(date(2025, 12, 31), date(2026, 12, 31)) == 360


def test_actual_365_counts_calendar_days() -> None:
    assert day_count_days(date(2026, 2, 28), date(2026, 3, 1), "actual/365") == 1
    assert day_count_days(date(2024, 1, 1), date(2025, 1, 1), "actual/365") == 366


# --- interest -------------------------------------------------------------------------------------


def test_interest_within_one_period() -> None:
    # 1000.00 due 15 Jan 2026, to 14 Feb 2026 at 9.75 %: 30 × 1 + (14 − 15) = 29 days;
    # 1000 × 9.75 × 29 / 36000 = 7.854166… -> 7.85.
    result = late_interest(D("1000.00"), date(2026, 1, 15), date(2026, 2, 14))

    assert result.amount == D("7.85")
    assert result.rate == D("9.75")
    assert [(p.first_day, p.last_day, p.rate, p.days) for p in result.periods] == [
        (date(2026, 1, 16), date(2026, 2, 14), D("9.75"), 29)
    ]


def test_interest_across_1_january_switches_rate() -> None:
    # 10000.00 due 10 Dec 2024, to 20 Jan 2025.
    # 11–31 Dec 2024 at 11.50 %: 30 − 10 = 20 days; 10000 × 11.50 × 20 / 36000 = 63.8888…
    # 1–20 Jan 2025 at 10.75 %: 360 × 1 + 30 × (1 − 12) + (20 − 30) = 20 days; 10000 × 10.75 × 20 / 36000 = 59.7222…
    # total 123.6111… -> 123.61
    result = late_interest(D("10000.00"), date(2024, 12, 10), date(2025, 1, 20))

    assert result.amount == D("123.61")
    assert result.rate == D("10.75")
    assert [(p.first_day, p.last_day, p.rate, p.days) for p in result.periods] == [
        (date(2024, 12, 11), date(2024, 12, 31), D("11.50"), 20),
        (date(2025, 1, 1), date(2025, 1, 20), D("10.75"), 20),
    ]


def test_interest_across_1_july_switches_rate() -> None:
    # 5000.00 due 15 Jun 2025, to 15 Jul 2025.
    # 16–30 Jun at 10.75 %: 30 − 15 = 15 days; 5000 × 10.75 × 15 / 36000 = 22.395833…
    # 1–15 Jul at 9.75 %: 30 × 1 + (15 − 30) = 15 days; 5000 × 9.75 × 15 / 36000 = 20.3125
    # total 42.708333… -> 42.71
    result = late_interest(D("5000.00"), date(2025, 6, 15), date(2025, 7, 15))

    assert result.amount == D("42.71")
    assert [p.days for p in result.periods] == [15, 15]
    assert result.periods[1] == InterestPeriod(date(2025, 7, 1), date(2025, 7, 15), D("9.75"), 15, D("20.3125"))


def test_interest_across_1_january_2026_with_a_tenant_rate() -> None:
    # 2500.00 due 30 Nov 2025 to 31 Jan 2026, the tenant fixed 1 Jan 2026 at 1.60 + 8 = 9.60 %.
    # 1–31 Dec 2025 at 9.75 %: from 30 Nov to 31 Dec = 30 × 1 + (30 − 30) = 30 days; 2500 × 9.75 × 30 / 36000 = 20.3125
    # 1–31 Jan 2026 at 9.60 %: from 31 Dec to 31 Jan = 360 − 330 + (30 − 30) = 30 days; 2500 × 9.60 × 30 / 36000 = 20.00
    # total 40.3125 -> 40.31
    table = DEFAULT_RATES.with_entries([RatePeriod.statutory(date(2026, 1, 1), D("1.60"))])

    result = late_interest(D("2500.00"), date(2025, 11, 30), date(2026, 1, 31), table)

    assert result.amount == D("40.31")
    assert result.rate == D("9.60")
    assert result.exact == D("40.3125")


def test_actual_365_variant() -> None:
    # 1000.00 due 31 Jan 2026, to 2 Mar 2026: 30 calendar days at 9.75 %;
    # 1000 × 9.75 × 30 / 36500 = 8.01369… -> 8.01 (30E/360 would count 30 × 2 + (2 − 30) = 32 days: 8.67)
    assert late_interest(D("1000.00"), date(2026, 1, 31), date(2026, 3, 2), day_count="actual/365").amount == D("8.01")
    assert late_interest(D("1000.00"), date(2026, 1, 31), date(2026, 3, 2)).amount == D("8.67")


def test_rounding_is_half_up_once_at_the_end() -> None:
    # 720.00 × 9.75 × 10 / 36000 = 1.95 exactly.
    assert late_interest(D("720.00"), date(2026, 2, 1), date(2026, 2, 11)).amount == D("1.95")
    # With a 9.00 % rate: 50.00 × 9.00 × 10 / 36000 = 0.125 -> 0.13 (half up; half even would give 0.12).
    table = DEFAULT_RATES.with_entries([RatePeriod.statutory(date(2026, 7, 1), D("1.00"))])
    assert late_interest(D("50.00"), date(2026, 7, 1), date(2026, 7, 11), table).amount == D("0.13")
    # Rounded once, not per part: 1.00 × 11.50 × 20 / 36000 = 0.00638… and 1.00 × 10.75 × 20 / 36000 = 0.00597…
    # would be 0.01 + 0.01 = 0.02 rounded apiece; their sum 0.01236… rounds to 0.01.
    assert late_interest(D("1.00"), date(2024, 12, 10), date(2025, 1, 20)).amount == D("0.01")


@pytest.mark.parametrize(
    ("principal", "start", "end"),
    [
        (D("0.00"), date(2026, 1, 1), date(2026, 2, 1)),
        (D("-10.00"), date(2026, 1, 1), date(2026, 2, 1)),
        (D("1000.00"), date(2026, 2, 1), date(2026, 2, 1)),
        (D("1000.00"), date(2026, 2, 1), date(2026, 1, 1)),
    ],
)
def test_no_interest_without_principal_or_days(principal: Decimal, start: date, end: date) -> None:
    result = late_interest(principal, start, end)

    assert result.amount == D("0.00") and result.periods == []
    assert result.rate == DEFAULT_RATES.rate_on(end)


def test_an_unknown_day_count_is_refused() -> None:
    with pytest.raises(ValueError, match="day_count"):
        late_interest(D("1.00"), date(2026, 1, 1), date(2026, 2, 1), day_count="actual/360")  # type: ignore[arg-type]


def test_floats_are_refused() -> None:
    with pytest.raises(ValueError, match="Decimal"):
        late_interest(1000.0, date(2026, 1, 1), date(2026, 2, 1))  # type: ignore[arg-type]


# --- additivity ---------------------------------------------------------------------------------------

_DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31))


@given(
    principal=st.decimals(min_value=D("0.01"), max_value=D("10000000.00"), places=2),
    dates=st.lists(_DAYS, min_size=3, max_size=3).map(sorted),
    day_count=st.sampled_from(["30E/360", "actual/365"]),
)
def test_interest_over_a_c_is_a_b_plus_b_c(principal: Decimal, dates: list[date], day_count: str) -> None:
    a, b, c = dates
    whole = late_interest(principal, a, c, day_count=day_count)  # type: ignore[arg-type]
    first = late_interest(principal, a, b, day_count=day_count)  # type: ignore[arg-type]
    second = late_interest(principal, b, c, day_count=day_count)  # type: ignore[arg-type]

    # The unrounded parts agree to far below an øre (the parts are divided at 60 digits; this sum runs at 28).
    assert abs(whole.exact - (first.exact + second.exact)) < D("1e-20")
    assert abs(whole.amount - (first.amount + second.amount)) <= D("0.01")
    assert sum(p.days for p in whole.periods) == sum(p.days for p in first.periods + second.periods)


@given(start=_DAYS, length=st.integers(min_value=1, max_value=800))
def test_interest_days_never_go_negative_and_whole_years_are_360(start: date, length: int) -> None:
    end = start + timedelta(days=length)

    periods = late_interest(D("100.00"), start, end).periods

    assert all(p.days >= 0 for p in periods)
    assert periods[0].first_day == start + timedelta(days=1) and periods[-1].last_day == end
