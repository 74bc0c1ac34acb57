"""The values the stores take and give besides the domain's own (invoices, settings, templates).

Plain dataclasses: a service builds them, a store files them under its keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.planning import InvoiceState


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "da"
    address: dict[str, Any] | None = None
    business: bool = False  # a business customer (B2B): compensation and agreed higher fees may apply

    def as_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "language": self.language,
            "address": self.address,
            "business": self.business,
        }

    @classmethod
    def from_data(cls, customer_id: str, data: dict[str, Any]) -> Customer:
        """A customer from its stored data (``as_data``)."""
        return cls(
            customer_id=customer_id,
            name=data["name"],
            email=data.get("email"),
            phone=data.get("phone"),
            language=data.get("language") or "da",
            address=data.get("address"),
            business=bool(data.get("business", False)),
        )


@dataclass(frozen=True)
class Agreement:
    agreement_id: str
    customer_id: str
    template_version: str


@dataclass(frozen=True)
class Advance:
    """One invoice taking its next step on ``on``; ``next_step`` is when the one after is due."""

    invoice: InvoiceState
    on: date
    next_step: date | None
    history: dict[str, Any]
    warning: bool = False  # this step is the collection warning (inkassoloven § 10)
    fee_charged: bool = False
    interest_to: date | None = None  # interest was charged up to this date
    compensated: bool = False


@dataclass(frozen=True)
class PeriodCharge:
    """What a reminder adds to an agreement's current arrears period (fees counted, compensation)."""

    agreement_id: str
    fees_before: int  # the count it was read at: the update is conditional on it
    fee: bool
    compensated: bool


@dataclass(frozen=True)
class BillingLine:
    """A charge on the customer's billing queue (fee, interest, compensation; ``fee_reversed`` once
    reversed), filed under the business key of the message that charged it."""

    customer_id: str
    key: str
    kind: str
    amount: Decimal
    currency: str
    reason: str
    invoice_ids: tuple[str, ...]
    due: date
    created_on: date


@dataclass(frozen=True)
class BsRecord:
    """A Betalingsservice reminder for the delivery of ``due`` (its run date), under its business key;
    ``data`` holds what its payment slip needs."""

    key: str
    due: date
    customer_id: str
    creditor_number: str
    data: dict[str, Any]
