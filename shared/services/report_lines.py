"""The lines of what the tenant is told after a run (O8) or when approvals wait (O9): each sent
reminder as it truly went out, what was held back or excluded, the housekeeping, the cases, the
failures and the sends waiting for a decision. Each customer is read once per run."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.channels import unreachable
from shared.domain.effects import effect_sort_key
from shared.domain.planning import HeldBack, InvoiceState, PlannedReminder
from shared.domain.reasons import Reason
from shared.domain.settings import TenantSettings
from shared.rendering.reports import (
    ExcludedLine,
    FailureLine,
    HeldBackLine,
    MoneyLine,
    ProposalLine,
    ReportedReminder,
    SkippedAction,
    UnconfirmedSendLine,
)
from shared.services.charges import StepCharges
from shared.services.reminders import reminder_key_of
from shared.services.runs.summary import RunSummary, run_moment
from shared.storage.ledger import SendEntry
from shared.storage.protocols import Store
from shared.storage.repository import PARKED, Customer

CHARGE_ACTIONS = ("fee", "interest", "compensation")


def by_customer_and_step(reminders: Sequence[PlannedReminder]) -> list[PlannedReminder]:
    """The order a report lists reminders and proposals in."""
    return sorted(reminders, key=lambda r: (r.key.customer_id, r.step_name))


class ReportLines:
    """Builds the report's lines; one per run (or approval), so each customer is read once."""

    def __init__(self, repo: Store, sends_to_decide: Callable[[datetime], Sequence[SendEntry]]) -> None:
        self._repo = repo
        self._sends_to_decide = sends_to_decide
        self._customers: dict[str, Customer | None] = {}

    def customer(self, customer_id: str) -> Customer | None:
        if customer_id not in self._customers:
            self._customers[customer_id] = self._repo.get_customer(customer_id)
        return self._customers[customer_id]

    def name(self, customer_id: str) -> str:
        customer = self.customer(customer_id)
        return customer.name if customer else customer_id

    def reminders(
        self, settings: TenantSettings, sent: Sequence[PlannedReminder], charged: Mapping[str, StepCharges] | None
    ) -> list[ReportedReminder]:
        """The sent reminders; ``charged`` holds what each charged and could not, by its business key."""
        told: set[str] = set()  # customers whose statement is listed already (one per run)
        return [
            self.reminder(
                settings, r, None if charged is None else charged.get(reminder_key_of(r, settings.tenant)), told
            )
            for r in by_customer_and_step(sent)
        ]

    def reminder(
        self,
        settings: TenantSettings,
        reminder: PlannedReminder,
        charges: StepCharges | None,
        statement_told: set[str],
    ) -> ReportedReminder:
        """A sent reminder as it went out: the channels that reach the customer, what was actually
        charged, and each action left out with its reason (a channel the customer cannot receive,
        a charge the Danish rules did not allow). The customer's statement is listed once per run."""
        customer = self.customer(reminder.key.customer_id)
        step = reminder.template.step(reminder.key.step_number)
        channels: list[str] = []
        charged: dict[str, Decimal] = {}
        skipped: list[SkippedAction] = []
        for action in step.action_kinds:
            if action == "statement":
                if reminder.key.customer_id in statement_told:
                    continue
                statement_told.add(reminder.key.customer_id)
            problem = _left_out(action, customer, settings, charges)
            if problem is not None:
                skipped.append(SkippedAction(action=action, reason=problem))  # type: ignore[arg-type]
                continue
            amount = _charged(action, step.fee, charges) if action in CHARGE_ACTIONS else None
            if amount is not None:
                charged[action] = amount
            channels.append(action)
        return ReportedReminder(
            customer_id=reminder.key.customer_id,
            customer_name=customer.name if customer else reminder.key.customer_id,
            step_name=reminder.step_name,
            template_version=reminder.template.version_id,
            invoice_ids=reminder.invoice_ids,
            open_total=reminder.open_total,
            channels=channels,  # type: ignore[arg-type]
            skipped=skipped,
            charges=charged,  # type: ignore[arg-type]
        )

    def proposals(self, proposed: Sequence[PlannedReminder]) -> list[ProposalLine]:
        return [
            ProposalLine(
                customer_id=p.key.customer_id,
                customer_name=self.name(p.key.customer_id),
                step_name=p.step_name,
                kind="collection" if p.is_case else "reminder",
                template_version=p.template.version_id,
                invoice_ids=p.invoice_ids,
                open_total=p.open_total,
            )
            for p in by_customer_and_step(proposed)
        ]

    def held_back(self, held_back: Sequence[HeldBack], run_date: date) -> list[HeldBackLine]:
        """The reminders the run held back and the invoices on hold because they are disputed, by
        customer (as the report lists reminders and proposals); a customer's disputes last."""
        lines = [
            HeldBackLine(
                customer_id=h.reminder.key.customer_id,
                customer_name=self.name(h.reminder.key.customer_id),
                step_name=h.reminder.step_name,
                invoice_ids=h.reminder.invoice_ids,
                reason=h.reason,
            )
            for h in held_back
        ]
        lines += self._disputes(run_date)
        return sorted(lines, key=lambda line: (line.customer_id, line.step_name == "–", line.step_name))

    def _disputes(self, run_date: date) -> list[HeldBackLine]:
        """Invoices on hold because the customer disputes them (renteloven § 9 b: no reminders meanwhile)."""
        lines = []
        for dispute in sorted(self._repo.disputes(), key=lambda d: (d["customer"], d["invoice"])):
            until = date.fromisoformat(dispute["until"])
            if until <= run_date:
                continue
            reason = (
                Reason("held_back.disputed", "disputed until resolved")
                if until == PARKED
                else Reason("held_back.disputed_until", f"disputed until {until.isoformat()}", until=until)
            )
            lines.append(
                HeldBackLine(
                    customer_id=dispute["customer"],
                    customer_name=self.name(dispute["customer"]),
                    step_name="–",
                    invoice_ids=[dispute["invoice"]],
                    reason=reason,
                )
            )
        return lines

    def excluded(self, excluded: Sequence[InvoiceState]) -> list[ExcludedLine]:
        """The due invoices of customers the tenant excluded, by customer."""
        by_customer: dict[str, list[str]] = {}
        for invoice in excluded:
            by_customer.setdefault(invoice.customer_id, []).append(invoice.invoice_id)
        return [
            ExcludedLine(customer_id=c, customer_name=self.name(c), invoice_ids=sorted(ids))
            for c, ids in sorted(by_customer.items())
        ]

    def money(self, housekeeping: Sequence[dict[str, Any]], kind: str) -> list[MoneyLine]:
        """The housekeeping effects of one ``kind`` (settlement, write_off, fee_reversal)."""
        return [
            MoneyLine(
                customer_id=e["customer"],
                customer_name=self.name(e["customer"]),
                invoice_ids=e["invoices"],
                amount=Decimal(e["amount"]),
            )
            for e in sorted(housekeeping, key=effect_sort_key)
            if e["kind"] == kind
        ]

    def cases(self, cases: Sequence[Mapping[str, Any]]) -> list[MoneyLine]:
        """The debt-collection cases handed over (``customer``, ``invoices``, ``amount``)."""
        return [
            MoneyLine(
                customer_id=c["customer"],
                customer_name=self.name(c["customer"]),
                invoice_ids=list(c["invoices"]),
                amount=Decimal(c["amount"]),
            )
            for c in sorted(cases, key=lambda c: c["customer"])
        ]

    def unconfirmed_sends(self, summary: RunSummary) -> list[UnconfirmedSendLine]:
        """Sends unconfirmed for longer than a day (or whose sender died): each waits for a decision."""
        lines = []
        for entry in self._sends_to_decide(run_moment(summary)):
            effect = entry.effect or {}
            customer_id = str(effect.get("customer") or "?")
            lines.append(
                UnconfirmedSendLine(
                    customer_id=customer_id,
                    customer_name=self.name(customer_id),
                    channel=entry.channel,
                    step_name=effect.get("step"),
                    state=entry.state,
                    since=entry.updated_at,
                    send_id=entry.send_id,
                )
            )
        return lines


