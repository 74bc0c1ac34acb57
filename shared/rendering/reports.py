"""E-mails to the tenant about its own reminder runs: the status report and run notifications.

:class:`StatusReport` says what one run did (reminders sent, proposals awaiting approval,
reminders held back below the de-minimis limit, excluded customers, settlements, write-offs,
fee reversals, failures). :class:`RunNotification` says that a run stopped, paused or waits
for approval, why, and exactly how to continue; one waiting for approval lists its proposals
(:class:`ProposalLine`: reminders and debt-collection cases) and how to approve or reject them.

Both render through the reminder e-mail's sandboxed environment and templates in
``shared/templates/email`` (``status_report_*``, ``notification_*``), one set per language.
As there, the templates only place values: amounts and dates arrive formatted, and the
plain-text tables arrive aligned by :func:`~shared.rendering.tenant_mail.text_table`, called from the template so the
column headers stay with the rest of the wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.reasons import ReasonText
from shared.rendering.email import RenderedEmail, _single_line
from shared.rendering.formatting import Language, format_date, format_money
from shared.rendering.reasons import say
from shared.rendering.tenant_mail import ACTION_NAMES, Action, render_tenant_email, text_table

RunKind = Literal["scheduled", "manual", "resumed", "approval"]
NotificationKind = Literal["aborted", "paused", "approval_pending"]
ProposalKind = Literal["reminder", "collection"]

# What an aborted run tells the tenant to start the run again with, once the problems are fixed.
RUN_NOW_COMMAND = "dunning run-now"

# How a proposal that hands a customer to debt collection is marked in the proposals' tables.
_CASE_MARK: dict[Language, str] = {"da": "inkassosag", "en": "debt collection"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class SkippedAction(_Frozen):
    """An action of a reminder's step that was not carried out, and why."""

    action: Action
    reason: ReasonText = Field(description="Why; a coded reason is shown in the report's language")


class ReportedReminder(_Frozen):
    """One consolidated reminder (one customer, one step) the run sent."""

    customer_id: str = Field(min_length=1)
    customer_name: str = Field(min_length=1)
    step_name: str = Field(min_length=1)
    template_version: str = Field(min_length=1)
    invoice_ids: list[str] = Field(min_length=1)
    open_total: Decimal = Field(description="What is unpaid across the reminder's invoices, DKK")
    channels: list[Action] = Field(description="The actions carried out, e.g. ['email', 'fee']")
    skipped: list[SkippedAction] = Field(default_factory=list)
    charges: dict[Action, Decimal] = Field(
        default_factory=dict, description="What the charging channels actually charged, e.g. {'fee': 100.00}"
    )


class ProposalLine(_Frozen):
    """A reminder, or a debt-collection case, that a run proposed and that waits for approval (O9, O14)."""

    customer_id: str = Field(min_length=1)
    customer_name: str = Field(min_length=1)
    step_name: str = Field(min_length=1, description="The reminder step's name, or 'Inkasso' for a case")
    kind: ProposalKind
    template_version: str = Field(min_length=1)
    invoice_ids: list[str] = Field(min_length=1)
    open_total: Decimal = Field(description="What is unpaid across the proposal's invoices, DKK")


class HeldBackLine(_Frozen):
    """A reminder that was due but not sent because the amount is below the de-minimis limit."""

    customer_id: str = Field(min_length=1)
    customer_name: str = Field(min_length=1)
    step_name: str = Field(min_length=1)
    invoice_ids: list[str]
    reason: ReasonText


class ExcludedLine(_Frozen):
    """A customer the tenant has excluded from dunning, with the invoices it would have covered."""

    customer_id: str = Field(min_length=1)
    customer_name: str = Field(min_length=1)
    invoice_ids: list[str]


class MoneyLine(_Frozen):
    """A settlement, write-off or fee reversal for one customer."""

    customer_id: str = Field(min_length=1)
    customer_name: str = Field(min_length=1)
    invoice_ids: list[str]
    amount: Decimal = Field(description="DKK")


class FailureLine(_Frozen):
    """Something the run could not do."""

    what: ReasonText
    detail: ReasonText


class UnconfirmedSendLine(_Frozen):
    """An e-mail or SMS whose outcome is not known after a day: the operator decides (sent / resend)."""

    customer_id: str = Field(min_length=1)
    customer_name: str
    channel: str = Field(description="email, sms or collection")
    step_name: str | None = None
    state: str = Field(description="unconfirmed, failed (the provider did not deliver) or claimed (sender died)")
    since: str | None = Field(default=None, description="ISO time it became so")
    send_id: str = Field(description="`dunning sends resolve <send_id> --sent|--resend`")


class RunTotals(_Frozen):
    """The counts of a fanned-out run, whose report states them instead of listing every reminder."""

    reminders: int = Field(ge=0)
    proposals: int = Field(ge=0)
    held_back: int = Field(ge=0)
    shards: int = Field(ge=1, description="Due-index shards the run was split over")


