"""Telling the tenant: a stopped run (O4–O6) and the status report after a run (O8),
rendered in the tenant's language and sent with SES from the tenant's sender."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.channels import unreachable
from shared.domain.effects import effect_sort_key
from shared.domain.planning import HeldBack, InvoiceState, PlannedReminder
from shared.domain.reasons import Reason
from shared.domain.run_control import CheckOutcome
from shared.domain.settings import TenantSettings
from shared.rendering.reports import (
    ExcludedLine,
    FailureLine,
    HeldBackLine,
    JournalEntryLine,
    MoneyLine,
    ProposalLine,
    ReportedReminder,
    RunNotification,
    SkippedAction,
    StatusReport,
    UnconfirmedSendLine,
    render_notification,
    render_status_report,
)
from shared.services.charges import StepCharges
from shared.services.delivery import Mailer, mime_message
from shared.services.reminders import reminder_key_of
from shared.services.runs.summary import RunSummary
from shared.services.sends import needing_decision
from shared.storage.ledger import SendEntry, SendLedger
from shared.storage.repository import PARKED, Customer, DunningRepository

RUN_KINDS = {"scheduled": "scheduled", "manual": "manual", "resume": "resumed", "approval": "approval"}


def _failures(summary: RunSummary) -> list[FailureLine]:
    """What went wrong in the run itself; a consumer's failure retries, then raises the DLQ alarm."""
    failures = []
    if summary.lost_races:
        failures.append(
            FailureLine(
                what=Reason("failure.concurrent_run", "concurrent run"),
                detail=Reason(
                    "failure.concurrent_run.detail",
                    f"{summary.lost_races} reminder(s) were taken "
                    "by another run at the same time and are not in this report",
                    count=summary.lost_races,
                ),
            )
        )
    if summary.resent:
        failures.append(
            FailureLine(
                what=Reason("failure.interrupted", "earlier run interrupted"),
                detail=Reason(
                    "failure.interrupted.detail",
                    f"{summary.resent} message(s) an earlier run had committed were sent now",
                    count=summary.resent,
                ),
            )
        )
    return failures


CHARGE_ACTIONS = ("fee", "interest", "compensation")


def _channel_problem(action: str, customer: Customer | None, settings: TenantSettings) -> str | None:
    """Why a delivering action does not reach the customer — the rule its consumer applies
    (:func:`~shared.domain.channels.unreachable`, an unusable phone number included)."""
    if customer is None:
        return Reason("customer.unknown", "unknown customer")
    return unreachable(action, customer, settings)


def _report_time(summary: RunSummary) -> datetime:
    """The run's own time (its id is its ISO start), else the start of its business day."""
    try:
        return datetime.fromisoformat(summary.run_id.replace("Z", "+00:00"))
    except ValueError:
        return datetime.combine(date.fromisoformat(summary.run_date), datetime.min.time(), UTC)


def _unconfirmed_failure(unconfirmed: list[UnconfirmedSendLine]) -> list[FailureLine]:
    """One line among the failures, so the report says so however it renders the list itself."""
    if not unconfirmed:
        return []
    return [
        FailureLine(
            what="unconfirmed sends",
            detail=f"{len(unconfirmed)} e-mail/SMS may or may not have reached the customer; "
            "decide each with `dunning sends unconfirmed` and `dunning sends resolve`",
        )
    ]