def failures(summary: RunSummary, unconfirmed: list[UnconfirmedSendLine]) -> list[FailureLine]:
    """What went wrong in the run itself (a consumer's failure retries, then raises the DLQ alarm),
    and one line for the unconfirmed sends, so the report says so however it lists them."""
    lines = []
    if summary.lost_races:
        taken = (
            f"{summary.lost_races} reminder(s) were taken by another run at the same time and are not in this report"
        )
        lines.append(_counted("failure.concurrent_run", "concurrent run", taken, summary.lost_races))
    if summary.resent:
        resent = f"{summary.resent} message(s) an earlier run had committed were sent now"
        lines.append(_counted("failure.interrupted", "earlier run interrupted", resent, summary.resent))
    if unconfirmed:
        detail_text = (
            f"{len(unconfirmed)} e-mail/SMS may or may not have reached the customer; "
            "decide each with `dunning sends unconfirmed` and `dunning sends resolve`"
        )
        lines.append(FailureLine(what="unconfirmed sends", detail=detail_text))
    return lines


def _counted(code: str, what: str, detail: str, count: int) -> FailureLine:
    """A failure line whose detail counts what it concerns (the reasons' codes localise it)."""
    return FailureLine(what=Reason(code, what), detail=Reason(f"{code}.detail", detail, count=count))


def _left_out(
    action: str, customer: Customer | None, settings: TenantSettings, charges: StepCharges | None
) -> str | None:
    """Why an action of a sent reminder did not happen: a charge the rules did not allow, or a
    channel that does not reach the customer — the rule its consumer applies
    (:func:`~shared.domain.channels.unreachable`, an unusable phone number included)."""
    if charges is not None and action in charges.skipped:
        return charges.skipped[action]
    if action in CHARGE_ACTIONS:
        return None
    if customer is None:
        return Reason("customer.unknown", "unknown customer")
    return unreachable(action, customer, settings)


def _charged(action: str, step_fee: Decimal | None, charges: StepCharges | None) -> Decimal | None:
    """What a charging action put on the billing queue; without the run's decision, the step's fee."""
    if charges is None:
        return step_fee if action == "fee" else None
    return {"fee": charges.fee, "interest": charges.interest, "compensation": charges.compensation}[action]
