"""Records to what the engine knows: customers, agreements, invoices, and the credit notes and
payments an open-items export lists. Every refusal names the file, the line, the column as the
file writes it, and what was expected."""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from dunning.imports import values
from dunning.imports.headers import LABELS
from dunning.imports.model import (
    AgreementItem,
    CustomerItem,
    EntryItem,
    InvoiceItem,
    Items,
    Problem,
    RowError,
    shown,
)
from dunning.imports.reading import ExportFile, Record
from shared.api.models.customers import ADDRESS_WIDTH, AddressIn, CustomerIn

KINDS = ("customers", "agreements", "invoices")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")
ID_EXPECTED = "an id of at most 64 letters, digits and _.:/- (no spaces)"


def file_kind(export: ExportFile, kind: str | None) -> str | None:
    """What a file's rows are, from ``--kind`` or its columns (an invoice list may carry its customers)."""
    if kind:
        return kind
    have = set(export.fields)
    if "invoice_no" in have or ({"amount", "open_amount"} & have and {"issued", "due"} & have):
        return "invoices"
    if ("agreement_no" in have and "name" not in have) or (
        "customer_no" in have and "id" in have and "name" not in have
    ):
        return "agreements"
    if {"name", "customer_no"} & have:
        return "customers"
    return None


class _Row:
    """One record's cells, read field by field; a refusal raises RowError naming the column."""

    def __init__(self, record: Record, mark: str | None) -> None:
        self.record = record
        self.mark = mark
        self.columns: dict[str, str] = {}

    def text(self, name: str, api_field: str | None = None) -> str:
        cell = self.record.cells.get(name)
        if cell is None or cell.value is None:
            return ""
        if api_field:
            self.columns[api_field] = cell.header
        return str(cell.value).strip()

    def column(self, name: str) -> str:
        cell = self.record.cells.get(name)
        return cell.header if cell else LABELS.get(name, name)

    def required(self, name: str, what: str, api_field: str | None = None) -> str:
        value = self.text(name, api_field)
        if not value:
            raise RowError(self.column(name), f"{what} (the cell is empty)" if name in self.record.cells else what)
        return value

    def ident(self, name: str, what: str, api_field: str | None = None) -> str:
        value = self.required(name, what, api_field)
        if not _ID.match(value):
            raise RowError(self.column(name), f"{ID_EXPECTED}, not {value!r}")
        return value

    def parsed(self, name: str, parse: Any, api_field: str | None = None) -> Any:
        cell = self.record.cells.get(name)
        if cell is not None and not isinstance(cell.value, str) and cell.value is not None:
            raw = cell.value  # JSON: numbers and booleans as they are
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                return raw
            raw = str(raw)
        else:
            raw = self.text(name)
        if not raw:
            return None
        if api_field:
            self.columns[api_field] = self.column(name)
        try:
            return parse(raw)
        except ValueError as error:
            raise RowError(self.column(name), str(error)) from error

    def amount(self, name: str, api_field: str) -> Decimal | None:
        return self.parsed(name, lambda raw: values.parse_amount(str(raw), self.mark), api_field)


def read_items(exports: list[ExportFile], kind: str | None) -> Items:
    """Every file's records as items; problems for what cannot be read."""
    items = Items()
    for export in exports:
        items.problems += [Problem(export.source, line, column, what) for line, column, what in export.problems]
        default = file_kind(export, kind)
        texts = [str(r.cells[f].value) for r in export.records for f in ("amount", "open_amount") if f in r.cells]
        mark = values.decimal_mark(texts)
        for record in export.records:
            record_kind = record.kind if record.kind in KINDS else default or _guess(record)
            if record_kind is None:
                items.problems.append(
                    Problem(record.source, record.line, "(columns)", "customers, agreements or invoices; give --kind")
                )
                continue
            try:
                _read_record(items, record, record_kind, mark)
            except RowError as error:
                items.problems.append(Problem(record.source, record.line, error.column, error.expected))
    _merge_customers(items)
    _unique(items, "agreements")
    _unique(items, "invoices")
    _unique(items, "entries")
    return items


