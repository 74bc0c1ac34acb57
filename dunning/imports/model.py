"""What an import reads and what it plans: the rows as items, the problems with them, the writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from dunning.imports.reading import Record


@dataclass(frozen=True)
class Problem:
    source: str
    line: int
    column: str
    expected: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.column}: {self.expected}"


class RowError(ValueError):
    def __init__(self, column: str, expected: str) -> None:
        super().__init__(expected)
        self.column = column
        self.expected = expected


@dataclass
class CustomerItem:
    record: Record
    id: str
    fields: dict[str, Any]  # only what the export says: name, email, phone, language, address, business
    columns: dict[str, str]  # API field -> the column it came from
    repeated: bool = False  # from an invoice row: the same customer on many rows is expected


@dataclass
class AgreementItem:
    record: Record
    id: str
    customer: str
    template: str | None
    columns: dict[str, str]


@dataclass
class InvoiceItem:
    record: Record
    id: str
    customer: str | None
    agreement: str | None
    amount: Decimal
    open_amount: Decimal | None  # the export's remaining amount (Restbeløb), when it has one
    issued: date
    due: date
    columns: dict[str, str]
    customer_name: str | None = None  # no customer number: the customer is found by this name


@dataclass
class EntryItem:
    """A credit note (a negative amount) or an unmatched payment of an open-items export: on account."""

    record: Record
    kind: str  # "credit_note" or "payment"
    id: str
    customer: str
    amount: Decimal
    on: date
    columns: dict[str, str]


@dataclass
class Items:
    customers: list[CustomerItem] = field(default_factory=list)
    agreements: list[AgreementItem] = field(default_factory=list)
    invoices: list[InvoiceItem] = field(default_factory=list)
    entries: list[EntryItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    left_out: dict[str, list[str]] = field(default_factory=dict)  # why -> the rows' numbers (drafts, zero)


class ImportFailed(RuntimeError):
    """The API refused or failed in a way no row explains."""


class NoDefaultTemplate(ImportFailed):
    pass


@dataclass
class Write:
    """One thing the import writes, with the row it comes from (for a refusal's file:line: column)."""

    kind: str  # customers, agreements, invoices, payments, credit-notes
    body: dict[str, Any]
    record: Record | None
    column: dict[str, str]  # API field -> the column it came from
    text: str  # the diff line


UNCHANGED = ("customers", "invoices", "credit notes or payments")


@dataclass
class Plan:
    writes: list[Write] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # what the import saw and did not change
    problems: list[Problem] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UNCHANGED, 0))
    default_agreements: list[str] = field(default_factory=list)
    default_template: str | None = None
    invoice_customers: set[str] = field(default_factory=set)  # whose invoices the export lists
    paid: list[str] = field(default_factory=list)  # new invoices paid in full: not imported

    def of(self, kind: str) -> list[Write]:
        return [write for write in self.writes if write.kind == kind]


def money(amount: Decimal | str) -> str:
    """Danish style for the output: 1.250,00."""
    text = f"{Decimal(amount):,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def shown(value: Any) -> str:
    """A value for a message: an address on one line, nothing as "(none)"."""
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return ", ".join([*value.get("lines", []), f"{value.get('postcode')} {value.get('city')}"])
    return str(value)


def few(ids: list[str], most: int = 10) -> str:
    """Ids for a message: the first ``most`` and how many more."""
    return ", ".join(ids[:most]) + (f" and {len(ids) - most} more" if len(ids) > most else "")
