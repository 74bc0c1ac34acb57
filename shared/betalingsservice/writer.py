"""Build a Betalingsservice 0601 delivery of reminder payment slips (section 0117, transaction code 0285).

Plain Python: a header and slips in, the delivery's records out. Nothing here
sends anything; the caller stores ``Delivery.encode()`` and transfers it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.betalingsservice.bankdays import add_bank_days
from shared.betalingsservice.records import (
    DELIVERY_END,
    DELIVERY_START,
    ENCODING,
    NAME_ADDRESS,
    PAYMENT_SLIP,
    POSTCODE,
    SECTION_END,
    SECTION_START,
    TEXT,
    FieldError,
    Totals,
    check_digits,
    check_text,
    ddmmyy,
    ddmmyyyy,
)

MIN_BANK_DAYS_BEFORE_DUE = 2
"""A 0117 slip's due date must be at least this many bank days after the delivery is registered."""
MAX_SECTIONS = 9000
MAX_TEXT_LINES = 5000
MAX_ADDRESS_LINES = 4
"""Besides the name, which is line 1 of the five BS022 lines."""
ADDRESS_WIDTH = 35
TEXT_WIDTH = 60
REFERENCE_WIDTH = 9
CUSTOMER_NUMBER_WIDTH = 15
MAX_ORE = 10**13 - 1
DENMARK = "DK"

_COUNTRY = re.compile(r"[A-Z]{2}")
_POSTCODE_DK = re.compile(r"[0-9]{4}")
_DELSYSTEM = re.compile(r"[A-Z0-9]{3}")


class DueDateTooEarlyError(ValueError):
    """A slip is due less than two bank days after the delivery is created."""


class DuplicatePaymentError(ValueError):
    """Two slips for the same customer and due date in one section (BS allows one)."""


def earliest_due_date(created: date) -> date:
    """The earliest due date a 0117 slip may have in a delivery created on ``created``.

    Two Danish bank days after the creation date: a delivery created on
    Saturday 1 March 2025 can carry slips due on Tuesday 4 March or later.
    """
    return add_bank_days(created, MIN_BANK_DAYS_BEFORE_DUE)


