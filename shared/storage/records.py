"""The values the stores take and give besides the domain's own (invoices, settings, templates).

Plain dataclasses: a service builds them, a store files them under its keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.planning import CustomerSeen, InvoiceState, PeriodSeen

# How often a note of who did what is read and written again when another note landed in between.
ACTOR_NOTE_ATTEMPTS = 5

# What a run's commits add up in their own transactions (``RUNCOMMITS#<run>``): the run record's
# counts of what was committed, exact even when the attempt or part that committed died before it
# recorded (shared/services/runs/work.py and fanout.py); the messages built per action as
# ``by_<action>``.
COMMITTED = (
    "reminders",
    "invoices_advanced",
    "messages",
    "by_email",
    "by_sms",
    "by_fee",
    "by_bs",
    "by_collection",
    "by_interest",
    "by_compensation",
    "by_statement",
)
# What a fanned-out run's parts add up (the tally's number attributes, in both stores): what each
# part committed, as it saw it, and what only the parts count.
TALLIED = ("parts", "held_back", "lost_races", "resent", "proposals", *COMMITTED)


@dataclass(frozen=True)
class CommitTally:
    """What one commit adds to its run's commit counts, in the commit's own transaction, under
    ``bucket`` (the due-index shard of its customers)."""

    bucket: str
    counts: Mapping[str, int]

    def __post_init__(self) -> None:
        unknown = set(self.counts) - set(COMMITTED)
        if unknown:
            raise ValueError(f"not counted with a commit: {sorted(unknown)}; expected some of {COMMITTED}")


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "da"
    address: dict[str, Any] | None = None
    business: bool = False  # a business customer (B2B): compensation and agreed higher fees may apply
    # The revision it was read at (see :func:`customer_revision`); None when not read from storage,
    # or stored before revisions. Not part of its identity.
    rev: str | None = field(default=None, compare=False)

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
    def from_data(cls, customer_id: str, data: dict[str, Any], rev: str | None = None) -> Customer:
        """A customer from its stored data (``as_data``) and revision."""
        return cls(
            customer_id=customer_id,
            name=data["name"],
            email=data.get("email"),
            phone=data.get("phone"),
            language=data.get("language") or "da",
            address=data.get("address"),
            business=bool(data.get("business", False)),
            rev=rev,
        )


def customer_revision(customer: Customer) -> str:
    """The customer's revision: a digest of what it holds, stored with every write. Any change
    gives a new one, so a snapshot carrying an older one is stale (an unchanged rewrite keeps it,
    and the snapshot stays true)."""
    text = json.dumps(customer.as_data(), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def as_stored(customer: Customer) -> Customer:
    """The customer as storage files it: with its revision."""
    return replace(customer, rev=customer_revision(customer))


def seen_customer(customer: Customer) -> CustomerSeen:
    """The snapshot of the customer an invoice carries (its ``rev`` as read)."""
    return CustomerSeen(
        rev=customer.rev,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
        address=customer.address,
        business=customer.business,
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
    # The snapshots the invoice carries from now on (None: keep the one it has): what the commit verified
    seen_customer: CustomerSeen | None = None
    seen_period: PeriodSeen | None = None  # its agreement's period after this step


@dataclass(frozen=True)
class PeriodCharge:
    """What a reminder adds to an agreement's current arrears period (fees counted, compensation)."""

    agreement_id: str
    fees_before: int  # the count it was read at: the update is conditional on it
    fee: bool
    compensated: bool


@dataclass(frozen=True)
class CustomerCheck:
    """A commit relied on the customer at revision ``rev`` (None: stored before revisions)."""

    customer_id: str
    rev: str | None


@dataclass(frozen=True)
class ReminderWrite:
    """One reminder of a commit: its invoices advance (each from the step it was read at), its payment
    ``reference`` is filed, the approved proposal ``proposal_key`` removed, its agreements' arrears
    periods change (``periods``); ``customer`` and ``periods_seen`` (agreement → period) are what its
    decision relied on, verified in the same transaction."""

    advances: Sequence[Advance]
    reference: dict[str, Any] | None = None
    proposal_key: str | None = None
    periods: Sequence[PeriodCharge] = ()
    customer: CustomerCheck | None = None
    periods_seen: Mapping[str, PeriodSeen] = field(default_factory=dict)


# Why a reminder of a commit was not written: an invoice (or the approved proposal) moved meanwhile,
# or what its decision relied on (customer, arrears period) changed since it was seen.
MOVED = "moved"
STALE = "stale"


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
