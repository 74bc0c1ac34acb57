"""One scheduler run: find what is due, commit each reminder, send its messages.

Why nothing is lost or sent twice:

1. Each consolidated reminder is *committed* in one DynamoDB transaction: its
   invoices advance (each only from the step it was read at) and its messages
   are filed in an outbox item. Two runs at once cannot both commit an invoice.
2. Then the messages go to SQS, and the outbox items are cleared.
3. A run that stopped between 1 and 2 left outbox items; the next run sends
   them first. Their business keys are unchanged, so a consumer that already
   did the work recognises a message it has seen.
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

# One transaction holds the outbox item and one update per invoice: at most 100 items.
MAX_INVOICES_PER_REMINDER = 99


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
    resent: int = 0
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
    summary.resent = _send_pending_outbox(repo, sink)
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

    committed: dict[str, list[ActionMessage]] = {}
    for reminder in plan.send:
        for part in _transaction_sized(reminder):
            messages = _messages_for(part, settings.tenant, summary)
            key = reminder_key(
                settings.tenant,
                part.key.customer_id,
                part.template.version_id,
                part.key.step_number,
                part.invoice_ids,
                "reminder",
            )
            advances = [
                (invoice, run_date, _following_step(invoice, part.template, run_date, respite))
                for invoice in part.invoices
            ]
            if repo.commit_reminder(key, summary.run_id, [m.model_dump_json() for m in messages], advances):
                committed[key] = messages
                summary.reminders += 1
                summary.invoices_advanced += len(part.invoices)
            else:
                summary.lost_races += 1
    outgoing = [message for messages in committed.values() for message in messages]
    sink.send(outgoing)
    summary.messages = len(outgoing)
    repo.clear_outbox(list(committed))
    _record_run(repo, summary)
    return summary


def _send_pending_outbox(repo: DunningRepository, sink: MessageSink) -> int:
    """Send what an earlier run committed but may not have sent (it stopped in between).

    The messages keep their business keys, so a consumer that already did the
    work recognises them; nothing is lost and nothing happens twice.
    """
    pending = repo.pending_outbox()
    if not pending:
        return 0
    sink.send(ActionMessage.model_validate_json(body) for _, bodies in pending for body in bodies)
    repo.clear_outbox([key for key, _ in pending])
    return sum(len(bodies) for _, bodies in pending)


def _transaction_sized(reminder: PlannedReminder) -> list[PlannedReminder]:
    """A reminder and its invoice updates must fit one DynamoDB transaction (100 items)."""
    if len(reminder.invoices) <= MAX_INVOICES_PER_REMINDER:
        return [reminder]
    return [
        PlannedReminder(
            key=reminder.key,
            template=reminder.template,
            invoices=reminder.invoices[start : start + MAX_INVOICES_PER_REMINDER],
        )
        for start in range(0, len(reminder.invoices), MAX_INVOICES_PER_REMINDER)
    ]


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