class TenantMailReporter:
    """The scheduler's :class:`~shared.services.scheduling.Reporter`, e-mailing the tenant."""

    def __init__(
        self,
        repo: DunningRepository,
        mailer: Mailer,
        sender: str | None,
        sends_to_decide: Callable[[datetime], Sequence[SendEntry]] | None = None,
    ) -> None:
        self._repo = repo
        # The send ledger's entries waiting for an operator (injected in tests that have no table).
        self._sends_to_decide = sends_to_decide or (
            lambda now: needing_decision(SendLedger(repo, None, lambda: now), now)
        )
        self._customers: dict[str, Customer | None] = {}  # one read per customer per run (one reporter per run)
        self._mailer = mailer
        self._sender = sender

    def _customer(self, customer_id: str) -> Customer | None:
        if customer_id not in self._customers:
            self._customers[customer_id] = self._repo.get_customer(customer_id)
        return self._customers[customer_id]

    def _name(self, customer_id: str) -> str:
        customer = self._customer(customer_id)
        return customer.name if customer else customer_id

    def _reported(
        self,
        settings: TenantSettings,
        reminder: PlannedReminder,
        charges: StepCharges | None,
        statement_told: set[str],
    ) -> ReportedReminder:
        """A sent reminder as it went out: the channels that reach the customer, what was actually
        charged, and each action left out with its reason (a channel the customer cannot receive,
        a charge the Danish rules did not allow). The customer's statement is listed once per run."""
        customer = self._customer(reminder.key.customer_id)
        step = reminder.template.step(reminder.key.step_number)
        channels: list[str] = []
        charged: dict[str, Decimal] = {}
        skipped: list[SkippedAction] = []
        for action in step.action_kinds:
            if action == "statement":
                if reminder.key.customer_id in statement_told:
                    continue
                statement_told.add(reminder.key.customer_id)
            if charges is not None and action in charges.skipped:
                skipped.append(SkippedAction(action=action, reason=charges.skipped[action]))  # type: ignore[arg-type]
                continue
            if action in CHARGE_ACTIONS:
                amount = _charged(action, step.fee, charges)
                if amount is not None:
                    charged[action] = amount
                channels.append(action)
                continue
            problem = _channel_problem(action, customer, settings)
            if problem is None:
                channels.append(action)
            else:
                skipped.append(SkippedAction(action=action, reason=problem))  # type: ignore[arg-type]
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

    def _proposal_lines(self, proposed: list[PlannedReminder]) -> list[ProposalLine]:
        return [
            ProposalLine(
                customer_id=p.key.customer_id,
                customer_name=self._name(p.key.customer_id),
                step_name=p.step_name,
                kind="collection" if p.is_case else "reminder",
                template_version=p.template.version_id,
                invoice_ids=p.invoice_ids,
                open_total=p.open_total,
            )
            for p in sorted(proposed, key=lambda p: (p.key.customer_id, p.step_name))
        ]

    def proposals_waiting(
        self, settings: TenantSettings, summary: RunSummary, proposed: list[PlannedReminder]
    ) -> dict[str, Any] | None:
        """O9: tell the tenant that reminders (or collection cases) wait for approval."""
        if not settings.notify_to:
            return None
        cases = sum(1 for p in proposed if p.is_case)
        reason = Reason(
            "approval.pending",
            f"{len(proposed)} proposal(s) await approval"
            + (f", {cases} of them debt-collection case(s)" if cases else ""),
            count=len(proposed),
            cases=cases,
        )
        function = f"{settings.tenant}-dunning-scheduler"
        notification = RunNotification(
            tenant_name=settings.display_name,
            run_id=summary.run_id,
            run_date=date.fromisoformat(summary.run_date),
            language=settings.language,
            kind="approval_pending",
            # The e-mail speaks the tenant's language; the effect keeps the English reason.
            reason=reason,
            proposals=self._proposal_lines(proposed),
            resume_hint=f"dunning approve --all --function {function}",
            reject_hint=f"dunning reject --customer ID --function {function}",
        )
        message_id = self._send(settings, settings.notify_to, render_notification(notification))
        return {
            "date": summary.run_date,
            "kind": "notification",
            "to": settings.notify_to,
            "reason": str(reason),
            "_run": summary.tag,
            "_message_id": message_id,
        }

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
                    customer_name=self._name(dispute["customer"]),
                    step_name="–",
                    invoice_ids=[dispute["invoice"]],
                    reason=reason,
                )
            )
        return lines

    def _unconfirmed_sends(self, summary: RunSummary) -> list[UnconfirmedSendLine]:
        """Sends unconfirmed for longer than a day (or whose sender died): each waits for a decision."""
        entries = self._sends_to_decide(_report_time(summary))
        lines = []
        for entry in entries:
            effect = entry.effect or {}
            customer_id = str(effect.get("customer") or "?")
            lines.append(
                UnconfirmedSendLine(
                    customer_id=customer_id,
                    customer_name=self._name(customer_id),
                    channel=entry.channel,
                    step_name=effect.get("step"),
                    state=entry.state,
                    since=entry.updated_at,
                    send_id=entry.send_id,
                )
            )
        return lines

    def _send(self, settings: TenantSettings, to: str, rendered: Any) -> str:
        if not self._sender:
            raise RuntimeError("SENDER_EMAIL is not set for the scheduler; the tenant cannot be told")
        return self._mailer.send(self._sender, to, mime_message(settings.display_name, self._sender, to, rendered))

    def run_stopped(
        self,
        settings: TenantSettings,
        summary: RunSummary,
        outcome: CheckOutcome,
        journal_entries: list[dict[str, Any]],
    ) -> dict[str, Any] | None:
        if not settings.notify_to:
            return None
        paused = outcome.status == "paused"
        notification = RunNotification(
            tenant_name=settings.display_name,
            run_id=summary.run_id,
            run_date=date.fromisoformat(summary.run_date),
            language=settings.language,
            kind="paused" if paused else "aborted",
            reason=outcome.reason,
            problems=list(outcome.problems),
            journal_entries=[
                JournalEntryLine(
                    journal=e["journal"], customer_id=e["customer"], amount=Decimal(e["amount"]), text=e.get("text", "")
                )
                for e in journal_entries
            ]
            if paused
            else [],
            resume_hint=f"dunning resume {summary.run_id} --function {settings.tenant}-dunning-scheduler"
            if paused
            else None,
        )
        message_id = self._send(settings, settings.notify_to, render_notification(notification))
        return {
            "date": summary.run_date,
            "kind": "notification",
            "to": settings.notify_to,
            "reason": str(outcome.reason),
            "_run": summary.tag,
            "_message_id": message_id,
        }

    def run_report(
        self,
        settings: TenantSettings,
        summary: RunSummary,
        sent: list[PlannedReminder],
        held_back: list[HeldBack],
        excluded: list[InvoiceState],
        housekeeping: list[dict[str, Any]],
        proposed: list[PlannedReminder],
        charged: Mapping[str, StepCharges] | None = None,
        cases: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any] | None:
        """O8: what the run (or an approval) did, in the tenant's language. ``charged`` holds what
        each sent reminder charged and could not, by its business key (reminder_key_of); ``cases``
        the debt-collection cases an approval handed over (``customer``, ``invoices``, ``amount``)."""
        if not settings.status_report_to:
            return None
        told: set[str] = set()
        reminders = sorted(sent, key=lambda r: (r.key.customer_id, r.step_name))
        excluded_by_customer: dict[str, list[str]] = {}
        for invoice in excluded:
            excluded_by_customer.setdefault(invoice.customer_id, []).append(invoice.invoice_id)

        def money_lines(kind: str) -> list[MoneyLine]:
            return [
                MoneyLine(
                    customer_id=e["customer"],
                    customer_name=self._name(e["customer"]),
                    invoice_ids=e["invoices"],
                    amount=Decimal(e["amount"]),
                )
                for e in sorted(housekeeping, key=effect_sort_key)
                if e["kind"] == kind
            ]

        unconfirmed = self._unconfirmed_sends(summary)
        report = StatusReport(
            tenant_name=settings.display_name,
            run_id=summary.run_id,
            run_date=date.fromisoformat(summary.run_date),
            language=settings.language,
            run_kind=RUN_KINDS[summary.kind],  # type: ignore[arg-type]
            reminders=[
                self._reported(
                    settings,
                    r,
                    None if charged is None else charged.get(reminder_key_of(r, settings.tenant)),
                    told,
                )
                for r in reminders
            ],
            held_back=[
                HeldBackLine(
                    customer_id=h.reminder.key.customer_id,
                    customer_name=self._name(h.reminder.key.customer_id),
                    step_name=h.reminder.step_name,
                    invoice_ids=h.reminder.invoice_ids,
                    reason=h.reason,
                )
                for h in held_back
            ]
            + self._disputes(date.fromisoformat(summary.run_date)),
            excluded=[
                ExcludedLine(customer_id=c, customer_name=self._name(c), invoice_ids=sorted(ids))
                for c, ids in sorted(excluded_by_customer.items())
            ],
            settlements=money_lines("settlement"),
            write_offs=money_lines("write_off"),
            fee_reversals=money_lines("fee_reversal"),
            cases=[
                MoneyLine(
                    customer_id=c["customer"],
                    customer_name=self._name(c["customer"]),
                    invoice_ids=list(c["invoices"]),
                    amount=Decimal(c["amount"]),
                )
                for c in sorted(cases, key=lambda c: c["customer"])
            ],
            failures=_failures(summary) + _unconfirmed_failure(unconfirmed),
            proposals=self._proposal_lines(proposed),
            unconfirmed_sends=unconfirmed,
        )
        message_id = self._send(settings, settings.status_report_to, render_status_report(report))
        return {
            "date": summary.run_date,
            "kind": "report",
            "to": settings.status_report_to,
            "reminders": [{"customer": r.key.customer_id, "step": r.step_name} for r in reminders],
            "proposals": [
                {"customer": p.key.customer_id, "step": p.step_name}
                for p in sorted(proposed, key=lambda p: (p.key.customer_id, p.step_name))
            ],
            **(
                {"cases": [{"customer": c["customer"]} for c in sorted(cases, key=lambda c: c["customer"])]}
                if cases
                else {}
            ),
            "_run": summary.tag,
            "_message_id": message_id,
        }


def _charged(action: str, step_fee: Decimal | None, charges: StepCharges | None) -> Decimal | None:
    """What a charging action put on the billing queue; without the run's decision, the step's fee."""
    if charges is None:
        return step_fee if action == "fee" else None
    return {"fee": charges.fee, "interest": charges.interest, "compensation": charges.compensation}[action]
