"""Telling the tenant: a stopped run (O4–O6) and the status report after a run (O8),
rendered in the tenant's language and sent with SES from the tenant's sender. The report's
lines are built by :mod:`shared.services.report_lines`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.console.links import console_link, run_page
from shared.domain.planning import HeldBack, InvoiceState, PlannedReminder
from shared.domain.reasons import Reason
from shared.domain.run_control import CheckOutcome
from shared.domain.settings import TenantSettings
from shared.rendering.reports import (
    JournalEntryLine,
    RunNotification,
    RunTotals,
    StatusReport,
    render_notification,
    render_status_report,
)
from shared.services.charges import StepCharges
from shared.services.delivery import Mailer, mime_message
from shared.services.report_lines import ReportLines, by_customer_and_step, failures
from shared.services.runs.summary import RunSummary, run_moment
from shared.services.sends import needing_decision
from shared.storage.ledger import SendEntry, SendLedger
from shared.storage.repository import DunningRepository

RUN_KINDS = {"scheduled": "scheduled", "manual": "manual", "resume": "resumed", "approval": "approval"}


class TenantMailReporter:
    """The scheduler's :class:`~shared.services.runs.summary.Reporter`, e-mailing the tenant."""

    def __init__(
        self,
        repo: DunningRepository,  # not a Store: the send ledger lives on the same DynamoDB table
        mailer: Mailer,
        sender: str | None,
        sends_to_decide: Callable[[datetime], Sequence[SendEntry]] | None = None,
    ) -> None:
        # The send ledger's entries waiting for an operator (injected in tests that have no table).
        to_decide = sends_to_decide or (lambda now: needing_decision(SendLedger(repo, None, lambda: now), now))
        self._lines = ReportLines(repo, to_decide)  # one reporter per run: each customer read once
        self._mailer = mailer
        self._sender = sender

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
        notification = RunNotification(
            tenant_name=settings.display_name,
            run_id=summary.run_id,
            run_date=date.fromisoformat(summary.run_date),
            language=settings.language,
            kind="approval_pending",
            # The e-mail speaks the tenant's language; the effect keeps the English reason.
            reason=reason,
            proposals=self._lines.proposals(proposed),
            resume_hint=console_link("/approvals", run_moment(summary)) or "dunning approve --all",
            reject_hint=console_link("/approvals", run_moment(summary)) or "dunning reject --customer ID",
        )
        message_id = self._send(settings, settings.notify_to, render_notification(notification))
        return _notification_effect(summary, settings.notify_to, str(reason), message_id)

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
            # The console's page of the run (its entries and "Genoptag"; after an abort, the overview's
            # start button), else the CLI command of a stack without a console.
            resume_hint=(
                console_link(run_page(summary.run_id), run_moment(summary)) or f"dunning resume {summary.run_id}"
            )
            if paused
            else console_link("/", run_moment(summary)),
        )
        message_id = self._send(settings, settings.notify_to, render_notification(notification))
        return _notification_effect(summary, settings.notify_to, str(outcome.reason), message_id)

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
        totals: Mapping[str, int] | None = None,
        interrupted: int = 0,
    ) -> dict[str, Any] | None:
        """O8: what the run (or an approval) did, in the tenant's language. ``charged`` holds what
        each sent reminder charged and could not, by its business key (reminder_key_of); ``cases``
        the debt-collection cases an approval handed over (``customer``, ``invoices``, ``amount``).
        ``totals`` (``reminders``, ``proposals``, ``held_back``, ``shards``): a fanned-out run's
        counts, stated instead of lists (its reminders are on the console's run page). ``interrupted``:
        reminders an earlier attempt of this run committed before it died (counted, not in ``sent``)."""
        if not settings.status_report_to:
            return None
        lines = self._lines
        unconfirmed = lines.unconfirmed_sends(summary)
        run_date = date.fromisoformat(summary.run_date)
        report = StatusReport(
            console_link=console_link(run_page(summary.run_id), run_moment(summary)),
            tenant_name=settings.display_name,
            run_id=summary.run_id,
            run_date=run_date,
            language=settings.language,
            run_kind=RUN_KINDS[summary.kind],  # type: ignore[arg-type]
            reminders=lines.reminders(settings, sent, charged),
            held_back=lines.held_back(held_back, run_date),
            excluded=lines.excluded(excluded),
            settlements=lines.money(housekeeping, "settlement"),
            write_offs=lines.money(housekeeping, "write_off"),
            fee_reversals=lines.money(housekeeping, "fee_reversal"),
            cases=lines.cases(cases),
            failures=failures(summary, unconfirmed),
            proposals=lines.proposals(proposed),
            unconfirmed_sends=unconfirmed,
            totals=RunTotals(**totals) if totals else None,
            interrupted=interrupted,
        )
        message_id = self._send(settings, settings.status_report_to, render_status_report(report))
        return _report_effect(summary, settings.status_report_to, sent, proposed, cases, message_id)


def _report_effect(
    summary: RunSummary,
    to: str,
    sent: Sequence[PlannedReminder],
    proposed: Sequence[PlannedReminder],
    cases: Sequence[Mapping[str, Any]],
    message_id: str,
) -> dict[str, Any]:
    """The effect a status report leaves: to whom, and which reminders, proposals and cases it listed."""
    listed_cases = [{"customer": c["customer"]} for c in sorted(cases, key=lambda c: c["customer"])]
    return {
        "date": summary.run_date,
        "kind": "report",
        "to": to,
        "reminders": [{"customer": r.key.customer_id, "step": r.step_name} for r in by_customer_and_step(sent)],
        "proposals": [{"customer": p.key.customer_id, "step": p.step_name} for p in by_customer_and_step(proposed)],
        **({"cases": listed_cases} if cases else {}),
        "_run": summary.tag,
        "_message_id": message_id,
    }


def _notification_effect(summary: RunSummary, to: str, reason: str, message_id: str) -> dict[str, Any]:
    """The effect a notification to the tenant leaves: to whom and why."""
    return {
        "date": summary.run_date,
        "kind": "notification",
        "to": to,
        "reason": reason,
        "_run": summary.tag,
        "_message_id": message_id,
    }
