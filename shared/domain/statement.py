"""The statement of account (kontoudtog, O16): every open item of one customer and the balance.

Plain Python: open invoices, unsettled credits and charges waiting on the billing queue in,
the statement out. Open items are what the customer owes (invoice remainders, fees, interest,
compensation) less what the customer has to their credit (open credit notes, payments on
account). A statement only lists; it never charges anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from shared.domain.money import ZERO
from shared.domain.planning import InvoiceState

ItemKind = Literal["invoice", "credit_note", "payment", "fee", "interest", "compensation"]
CHARGE_KINDS = ("fee", "interest", "compensation")
# Invoices first, then what the customer has to their credit, then what waits on the billing queue.
_SECTION = {"invoice": 0, "credit_note": 1, "payment": 1, "fee": 2, "interest": 2, "compensation": 2}


@dataclass(frozen=True)
class StatementItem:
    """One open item. ``open_amount`` is signed: positive is owed, negative is to the customer's credit."""

    kind: ItemKind
    reference: str  # invoice number, credit id, or the invoices a charge was for
    on: date  # issued, received, or charged
    open_amount: Decimal
    amount: Decimal | None = None  # an invoice's original amount, a charge's amount
    due: date | None = None  # an invoice's due date


@dataclass(frozen=True)
class Statement:
    customer_id: str
    on: date
    items: tuple[StatementItem, ...]

    @property
    def balance(self) -> Decimal:
        """What the customer owes in all (negative: the customer has money to their credit)."""
        return sum((item.open_amount for item in self.items), ZERO)

    @property
    def owed(self) -> Decimal:
        return sum((item.open_amount for item in self.items if item.open_amount > ZERO), ZERO)

    @property
    def credited(self) -> Decimal:
        return -sum((item.open_amount for item in self.items if item.open_amount < ZERO), ZERO)


@dataclass(frozen=True)
class OpenCredit:
    """An on-account payment or credit note with ``remaining`` not yet applied to an invoice."""

    kind: Literal["credit_note", "payment"]
    credit_id: str
    on: date
    remaining: Decimal

    @property
    def reference(self) -> str:
        """What the customer knows it by: the credit note's or payment's own number, without the
        ``<kind>-`` prefix its credit is filed under by default (``credit_note-20253`` → ``20253``)."""
        return self.credit_id.removeprefix(f"{self.kind}-")


@dataclass(frozen=True)
class PendingCharge:
    """A fee, interest or compensation on the billing queue, not yet billed."""

    key: str
    kind: Literal["fee", "interest", "compensation"]
    amount: Decimal
    invoice_ids: tuple[str, ...]
    on: date


def build_statement(
    customer_id: str,
    on: date,
    invoices: Iterable[InvoiceState],
    credits: Iterable[OpenCredit],
    charges: Iterable[PendingCharge],
) -> Statement:
    """The customer's statement on ``on``: invoices with a remainder, credits with money left,
    charges (each key once) — in that order, each part oldest first."""
    items: list[StatementItem] = [
        StatementItem(
            kind="invoice",
            reference=invoice.invoice_id,
            on=invoice.issued,
            open_amount=invoice.open_amount,
            amount=invoice.amount,
            due=invoice.due,
        )
        for invoice in invoices
        if invoice.customer_id == customer_id and invoice.open_amount > ZERO
    ]
    items += [
        StatementItem(kind=credit.kind, reference=credit.reference, on=credit.on, open_amount=-credit.remaining)
        for credit in credits
        if credit.remaining > ZERO
    ]
    seen: set[str] = set()
    for charge in charges:
        if charge.key in seen or charge.amount <= ZERO:
            continue
        seen.add(charge.key)
        items.append(
            StatementItem(
                kind=charge.kind,
                reference=", ".join(charge.invoice_ids),
                on=charge.on,
                open_amount=charge.amount,
                amount=charge.amount,
            )
        )
    items.sort(key=lambda item: (_SECTION[item.kind], item.due or item.on, item.on, item.reference))
    return Statement(customer_id=customer_id, on=on, items=tuple(items))