def to_ore(amount: Decimal) -> int:
    """DKK to øre; refuses floats, negative amounts and fractions of an øre."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise FieldError("amount", "a finite Decimal in DKK", amount)
    ore = amount * 100
    if ore != ore.to_integral_value():
        raise FieldError("amount", "at most two decimal places", amount)
    if ore < 0:
        raise FieldError("amount", "zero or more (0117 slips only collect)", amount)
    if ore > MAX_ORE:
        raise FieldError("amount", f"at most {MAX_ORE} øre (13 digits)", amount)
    return int(ore)


def reminder_text_lines(text: str, width: int = TEXT_WIDTH) -> list[str]:
    """Word-wrap ``text`` into slip text lines of at most ``width`` characters.

    Line breaks in ``text`` are kept, and an empty line stays an empty line
    (leading and trailing empty lines are dropped). Words are never cut
    unless one is longer than ``width``. Nothing is transliterated: æ, ø and
    å are ISO-8859-1 and go into the delivery as they are.
    """
    if not 1 <= width <= TEXT_WIDTH:
        raise ValueError(f"width must be 1-{TEXT_WIDTH}, got {width}")
    lines: list[str] = []
    for paragraph in text.splitlines():
        if not paragraph.strip():
            lines.append("")
            continue
        lines.extend(
            textwrap.wrap(
                paragraph.rstrip(),
                width=width,
                break_long_words=True,
                break_on_hyphens=False,
                tabsize=1,
            )
        )
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _text(name: str, value: object, max_length: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise FieldError(name, "text", value)
    value = value.rstrip(" ")  # trailing blanks are padding in an X field
    if required and not value.strip():
        raise FieldError(name, "a non-blank text", value)
    return check_text(name, value, max_length)


def _plain_date(name: str, value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise FieldError(name, "a date (not a datetime)", value)
    return value


def _digits(name: str, value: object, length: int, *, exact: bool) -> str:
    if not isinstance(value, str | int):
        raise FieldError(name, f"{length} digits", value)
    digits = check_digits(name, value, length)
    if exact and len(digits) != length:
        raise FieldError(name, f"exactly {length} digits", value)
    return digits.zfill(length)


@dataclass(frozen=True)
class DeliveryHeader:
    """Who sends the delivery and its identity.

    ``creditor_number`` is the creditor's 8-digit PBS number
    (``BsSettings.creditor_number``); ``debtor_group`` is the default group
    for slips that do not name one. ``creditor_id`` is the data supplier's
    own id for the creditor (BS012 pos 28-42; BS ignores it).
    """

    cvr: str
    creditor_number: str
    debtor_group: str
    delivery_id: int
    created: date
    creditor_reg_no: str = "0000"
    creditor_account_no: str = "0000000000"
    delsystem: str = "BS1"
    creditor_id: str = ""
    section_date: date | None = None
    """BS012's date; the creation date when None."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "cvr", _digits("DeliveryHeader.cvr", self.cvr, 8, exact=True))
        set_(self, "creditor_number", _digits("DeliveryHeader.creditor_number", self.creditor_number, 8, exact=True))
        set_(self, "debtor_group", _digits("DeliveryHeader.debtor_group", self.debtor_group, 5, exact=False))
        if isinstance(self.delivery_id, bool) or not isinstance(self.delivery_id, int) or self.delivery_id < 0:
            raise FieldError("DeliveryHeader.delivery_id", "a whole number 0-9999999999", self.delivery_id)
        check_digits("DeliveryHeader.delivery_id", self.delivery_id, 10)
        _plain_date("DeliveryHeader.created", self.created)
        set_(self, "creditor_reg_no", _digits("DeliveryHeader.creditor_reg_no", self.creditor_reg_no, 4, exact=False))
        set_(
            self,
            "creditor_account_no",
            _digits("DeliveryHeader.creditor_account_no", self.creditor_account_no, 10, exact=False),
        )
        if not isinstance(self.delsystem, str) or not _DELSYSTEM.fullmatch(self.delsystem):
            raise FieldError("DeliveryHeader.delsystem", '3 letters or digits, e.g. "BS1"', self.delsystem)
        set_(self, "creditor_id", _text("DeliveryHeader.creditor_id", self.creditor_id, 15, required=False))
        if self.section_date is not None:
            _plain_date("DeliveryHeader.section_date", self.section_date)