def _guess(record: Record) -> str | None:
    have = set(record.cells)
    if {"amount", "agreement_no"} <= have or "invoice_no" in have:
        return "invoices"
    if "name" in have:
        return "customers"
    if "customer_no" in have:
        return "agreements"
    return None


def _read_record(items: Items, record: Record, kind: str, mark: str | None) -> None:
    row = _Row(record, mark)
    if kind == "customers":
        items.customers.append(_customer(row, "id" if "customer_no" not in record.cells else "customer_no"))
    elif kind == "agreements":
        own = "agreement_no" if "agreement_no" in record.cells else "id"
        ident = row.ident(own, "the agreement's id")
        customer = row.ident("customer_no", "the customer's number", "customer")
        template = row.text("template", "template") or None
        items.agreements.append(AgreementItem(record, ident, customer, template, row.columns))
    else:
        _invoice_or_entry(items, row)
        if "name" in record.cells and row.text("name") and "customer_no" in record.cells:
            items.customers.append(_customer(_Row(record, mark), "customer_no", repeated=True))


def _customer(row: _Row, own: str, repeated: bool = False) -> CustomerItem:
    ident = row.ident(own, "the customer's number", "id")
    found: dict[str, Any] = {"name": row.required("name", "the customer's name", "name")}
    for name, parse in (("email", values.parse_email), ("phone", values.parse_phone)):
        value = row.parsed(name, parse, name)
        if value is not None:
            found[name] = value
    business = row.parsed("business", values.parse_yes_no, "business")
    cvr = row.text("cvr", "business")  # a CVR (or a foreign VAT number) makes a business; it is not stored
    if business is not None:
        found["business"] = bool(business)
    elif any(char.isdigit() for char in cvr):  # not "-" or "ingen"
        found["business"] = True  # a CVR number: a business customer (B2B rules apply)
    address = _address(row)
    if address is not None:
        found["address"] = address
    language = row.parsed("language", values.parse_language, "language")
    if language is None and address is not None and address["country"] != "DK":
        language = "en"  # abroad and no language given: English rather than Danish
    if language is not None:
        found["language"] = language
    try:
        CustomerIn.model_validate({"id": ident} | found)
    except ValidationError as error:
        item = error.errors()[0]
        column = row.columns.get(str(item["loc"][0]), str(item["loc"][0]))
        raise RowError(column, str(item["msg"]).removeprefix("Value error, ")) from error
    return CustomerItem(row.record, ident, found, row.columns, repeated)


def _address(row: _Row) -> dict[str, Any] | None:
    cell = row.record.cells.get("address")
    if cell is not None and isinstance(cell.value, dict):  # JSON: the API's own shape
        row.columns["address"] = cell.header
        try:
            return AddressIn.model_validate(cell.value).model_dump()
        except ValidationError as error:
            raise RowError(cell.header, str(error.errors()[0]["msg"])) from error
    street = [part.strip() for part in re.split(r"[\r\n]+", row.text("address", "address")) if part.strip()]
    street += [row.text("address2")] if row.text("address2") else []
    postcode, city = row.text("postcode"), row.text("city")
    combined = row.text("postcode_city")
    if combined and not (postcode or city):
        postcode, _, city = re.sub(r"^DK-?\s*", "", combined, flags=re.I).partition(" ")
    if not (street or postcode or city):
        return None
    country = row.parsed("country", values.parse_country) or "DK"
    if country == "DK":
        postcode = re.sub(r"^DK-?\s*", "", postcode, flags=re.I).replace(" ", "")
    lines = [piece for line in street for piece in _wrap(line)]
    missing = [name for name, value in (("address", lines), ("postcode", postcode), ("city", city)) if not value]
    if missing:
        name = missing[0] if missing[0] != "postcode" or "postcode_city" not in row.record.cells else "postcode_city"
        raise RowError(row.column(name), f"a complete address (street, postcode and city) or none; {name} is empty")
    address = {"lines": lines, "postcode": postcode, "city": city.strip(), "country": country}
    try:
        return AddressIn.model_validate(address).model_dump()
    except ValidationError as error:
        item = error.errors()[0]
        expected = str(item["msg"]).removeprefix("Value error, ")
        where = str(item["loc"][0]) if item["loc"] else ("postcode" if "postcode" in expected else "lines")
        part = {"lines": "address"}.get(where, where)
        if part == "address" and len(lines) > 4:
            expected = f"an address of at most 4 lines of {ADDRESS_WIDTH} characters (a payment slip's)"
        raise RowError(row.column(part), expected) from error


