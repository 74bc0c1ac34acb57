"""What a reminder may charge when its step happens: the fee, interest and the B2B compensation
(renteloven §§ 5, 9 a, 9 b), decided by the pure rules in ``shared.domain`` from the invoices'
and agreements' history.

The scheduler (and an approval) decides once, at commit time, and writes the new history in
the same transaction as the step, so a fee is never counted twice or missed. What may not be
charged is not silently dropped: it comes back as a reason for a ``skipped`` effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from shared.domain.channels import unreachable
from shared.domain.danish_rules import (
    AgreementArrears,
    InvoiceFeeHistory,
    compensation_due,
    fee_decision,
)
from shared.domain.interest import late_interest
from shared.domain.money import ZERO
from shared.domain.planning import CustomerSeen, PeriodSeen, PlannedReminder
from shared.domain.reasons import Reason
from shared.domain.settings import TenantSettings
from shared.storage.protocols import Store
from shared.storage.records import PeriodCharge, seen_customer

T = TypeVar("T")

# The step's actions that are letters to the customer, and the channel each one travels on.
LETTER_ACTIONS = {"email": "email", "sms": "sms", "bs": "bs", "statement": "email"}
# The scheduler does not see the stack's BsCreditorNumber; the BS consumer checks it (a stack
# without one and a tenant without one is a configuration error, reported by that consumer).
_BS_CREDITOR_FROM_STACK = "stack"


def after(period: PeriodSeen, charge: PeriodCharge, on: date) -> PeriodSeen:
    """The arrears period once the reminder's charge is in it."""
    return PeriodSeen(
        period.fees + 1 if charge.fee else period.fees,
        on if charge.fee else period.last_fee_on,
        period.compensated or charge.compensated,
    )


def charges_agreements(reminder: PlannedReminder) -> bool:
    """Does the reminder's step depend on its agreements' arrears periods (a fee or the compensation)?"""
    if reminder.is_case:
        return False
    return bool({"fee", "compensation"} & set(reminder.template.step(reminder.key.step_number).action_kinds))


class Owing(Protocol):
    """An invoice as interest sees it (an ``InvoiceState``; a preview's sample line has no ``interest_to``)."""

    @property
    def open_amount(self) -> Decimal: ...
    @property
    def due(self) -> date: ...


def accrued_interest(invoices: Iterable[Owing], on: date, settings: TenantSettings) -> tuple[Decimal, Decimal | None]:
    """Late interest on the invoices' open amounts from their due date, or from the last day interest
    was charged for them (``interest_to``), up to ``on``: the total, and the rate on ``on``."""
    table = settings.rate_table()
    total = ZERO
    rate: Decimal | None = None
    for invoice in invoices:
        charged_to: date | None = getattr(invoice, "interest_to", None)
        start = max(invoice.due, charged_to or invoice.due)
        result = late_interest(invoice.open_amount, start, on, table, settings.interest_day_count)
        total += result.amount
        rate = result.rate
    return total, rate


@dataclass(frozen=True)
class Seen:
    """What a reminder's decision and messages rely on: its customer (None: unknown) and, when its
    step charges, the arrears period of each of its agreements. The commit verifies both."""

    customer: CustomerSeen | None
    periods: dict[str, PeriodSeen]


@dataclass
class StepCharges:
    """The money one reminder's step puts on the billing queue, and what it may not."""

    fee: Decimal | None = None
    interest: Decimal | None = None
    interest_rate: Decimal | None = None
    interest_to: date | None = None
    compensation: Decimal | None = None
    compensated_invoices: set[str] = field(default_factory=set)
    periods: list[PeriodCharge] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # action -> reason


def _uniform(values: list[T | None]) -> T | None:
    """The one value all of them hold (None when one is missing or they differ)."""
    first = values[0] if values else None
    return first if first is not None and all(value == first for value in values) else None


