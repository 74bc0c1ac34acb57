"""The 0601 record layouts for section 0117, as data: one table that both the writer and the reader use.

Every record is 128 characters. A field is either ``N`` (digits, right-aligned,
zero-padded) or ``X`` (text, left-aligned, blank-padded). Fields that carry
the same value in every record (record type, transaction code, fillers) are
``fixed``: the writer puts them in, the reader checks them.

Positions are 1-based and inclusive, exactly as in PBS' "Vejledning for
dataleverandører – Leverance 0601" (see docs/betalingsservice.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

RECORD_LENGTH = 128
ENCODING = "iso-8859-1"

Kind = Literal["N", "X"]
_DIGITS = re.compile(r"[0-9]*")


class FieldError(ValueError):
    """A value that does not fit its field; the message names the field and what it expected."""

    def __init__(self, field: str, expected: str, got: object) -> None:
        super().__init__(f"{field}: expected {expected}, got {got!r}")
        self.field = field
        self.expected = expected


def printable_latin1_problem(value: str) -> str | None:
    """Why ``value`` cannot go into a record, or None when it can.

    Records are written in ISO-8859-1 (so æ, ø, å, é, § are fine), and a
    control character (CR, LF, tab…) would break the record structure.
    """
    for char in value:
        code = ord(char)
        if code > 0xFF:
            return f"character {char!r} (U+{code:04X}) is not in ISO-8859-1"
        if code < 0x20 or 0x7F <= code <= 0x9F:
            return f"control character U+{code:04X} is not allowed"
    return None


def check_text(field: str, value: str, max_length: int) -> str:
    """Check that ``value`` fits an X field of ``max_length``; return it unchanged."""
    if len(value) > max_length:
        raise FieldError(field, f"at most {max_length} characters ({len(value)} given)", value)
    problem = printable_latin1_problem(value)
    if problem is not None:
        raise FieldError(field, f"printable ISO-8859-1 text ({problem})", value)
    return value


def check_digits(field: str, value: str | int, max_length: int) -> str:
    """Check that ``value`` fits an N field of ``max_length``; return it as a digit string (not padded)."""
    if isinstance(value, bool):
        raise FieldError(field, f"up to {max_length} digits", value)
    text = str(value) if isinstance(value, int) else value
    if not isinstance(text, str) or not text or not _DIGITS.fullmatch(text):
        raise FieldError(field, f"up to {max_length} digits 0-9", value)
    if len(text) > max_length:
        raise FieldError(field, f"at most {max_length} digits ({len(text)} given)", value)
    return text


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a record: where it is, how long, N or X, and an optional fixed value."""

    name: str
    start: int
    length: int
    kind: Kind
    fixed: str | None = None
    upper: bool = False

    @property
    def end(self) -> int:
        return self.start + self.length - 1

    def label(self, record_type: str) -> str:
        """``"BS042.customer_number (pos 28-42, 15 X)"``: how errors name this field."""
        return f"{record_type}.{self.name} (pos {self.start}-{self.end}, {self.length} {self.kind})"

    def encode(self, record_type: str, value: str | int) -> str:
        """The field's characters for ``value``: padded, or a FieldError naming the field."""
        label = self.label(record_type)
        if self.kind == "N":
            return check_digits(label, value, self.length).rjust(self.length, "0")
        if not isinstance(value, str):
            raise FieldError(label, "text", value)
        text = value.upper() if self.upper else value
        return check_text(label, text, self.length).ljust(self.length, " ")

    def decode(self, record_type: str, raw: str) -> str:
        """The value read from the field's characters: X without trailing blanks, N as its digit string."""
        if self.kind == "N":
            if not _DIGITS.fullmatch(raw):
                raise FieldError(self.label(record_type), f"{self.length} digits", raw)
            return raw
        return raw.rstrip(" ")


def blank(start: int, length: int) -> Field:
    return Field(f"blank_{start}", start, length, "X", fixed=" " * length)


def zeros(start: int, length: int) -> Field:
    return Field(f"zeros_{start}", start, length, "N", fixed="0" * length)


def literal(name: str, start: int, value: str, kind: Kind = "N") -> Field:
    return Field(name, start, len(value), kind, fixed=value)


