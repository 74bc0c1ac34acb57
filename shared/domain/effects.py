"""The effect records: what the engine did to the outside world, in the shape
``dunning simulate`` prints (see ``docs/simulate.md``).

Every effect has ``date`` (the run's business date) and ``kind``; reminder
effects add ``customer``, ``invoices`` (sorted ids), ``step`` and ``template``.
Fields starting with ``_`` are bookkeeping (ordering, run id) and are not printed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.domain.money import money_text
from shared.domain.planning import PlannedReminder
from shared.messages import ActionMessage, StatementMessage

# Debt-collection cases sort before every step (O16), whatever their template's length.
CASE_STEP_NUMBER = 1000

KIND_ORDER = {
    "settlement": 0,
    "write_off": 1,
    "fee_reversal": 2,
    "collection": 3,
    "proposal": 4,
    "email": 5,
    "sms": 6,
    "fee": 7,
    "interest": 7,
    "compensation": 7,
    "bs": 8,
    "skipped": 9,
    "rejected": 9,
    "statement": 10,
    "dead_letter": 11,
    "bs_delivery": 11,
    "report": 12,
    "notification": 13,
    "run": 14,
}
# O16's last row: a run's statements of account come after every reminder of that run (the
# reminders sort by their step number, last step first; a statement counts as step 0).
STATEMENT_STEP_NUMBER = 0
# Within a run: housekeeping first, then the reminders in O16 order, then what the tenant is told, then the run.
PHASE = {
    kind: 0
    if order < KIND_ORDER["collection"]
    else 1
    if order < KIND_ORDER["dead_letter"]
    else 3
    if kind == "run"
    else 2
    for kind, order in KIND_ORDER.items()
}


# The effects that print the reminder's payment reference (the letters the debtor reads it in).
REFERENCED_KINDS = frozenset({"email", "sms"})


def reminder_effect(message: ActionMessage, kind: str, **fields: Any) -> dict[str, Any]:
    """An effect of one action of one consolidated reminder; an e-mail or SMS names the
    reminder's payment ``reference`` and the ``amount`` it asks for (the invoices' open total,
    as the letter says it: fees come on the next invoice)."""
    if kind in REFERENCED_KINDS:
        fields = {"amount": money_text(message.open_total), **fields}
        if message.reference is not None:
            fields = {"reference": message.reference, **fields}
    return {
        "date": message.run_date.isoformat(),
        "kind": kind,
        "customer": message.customer_id,
        "invoices": message.invoice_ids,
        "step": message.step_name,
        "template": message.template_version,
        **fields,
        "_run": message.run_id,
        "_step_number": message.step_number,
    }


def planned_effect(reminder: PlannedReminder, kind: str, on: date, run_tag: str, **fields: Any) -> dict[str, Any]:
    """An effect of one planned reminder (or debt-collection case) on ``on``, before any message exists."""
    return {
        "date": on.isoformat(),
        "kind": kind,
        "customer": reminder.key.customer_id,
        "invoices": reminder.invoice_ids,
        "step": reminder.step_name,
        "template": reminder.template.version_id,
        **fields,
        "_run": run_tag,
        "_step_number": CASE_STEP_NUMBER if reminder.is_case else reminder.key.step_number,
    }


def proposal_effect(reminder: PlannedReminder, on: date, run_tag: str) -> dict[str, Any]:
    """A reminder or debt-collection case that waits for approval (O9, O14): nothing was sent."""
    return planned_effect(reminder, "proposal", on, run_tag, amount=money_text(reminder.open_total))


def skipped_effect(message: ActionMessage, reason: str) -> dict[str, Any]:
    """An action the customer (or tenant) cannot receive: never silently dropped."""
    return reminder_effect(message, "skipped", action=message.action, reason=reason)


def statement_effect(message: StatementMessage, **fields: Any) -> dict[str, Any]:
    """A statement of account (``to``, ``balance``, ``items``) e-mailed to the customer."""
    return {
        "date": message.run_date.isoformat(),
        "kind": "statement",
        "customer": message.customer_id,
        **fields,
        "_run": message.run_id,
        "_step_number": STATEMENT_STEP_NUMBER,
    }


def statement_skipped_effect(message: StatementMessage, reason: str) -> dict[str, Any]:
    """A statement the customer cannot receive (no e-mail address): never silently dropped."""
    return statement_effect(message, invoices=[], action="statement", reason=reason) | {"kind": "skipped"}


def run_effect(run_date: date, run_id: str, status: str, reason: str | None, **counts: Any) -> dict[str, Any]:
    return {
        "date": run_date.isoformat(),
        "kind": "run",
        "status": status,
        "reason": reason,
        **counts,
        "_run": run_id,
        "_step_number": 0,
    }


def effect_sort_key(effect: dict[str, Any]) -> tuple[Any, ...]:
    """Date, then run, then phase; reminders by O16 (the last step first), customer, template, kind."""
    kind = effect["kind"]
    return (
        effect["date"],
        effect.get("_run", ""),
        PHASE.get(kind, 2),
        -int(effect.get("_step_number", 0)),
        effect.get("customer", ""),
        effect.get("template", ""),
        KIND_ORDER.get(kind, 99),
    )


def public(effect: dict[str, Any]) -> dict[str, Any]:
    """The effect without its bookkeeping fields."""
    return {key: value for key, value in effect.items() if not key.startswith("_")}
