"""What one reminder becomes when it is committed: its business key, a message per action of
its step, how each of its invoices advances, and the payment reference it is filed under.

Pure building (plus the one effect that records a charge the rules did not allow); the run
and the approval commit it through :mod:`shared.services.commit`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.effects import planned_effect
from shared.domain.money import money_text
from shared.domain.planning import WARNING_DAYS, CustomerSeen, InvoiceState, PlannedReminder, next_step_on
from shared.domain.settings import TenantSettings
from shared.messages import (
    ActionMessage,
    ChargeLine,
    Contact,
    InvoiceLine,
    QueueMessage,
    StatementMessage,
    reminder_key,
    statement_key,
)
from shared.services.charges import Seen, StepCharges, after
from shared.storage.protocols import Store
from shared.storage.records import Advance


def reminder_key_of(reminder: PlannedReminder, tenant: str, what: str = "reminder") -> str:
    """The business key of a consolidated reminder (its outbox item), or of one of its actions."""
    return reminder_key(
        tenant,
        reminder.key.customer_id,
        reminder.template.version_id,
        reminder.key.step_number,
        reminder.invoice_ids,
        what,
    )


def advances_for(
    reminder: PlannedReminder,
    on: date,
    respite: int,
    collection_after_days: int | None,
    charges: StepCharges,
    seen: Seen | None = None,
) -> list[Advance]:
    """How each invoice of a reminder moves when its step happens on ``on``, with what it was charged;
    each carries from now on the snapshots ``seen`` (which the commit verifies) — its arrears period
    with this step's charge in it."""
    template = reminder.template
    number = reminder.key.step_number
    step = template.step(number)
    warning = is_collection_warning(reminder, collection_after_days is not None)
    actions = [action for action in step.action_kinds if action not in charges.skipped]
    history = {"date": on.isoformat(), "step": step.name, "actions": actions, "fee": _text(charges.fee)}
    charged = {period.agreement_id: period for period in charges.periods}
    advances = []
    for invoice in reminder.invoices:
        period = seen.periods.get(invoice.agreement_id) if seen is not None else None
        if period is not None and invoice.agreement_id in charged:
            period = after(period, charged[invoice.agreement_id], on)
        advanced = replace(
            invoice,
            steps_done=invoice.steps_done + 1,
            last_step_on=on,
            warned_on=on if warning else invoice.warned_on,
        )
        following = next_step_on(advanced, template, respite, collection_after_days)
        advances.append(
            Advance(
                invoice,
                on,
                following,
                history,
                warning,
                fee_charged=charges.fee is not None,
                interest_to=charges.interest_to,
                compensated=invoice.invoice_id in charges.compensated_invoices,
                seen_customer=seen.customer if seen is not None else None,
                seen_period=period,
            )
        )
    return advances


def is_collection_warning(reminder: PlannedReminder, collection_on: bool) -> bool:
    """Is this step the collection warning (inkassoloven § 10)? The step marked ``inkassovarsel``;
    when none is marked and debt collection is on, the template's last step. Its texts then say so
    with a deadline, and only after it can a case follow."""
    template = reminder.template
    number = reminder.key.step_number
    return number == template.warning_step and (template.step(number).inkassovarsel or collection_on)


def record_skipped_charges(
    repo: Store, reminder: PlannedReminder, tenant: str, run_tag: str, on: date, charges: StepCharges
) -> None:
    """A fee, interest or compensation the Danish rules did not allow: never silently dropped."""
    for action, reason in charges.skipped.items():
        key = reminder_key_of(reminder, tenant, action)  # the key the action's message would have had
        effect = planned_effect(reminder, "skipped", on, run_tag, action=action, reason=reason)
        repo.record_effect(effect, key)


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else money_text(amount)


def reference_record(reminder: PlannedReminder, reference: str, on: date, key: str) -> dict[str, Any]:
    """What a payment reference stands for, filed with the reminder's commit (looked up by
    ``GET /references/{reference}`` and ``dunning reference``)."""
    return {
        "reference": reference,
        "customer": reminder.key.customer_id,
        "invoices": reminder.invoice_ids,
        "template": reminder.template.version_id,
        "step": reminder.step_name,
        "step_number": reminder.key.step_number,
        "date": on.isoformat(),
        "open_total": money_text(reminder.open_total),
        "reminder_key": key,
    }


