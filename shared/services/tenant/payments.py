"""Payments and credit notes (O7): against an invoice, or on the customer's account; filed once under their id."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from shared.domain.money import ZERO, money_text
from shared.errors import Conflict, Invalid
from shared.services.housekeeping import set_balance
from shared.storage.protocols import Store

EntryKind = Literal["payment", "credit_note"]

_WHO = "recorded_by"  # kept beside the entry, not part of what makes a retry the same entry


def record_entry(
    repo: Store,
    kind: EntryKind,
    entry_id: str,
    amount: Decimal,
    on: date,
    invoice_id: str | None,
    customer_id: str | None,
    *,
    actor: str,
    credit_id: str | None = None,
    source: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """A payment or credit note, against an invoice or on the customer's account.

    Filed once under its id: sending the same entry again returns it unchanged (safe for a
    billing system that retries), a different one under a used id is refused. Money beyond the
    invoice's open balance stays on the customer's account as a credit named ``credit_id``
    (default ``<kind>-<entry_id>``). Returns (entry, created).
    """
    if invoice_id is not None:
        invoice = repo.get_invoice(invoice_id)
        if invoice is None:
            raise Invalid(f"invoice {invoice_id!r} does not exist", "invoice")
        if customer_id is not None and customer_id != invoice.customer_id:
            raise Invalid(f"invoice {invoice_id!r} belongs to customer {invoice.customer_id!r}", "customer")
        customer_id = invoice.customer_id
    elif customer_id is None:
        raise Invalid("name the invoice, or the customer for money on account", "invoice")
    elif repo.get_customer(customer_id) is None:
        raise Invalid(f"customer {customer_id!r} does not exist", "customer")
    entry: dict[str, Any] = {
        "id": entry_id,
        "amount": money_text(amount),
        "on": on.isoformat(),
        "invoice": invoice_id,
        "customer": customer_id,
    } | ({"source": source} if source is not None else {})
    if not repo.add_ledger_entry(kind, entry | {_WHO: actor}):
        stored = repo.get_ledger_entry(kind, entry_id) or {}
        if {k: stored.get(k) for k in entry} == entry:
            return stored, False
        raise Conflict(f"{kind} {entry_id!r} exists already with other data", "id")
    credit = credit_id or f"{kind}-{entry_id}"
    if invoice_id is not None:
        excess = _reduce_invoice(repo, invoice_id, amount, kind, on, credit)
        entry |= {"applied": money_text(amount - excess), "on_account": money_text(excess)}
    else:
        repo.add_credit(customer_id, kind, amount, on, credit)
        entry |= {"applied": "0.00", "on_account": money_text(amount)}
    repo.add_ledger_result(kind, entry | {_WHO: actor})
    return entry, True


def _reduce_invoice(repo: Store, invoice_id: str, amount: Decimal, kind: str, on: date, credit_id: str) -> Decimal:
    """Lower the invoice's open balance; at zero it leaves the process. Returns the excess,
    which stays on the customer's account (settled against other invoices when the tenant
    settles open items)."""
    invoice = repo.get_invoice(invoice_id)
    if invoice is None:
        raise Invalid(f"invoice {invoice_id!r} does not exist", "invoice")
    new_open = max(invoice.open_amount - amount, ZERO)
    set_balance(repo, invoice, new_open, on)
    excess = amount - (invoice.open_amount - new_open)
    if excess > ZERO:
        repo.add_credit(invoice.customer_id, kind, excess, on, credit_id)
    return excess


def list_entries(repo: Store, kind: EntryKind, customer: str | None = None) -> list[dict[str, Any]]:
    """Payments or credit notes, optionally of one customer."""
    return [e for e in repo.ledger_entries(kind) if customer is None or e.get("customer") == customer]