@dataclass(frozen=True)
class RecordLayout:
    """A record type's fields, checked on creation to cover positions 1–128 without gaps or overlaps."""

    name: str
    record_type: str
    description: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        position = 1
        for field in self.fields:
            if field.start != position:
                raise ValueError(f"{self.name}: field {field.name} starts at {field.start}, expected {position}")
            if field.fixed is not None and len(field.fixed) != field.length:
                raise ValueError(f"{self.name}: fixed value of {field.name} is not {field.length} long")
            position = field.end + 1
        if position != RECORD_LENGTH + 1:
            raise ValueError(f"{self.name}: fields end at {position - 1}, expected {RECORD_LENGTH}")
        if self.fields[0].fixed != self.record_type:
            raise ValueError(f"{self.name}: first field must be the record type {self.record_type}")

    def field(self, name: str) -> Field:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def value_fields(self) -> tuple[Field, ...]:
        """The fields a writer must supply (every field without a fixed value)."""
        return tuple(field for field in self.fields if field.fixed is None)

    def render(self, values: Mapping[str, str | int]) -> str:
        """The 128-character record for ``values`` (one entry per non-fixed field, no more, no less)."""
        expected = {field.name for field in self.value_fields}
        if unknown := set(values) - expected:
            raise ValueError(f"{self.name}: unknown fields {sorted(unknown)}")
        if missing := expected - set(values):
            raise ValueError(f"{self.name}: missing fields {sorted(missing)}")
        record = "".join(
            field.fixed if field.fixed is not None else field.encode(self.record_type, values[field.name])
            for field in self.fields
        )
        assert len(record) == RECORD_LENGTH  # guaranteed by __post_init__ and Field.encode
        return record

    def parse(self, record: str) -> dict[str, str]:
        """Every non-fixed field of a 128-character record by name; fixed fields must hold their value."""
        if len(record) != RECORD_LENGTH:
            raise ValueError(f"{self.name}: record is {len(record)} characters, expected {RECORD_LENGTH}")
        values: dict[str, str] = {}
        for field in self.fields:
            raw = record[field.start - 1 : field.end]
            if field.fixed is not None:
                if raw != field.fixed:
                    raise FieldError(field.label(self.record_type), repr(field.fixed), raw)
                continue
            values[field.name] = field.decode(self.record_type, raw)
        return values


# --- the layouts -------------------------------------------------------------------------------------------------

SECTION_0117 = "0117"
CODE_NAME_ADDRESS = "0240"
CODE_PAYMENT_SLIP = "0285"
CODE_TEXT = "0241"
POSTCODE_RECORD_NO = "00009"

_CUSTOMER = Field("customer_number", 28, 15, "X", upper=True)

DELIVERY_START = RecordLayout(
    "delivery start",
    "BS002",
    "Start of a 0601 delivery.",
    (
        literal("record_type", 1, "BS002", "X"),
        Field("cvr", 6, 8, "N"),
        Field("delsystem", 14, 3, "X"),
        literal("delivery_type", 17, "0601"),
        Field("delivery_id", 21, 10, "N"),
        blank(31, 19),
        Field("created", 50, 6, "N"),  # DDMMYY
        blank(56, 73),
    ),
)

SECTION_START = RecordLayout(
    "section start",
    "BS012",
    "Start of a section 0117 (payment slips with a short deadline) for one debtor group.",
    (
        literal("record_type", 1, "BS012", "X"),
        Field("creditor_number", 6, 8, "N"),
        literal("section", 14, SECTION_0117),
        blank(18, 5),
        Field("debtor_group", 23, 5, "N"),
        Field("creditor_id", 28, 15, "X"),  # the data supplier's own id for the creditor
        blank(43, 4),
        Field("section_date", 47, 8, "N"),  # DDMMYYYY
        Field("creditor_reg_no", 55, 4, "N"),
        Field("creditor_account_no", 59, 10, "N"),
        Field("main_text", 69, 60, "X", fixed=" " * 60),  # not printed on payment slips: blank for 0117
    ),
)

NAME_ADDRESS = RecordLayout(
    "name/address line",
    "BS022",
    "One name/address line (record no. 00001–00005) of the payment that follows.",
    (
        literal("record_type", 1, "BS022", "X"),
        Field("creditor_number", 6, 8, "N"),
        literal("transaction_code", 14, CODE_NAME_ADDRESS),
        Field("record_no", 18, 5, "N"),
        Field("debtor_group", 23, 5, "N"),
        _CUSTOMER,
        zeros(43, 9),  # agreement no.: always zeros for payment slips
        Field("line", 52, 35, "X"),
        blank(87, 42),
    ),
)

POSTCODE = RecordLayout(
    "postcode/country",
    "BS022",
    "Postcode and country (record no. 00009) of the payment that follows.",
    (
        literal("record_type", 1, "BS022", "X"),
        Field("creditor_number", 6, 8, "N"),
        literal("transaction_code", 14, CODE_NAME_ADDRESS),
        literal("record_no", 18, POSTCODE_RECORD_NO),
        Field("debtor_group", 23, 5, "N"),
        _CUSTOMER,
        zeros(43, 9),
        blank(52, 15),
        Field("postcode", 67, 4, "X"),  # blank abroad
        Field("country", 71, 3, "X"),  # ISO 3166 alpha-2
        blank(74, 55),
    ),
)