def _wrap(line: str) -> list[str]:
    """An address line longer than a payment slip prints, split after its commas (else its words)."""
    if len(line) <= ADDRESS_WIDTH:
        return [line]
    pieces: list[str] = []
    for part in (p.strip() for p in line.split(",")):
        joined = f"{pieces[-1]}, {part}" if pieces else part
        if pieces and len(joined) <= ADDRESS_WIDTH:
            pieces[-1] = joined
        else:
            pieces += textwrap.wrap(part, ADDRESS_WIDTH) or [part]
    return pieces


_INVOICE = {"", "faktura", "invoice", "salgsfaktura", "fak", "f"}
_CREDIT = {"kreditnota", "credit note", "creditnote", "credit", "kredit", "kn", "k"}
_PAYMENT = {"betaling", "indbetaling", "payment", "indbet", "b"}


def _invoice_or_entry(items: Items, row: _Row) -> None:
    record = row.record
    own = "invoice_no" if "invoice_no" in record.cells else "id"
    ident = row.ident(own, "the invoice's number", "id")
    customer = row.ident("customer_no", "the customer's number", "customer") if row.text("customer_no") else None
    agreement = row.ident("agreement_no", "the agreement's id", "agreement") if row.text("agreement_no") else None
    currency = row.text("currency").upper()
    if currency not in ("", "DKK", "KR", "DKR"):
        raise RowError(row.column("currency"), f"DKK (reminders are in kroner), not {currency!r}")
    entry_type = row.text("entry_type").lower().rstrip(".")
    if entry_type not in _INVOICE | _CREDIT | _PAYMENT:
        raise RowError(row.column("entry_type"), f"Faktura, Kreditnota or Betaling, not {row.text('entry_type')!r}")
    status = row.text("status").lower()
    if status in _DRAFT:  # not sent to the customer: nothing to remind of
        items.left_out.setdefault("drafts", []).append(ident)
        return
    amount = row.amount("amount", "amount")
    remaining = row.amount("open_amount", "open_amount")
    if amount is None and remaining is None:
        raise RowError(row.column("amount"), "the invoice's amount (the cell is empty)")
    total = amount if amount is not None else remaining
    assert total is not None
    if remaining is None:
        remaining = _remaining_from(row, total, status)
    if entry_type in _CREDIT | _PAYMENT or (total < 0 and entry_type == ""):
        left = remaining if remaining is not None else total  # what is still on account of it
        _entry(items, row, ident, customer, "payment" if entry_type in _PAYMENT else "credit_note", abs(left))
        return
    if total == 0:
        items.left_out.setdefault("amount 0,00", []).append(ident)
        return
    if total < 0:
        raise RowError(
            row.columns.get("amount", row.column("amount")), f"a positive amount for an invoice, not {total}"
        )
    if remaining is not None and not Decimal(0) <= remaining <= total:
        raise RowError(row.column("open_amount"), f"a remaining amount from 0,00 to the invoice's {total}")
    issued = row.parsed("issued", values.parse_date, "issued")
    due = row.parsed("due", values.parse_date, "due")
    if issued is None:
        raise RowError(row.column("issued"), f"the invoice's date: {values.DATE_EXPECTED}")
    if due is None:
        raise RowError(row.column("due"), f"the invoice's due date: {values.DATE_EXPECTED}")
    if due < issued:
        raise RowError(row.column("due"), f"a due date on or after the invoice's date ({issued:%d-%m-%Y})")
    name = row.text("name", "customer") if customer is None and agreement is None else ""
    if customer is None and agreement is None and not name:
        raise RowError(row.column("customer_no"), "the customer's number (or an agreement column)")
    items.invoices.append(
        InvoiceItem(record, ident, customer, agreement, total, remaining, issued, due, row.columns, name or None)
    )


