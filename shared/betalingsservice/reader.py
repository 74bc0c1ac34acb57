"""Read a 0601 delivery of section-0117 payment slips back: records, reconciled totals and the slips.

The reader uses the same layout table as the writer. It exists to check what
is about to be sent (or was sent): every record is parsed field by field, the
structure is checked, and the BS092/BS992 counts and totals must match the
records. Any problem raises :class:`DeliveryFormatError` naming the line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shared.betalingsservice.records import (
    DELIVERY_END,
    DELIVERY_START,
    ENCODING,
    NAME_ADDRESS,
    PAYMENT_SLIP,
    POSTCODE,
    RECORD_LENGTH,
    SECTION_END,
    SECTION_START,
    TEXT,
    RecordLayout,
    Totals,
    layout_for,
    parse_ddmmyy,
    parse_ddmmyyyy,
    printable_latin1_problem,
)
from shared.betalingsservice.writer import DENMARK, MAX_ADDRESS_LINES, BsSlip, DeliveryHeader


class DeliveryFormatError(ValueError):
    """A delivery that does not read back: the message starts with the line number and record type."""

    def __init__(self, line_no: int, record_type: str, message: str) -> None:
        where = f"line {line_no} ({record_type})" if record_type else f"line {line_no}"
        super().__init__(f"{where}: {message}")
        self.line_no = line_no


@dataclass(frozen=True)
class ParsedRecord:
    """One record as read: its line number (1-based), layout and non-fixed fields by name."""

    line_no: int
    layout: RecordLayout
    fields: Mapping[str, str]

    @property
    def record_type(self) -> str:
        return self.layout.record_type

    def number(self, name: str) -> int:
        return int(self.fields[name])

    def fail(self, message: str) -> DeliveryFormatError:
        return DeliveryFormatError(self.line_no, self.record_type, message)


@dataclass(frozen=True)
class ParsedSection:
    """A section 0117 for one debtor group, with its slips in file order."""

    creditor_number: str
    debtor_group: str
    creditor_id: str
    section_date: date
    creditor_reg_no: str
    creditor_account_no: str
    slips: tuple[BsSlip, ...]


@dataclass(frozen=True)
class ParsedDelivery:
    """A delivery read back; the totals are BS992's, checked against the records."""

    cvr: str
    delsystem: str
    delivery_id: int
    created: date
    sections: tuple[ParsedSection, ...]
    records: tuple[ParsedRecord, ...] = field(repr=False)
    payments: int
    amount: Decimal
    text_records: int
    address_records: int

    @property
    def slips(self) -> tuple[BsSlip, ...]:
        return tuple(slip for section in self.sections for slip in section.slips)

    def header(self) -> DeliveryHeader:
        """A header that rebuilds this delivery (its default debtor group is the first section's)."""
        first = self.sections[0]
        return DeliveryHeader(
            cvr=self.cvr,
            creditor_number=first.creditor_number,
            debtor_group=first.debtor_group,
            delivery_id=self.delivery_id,
            created=self.created,
            creditor_reg_no=first.creditor_reg_no,
            creditor_account_no=first.creditor_account_no,
            delsystem=self.delsystem,
            creditor_id=first.creditor_id,
            section_date=first.section_date,
        )


def parse_delivery(data: str | bytes) -> ParsedDelivery:
    """Parse a delivery (text, or ISO-8859-1 bytes; CR LF or LF line ends; trailing blanks may be stripped)."""
    text = data.decode(ENCODING) if isinstance(data, bytes | bytearray) else data
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the last record's line end
    if not lines:
        raise DeliveryFormatError(1, "", "the delivery is empty")
    records = tuple(read_record(line_no, line.removesuffix("\r")) for line_no, line in enumerate(lines, start=1))
    return _Reader(records).delivery()


