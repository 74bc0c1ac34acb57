"""What a reminder may charge when its step happens: the fee, interest and the B2B compensation
(renteloven §§ 5, 9 a, 9 b), decided by the pure rules in ``shared.domain`` from the invoices'
and agreements' history.

The scheduler (and an approval) decides once, at commit time, and writes the new history in
the same transaction as the step, so a fee is never counted twice or missed. What may not be
charged is not silently dropped: it comes back as a reason for a ``skipped`` effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shared.domain.channels import unreachable
from shared.domain.danish_rules import (
    AgreementArrears,
    InvoiceFeeHistory,
    compensation_due,
    fee_decision,
)
from shared.domain.interest import late_interest
from shared.domain.money import ZERO
from shared.domain.planning import PlannedReminder
from shared.domain.reasons import Reason
from shared.domain.settings import TenantSettings
from shared.storage.protocols import Store
from shared.storage.repository import Customer, PeriodCharge

# The step's actions that are letters to the customer, and the channel each one travels on.
LETTER_ACTIONS = {"email": "email", "sms": "sms", "bs": "bs", "statement": "email"}
# The scheduler does not see the stack's BsCreditorNumber; the BS consumer checks it (a stack
# without one and a tenant without one is a configuration error, reported by that consumer).
_BS_CREDITOR_FROM_STACK = "stack"

# (fees in the period, last fee date, compensated) per agreement, as read at the start of the run
Periods = dict[str, tuple[int, date | None, bool]]


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


class ChargeContext:
    """Caches for one run: agreements' arrears periods and customers, read once and kept current."""

    def __init__(self, repo: Store, settings: TenantSettings) -> None:
        self._repo = repo
        self._settings = settings
        self._periods: Periods = {}
        self._absent: set[str] = set()
        self._customers: dict[str, Customer | None] = {}

    def customer(self, customer_id: str) -> Customer | None:
        if customer_id not in self._customers:
            self._customers[customer_id] = self._repo.get_customer(customer_id)
        return self._customers[customer_id]

    def periods(self, agreement_ids: set[str]) -> Periods:
        missing = agreement_ids - self._periods.keys() - self._absent
        if missing:
            found = self._repo.agreement_periods(missing)
            self._periods |= found
            self._absent |= missing - found.keys()
        return {agreement_id: self._periods.get(agreement_id, (0, None, False)) for agreement_id in agreement_ids}

    def prefetch(self, reminders: list[PlannedReminder]) -> None:
        """Read the arrears periods of every agreement the run's charging steps touch, and the
        customers they charge (is there a letter to charge a fee for?), in batches."""
        charging = [
            reminder
            for reminder in reminders
            if not reminder.is_case
            and {"fee", "compensation"} & set(reminder.template.step(reminder.key.step_number).action_kinds)
        ]
        self.periods({invoice.agreement_id for reminder in charging for invoice in reminder.invoices})
        missing = {reminder.key.customer_id for reminder in charging} - self._customers.keys()
        if missing:
            found = self._repo.get_customers(missing)
            self._customers |= {customer_id: found.get(customer_id) for customer_id in missing}

    def committed(self, charges: StepCharges, on: date) -> None:
        """The reminder was committed: later reminders of this run see its fee and compensation."""
        for period in charges.periods:
            fees, last, compensated = self._periods.get(period.agreement_id, (0, None, False))
            self._periods[period.agreement_id] = (
                fees + 1 if period.fee else fees,
                on if period.fee else last,
                compensated or period.compensated,
            )

    def decide(self, reminder: PlannedReminder, on: date) -> StepCharges:
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
            agreement_id: AgreementArrears(agreement_id, None, fees, last, compensated)
            for agreement_id, (fees, last, compensated) in self.periods(
                {invoice.agreement_id for invoice in reminder.invoices}
            ).items()
        }
        # The customer is read only when it matters: a fee (is there a letter to charge it for? is it
        # above the consumer cap?), or the compensation.
        charges_fee = "fee" in actions and step.fee is not None
        needs_customer = "compensation" in actions or charges_fee
        customer = self.customer(reminder.key.customer_id) if needs_customer else None
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

    def _no_letter(self, actions: list[str], customer: Customer | None) -> str | None:
        """Why no letter of the step reaches the customer (renteloven § 9 b: a fee is for a letter
        sent), or None when at least one does."""
        letters = [action for action in actions if action in LETTER_ACTIONS]
        if customer is None:
            return "no letter reached the customer: the customer does not exist"
        reasons = []
        for action in letters:
            reason = unreachable(LETTER_ACTIONS[action], customer, self._settings, _BS_CREDITOR_FROM_STACK)
            if reason is None:
                return None
            reasons.append(f"{action}: {reason}")
        if not letters:
            return "no letter reached the customer: the step sends none"
        return "no letter reached the customer (renteloven § 9 b): " + "; ".join(reasons)

    def _interest(self, reminder: PlannedReminder, on: date, charges: StepCharges) -> None:
        table = self._settings.rate_table()
        total = ZERO
        rate: Decimal | None = None
        for invoice in reminder.invoices:
            start = max(invoice.due, invoice.interest_to or invoice.due)
            result = late_interest(invoice.open_amount, start, on, table, self._settings.interest_day_count)
            total += result.amount
            rate = result.rate
        if total > ZERO:
            charges.interest, charges.interest_rate, charges.interest_to = total, rate, on
        else:
            charges.skipped["interest"] = Reason(
                "interest.none", "no late-payment interest has accrued since the last charge"
            )
