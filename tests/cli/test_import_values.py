"""Cell values as accounting exports write them: amounts, dates and the small fields (no API)."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dunning.imports import values
from dunning.imports.headers import HEADERS, field_of


@pytest.mark.parametrize(
    ("text", "mark", "amount"),
    [
        ("1.250,00", None, "1250.00"),
        ("1250,00", None, "1250.00"),
        ("1250.00", None, "1250.00"),
        ("1,250.00", None, "1250.00"),
        ("-75,50", None, "-75.50"),
        ("75,50-", None, "-75.50"),
        ("(75,50)", None, "-75.50"),
        ("kr. 1.250,00", None, "1250.00"),
        ("1.250,00 DKK", None, "1250.00"),
        ("1 250,5", None, "1250.50"),
        ("1\u00a0250,00", None, "1250.00"),
        ("1.250.000,00", None, "1250000.00"),
        ("1250", None, "1250.00"),
        ("1.250", ",", "1250.00"),  # the column writes decimals with a comma: the dot groups thousands
        ("1,250", ".", "1250.00"),
        ("−75,50", None, "-75.50"),  # a typographic minus
        ("1.250,-", None, "1250.00"),  # whole kroner
        ("kr. 500,-", None, "500.00"),
    ],
)
def test_danish_and_iso_amounts_are_read(text: str, mark: str | None, amount: str):
    assert values.parse_amount(text, mark) == Decimal(amount)


@pytest.mark.parametrize("text", ["1.250", "12,5x", "abc", "1.2,50", "1,234,5", "12,345", "1.250,005", ""])
def test_ambiguous_or_broken_amounts_are_refused_saying_what_was_expected(text: str):
    with pytest.raises(ValueError, match=r"an amount like 1\.250,00 or 1250\.00"):
        values.parse_amount(text)


def test_a_columns_decimal_mark_is_read_from_the_cells_that_show_it():
    assert values.decimal_mark(["1.250", "75,50"]) == ","
    assert values.decimal_mark(["1,250", "75.50 kr"]) == "."
    assert values.decimal_mark(["1.250"]) is None


@pytest.mark.parametrize(
    "text",
    [
        "15-01-2026", "15.01.2026", "15/01/2026", "15.1.2026", "2026-01-15", "2026-01-15T00:00:00", "15-01-26",
        "15. jan. 2026", "15-Jan-2026", "15 januar 2026", "15-01-2026 00:00:00",
    ],
)  # fmt: skip
def test_danish_and_iso_dates_are_read_day_first(text: str):
    assert values.parse_date(text) == date(2026, 1, 15)


@pytest.mark.parametrize("text", ["01/15/2026", "2026-13-01", "15 foo 2026", "31-02-2026"])
def test_dates_that_are_not_day_month_year_are_refused(text: str):
    with pytest.raises(ValueError, match="a date like 15-01-2026"):
        values.parse_date(text)


def test_the_small_fields_accept_what_exports_write():
    assert values.parse_phone("+45 20 12 34 56") == "+4520123456"
    assert values.parse_phone("0045 20-12-34-56") == "+4520123456"
    assert values.parse_phone("20 12 34 56 / 70 12 34 56") == "20123456"
    assert values.parse_email(" anna@firma.dk; bogholderi@firma.dk") == "anna@firma.dk"
    assert [values.parse_language(t) for t in ("Dansk", "EN", "english", "da-DK", "Tysk")] == [
        "da",
        "en",
        "en",
        "da",
        "en",
    ]
    assert [values.parse_country(t) for t in ("Danmark", "se", "Tyskland")] == ["DK", "SE", "DE"]
    assert [values.parse_yes_no(t) for t in ("Ja", "nej", "Erhverv", "privat", "x")] == [True, False, True, False, True]
    with pytest.raises(ValueError, match="da or en"):
        values.parse_language("klingon")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Kundenr.", "customer_no"),
        ("Debitornummer", "customer_no"),
        ("Customer No.", "customer_no"),
        ("Fakturanr.", "invoice_no"),
        ("Invoice number", "invoice_no"),
        ("Navn", "name"),
        ("E-mail", "email"),
        ("Telefon og faxnummer", "phone"),
        ("CVR-nr.", "cvr"),
        ("Postnr.", "postcode"),
        ("By", "city"),
        ("Adresse", "address"),
        ("Dato", "issued"),
        ("Forfaldsdato", "due"),
        ("Beløb (DKK)", "amount"),
        ("Belob", "amount"),
        ("Restbeløb", "open_amount"),
        ("Remaining", "open_amount"),
        ("Sprog", "language"),
        ("\ufeffKundenr.", "customer_no"),
        ("Tekst", None),
    ],
)
def test_the_header_map_reads_danish_and_english_column_names(header: str, field: str | None):
    assert field_of(header) == field


def test_the_documented_header_map_is_the_one_the_import_uses():
    # Given the header map table of docs/import.md
    text = (Path(__file__).resolve().parents[2] / "docs/import.md").read_text(encoding="utf-8")
    documented = {}
    for line in text.splitlines():
        found = re.match(r"^\| `([a-z_0-9]+)`[^|]*\| (.+) \|$", line)
        if found:
            documented[found.group(1)] = tuple(header.strip() for header in found.group(2).split(","))
    # Then it lists every field with exactly the headers the code maps
    assert documented == HEADERS