@dataclass(frozen=True)
class BsSlip:
    """One reminder as a payment slip with a short deadline: who, where, how much, by when, and the text.

    ``name`` is printed as address line 1 and ``address_lines`` (1–4 lines of
    at most 35 characters) below it. A Danish address needs a 4-digit
    ``postcode``; a foreign one (``country`` other than "DK") needs at least
    two address lines, has no ``postcode`` and carries its postal code in an
    address line. ``amount`` is DKK; zero makes a notice without an amount.
    ``reference`` (at most 9 characters) comes back in 0602 when the slip is
    paid. ``text_lines`` are the slip's text, at most 60 characters each (see
    :func:`reminder_text_lines`).

    Values are normalised on creation: the customer number is upper-cased
    (BS does that anyway), and trailing blanks are dropped from texts.
    """

    customer_number: str
    name: str
    address_lines: Sequence[str]
    postcode: str | None
    due_date: date
    amount: Decimal
    text_lines: Sequence[str]
    country: str = DENMARK
    reference: str = ""
    debtor_group: str | None = None
    """The slip's debtor group; None means the delivery header's."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.customer_number, str):
            raise FieldError("BsSlip.customer_number", "text", self.customer_number)
        customer = _text("BsSlip.customer_number", self.customer_number.strip().upper(), CUSTOMER_NUMBER_WIDTH)
        set_(self, "customer_number", customer)
        set_(self, "name", _text("BsSlip.name", self.name, ADDRESS_WIDTH))

        if isinstance(self.address_lines, str) or not isinstance(self.address_lines, Sequence):
            raise FieldError("BsSlip.address_lines", "a list of address lines", self.address_lines)
        lines = tuple(
            _text(f"BsSlip.address_lines[{index}]", line, ADDRESS_WIDTH)
            for index, line in enumerate(self.address_lines)
        )
        set_(self, "address_lines", lines)

        if not isinstance(self.country, str) or not _COUNTRY.fullmatch(self.country.strip().upper()):
            raise FieldError("BsSlip.country", 'an ISO 3166 alpha-2 code like "DK"', self.country)
        country = self.country.strip().upper()
        set_(self, "country", country)
        if country == DENMARK:
            if not 1 <= len(lines) <= MAX_ADDRESS_LINES:
                raise FieldError("BsSlip.address_lines", f"1-{MAX_ADDRESS_LINES} lines besides the name", lines)
            if not isinstance(self.postcode, str) or not _POSTCODE_DK.fullmatch(self.postcode):
                raise FieldError("BsSlip.postcode", "a Danish postcode of 4 digits", self.postcode)
        else:
            if not 2 <= len(lines) <= MAX_ADDRESS_LINES:
                raise FieldError(
                    "BsSlip.address_lines", f"2-{MAX_ADDRESS_LINES} lines besides the name for a foreign address", lines
                )
            if self.postcode not in (None, ""):
                raise FieldError(
                    "BsSlip.postcode", "None abroad (put the postal code in an address line)", self.postcode
                )
            set_(self, "postcode", None)

        set_(self, "due_date", _plain_date("BsSlip.due_date", self.due_date))
        try:
            to_ore(self.amount)
        except FieldError as error:
            raise FieldError("BsSlip.amount", error.expected, self.amount) from None
        set_(self, "reference", _text("BsSlip.reference", self.reference, REFERENCE_WIDTH, required=False))

        if isinstance(self.text_lines, str) or not isinstance(self.text_lines, Sequence):
            raise FieldError("BsSlip.text_lines", "a list of text lines", self.text_lines)
        texts = tuple(
            _text(f"BsSlip.text_lines[{index}]", line, TEXT_WIDTH, required=False)
            for index, line in enumerate(self.text_lines)
        )
        if not 1 <= len(texts) <= MAX_TEXT_LINES or not any(texts):
            raise FieldError("BsSlip.text_lines", f"1-{MAX_TEXT_LINES} lines, at least one not blank", texts)
        set_(self, "text_lines", texts)

        if self.debtor_group is not None:
            set_(self, "debtor_group", _digits("BsSlip.debtor_group", self.debtor_group, 5, exact=False))

    @property
    def ore(self) -> int:
        """The amount in øre."""
        return to_ore(self.amount)

    @property
    def sign_code(self) -> int:
        """1 = collect the amount; 0 = no amount (a notice only)."""
        return 1 if self.ore > 0 else 0


@dataclass(frozen=True)
class Delivery:
    """A built 0601 delivery: its 128-character records, in order, and its totals."""

    header: DeliveryHeader
    records: tuple[str, ...]
    sections: int
    payments: int
    amount: Decimal
    text_records: int
    address_records: int

    @property
    def text(self) -> str:
        """The file's text: each record with its trailing blanks stripped and ended by CR LF."""
        return "".join(record.rstrip(" ") + "\r\n" for record in self.records)

    def encode(self) -> bytes:
        """The file's bytes in ISO-8859-1."""
        return self.text.encode(ENCODING)