def invoice_lines(invoices: Iterable[InvoiceState]) -> list[InvoiceLine]:
    """The invoices as a message lists them."""
    return [
        InvoiceLine(invoice_id=i.invoice_id, amount=i.amount, open_amount=i.open_amount, issued=i.issued, due=i.due)
        for i in invoices
    ]


def messages_for(
    reminder: PlannedReminder,
    settings: TenantSettings,
    run_tag: str,
    run_date: date,
    by_action: dict[str, int],
    charges: StepCharges,
    reference: str | None = None,
    statement_filed: Collection[str] = (),
    contact: Contact | None = None,
) -> list[QueueMessage]:
    """One message per action of the reminder's step, each with its business key, the reminder's
    payment ``reference`` and the customer's ``contact`` as the commit saw it; a charge the rules
    did not allow gets none (see :func:`record_skipped_charges`). A ``statement`` is one per
    customer per run: none when ``statement_filed`` names the customer already."""
    messages: list[QueueMessage] = []
    for action in reminder.template.step(reminder.key.step_number).action_kinds:
        if action in charges.skipped:
            continue
        if action == "statement":
            if reminder.key.customer_id in statement_filed:
                continue
            message: QueueMessage = StatementMessage(
                idempotency_key=statement_key(settings.tenant, reminder.key.customer_id, run_tag),
                tenant=settings.tenant,
                run_id=run_tag,
                run_date=run_date,
                customer_id=reminder.key.customer_id,
                contact=contact,
            )
        else:
            message = _action_message(reminder, action, settings, run_tag, run_date, charges, reference, contact)
        by_action[action] = by_action.get(action, 0) + 1
        messages.append(message)
    return messages


def _action_message(
    reminder: PlannedReminder,
    action: str,
    settings: TenantSettings,
    run_tag: str,
    run_date: date,
    charges: StepCharges,
    reference: str | None,
    contact: Contact | None,
) -> ActionMessage:
    """The message of one action (a letter or a charge) of the reminder's step."""
    warns = is_collection_warning(reminder, settings.collection is not None)
    amounts: dict[str, Decimal | None] = {"interest": charges.interest, "compensation": charges.compensation}
    step = reminder.template.step(reminder.key.step_number)
    return ActionMessage(
        idempotency_key=reminder_key_of(reminder, settings.tenant, action),
        tenant=settings.tenant,
        run_id=run_tag,
        run_date=run_date,
        action=action,  # type: ignore[arg-type]
        customer_id=reminder.key.customer_id,
        template_version=reminder.template.version_id,
        step_name=step.name,
        step_number=reminder.key.step_number,
        step_count=reminder.template.step_count,
        invoices=invoice_lines(reminder.invoices),
        step_fee=charges.fee,
        warning_deadline=run_date + timedelta(days=WARNING_DAYS) if warns else None,
        after_warning=reminder.template.follows_warning(reminder.key.step_number),
        charge_amount=amounts.get(action),
        step_interest=charges.interest,
        step_compensation=charges.compensation,
        interest_rate=charges.interest_rate if action == "interest" else None,
        reference=reference,
        contact=contact,
    )


def contact_of(customer: CustomerSeen | None) -> Contact | None:
    """What a consumer needs of the customer, as the commit saw (and verified) it."""
    if customer is None:
        return None
    return Contact.model_validate({name: getattr(customer, name) for name in Contact.model_fields})


def note_statement_charges(
    statements: set[str], run_charges: dict[str, list[ChargeLine]], messages: list[QueueMessage]
) -> None:
    """After a commit: note the customer's statement as filed (if the step carried one) and what the
    reminder charged, so the customer's statement lists every charge of the run."""
    for message in messages:
        if isinstance(message, StatementMessage):
            statements.add(message.customer_id)
        elif message.action in ("fee", "interest", "compensation"):
            amount = message.step_fee if message.action == "fee" else message.charge_amount
            if amount is not None:
                run_charges.setdefault(message.customer_id, []).append(
                    ChargeLine(
                        key=message.idempotency_key,
                        kind=message.action,
                        amount=amount,
                        invoice_ids=message.invoice_ids,
                        on=message.run_date,
                    )
                )


def with_run_charges(message: QueueMessage, statements: Mapping[str, list[ChargeLine]]) -> QueueMessage:
    """A statement carries the charges its run made for the customer (before and after it was filed)."""
    if isinstance(message, StatementMessage) and statements.get(message.customer_id):
        return message.model_copy(update={"charges": list(statements[message.customer_id])})
    return message