def read_record(line_no: int, line: str) -> ParsedRecord:
    """One line as a record: padded back to 128 characters and parsed by its layout."""
    if len(line) > RECORD_LENGTH:
        raise DeliveryFormatError(line_no, line[:5], f"{len(line)} characters, at most {RECORD_LENGTH} expected")
    problem = printable_latin1_problem(line)
    if problem is not None:
        raise DeliveryFormatError(line_no, line[:5], problem)
    record = line.ljust(RECORD_LENGTH)
    try:
        layout = layout_for(record)
        return ParsedRecord(line_no, layout, layout.parse(record))
    except ValueError as error:
        raise DeliveryFormatError(line_no, line[:5], str(error)) from None


@dataclass
class _SlipParts:
    """The records of one slip while they are being read."""

    first: ParsedRecord
    lines: list[str] = field(default_factory=list)
    postcode: ParsedRecord | None = None
    payment: ParsedRecord | None = None
    texts: list[str] = field(default_factory=list)

    @property
    def customer(self) -> str:
        return self.first.fields["customer_number"]


class _Reader:
    """Walks the records once: BS002, sections (BS012 … BS092), BS992."""

    def __init__(self, records: tuple[ParsedRecord, ...]) -> None:
        self.records = records
        self.position = 0

    def next(self, expected: str) -> ParsedRecord:
        if self.position >= len(self.records):
            last = self.records[-1]
            raise last.fail(f"the delivery ends here, expected {expected} next")
        record = self.records[self.position]
        self.position += 1
        return record

    def delivery(self) -> ParsedDelivery:
        start = self.next("BS002")
        if start.layout is not DELIVERY_START:
            raise start.fail("a delivery must start with BS002")
        sections: list[ParsedSection] = []
        totals = Totals()
        while True:
            record = self.next("BS012 or BS992")
            if record.layout is SECTION_START:
                section, counts = self.section(record)
                sections.append(section)
                totals.add(counts)
            elif record.layout is DELIVERY_END:
                end = record
                break
            else:
                raise record.fail("expected a section start BS012 or the delivery end BS992")
        if self.position != len(self.records):
            raise self.records[self.position].fail("records after the delivery end BS992")
        if not sections:
            raise end.fail("the delivery has no sections")
        for name in ("cvr", "delsystem"):
            if end.fields[name] != start.fields[name]:
                raise end.fail(f"{name} {end.fields[name]!r} differs from BS002's {start.fields[name]!r}")
        _reconcile(
            end,
            {"section_count": (len(sections), "sections"), **totals.expected()},
        )
        return ParsedDelivery(
            cvr=start.fields["cvr"],
            delsystem=start.fields["delsystem"],
            delivery_id=start.number("delivery_id"),
            created=_date(start, "created", parse_ddmmyy),
            sections=tuple(sections),
            records=self.records,
            payments=totals.payments,
            amount=Decimal(totals.ore).scaleb(-2),
            text_records=totals.texts,
            address_records=totals.addresses,
        )

    def section(self, start: ParsedRecord) -> tuple[ParsedSection, Totals]:
        creditor, group = start.fields["creditor_number"], start.fields["debtor_group"]
        slips: list[BsSlip] = []
        counts = Totals()
        parts: _SlipParts | None = None
        seen: dict[tuple[str, str], int] = {}

        def finish(parts: _SlipParts) -> None:
            slip = _slip(parts, group)
            key = (slip.customer_number, slip.due_date.isoformat())
            if key in seen:
                raise parts.first.fail(
                    f"second payment for customer {slip.customer_number} due {key[1]} in this section "
                    f"(the first starts on line {seen[key]})"
                )
            seen[key] = parts.first.line_no
            slips.append(slip)
            counts.add(Totals(1, int(parts.payment.fields["amount_ore"]) if parts.payment else 0, 0, 0))

        while True:
            record = self.next("BS092")
            if record.layout is SECTION_END:
                if parts is None:
                    raise record.fail("the section has no payments")
                finish(parts)
                break
            if record.layout not in (NAME_ADDRESS, POSTCODE, PAYMENT_SLIP, TEXT):
                raise record.fail("expected BS022, BS042, BS052 or the section end BS092")
            for name, value in (("creditor_number", creditor), ("debtor_group", group)):
                if record.fields[name] != value:
                    raise record.fail(f"{name} {record.fields[name]} differs from the section's {value}")
            if parts is not None and record.fields["customer_number"] != parts.customer:
                if parts.payment is None:
                    raise record.fail(f"customer {record.fields['customer_number']} before {parts.customer}'s BS042")
                finish(parts)
                parts = None
            if record.layout is NAME_ADDRESS:
                if parts is not None and parts.payment is not None:
                    finish(parts)
                    parts = None
                if parts is None:
                    parts = _SlipParts(record)
                if parts.postcode is not None or record.number("record_no") != len(parts.lines) + 1:
                    raise record.fail(f"address record no. {record.fields['record_no']} out of order")
                if len(parts.lines) > MAX_ADDRESS_LINES:
                    raise record.fail(f"more than {MAX_ADDRESS_LINES + 1} name/address lines")
                parts.lines.append(record.fields["line"])
                counts.addresses += 1
            elif record.layout is POSTCODE:
                if parts is None or not parts.lines or parts.postcode is not None:
                    raise record.fail("a postcode record must follow the name/address lines")
                parts.postcode = record
                counts.addresses += 1
            elif record.layout is PAYMENT_SLIP:
                if parts is None or parts.postcode is None or parts.payment is not None:
                    raise record.fail("a BS042 must follow its customer's name/address and postcode records")
                parts.payment = record
            else:  # TEXT
                if parts is None or parts.payment is None:
                    raise record.fail("a text record must follow its customer's BS042")
                if record.number("record_no") != len(parts.texts) + 1:
                    raise record.fail(f"text record no. {record.fields['record_no']} out of order")
                parts.texts.append(record.fields["text"])
                counts.texts += 1

        end = record
        for name, value in (("creditor_number", creditor), ("debtor_group", group)):
            if end.fields[name] != value:
                raise end.fail(f"{name} {end.fields[name]} differs from the section's {value}")
        _reconcile(end, counts.expected())
        section = ParsedSection(
            creditor_number=creditor,
            debtor_group=group,
            creditor_id=start.fields["creditor_id"],
            section_date=_date(start, "section_date", parse_ddmmyyyy),
            creditor_reg_no=start.fields["creditor_reg_no"],
            creditor_account_no=start.fields["creditor_account_no"],
            slips=tuple(slips),
        )
        return section, counts