def build_delivery(header: DeliveryHeader, slips: Iterable[BsSlip]) -> Delivery:
    """The 0601 delivery carrying ``slips``: one section 0117 per debtor group, in order of first appearance.

    Raises :class:`DueDateTooEarlyError` for a slip due before
    :func:`earliest_due_date` and :class:`DuplicatePaymentError` for a second
    slip with the same customer, due date and debtor group (merge such
    amounts into one slip, or give one another date).
    """
    slips = tuple(slips)
    if not slips:
        raise ValueError("a delivery needs at least one slip")
    earliest = earliest_due_date(header.created)
    sections: dict[str, list[BsSlip]] = {}
    seen: dict[tuple[str, str, date], int] = {}
    for index, slip in enumerate(slips):
        if not isinstance(slip, BsSlip):
            raise TypeError(f"slip {index}: expected a BsSlip, got {type(slip).__name__}")
        group = slip.debtor_group or header.debtor_group
        if slip.due_date < earliest:
            raise DueDateTooEarlyError(
                f"slip {index} (customer {slip.customer_number}): due date {slip.due_date.isoformat()} is before "
                f"{earliest.isoformat()}, {MIN_BANK_DAYS_BEFORE_DUE} bank days after the delivery's creation date "
                f"{header.created.isoformat()}"
            )
        key = (group, slip.customer_number, slip.due_date)
        if key in seen:
            raise DuplicatePaymentError(
                f"slips {seen[key]} and {index}: customer {slip.customer_number} has two payments due "
                f"{slip.due_date.isoformat()} in debtor group {group}; BS takes one per customer per due date "
                "per section, so merge them into one slip"
            )
        seen[key] = index
        sections.setdefault(group, []).append(slip)
    if len(sections) > MAX_SECTIONS:
        raise ValueError(
            f"{len(sections)} debtor groups need {len(sections)} sections; a delivery takes {MAX_SECTIONS}"
        )

    records = [
        DELIVERY_START.render(
            {
                "cvr": header.cvr,
                "delsystem": header.delsystem,
                "delivery_id": header.delivery_id,
                "created": ddmmyy(header.created),
            }
        )
    ]
    totals = Totals()
    for group, group_slips in sections.items():
        section_records, section_totals = _section(header, group, group_slips)
        records.extend(section_records)
        totals.add(section_totals)
    records.append(
        DELIVERY_END.render(
            {
                "cvr": header.cvr,
                "delsystem": header.delsystem,
                "section_count": len(sections),
                "payment_count": totals.payments,
                "net_amount_ore": totals.ore,
                "text_count": totals.texts,
                "address_count": totals.addresses,
            }
        )
    )
    return Delivery(
        header=header,
        records=tuple(records),
        sections=len(sections),
        payments=totals.payments,
        amount=Decimal(totals.ore).scaleb(-2),
        text_records=totals.texts,
        address_records=totals.addresses,
    )


def _section(header: DeliveryHeader, group: str, slips: Sequence[BsSlip]) -> tuple[list[str], Totals]:
    """BS012, then per slip its BS022 lines, postcode record, BS042 and BS052 lines, then BS092."""
    common = {"creditor_number": header.creditor_number, "debtor_group": group}
    records = [
        SECTION_START.render(
            {
                **common,
                "creditor_id": header.creditor_id,
                "section_date": ddmmyyyy(header.section_date or header.created),
                "creditor_reg_no": header.creditor_reg_no,
                "creditor_account_no": header.creditor_account_no,
            }
        )
    ]
    totals = Totals()
    for slip in slips:
        customer = {**common, "customer_number": slip.customer_number}
        for record_no, line in enumerate((slip.name, *slip.address_lines), start=1):
            records.append(NAME_ADDRESS.render({**customer, "record_no": record_no, "line": line}))
        records.append(
            POSTCODE.render({**customer, "postcode": slip.postcode or "", "country": slip.country}),
        )
        records.append(
            PAYMENT_SLIP.render(
                {
                    **customer,
                    "due_date": ddmmyyyy(slip.due_date),
                    "sign_code": slip.sign_code,
                    "amount_ore": slip.ore,
                    "reference": slip.reference,
                }
            )
        )
        for record_no, text in enumerate(slip.text_lines, start=1):
            records.append(TEXT.render({**customer, "record_no": record_no, "text": text}))
        totals.add(Totals(1, slip.ore, len(slip.text_lines), 2 + len(slip.address_lines)))
    records.append(
        SECTION_END.render(
            {
                **common,
                "payment_count": totals.payments,
                "net_amount_ore": totals.ore,
                "text_count": totals.texts,
                "address_count": totals.addresses,
            }
        )
    )
    return records, totals
