from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.rendering.formatting import format_date, format_money


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1250", "1.250,00 kr."),
        ("0", "0,00 kr."),
        ("99.5", "99,50 kr."),
        ("1234567.89", "1.234.567,89 kr."),
        ("-1250.50", "-1.250,50 kr."),
    ],
)
def test_danish_money_uses_danish_grouping_and_kr(amount: str, expected: str) -> None:
    # Given an amount as Decimal
    # When it is formatted for a Danish text
    text = format_money(Decimal(amount), "da")
    # Then it reads the way Danish invoices write it
    assert text == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1250", "DKK 1,250.00"),
        ("0.5", "DKK 0.50"),
        ("1234567.89", "DKK 1,234,567.89"),
        ("-1250.50", "-DKK 1,250.50"),
    ],
)
def test_english_money_puts_the_iso_code_first_with_english_grouping(amount: str, expected: str) -> None:
    # Given an amount as Decimal
    # When it is formatted for an English text
    text = format_money(Decimal(amount), "en")
    # Then the currency is unambiguous (not "kr.") and the digits are grouped the English way
    assert text == expected


def test_money_rounds_half_up_to_ore() -> None:
    # Given amounts exactly half an øre from two neighbours
    # When they are formatted
    # Then they round up, as Danish commercial rounding does (Babel alone would round half-even)
    assert format_money(Decimal("0.005"), "da") == "0,01 kr."
    assert format_money(Decimal("0.025"), "da") == "0,03 kr."


def test_money_uses_a_plain_space_that_fits_gsm7() -> None:
    # Given any formatted amount
    # When it is looked at character by character
    # Then there is no no-break space, which would force an SMS into UCS-2
    assert "\xa0" not in format_money(Decimal("1250"), "da")
    assert "\xa0" not in format_money(Decimal("1250"), "en")


def test_money_rejects_floats() -> None:
    # Given a float amount, which has already lost exactness
    # When it is formatted
    # Then the mistake is reported instead of silently rounded
    with pytest.raises(TypeError, match="Decimal"):
        format_money(1250.0, "da")  # type: ignore[arg-type]


def test_money_rejects_non_finite_amounts() -> None:
    # Given NaN
    # When it is formatted
    # Then it is refused
    with pytest.raises(ValueError, match="finite"):
        format_money(Decimal("NaN"), "da")


def test_money_rejects_unknown_language() -> None:
    # Given a language the templates do not exist for
    # When an amount is formatted in it
    # Then the error names the supported languages
    with pytest.raises(ValueError, match="unsupported language"):
        format_money(Decimal("1"), "de")  # type: ignore[arg-type]


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2))
def test_danish_money_round_trips_to_the_same_amount(amount: Decimal) -> None:
    # Given any amount in øre
    # When it is formatted in Danish and read back
    text = format_money(amount, "da")
    read_back = Decimal(text.removesuffix(" kr.").replace(".", "").replace(",", "."))
    # Then nothing was lost or rounded
    assert read_back == amount


@pytest.mark.parametrize(
    ("day", "language", "expected"),
    [
        (date(2026, 1, 15), "da", "15. januar 2026"),
        (date(2026, 5, 6), "da", "6. maj 2026"),
        (date(2025, 12, 31), "da", "31. december 2025"),
        (date(2026, 1, 15), "en", "15 January 2026"),
        (date(2026, 5, 6), "en", "6 May 2026"),
    ],
)
def test_dates_are_written_in_long_form(day: date, language: str, expected: str) -> None:
    # Given a date
    # When it is formatted for the language
    text = format_date(day, language)  # type: ignore[arg-type]
    # Then it is day-month-year with the month spelt out, never an ambiguous 05/06
    assert text == expected
