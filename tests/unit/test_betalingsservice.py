"""Betalingsservice 0601, section 0117: the reference vector, the field tables, properties, errors, the reader."""

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.betalingsservice import (
    BsSlip,
    DeliveryFormatError,
    DeliveryHeader,
    DueDateTooEarlyError,
    DuplicatePaymentError,
    FieldError,
    build_delivery,
    earliest_due_date,
    parse_delivery,
    reminder_text_lines,
)
from shared.betalingsservice.records import (
    DELIVERY_END,
    DELIVERY_START,
    LAYOUTS,
    NAME_ADDRESS,
    PAYMENT_SLIP,
    POSTCODE,
    RECORD_LENGTH,
    SECTION_END,
    SECTION_START,
    TEXT,
    RecordLayout,
    layout_for,
)
from tests.conftest import SHARED

# The synthetic vector of danish-domain.md § 2.3, trailing blanks stripped as in the file.
VECTOR = [
    "BS00212345678BS106010000000042                   010325",
    "BS012012345670117     00001RYKKER             0103202500000000000000",
    "BS02201234567024000001000011001           000000000Kunde Kundesen",
    "BS02201234567024000002000011001           000000000Eksempelvej 1",
    "BS02201234567024000009000011001           000000000               2100DK",
    "BS04201234567028500000000011001           0000000000503202510000000125000R1-10234                      00",
    "BS05201234567024100001000011001           000000000 RYKKER 1 - faktura 10234 forfaldt 14.02.2025",
    "BS05201234567024100002000011001           000000000 Skyldigt beloeb 1.150,00 kr",
    "BS05201234567024100003000011001           000000000 Rykkergebyr (renteloven 9 b) 100,00 kr",
    "BS0920123456701170000000001    0000000000100000000012500000000000003               00000000003",
    "BS99212345678BS1060100000000001000000000010000000001250000000000000300000000000000000000000003" + "0" * 34,
]

VECTOR_HEADER = DeliveryHeader(
    cvr="12345678",
    creditor_number="01234567",
    debtor_group="00001",
    delivery_id=42,
    created=date(2025, 3, 1),
    creditor_id="RYKKER",
)
VECTOR_SLIP = BsSlip(
    customer_number="1001",
    name="Kunde Kundesen",
    address_lines=["Eksempelvej 1"],
    postcode="2100",
    due_date=date(2025, 3, 5),
    amount=Decimal("1250.00"),
    reference="R1-10234",
    text_lines=[
        "RYKKER 1 - faktura 10234 forfaldt 14.02.2025",
        "Skyldigt beloeb 1.150,00 kr",
        "Rykkergebyr (renteloven 9 b) 100,00 kr",
    ],
)


def padded(record: str) -> str:
    return record.ljust(RECORD_LENGTH)


# --- (a) the reference vector ------------------------------------------------------------------------------------


def test_vector_is_reproduced_record_for_record() -> None:
    delivery = build_delivery(VECTOR_HEADER, [VECTOR_SLIP])

    assert delivery.text.split("\r\n") == [*VECTOR, ""]
    assert [padded(line) for line in VECTOR] == list(delivery.records)
    assert delivery.encode() == ("\r\n".join(VECTOR) + "\r\n").encode("ascii")
    assert (delivery.sections, delivery.payments, delivery.amount) == (1, 1, Decimal("1250.00"))
    assert (delivery.text_records, delivery.address_records) == (3, 3)


def test_vector_matches_the_reference_document() -> None:
    reference = SHARED / "reference" / "danish-domain.md"
    if not reference.exists():
        pytest.skip("reference material not beside the repository")
    text = reference.read_text(encoding="utf-8")
    block = text.split("**Synthetic test vector**", 1)[1].split("```", 2)[1]
    assert block.strip("\n").splitlines() == VECTOR