def _reconcile(record: ParsedRecord, expected: Mapping[str, tuple[int, str]]) -> None:
    for name, (actual, what) in expected.items():
        if record.number(name) != actual:
            raise record.fail(f"{name} says {record.number(name)}, but there are {actual} {what}")


def _date(record: ParsedRecord, name: str, parse: Callable[[str, str], date]) -> date:
    try:
        return parse(f"{record.record_type}.{name}", record.fields[name])
    except ValueError as error:
        raise record.fail(str(error)) from None


def _slip(parts: _SlipParts, group: str) -> BsSlip:
    payment, postcode = parts.payment, parts.postcode
    if payment is None or postcode is None:
        raise parts.first.fail(f"customer {parts.customer} has no BS042")
    sign, ore = payment.fields["sign_code"], int(payment.fields["amount_ore"])
    if (sign, ore > 0) not in (("0", False), ("1", True)):
        raise payment.fail(f"sign code {sign} does not fit the amount {ore} øre (0 = no amount, 1 = collect)")
    if not parts.texts:
        raise payment.fail(f"customer {parts.customer}'s payment slip has no BS052 text")
    country = postcode.fields["country"] or DENMARK
    code = postcode.fields["postcode"]
    try:
        return BsSlip(
            customer_number=parts.customer,
            name=parts.lines[0],
            address_lines=parts.lines[1:],
            postcode=code if country == DENMARK else (None if code in ("", "0000") else code),
            due_date=_date(payment, "due_date", parse_ddmmyyyy),
            amount=Decimal(ore).scaleb(-2),
            text_lines=parts.texts,
            country=country,
            reference=payment.fields["reference"],
            debtor_group=group,
        )
    except DeliveryFormatError:
        raise
    except ValueError as error:
        raise parts.first.fail(f"customer {parts.customer}: {error}") from None
