"""One scheduler run: find what is due, send one message per action, advance the invoices.

The order of the steps is what makes it safe to repeat. Messages are sent
*before* the invoices advance, so a crash in between means the next run sends
the same messages again — with the same business keys, which the consumers
have already seen — instead of losing a reminder. An invoice advances only
from the step it was read at (a conditional write), so two runs at once
cannot both move it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Protocol

from shared.domain.effects import run_effect
from shared.domain.planning import InvoiceState, PlannedReminder, next_step_on, plan_reminders
from shared.domain.templates import TemplateVersion
from shared.messages import ActionMessage, InvoiceLine, reminder_key
from shared.storage.repository import DunningRepository


class MessageSink(Protocol):
    def send(self, messages: Iterable[ActionMessage]) -> int: ...


class TenantNotConfigured(RuntimeError):
    """The tenant has no settings item yet."""


@dataclass
class RunSummary:
    run_id: str
    run_date: str
    status: str
    reason: str | None = None
    reminders: int = 0
    messages: int = 0
    invoices_advanced: int = 0
    held_back: int = 0
    lost_races: int = 0
    by_action: dict[str, int] = field(default_factory=dict)


def run_id_for(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_due_reminders(repo: DunningRepository, sink: MessageSink, now: datetime) -> RunSummary:
    """Run the reminder flow once, as of ``now`` (an aware datetime taken from the event)."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    settings = repo.get_settings()
    if settings is None:
        raise TenantNotConfigured("no tenant settings stored; load the tenant's settings first")
    run_date = now.astimezone(settings.zone).date()
    summary = RunSummary(run_id=run_id_for(now), run_date=run_date.isoformat(), status="completed")
    if not settings.reminders_enabled:
        summary.status, summary.reason = "skipped", "reminders are switched off (settings.reminders_enabled)"
        _record_run(repo, summary)
        return summary

    candidates = list(repo.due_invoices(run_date))
    templates = {version: repo.get_template(version) for version in {c.template_version for c in candidates}}
    respite = settings.min_days_between_reminders
    plan = plan_reminders(candidates, templates, run_date, respite, settings.min_overdue_amount)
    for invoice in plan.not_yet_due:  # filed under an older date (e.g. respite grew): move it
        repo.refile_invoice(invoice, next_step_on(invoice, templates[invoice.template_version], respite))
    summary.held_back = len(plan.held_back)

    for version in {reminder.template.version_id for reminder in plan.send}:
        if not templates[version].used:
            repo.mark_template_used(version)

    messages = [message for reminder in plan.send for message in _messages_for(reminder, settings.tenant, summary)]
    sink.send(messages)
    summary.reminders, summary.messages = len(plan.send), len(messages)

    for reminder in plan.send:
        for invoice in reminder.invoices:
            if repo.advance_invoice(invoice, run_date, _following_step(invoice, reminder.template, run_date, respite)):
                summary.invoices_advanced += 1
            else:
                summary.lost_races += 1
    _record_run(repo, summary)
    return summary


def _following_step(invoice: InvoiceState, template: TemplateVersion, run_date: date, respite: int) -> date | None:
    """When the step after the one taken today becomes due."""
    advanced = replace(invoice, steps_done=invoice.steps_done + 1, last_step_on=run_date)
    return next_step_on(advanced, template, respite)


def _messages_for(reminder: PlannedReminder, tenant: str, summary: RunSummary) -> list[ActionMessage]:
    """One message per action of the reminder's step, each with its business key."""
    step = reminder.template.step(reminder.key.step_number)
    lines = [
        InvoiceLine(invoice_id=i.invoice_id, amount=i.amount, open_amount=i.open_amount, issued=i.issued, due=i.due)
        for i in reminder.invoices
    ]
    messages = []
    for action in step.action_kinds:
        message = ActionMessage(
            idempotency_key=reminder_key(
                tenant,
                reminder.key.customer_id,
                reminder.template.version_id,
                reminder.key.step_number,
                reminder.invoice_ids,
                action,
            ),
            tenant=tenant,
            run_id=summary.run_id,
            run_date=summary.run_date,  # type: ignore[arg-type]
            action=action,  # type: ignore[arg-type]
            customer_id=reminder.key.customer_id,
            template_version=reminder.template.version_id,
            step_name=step.name,
            step_number=reminder.key.step_number,
            step_count=reminder.template.step_count,
            invoices=lines,
            step_fee=step.fee,
        )
        summary.by_action[action] = summary.by_action.get(action, 0) + 1
        messages.append(message)
    return messages


def _record_run(repo: DunningRepository, summary: RunSummary) -> None:
    repo.record_effect(
        run_effect(
            date.fromisoformat(summary.run_date),
            summary.run_id,
            summary.status,
            summary.reason,
            reminders=summary.reminders,
            held_back=summary.held_back,
        ),
        key=summary.run_id,
    )