def test_vector_reads_back() -> None:
    parsed = parse_delivery("\n".join(VECTOR))  # LF only, no final line end

    assert parsed.slips == (replace(VECTOR_SLIP, debtor_group="00001"),)
    assert (parsed.cvr, parsed.delsystem, parsed.delivery_id, parsed.created) == (
        "12345678",
        "BS1",
        42,
        date(2025, 3, 1),
    )
    assert parsed.sections[0].creditor_id == "RYKKER"
    assert parsed.sections[0].section_date == date(2025, 3, 1)
    assert parsed.header() == replace(VECTOR_HEADER, section_date=date(2025, 3, 1))
    assert (parsed.payments, parsed.amount, parsed.text_records, parsed.address_records) == (
        1,
        Decimal("1250.00"),
        3,
        3,
    )


# --- (b) the field tables, position by position ------------------------------------------------------------------

# Each field as "start-end type", transcribed from the reference's tables (1-based, inclusive).
FIELD_TABLES = {
    "delivery start": "1-5 X, 6-13 N, 14-16 X, 17-20 N, 21-30 N, 31-49 X, 50-55 N, 56-128 X",
    "section start": "1-5 X, 6-13 N, 14-17 N, 18-22 X, 23-27 N, 28-42 X, 43-46 X, 47-54 N, 55-58 N, 59-68 N, 69-128 X",
    "name/address line": "1-5 X, 6-13 N, 14-17 N, 18-22 N, 23-27 N, 28-42 X, 43-51 N, 52-86 X, 87-128 X",
    "postcode/country": "1-5 X, 6-13 N, 14-17 N, 18-22 N, 23-27 N, 28-42 X, 43-51 N, 52-66 X, 67-70 X, 71-73 X, "
    "74-128 X",
    "payment slip": "1-5 X, 6-13 N, 14-17 N, 18-22 N, 23-27 N, 28-42 X, 43-51 N, 52-59 N, 60-60 N, 61-73 N, 74-82 X, "
    "83-103 X, 104-105 N, 106-128 X",
    "text line": "1-5 X, 6-13 N, 14-17 N, 18-22 N, 23-27 N, 28-42 X, 43-51 N, 52-52 X, 53-112 X, 113-128 X",
    "section end": "1-5 X, 6-13 N, 14-17 N, 18-22 N, 23-27 N, 28-31 X, 32-42 N, 43-57 N, 58-68 N, 69-83 X, 84-94 N, "
    "95-128 X",
    "delivery end": "1-5 X, 6-13 N, 14-16 X, 17-20 N, 21-31 N, 32-42 N, 43-57 N, 58-68 N, 69-83 N, 84-94 N, 95-128 N",
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_layout_matches_the_field_table(layout: RecordLayout) -> None:
    assert ", ".join(f"{field.start}-{field.end} {field.kind}" for field in layout.fields) == FIELD_TABLES[layout.name]


def at(record: str, start: int, end: int) -> str:
    return record[start - 1 : end]


def test_vector_records_hold_each_field_at_its_position() -> None:
    start, section, name, address, postcode, payment, text1, _, _, section_end, end = (padded(line) for line in VECTOR)
    # BS002
    assert [at(start, *span) for span in [(1, 5), (6, 13), (14, 16), (17, 20), (21, 30), (50, 55)]] == [
        "BS002",
        "12345678",
        "BS1",
        "0601",
        "0000000042",
        "010325",
    ]
    assert at(start, 31, 49).isspace() and at(start, 56, 128).isspace()
    # BS012
    assert [at(section, *span) for span in [(6, 13), (14, 17), (23, 27), (28, 42), (47, 54), (55, 58), (59, 68)]] == [
        "01234567",
        "0117",
        "00001",
        "RYKKER".ljust(15),
        "01032025",
        "0000",
        "0000000000",
    ]
    assert at(section, 18, 22).isspace() and at(section, 43, 46).isspace() and at(section, 69, 128).isspace()
    # BS022 lines and postcode record
    for record, number, line in [(name, "00001", "Kunde Kundesen"), (address, "00002", "Eksempelvej 1")]:
        assert at(record, 14, 17) == "0240" and at(record, 18, 22) == number and at(record, 23, 27) == "00001"
        assert at(record, 28, 42) == "1001".ljust(15) and at(record, 43, 51) == "0" * 9
        assert at(record, 52, 86) == line.ljust(35) and at(record, 87, 128).isspace()
    assert at(postcode, 18, 22) == "00009" and at(postcode, 52, 66).isspace()
    assert (at(postcode, 67, 70), at(postcode, 71, 73)) == ("2100", "DK ")
    # BS042 0285
    assert [at(payment, *span) for span in [(14, 17), (18, 22), (43, 51), (52, 59), (60, 60), (61, 73)]] == [
        "0285",
        "00000",
        "000000000",
        "05032025",
        "1",
        "0000000125000",
    ]
    assert at(payment, 74, 82) == "R1-10234 " and at(payment, 83, 103).isspace() and at(payment, 104, 105) == "00"
    # BS052
    assert (at(text1, 14, 17), at(text1, 18, 22), at(text1, 52, 52)) == ("0241", "00001", " ")
    assert at(text1, 53, 112) == "RYKKER 1 - faktura 10234 forfaldt 14.02.2025".ljust(60)
    # BS092
    assert [at(section_end, *span) for span in [(14, 17), (18, 22), (23, 27), (32, 42), (43, 57), (58, 68)]] == [
        "0117",
        "00000",
        "00001",
        "00000000001",
        "000000000125000",
        "00000000003",
    ]
    assert at(section_end, 84, 94) == "00000000003" and at(section_end, 28, 31).isspace()
    # BS992
    assert [at(end, *span) for span in [(6, 13), (14, 16), (17, 20), (21, 31), (32, 42), (43, 57), (58, 68)]] == [
        "12345678",
        "BS1",
        "0601",
        "00000000001",
        "00000000001",
        "000000000125000",
        "00000000003",
    ]
    assert at(end, 84, 94) == "00000000003" and set(at(end, 69, 83) + at(end, 95, 128)) == {"0"}


def test_layout_for_tells_the_postcode_record_from_an_address_line() -> None:
    assert layout_for(padded(VECTOR[2])) is NAME_ADDRESS
    assert layout_for(padded(VECTOR[4])) is POSTCODE
    assert [layout_for(padded(line)) for line in VECTOR[5:-1]] == [PAYMENT_SLIP, TEXT, TEXT, TEXT, SECTION_END]
    assert layout_for(padded(VECTOR[0])) is DELIVERY_START
    assert layout_for(padded(VECTOR[1])) is SECTION_START
    assert layout_for(padded(VECTOR[-1])) is DELIVERY_END


# --- (c) properties over random slips ----------------------------------------------------------------------------

LATIN1 = "".join(chr(code) for code in [*range(0x20, 0x7F), *range(0xA0, 0x100)])
CREATED = date(2026, 3, 27)  # a Friday before Easter
HEADER = DeliveryHeader(cvr="87654321", creditor_number="07654321", debtor_group="1", delivery_id=7, created=CREATED)


def texts(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=LATIN1, min_size=1, max_size=max_size).filter(lambda text: bool(text.strip()))


@st.composite
def slips(draw: st.DrawFn) -> BsSlip:
    country = draw(st.sampled_from(["DK", "DK", "SE", "de"]))
    denmark = country == "DK"
    return BsSlip(
        customer_number=draw(st.text(alphabet="ABCXYZ0123456789-abcæøå", min_size=1, max_size=15)),
        name=draw(texts(35)),
        address_lines=draw(st.lists(texts(35), min_size=1 if denmark else 2, max_size=4)),
        postcode=draw(st.from_regex(r"[0-9]{4}", fullmatch=True)) if denmark else None,
        due_date=draw(st.dates(min_value=earliest_due_date(CREATED), max_value=CREATED + timedelta(days=400))),
        amount=Decimal(draw(st.integers(min_value=0, max_value=10**13 - 1))).scaleb(-2),
        text_lines=draw(
            st.lists(st.text(alphabet=LATIN1, max_size=60), min_size=1, max_size=6).filter(
                lambda lines: any(line.strip() for line in lines)
            )
        ),
        country=country,
        reference=draw(st.text(alphabet=LATIN1, max_size=9)),
        debtor_group=draw(st.sampled_from([None, "00001", "2", "00042"])),
    )


def section_key(slip: BsSlip) -> tuple[str, str, date]:
    return (slip.debtor_group or HEADER.debtor_group, slip.customer_number, slip.due_date)


slip_lists = st.lists(slips(), min_size=1, max_size=8, unique_by=section_key)


def in_section_order(given: list[BsSlip]) -> list[BsSlip]:
    """The slips as the reader returns them: grouped by debtor group, groups in order of first appearance."""
    groups = list(dict.fromkeys(slip.debtor_group or HEADER.debtor_group for slip in given))
    filled = [replace(slip, debtor_group=slip.debtor_group or HEADER.debtor_group) for slip in given]
    return sorted(filled, key=lambda slip: groups.index(slip.debtor_group or ""))


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(slip_lists)
def test_every_field_is_padded_as_its_type_says(given: list[BsSlip]) -> None:
    delivery = build_delivery(HEADER, given)

    for record in delivery.records:
        assert len(record) == RECORD_LENGTH
        for field in layout_for(record).fields:
            raw = at(record, field.start, field.end)
            if field.kind == "N":
                assert re.fullmatch(r"[0-9]+", raw), (field.name, raw)
            else:
                assert raw == raw.rstrip(" ").ljust(field.length)
    for line in delivery.text.split("\r\n")[:-1]:
        assert line == line.rstrip(" ") and len(line) <= RECORD_LENGTH
    payments = [record for record in delivery.records if record.startswith("BS042")]
    ordered = in_section_order(given)
    for record, slip in zip(payments, ordered, strict=True):
        assert at(record, 61, 73) == str(slip.ore).zfill(13)
        assert at(record, 60, 60) == ("1" if slip.amount > 0 else "0")
        assert at(record, 74, 82) == slip.reference.ljust(9)
        assert at(record, 28, 42) == slip.customer_number.ljust(15)
        assert slip.customer_number == slip.customer_number.upper()


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(slip_lists)
def test_section_and_delivery_totals_reconcile(given: list[BsSlip]) -> None:
    delivery = build_delivery(HEADER, given)
    records = delivery.records

    section_ends = [record for record in records if record.startswith("BS092")]
    end = records[-1]
    assert len(section_ends) == delivery.sections == len({section_key(slip)[0] for slip in given})
    assert int(at(end, 21, 31)) == delivery.sections
    for start, length, prefix in [(32, 11, "BS042"), (58, 11, "BS052"), (84, 11, "BS022")]:
        count = sum(record.startswith(prefix) for record in records)
        assert int(at(end, start, start + length - 1)) == count
        assert sum(int(at(record, start, start + length - 1)) for record in section_ends) == count
    total_ore = sum(slip.ore for slip in given)
    assert int(at(end, 43, 57)) == total_ore == sum(int(at(record, 43, 57)) for record in section_ends)
    assert delivery.amount == sum((slip.amount for slip in given), Decimal("0"))
    assert delivery.payments == len(given)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(slip_lists)
def test_writer_and_reader_round_trip(given: list[BsSlip]) -> None:
    delivery = build_delivery(HEADER, given)

    parsed = parse_delivery(delivery.encode())

    assert list(parsed.slips) == in_section_order(given)
    assert parsed.amount == delivery.amount and parsed.payments == delivery.payments
    assert build_delivery(parsed.header(), parsed.slips).records == delivery.records
    assert parse_delivery(delivery.text.replace("\r\n", "\n")).slips == parsed.slips


@given(st.text(alphabet=LATIN1.replace("\xa0", "") + "\n", max_size=400))
def test_reminder_text_lines_wrap_without_losing_words(text: str) -> None:
    lines = reminder_text_lines(text)

    assert all(len(line) <= 60 for line in lines)
    assert " ".join(lines).split() == text.split() or any(len(word) > 60 for word in text.split())


def test_reminder_text_lines_keep_words_and_danish_letters() -> None:
    text = (
        "Vi har endnu ikke modtaget betaling for faktura 10234 på 1.150,00 kr, som forfaldt den 14.02.2025. "
        "Betal venligst beløbet senest på forfaldsdagen.\n\nMed venlig hilsen\nØrsted & Søn ApS"
    )
    lines = reminder_text_lines(text)

    assert lines == [
        "Vi har endnu ikke modtaget betaling for faktura 10234 på",
        "1.150,00 kr, som forfaldt den 14.02.2025. Betal venligst",
        "beløbet senest på forfaldsdagen.",
        "",
        "Med venlig hilsen",
        "Ørsted & Søn ApS",
    ]
    assert reminder_text_lines("x" * 70) == ["x" * 60, "x" * 10]
    slip = replace(VECTOR_SLIP, text_lines=lines)
    assert "beløbet".encode("iso-8859-1") in build_delivery(VECTOR_HEADER, [slip]).encode()


# --- (d) errors name the field ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"customer_number": "1" * 16}, "BsSlip.customer_number", "at most 15 characters"),
        ({"customer_number": "  "}, "BsSlip.customer_number", "non-blank"),
        ({"name": "N" * 36}, "BsSlip.name", "at most 35 characters"),
        ({"address_lines": []}, "BsSlip.address_lines", "1-4 lines"),
        ({"address_lines": ["a"] * 5}, "BsSlip.address_lines", "1-4 lines"),
        ({"address_lines": ["Vej 1", "x" * 36]}, "BsSlip.address_lines[1]", "at most 35"),
        ({"postcode": "21OO"}, "BsSlip.postcode", "4 digits"),
        ({"postcode": None}, "BsSlip.postcode", "4 digits"),
        ({"country": "SE"}, "BsSlip.address_lines", "foreign address"),
        ({"country": "SE", "address_lines": ["a", "b"]}, "BsSlip.postcode", "None abroad"),
        ({"country": "Sverige"}, "BsSlip.country", "alpha-2"),
        ({"amount": 1250.0}, "BsSlip.amount", "Decimal"),
        ({"amount": Decimal("1.005")}, "BsSlip.amount", "two decimal places"),
        ({"amount": Decimal("-1.00")}, "BsSlip.amount", "zero or more"),
        ({"amount": Decimal("100000000000.00")}, "BsSlip.amount", "13 digits"),
        ({"reference": "R1-1023456"}, "BsSlip.reference", "at most 9"),
        ({"text_lines": []}, "BsSlip.text_lines", "1-5000 lines"),
        ({"text_lines": ["", " "]}, "BsSlip.text_lines", "not blank"),
        ({"text_lines": ["ok", "x" * 61]}, "BsSlip.text_lines[1]", "at most 60"),
        ({"text_lines": ["Gebyr 100 €"]}, "BsSlip.text_lines[0]", "ISO-8859-1"),
        ({"text_lines": ["tab\there"]}, "BsSlip.text_lines[0]", "control character"),
        ({"customer_number": "µ1"}, "BsSlip.customer_number", "ISO-8859-1"),  # upper-cases to Greek Mu
        ({"due_date": "2025-03-05"}, "BsSlip.due_date", "a date"),
        ({"debtor_group": "123456"}, "BsSlip.debtor_group", "at most 5 digits"),
    ],
)
def test_slip_errors_name_the_field(change: dict[str, Any], field: str, expected: str) -> None:
    with pytest.raises(FieldError, match=re.escape(field) + ".*" + re.escape(expected)) as raised:
        replace(VECTOR_SLIP, **change)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cvr": "1234567"}, "DeliveryHeader.cvr"),
        ({"cvr": "1234567X"}, "DeliveryHeader.cvr"),
        ({"creditor_number": "123456789"}, "DeliveryHeader.creditor_number"),
        ({"debtor_group": "1A"}, "DeliveryHeader.debtor_group"),
        ({"delivery_id": 10**10}, "DeliveryHeader.delivery_id"),
        ({"delivery_id": -1}, "DeliveryHeader.delivery_id"),
        ({"creditor_account_no": "12345678901"}, "DeliveryHeader.creditor_account_no"),
        ({"delsystem": "BS"}, "DeliveryHeader.delsystem"),
        ({"creditor_id": "x" * 16}, "DeliveryHeader.creditor_id"),
    ],
)
def test_header_errors_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(FieldError, match=re.escape(field)):
        replace(VECTOR_HEADER, **change)