class StatusReport(_Frozen):
    """What one run of one tenant did. Every list is shown in the order given."""

    tenant_name: str = Field(min_length=1)
    language: Language = "da"
    run_id: str = Field(min_length=1)
    run_date: date = Field(description="The run's business date in the tenant's time zone")
    run_kind: RunKind
    reminders: list[ReportedReminder] = Field(default_factory=list)
    proposals: list[ProposalLine] = Field(default_factory=list, description="Filed for approval, not sent")
    held_back: list[HeldBackLine] = Field(default_factory=list)
    excluded: list[ExcludedLine] = Field(default_factory=list)
    settlements: list[MoneyLine] = Field(default_factory=list)
    write_offs: list[MoneyLine] = Field(default_factory=list)
    fee_reversals: list[MoneyLine] = Field(default_factory=list)
    cases: list[MoneyLine] = Field(default_factory=list, description="Debt-collection cases handed over (O14)")
    failures: list[FailureLine] = Field(default_factory=list)
    unconfirmed_sends: list[UnconfirmedSendLine] = Field(
        default_factory=list, description="Sends waiting for an operator's decision (the send ledger)"
    )
    console_link: str | None = Field(default=None, description="The run's page in the operator console (signed)")
    totals: RunTotals | None = Field(
        default=None, description="A fanned-out run: its counts; its reminders are on the console's run page"
    )
    interrupted: int = Field(
        default=0,
        ge=0,
        description="Reminders an interrupted earlier attempt of this run committed: counted, not listed "
        "(they are on the console's run page)",
    )


class JournalEntryLine(_Frozen):
    """An entry in the tenant's bookkeeping journal that is not yet posted."""

    journal: str = Field(min_length=1, description="The journal's name or number")
    customer_id: str = Field(min_length=1)
    amount: Decimal = Field(description="DKK")
    text: str


class RunNotification(_Frozen):
    """A run that did not finish: aborted, paused, or waiting for approval."""

    tenant_name: str = Field(min_length=1)
    language: Language = "da"
    run_id: str = Field(min_length=1)
    run_date: date
    kind: NotificationKind
    reason: ReasonText = Field(description="One line: why the run stopped; also the subject's tail")
    problems: list[ReasonText] = Field(default_factory=list, description="E.g. unknown ids, inactive bank connections")
    journal_entries: list[JournalEntryLine] = Field(default_factory=list, description="Unposted entries of a pause")
    resume_hint: str | None = Field(
        default=None, description="The command or URL that resumes (or approves) the run, e.g. 'dunning resume …'"
    )
    fix_hint: str | None = Field(default=None, description="How to fix the problems, in the tenant's language")
    proposals: list[ProposalLine] = Field(default_factory=list, description="What waits for approval")
    reject_hint: str | None = Field(
        default=None, description="The command or URL that rejects the proposals, e.g. 'dunning reject --all …'"
    )

    @model_validator(mode="after")
    def _proposals_only_await_approval(self) -> RunNotification:
        # An aborted or paused run has nothing to approve; proposals there would be a caller's mix-up.
        if self.kind != "approval_pending" and (self.proposals or self.reject_hint):
            raise ValueError(f"proposals and reject_hint belong to an approval_pending notification, not {self.kind!r}")
        return self


def _ids(invoice_ids: Sequence[str]) -> str:
    return ", ".join(_single_line(invoice_id) for invoice_id in invoice_ids) or "–"


def _customer(customer_id: str, customer_name: str) -> dict[str, str]:
    # Names are collapsed to one line so a stray newline cannot break the text part's columns.
    name, cid = _single_line(customer_name), _single_line(customer_id)
    return {"customer_name": name, "customer_id": cid, "customer": f"{name} ({cid})"}


def _money_rows(lines: Sequence[MoneyLine], language: Language) -> dict[str, Any]:
    return {
        "rows": [
            {
                **_customer(line.customer_id, line.customer_name),
                "invoices": _ids(line.invoice_ids),
                "amount": format_money(line.amount, language),
            }
            for line in lines
        ],
        "total": format_money(sum((line.amount for line in lines), Decimal("0")), language),
    }


def _proposal_rows(proposals: Sequence[ProposalLine], language: Language) -> dict[str, Any]:
    rows = []
    for proposal in proposals:
        step = _single_line(proposal.step_name)
        case_mark = _CASE_MARK[language] if proposal.kind == "collection" else None
        step_and_version = f"{step} ({proposal.template_version})"
        rows.append(
            {
                **_customer(proposal.customer_id, proposal.customer_name),
                "step": step,
                "template_version": proposal.template_version,
                "case_mark": case_mark,
                # The text part has no badge: the mark goes into the step column.
                "step_and_version": f"{step_and_version} – {case_mark}" if case_mark else step_and_version,
                "invoices": _ids(proposal.invoice_ids),
                "open_total": format_money(proposal.open_total, language),
            }
        )
    return {
        "rows": rows,
        "total": format_money(sum((p.open_total for p in proposals), Decimal("0")), language),
        "reminders": sum(1 for p in proposals if p.kind == "reminder"),
        "cases": sum(1 for p in proposals if p.kind == "collection"),
    }