_DRAFT = {"kladde", "draft", "udkast", "ikke bogført", "ikke bogfort", "not booked", "proforma"}
_PAID = {"betalt", "paid", "udlignet", "afsluttet", "settled", "lukket", "closed"}


def _remaining_from(row: _Row, total: Decimal, status: str) -> Decimal | None:
    """Without a remaining column: what a paid column (an amount, ja/nej or the date paid) or a paid
    status says remains; None when nothing does."""
    paid = row.text("paid", "open_amount")
    if paid:
        try:
            return max(total - values.parse_amount(paid, row.mark), Decimal(0))
        except ValueError:
            pass
        try:
            return Decimal(0) if values.parse_yes_no(paid) else total
        except ValueError:
            pass
        try:
            values.parse_date(paid)
            return Decimal(0)  # the date it was paid
        except ValueError as error:
            raise RowError(row.column("paid"), f"the amount paid, ja/nej or the date paid, not {paid!r}") from error
    return Decimal(0) if status in _PAID else None


def _entry(items: Items, row: _Row, ident: str, customer: str | None, kind: str, amount: Decimal) -> None:
    if customer is None:
        raise RowError(row.column("customer_no"), "the customer's number (a credit note goes on their account)")
    on = row.parsed("issued", values.parse_date, "on") or row.parsed("due", values.parse_date, "on")
    if on is None:
        raise RowError(row.column("issued"), f"the date of the {kind.replace('_', ' ')}: {values.DATE_EXPECTED}")
    if amount == 0:
        return
    items.entries.append(EntryItem(row.record, kind, ident, customer, amount, on, row.columns))


def _merge_customers(items: Items) -> None:
    """One customer per id. A debtor list's row is the customer; an invoice list's customer columns
    only fill in what it lacks, and when only invoice rows name a customer, they must agree."""
    first: dict[str, CustomerItem] = {}
    for item in (c for c in items.customers if not c.repeated):
        if item.id in first:
            items.problems.append(_twice(first[item.id], item))
        else:
            first[item.id] = item
    for item in (c for c in items.customers if c.repeated):
        seen = first.setdefault(item.id, item)
        if seen is item:
            continue
        for name, value in item.fields.items():
            if seen.repeated and name in seen.fields and seen.fields[name] != value:
                items.problems.append(_differs(seen, item, name, value))
                break
            if name not in seen.fields:
                seen.fields[name] = value
                seen.columns[name] = item.columns.get(name, name)
    items.customers = list(first.values())


def _differs(seen: CustomerItem, item: CustomerItem, name: str, value: Any) -> Problem:
    where = f"{seen.record.source}:{seen.record.line}" if seen.record.source != item.record.source else seen.record.line
    return Problem(
        item.record.source,
        item.record.line,
        item.columns.get(name, name),
        f"the same as for customer {item.id} at line {where} ({shown(seen.fields[name])!r}), not {shown(value)!r}",
    )


def _unique(items: Items, kind: str) -> None:
    seen: dict[str, Any] = {}
    kept = []
    for item in getattr(items, kind):
        first = seen.get(item.id)
        if first is None:
            seen[item.id] = item
            kept.append(item)
            continue
        items.problems.append(_twice(first, item))
    setattr(items, kind, kept)


def _twice(first: Any, item: Any) -> Problem:
    where = (
        first.record.line if first.record.source == item.record.source else f"{first.record.source}:{first.record.line}"
    )
    column = item.columns.get("id", "id")
    return Problem(item.record.source, item.record.line, column, f"{item.id!r} appears twice (first at line {where})")