@pytest.mark.parametrize(
    ("layout", "values", "message"),
    [
        (PAYMENT_SLIP, {"amount_ore": "12a"}, "BS042.amount_ore (pos 61-73, 13 N): expected up to 13 digits 0-9"),
        (PAYMENT_SLIP, {"amount_ore": 10**13}, "BS042.amount_ore (pos 61-73, 13 N): expected at most 13 digits"),
        (PAYMENT_SLIP, {"reference": "R1-1023456"}, "BS042.reference (pos 74-82, 9 X): expected at most 9"),
        (PAYMENT_SLIP, {"customer_number": "ß" * 8}, "BS042.customer_number (pos 28-42, 15 X)"),  # "SS" * 8
        (PAYMENT_SLIP, {"due_date": "5.3.2025"}, "BS042.due_date (pos 52-59, 8 N)"),
    ],
)
def test_record_errors_name_record_field_and_position(
    layout: RecordLayout, values: dict[str, str | int], message: str
) -> None:
    good: dict[str, str | int] = {
        "creditor_number": "01234567",
        "debtor_group": 1,
        "customer_number": "1001",
        "due_date": "05032025",
        "sign_code": 1,
        "amount_ore": 125000,
        "reference": "R1",
    }
    with pytest.raises(FieldError, match=re.escape(message)):
        layout.render(good | values)