PAYMENT_SLIP = RecordLayout(
    "payment slip",
    "BS042",
    "A payment slip with a short deadline (transaction code 0285).",
    (
        literal("record_type", 1, "BS042", "X"),
        Field("creditor_number", 6, 8, "N"),
        literal("transaction_code", 14, CODE_PAYMENT_SLIP),
        zeros(18, 5),
        Field("debtor_group", 23, 5, "N"),
        _CUSTOMER,
        zeros(43, 9),  # agreement no.: always zeros for 0285
        Field("due_date", 52, 8, "N"),  # DDMMYYYY
        Field("sign_code", 60, 1, "N"),  # 0 = no amount, 1 = collect
        Field("amount_ore", 61, 13, "N"),
        Field("reference", 74, 9, "X"),  # only 9 characters come back in 0602 for slips
        blank(83, 21),
        zeros(104, 2),
        blank(106, 23),
    ),
)

TEXT = RecordLayout(
    "text line",
    "BS052",
    "One 60-character text line (record no. 00001–05000) of the payment before it.",
    (
        literal("record_type", 1, "BS052", "X"),
        Field("creditor_number", 6, 8, "N"),
        literal("transaction_code", 14, CODE_TEXT),
        Field("record_no", 18, 5, "N"),
        Field("debtor_group", 23, 5, "N"),
        _CUSTOMER,
        zeros(43, 9),
        blank(52, 1),
        Field("text", 53, 60, "X"),
        blank(113, 16),
    ),
)

SECTION_END = RecordLayout(
    "section end",
    "BS092",
    "End of a section 0117, with its counts and net amount.",
    (
        literal("record_type", 1, "BS092", "X"),
        Field("creditor_number", 6, 8, "N"),
        literal("section", 14, SECTION_0117),
        zeros(18, 5),
        Field("debtor_group", 23, 5, "N"),
        blank(28, 4),
        Field("payment_count", 32, 11, "N"),
        Field("net_amount_ore", 43, 15, "N"),
        Field("text_count", 58, 11, "N"),
        blank(69, 15),
        Field("address_count", 84, 11, "N"),
        blank(95, 34),
    ),
)

DELIVERY_END = RecordLayout(
    "delivery end",
    "BS992",
    "End of the delivery, with its totals.",
    (
        literal("record_type", 1, "BS992", "X"),
        Field("cvr", 6, 8, "N"),
        Field("delsystem", 14, 3, "X"),
        literal("delivery_type", 17, "0601"),
        Field("section_count", 21, 11, "N"),
        Field("payment_count", 32, 11, "N"),
        Field("net_amount_ore", 43, 15, "N"),
        Field("text_count", 58, 11, "N"),
        zeros(69, 15),
        Field("address_count", 84, 11, "N"),
        zeros(95, 34),
    ),
)

LAYOUTS: tuple[RecordLayout, ...] = (
    DELIVERY_START,
    SECTION_START,
    NAME_ADDRESS,
    POSTCODE,
    PAYMENT_SLIP,
    TEXT,
    SECTION_END,
    DELIVERY_END,
)


def layout_for(record: str) -> RecordLayout:
    """The layout of a (128-character) record, from its record type and, for BS022, its record number."""
    record_type = record[:5]
    if record_type == "BS022":
        return POSTCODE if record[17:22] == POSTCODE_RECORD_NO else NAME_ADDRESS
    for layout in LAYOUTS:
        if layout.record_type == record_type:
            return layout
    known = ", ".join(sorted({layout.record_type for layout in LAYOUTS}))
    raise FieldError("record_type (pos 1-5, 5 X)", f"one of {known} (only section 0117 is supported)", record_type)


# --- dates -------------------------------------------------------------------------------------------------------


def ddmmyyyy(day: date) -> str:
    return day.strftime("%d%m%Y")


def ddmmyy(day: date) -> str:
    return day.strftime("%d%m%y")


def parse_ddmmyyyy(field: str, value: str) -> date:
    try:
        return datetime.strptime(value, "%d%m%Y").date()
    except ValueError:
        raise FieldError(field, "a date DDMMYYYY", value) from None


def parse_ddmmyy(field: str, value: str) -> date:
    try:
        return datetime.strptime(value, "%d%m%y").date()
    except ValueError:
        raise FieldError(field, "a date DDMMYY", value) from None


@dataclass
class Totals:
    """What a section or delivery counts (BS092, BS992): the writer sums them, the reader checks them."""

    payments: int = 0
    ore: int = 0
    texts: int = 0
    addresses: int = 0

    def add(self, other: Totals) -> None:
        self.payments += other.payments
        self.ore += other.ore
        self.texts += other.texts
        self.addresses += other.addresses

    def expected(self) -> dict[str, tuple[int, str]]:
        """Field name -> (count, what was counted), as the reader compares them with BS092/BS992."""
        return {
            "payment_count": (self.payments, "BS042 records"),
            "net_amount_ore": (self.ore, "øre in the BS042 records"),
            "text_count": (self.texts, "BS052 records"),
            "address_count": (self.addresses, "BS022 records"),
        }