class ChargeContext:
    """What one run's reminders rely on — their customers and their agreements' arrears periods —
    taken from the snapshots their invoices carry, else read (in batches), and kept current as the
    run commits. What the run itself read or committed wins over a snapshot; the commit verifies
    whatever was used, and a stale one is read again (:meth:`refresh`)."""

    def __init__(self, repo: Store, settings: TenantSettings) -> None:
        self._repo = repo
        self._settings = settings
        self._periods: dict[str, PeriodSeen] = {}  # read or committed by this run
        self._customers: dict[str, CustomerSeen | None] = {}  # read or committed by this run
        self.planned = 0  # reminders the run plans to commit (told by prefetch)

    def _customer_snapshot(self, reminder: PlannedReminder) -> CustomerSeen | None:
        customer_id = reminder.key.customer_id
        if customer_id in self._customers:
            return self._customers[customer_id]
        return _uniform([invoice.customer_seen for invoice in reminder.invoices])

    def _period_snapshot(self, reminder: PlannedReminder, agreement_id: str) -> PeriodSeen | None:
        if agreement_id in self._periods:
            return self._periods[agreement_id]
        return _uniform([i.period_seen for i in reminder.invoices if i.agreement_id == agreement_id])

    def _unknown(self, reminders: list[PlannedReminder]) -> tuple[set[str], set[str]]:
        """The customers and agreements these reminders need that neither the run nor a snapshot knows."""
        customers: set[str] = set()
        agreements: set[str] = set()
        for reminder in reminders:
            if reminder.is_case:
                continue
            if reminder.key.customer_id not in self._customers and self._customer_snapshot(reminder) is None:
                customers.add(reminder.key.customer_id)
            if charges_agreements(reminder):
                agreements |= {
                    invoice.agreement_id
                    for invoice in reminder.invoices
                    if self._period_snapshot(reminder, invoice.agreement_id) is None
                }
        return customers, agreements

    def _read(self, customers: set[str], agreements: set[str]) -> None:
        if customers:
            found = self._repo.get_customers(customers)
            self._customers |= {c: seen_customer(found[c]) if c in found else None for c in customers}
        if agreements:
            periods = self._repo.agreement_periods(agreements)
            self._periods |= {a: PeriodSeen(*periods[a]) if a in periods else PeriodSeen() for a in agreements}

    def prefetch(self, reminders: list[PlannedReminder]) -> None:
        """Read, in batches, the customers and arrears periods the run's reminders need and their
        invoices carry no snapshot of (invoices filed before snapshots)."""
        self.planned += len(reminders)
        self._read(*self._unknown(reminders))

    def seen(self, reminder: PlannedReminder) -> Seen:
        """What the reminder's decision and messages rely on (read now what nothing knows)."""
        self._read(*self._unknown([reminder]))
        customer = self._customer_snapshot(reminder)
        periods: dict[str, PeriodSeen] = {}
        if charges_agreements(reminder):
            for agreement_id in sorted({invoice.agreement_id for invoice in reminder.invoices}):
                periods[agreement_id] = self._period_snapshot(reminder, agreement_id) or PeriodSeen()
        return Seen(customer, periods)

    def refresh(self, reminder: PlannedReminder) -> None:
        """A commit found what the reminder relied on changed: read its customer and agreements again."""
        agreements = {invoice.agreement_id for invoice in reminder.invoices} if charges_agreements(reminder) else set()
        self._read({reminder.key.customer_id}, agreements)

    def committed(self, reminder: PlannedReminder, seen: Seen, charges: StepCharges, on: date) -> None:
        """The reminder was committed: later reminders of this run see its customer and periods as
        verified, with its fee and compensation."""
        self._customers[reminder.key.customer_id] = seen.customer
        self._periods |= seen.periods
        for period in charges.periods:
            self._periods[period.agreement_id] = after(self._periods.get(period.agreement_id, PeriodSeen()), period, on)

    def decide(self, reminder: PlannedReminder, on: date, seen: Seen) -> StepCharges:
        """What the reminder's step charges on ``on``, and what it may not, given what it relies on."""
        step = reminder.template.step(reminder.key.step_number)
        actions = set(step.action_kinds)
        charges = StepCharges()
        if not actions & {"fee", "interest", "compensation"}:
            return charges
        history = [
            InvoiceFeeHistory(
                invoice_id=invoice.invoice_id,
                agreement_id=invoice.agreement_id,
                fee_dates=invoice.fee_dates,
                disputed_ever=invoice.disputed_ever,
                compensated=invoice.compensated,
            )
            for invoice in reminder.invoices
        ]
        agreements = {
            agreement_id: AgreementArrears(agreement_id, None, period.fees, period.last_fee_on, period.compensated)
            for agreement_id, period in seen.periods.items()
        }
        # The customer is read only when it matters: a fee (is there a letter to charge it for? is it
        # above the consumer cap?), or the compensation.
        charges_fee = "fee" in actions and step.fee is not None
        needs_customer = "compensation" in actions or charges_fee
        customer = seen.customer if needs_customer else None
        business = bool(customer and customer.business)
        fee_by_agreement: set[str] = set()
        if charges_fee and step.fee is not None:
            decision = fee_decision(
                on, history, agreements, business, self._settings.b2b_contractual_fees, fee=step.fee
            )
            no_letter = self._no_letter(step.action_kinds, customer)
            if no_letter is not None:
                charges.skipped["fee"] = no_letter
            elif decision.allowed:
                charges.fee = step.fee
                fee_by_agreement = set(agreements)
            else:
                charges.skipped["fee"] = decision.reason or Reason("fee.refused", "the fee may not be charged")
        if "interest" in actions:
            self._interest(reminder, on, charges)
        compensated_agreements: set[str] = set()
        if "compensation" in actions:
            if not business:
                charges.skipped["compensation"] = Reason(
                    "compensation.consumer",
                    "the fixed compensation is only for business customers (renteloven § 9 a, stk. 3)",
                )
            else:
                due = compensation_due(business, history, agreements)
                if due.items:
                    charges.compensation = due.amount
                    charges.compensated_invoices = set(due.invoice_ids)
                    compensated_agreements = {item.agreement_id for item in due.items}
                else:
                    charges.skipped["compensation"] = Reason(
                        "compensation.already",
                        "the compensation was charged already in this arrears period (renteloven § 9 a, stk. 3)",
                    )
        for agreement_id in sorted(fee_by_agreement | compensated_agreements):
            charges.periods.append(
                PeriodCharge(
                    agreement_id=agreement_id,
                    fees_before=agreements[agreement_id].fees_in_period,
                    fee=agreement_id in fee_by_agreement,
                    compensated=agreement_id in compensated_agreements,
                )
            )
        return charges

    def _no_letter(self, actions: list[str], customer: CustomerSeen | None) -> str | None:
        """Why no letter of the step reaches the customer (renteloven § 9 b: a fee is for a letter
        sent), or None when at least one does."""
        letters = [action for action in actions if action in LETTER_ACTIONS]
        if customer is None:
            return "no letter reached the customer: the customer does not exist"
        reasons: list[tuple[str, str]] = []
        for action in letters:
            reason = unreachable(LETTER_ACTIONS[action], customer, self._settings, _BS_CREDITOR_FROM_STACK)
            if reason is None:
                return None
            reasons.append((action, reason))
        if not letters:
            return "no letter reached the customer: the step sends none"
        # A coded reason (the same English text), so the tenant's Danish report says it in Danish.
        return Reason(
            "fee.no_letter",
            "no letter reached the customer (renteloven § 9 b): "
            + "; ".join(f"{action}: {reason}" for action, reason in reasons),
            channels=reasons,
        )

    def _interest(self, reminder: PlannedReminder, on: date, charges: StepCharges) -> None:
        total, rate = accrued_interest(reminder.invoices, on, self._settings)
        if total > ZERO:
            charges.interest, charges.interest_rate, charges.interest_to = total, rate, on
        else:
            charges.skipped["interest"] = Reason(
                "interest.none", "no late-payment interest has accrued since the last charge"
            )