def test_customer_numbers_are_upper_cased() -> None:
    slip = replace(VECTOR_SLIP, customer_number=" abc-1001 ")
    delivery = build_delivery(VECTOR_HEADER, [slip])

    assert slip.customer_number == "ABC-1001"
    assert all(at(record, 28, 42) == "ABC-1001".ljust(15) for record in delivery.records[2:-2])


def test_due_date_must_be_two_bank_days_after_creation() -> None:
    too_early = replace(VECTOR_SLIP, due_date=date(2025, 3, 3))  # Monday: only one bank day after Saturday

    with pytest.raises(DueDateTooEarlyError, match="2025-03-03 is before 2025-03-04"):
        build_delivery(VECTOR_HEADER, [too_early])
    assert build_delivery(VECTOR_HEADER, [replace(VECTOR_SLIP, due_date=date(2025, 3, 4))]).payments == 1


def test_one_payment_per_customer_per_due_date_per_section() -> None:
    second = replace(VECTOR_SLIP, customer_number="1001 ", amount=Decimal("100.00"))

    with pytest.raises(DuplicatePaymentError, match="slips 0 and 1: customer 1001 has two payments due 2025-03-05"):
        build_delivery(VECTOR_HEADER, [VECTOR_SLIP, second])
    # another due date, or another debtor group (another section), is fine
    assert build_delivery(VECTOR_HEADER, [VECTOR_SLIP, replace(second, due_date=date(2025, 3, 6))]).sections == 1
    assert build_delivery(VECTOR_HEADER, [VECTOR_SLIP, replace(second, debtor_group="2")]).sections == 2