def _report_context(report: StatusReport) -> dict[str, Any]:
    """The values the status-report templates see: strings and counts, all formatted."""
    language = report.language
    actions = ACTION_NAMES[language]
    return {
        "lang": language,
        "tenant_name": report.tenant_name,
        "run_id": report.run_id,
        "console_link": _resume_link(report.console_link),
        "run_date": format_date(report.run_date, language),
        "run_kind": report.run_kind,
        "totals": report.totals.model_dump() if report.totals else None,
        "interrupted": report.interrupted,
        "reminders": [
            {
                **_customer(reminder.customer_id, reminder.customer_name),
                "step": _single_line(reminder.step_name),
                "template_version": reminder.template_version,
                "step_and_version": f"{_single_line(reminder.step_name)} ({reminder.template_version})",
                "invoices": _ids(reminder.invoice_ids),
                "open_total": format_money(reminder.open_total, language),
                "channels": ", ".join(
                    actions[channel]
                    + (f" {format_money(reminder.charges[channel], language)}" if channel in reminder.charges else "")
                    for channel in reminder.channels
                )
                or "–",
                "skipped": [
                    {"action": actions[skipped.action], "reason": _single_line(say(skipped.reason, language))}
                    for skipped in reminder.skipped
                ],
            }
            for reminder in report.reminders
        ],
        "reminders_total": format_money(sum((r.open_total for r in report.reminders), Decimal("0")), language),
        "proposals": _proposal_rows(report.proposals, language),
        "held_back": [
            {
                **_customer(line.customer_id, line.customer_name),
                "step": _single_line(line.step_name),
                "invoices": _ids(line.invoice_ids),
                "reason": _single_line(say(line.reason, language)),
            }
            for line in report.held_back
        ],
        "excluded": [
            {**_customer(line.customer_id, line.customer_name), "invoices": _ids(line.invoice_ids)}
            for line in report.excluded
        ],
        "settlements": _money_rows(report.settlements, language),
        "write_offs": _money_rows(report.write_offs, language),
        "fee_reversals": _money_rows(report.fee_reversals, language),
        "cases": _money_rows(report.cases, language),
        "failures": [
            {"what": _single_line(say(f.what, language)), "detail": _single_line(say(f.detail, language))}
            for f in report.failures
        ],
        "columns": text_table,
    }


def render_status_report(report: StatusReport) -> RenderedEmail:
    """Render the status report of one run in the tenant's language.

    The subject names the run date and how many reminders were sent (and how many proposals
    wait for approval, and failures, if any). The body has a summary line of counts and one
    table per non-empty section; empty sections are left out. Every value is escaped in the
    HTML part.
    """
    return render_tenant_email("status_report", report.language, _report_context(report))


def _resume_link(hint: str | None) -> str | None:
    # Only a web address becomes a link; anything else (a command) is shown as code. A
    # "javascript:" or other scheme never reaches an href.
    if hint is not None and hint.startswith(("https://", "http://")):
        return hint
    return None


def _notification_context(notification: RunNotification) -> dict[str, Any]:
    language = notification.language
    resume_hint = _single_line(notification.resume_hint) if notification.resume_hint else None
    reject_hint = _single_line(notification.reject_hint) if notification.reject_hint else None
    return {
        "lang": language,
        "tenant_name": notification.tenant_name,
        "run_id": notification.run_id,
        "run_date": format_date(notification.run_date, language),
        "kind": notification.kind,
        "reason": _single_line(say(notification.reason, language)),
        # "2 forslag venter på godkendelse" says the kind itself: the subject does not say it twice.
        "reason_says_kind": getattr(notification.reason, "code", None) == "approval.pending",
        "problems": [_single_line(say(problem, language)) for problem in notification.problems],
        "journal_entries": [
            {
                "journal": _single_line(entry.journal),
                "customer_id": _single_line(entry.customer_id),
                "amount": format_money(entry.amount, language),
                "text": _single_line(entry.text),
            }
            for entry in notification.journal_entries
        ],
        "resume_hint": resume_hint,
        "resume_link": _resume_link(resume_hint),
        "reject_hint": reject_hint,
        "reject_link": _resume_link(reject_hint),
        # The console's approvals page both approves and rejects: one link, said once.
        "one_link": bool(resume_hint) and resume_hint == reject_hint and bool(_resume_link(resume_hint)),
        "proposals": _proposal_rows(notification.proposals, language),
        "fix_hint": notification.fix_hint,
        # After an abort the hint (when given) is the console's overview with its start button.
        "run_now_command": resume_hint if notification.kind == "aborted" and resume_hint else RUN_NOW_COMMAND,
        "run_now_link": _resume_link(resume_hint) if notification.kind == "aborted" else None,
        "columns": text_table,
    }


def render_notification(notification: RunNotification) -> RenderedEmail:
    """Render the notice that a run was aborted, paused or waits for approval.

    The body says what happened and why, lists every problem and every unposted journal
    entry, and says exactly how to continue: after an abort, fix and start the run again
    with :data:`RUN_NOW_COMMAND`; after a pause, the resume hint, or else post the entries
    and wait for the next run; for an approval, its proposals with their total, the hint that
    approves them and the one that rejects them.
    """
    return render_tenant_email("notification", notification.language, _notification_context(notification))