def test_zero_amount_is_a_notice_with_sign_code_0() -> None:
    delivery = build_delivery(VECTOR_HEADER, [replace(VECTOR_SLIP, amount=Decimal("0"))])
    payment = delivery.records[5]

    assert (at(payment, 60, 60), at(payment, 61, 73)) == ("0", "0" * 13)
    assert delivery.amount == Decimal("0.00")


def test_foreign_address_has_no_postcode_and_its_country() -> None:
    slip = replace(VECTOR_SLIP, country="se", postcode=None, address_lines=["Storgatan 1", "111 22 Stockholm"])
    delivery = build_delivery(VECTOR_HEADER, [slip])
    postcode = delivery.records[5]

    assert (at(postcode, 18, 22), at(postcode, 67, 70), at(postcode, 71, 73)) == ("00009", "    ", "SE ")
    assert delivery.address_records == 4
    assert parse_delivery(delivery.text).slips[0].country == "SE"


def test_a_delivery_needs_slips() -> None:
    with pytest.raises(ValueError, match="at least one slip"):
        build_delivery(VECTOR_HEADER, [])


# --- the reader's checks ----------------------------------------------------------------------------------------


def tampered(line_no: int, start: int, value: str) -> str:
    lines = [padded(line) for line in VECTOR]
    record = lines[line_no - 1]
    lines[line_no - 1] = record[: start - 1] + value + record[start - 1 + len(value) :]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("line_no", "start", "value", "message"),
    [
        (10, 32, "00000000002", "line 10 (BS092): payment_count says 2, but there are 1 BS042 records"),
        (10, 43, "000000000125001", "line 10 (BS092): net_amount_ore says 125001, but there are 125000"),
        (10, 58, "00000000004", "line 10 (BS092): text_count says 4"),
        (10, 84, "00000000002", "line 10 (BS092): address_count says 2"),
        (11, 21, "00000000002", "line 11 (BS992): section_count says 2, but there are 1 sections"),
        (11, 43, "000000000000000", "line 11 (BS992): net_amount_ore says 0"),
        (11, 6, "12345679", "line 11 (BS992): cvr '12345679' differs from BS002's '12345678'"),
        (6, 14, "0280", "line 6 (BS042): BS042.transaction_code (pos 14-17, 4 N): expected '0285'"),
        (6, 61, "00000001250x0", "line 6 (BS042): BS042.amount_ore (pos 61-73, 13 N): expected 13 digits"),
        (6, 60, "0", "line 6 (BS042): sign code 0 does not fit the amount 125000"),
        (6, 52, "31022025", "line 6 (BS042): BS042.due_date: expected a date DDMMYYYY"),
        (8, 18, "00003", "line 8 (BS052): text record no. 00003 out of order"),
        (7, 1, "BS062", "line 7 (BS062): record_type (pos 1-5, 5 X): expected one of"),
        (4, 23, "00002", "line 4 (BS022): debtor_group 00002 differs from the section's 00001"),
        (5, 28, "1002", "line 5 (BS022): customer 1002 before 1001's BS042"),
    ],
)
def test_reader_names_the_line_that_does_not_reconcile(line_no: int, start: int, value: str, message: str) -> None:
    with pytest.raises(DeliveryFormatError, match=re.escape(message)) as raised:
        parse_delivery(tampered(line_no, start, value))
    assert raised.value.line_no == line_no


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (VECTOR[:-1], "line 10 (BS092): the delivery ends here, expected BS012 or BS992 next"),
        (VECTOR[1:], "line 1 (BS012): a delivery must start with BS002"),
        ([*VECTOR, VECTOR[-1]], "line 12 (BS992): records after the delivery end"),
        ([VECTOR[0], VECTOR[-1]], "line 2 (BS992): the delivery has no sections"),
        ([*VECTOR[:5], *VECTOR[6:]], "line 6 (BS052): a text record must follow its customer's BS042"),
        ([VECTOR[0] + " " * 80], "line 1 (BS002): 135 characters, at most 128"),
        ([], "line 1: the delivery is empty"),
    ],
)
def test_reader_refuses_a_broken_structure(lines: list[str], message: str) -> None:
    with pytest.raises(DeliveryFormatError, match=re.escape(message)):
        parse_delivery("\r\n".join(lines))


def test_reader_refuses_a_slip_without_text() -> None:
    with pytest.raises(DeliveryFormatError, match=re.escape("line 6 (BS042): customer 1001's payment slip has no")):
        parse_delivery("\r\n".join([*VECTOR[:6], *VECTOR[9:]]))
