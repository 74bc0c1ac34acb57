"""A reminder's commit, proposals and collection cases, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from shared.domain.planning import InvoiceState, PeriodSeen
from shared.storage import keys
from shared.storage.convert import customer_seen_data, period_seen_data, period_seen_of
from shared.storage.memory.invoices import OUT_OF_DUE_INDEX, OUT_OF_OPEN_INDEX, balance_at, filed_on, waiting_at
from shared.storage.memory.table import Condition, Item, MemoryBase, MemoryTable, absent, present, where
from shared.storage.records import MOVED, STALE, Advance, CommitTally, CustomerCheck, PeriodCharge, ReminderWrite


def _advanced(advance: Advance, item: Item | None) -> dict[str, Any]:
    """The attributes an invoice has after taking its step."""
    invoice, on = advance.invoice, advance.on.isoformat()
    current = item or Item()
    change: dict[str, Any] = {
        "steps_done": invoice.steps_done + 1,
        "last_step_on": on,
        "history": [*(current.history or []), advance.history],
        **filed_on(invoice, advance.next_step or keys.PARKED),
    }
    if advance.warning:
        change["warned_on"] = on
    if advance.fee_charged:
        change["fee_dates"] = [*(current.fee_dates or []), on]
    if advance.interest_to is not None:
        change["interest_to"] = advance.interest_to.isoformat()
    if advance.compensated:
        change["compensated"] = True
    if advance.next_step is None:
        change["status"] = "finished"
    if advance.seen_customer is not None:
        change["seen_customer"] = customer_seen_data(advance.seen_customer)
    if advance.seen_period is not None:
        change["seen_period"] = period_seen_data(advance.seen_period)
    return change


def _period_is(seen: PeriodSeen) -> Condition:
    """The agreement's arrears period is still as seen (an absent attribute reads as empty)."""
    return lambda item: period_seen_of(item) == seen


def _customer_is(check: CustomerCheck) -> Condition:
    """The customer is still at the revision seen (None: never rewritten since revisions)."""
    return lambda item: item is not None and item.get("rev") == check.rev


def _agreement_condition(reminder: ReminderWrite, agreement_id: str) -> Condition:
    seen = reminder.periods_seen.get(agreement_id)
    if seen is not None:
        return _period_is(seen)
    charged = [period.fees_before for period in reminder.periods if period.agreement_id == agreement_id]
    return _period_at(charged[0] if charged else 0)


def _invoice_condition(advance: Advance, proposal_key: str | None) -> Condition:
    expected: dict[str, Any] = {"steps_done": advance.invoice.steps_done}
    if proposal_key is not None:
        expected["pending_proposal"] = proposal_key
    return where(**expected)


def _why_not(table: MemoryTable, reminder: ReminderWrite) -> str | None:
    """Why the reminder cannot be written now (as DynamoDB would cancel it), or None."""
    moved = (
        (
            reminder.reference is not None
            and table.get((keys.REFERENCE, str(reminder.reference["reference"]))) is not None
        )
        or (reminder.proposal_key is not None and table.get((keys.PROPOSAL, reminder.proposal_key)) is None)
        or any(
            not _invoice_condition(advance, reminder.proposal_key)(table.get(keys.invoice(advance.invoice.invoice_id)))
            for advance in reminder.advances
        )
    )
    if moved:
        return MOVED
    agreements = {period.agreement_id for period in reminder.periods} | set(reminder.periods_seen)
    stale = (
        reminder.customer is not None
        and not _customer_is(reminder.customer)(table.get(keys.customer(reminder.customer.customer_id)))
    ) or any(
        not _agreement_condition(reminder, agreement_id)(table.get(keys.agreement(agreement_id)))
        for agreement_id in agreements
    )
    return STALE if stale else None


def _period_at(fees_before: int) -> Condition:
    """The agreement's period still counts the fees it was read with (none: perhaps no attribute)."""
    return lambda item: int((item or Item()).get("period_fees") or 0) == fees_before


def _period_change(period: PeriodCharge, on: date) -> dict[str, Any]:
    change: dict[str, Any] = {}
    if period.fee:
        change |= {"period_fees": period.fees_before + 1, "period_last_fee_on": on.isoformat()}
    if period.compensated:
        change["period_compensated"] = True
    return change


def _write_reminder(table: MemoryTable, reminder: ReminderWrite) -> None:
    """One reminder's writes of a commit (inside its transaction)."""
    if reminder.reference is not None:
        table.put((keys.REFERENCE, str(reminder.reference["reference"])), {"data": reminder.reference}, when=absent)
    if reminder.proposal_key is not None:
        table.delete((keys.PROPOSAL, reminder.proposal_key), when=present)
    if reminder.customer is not None:
        table.check(keys.customer(reminder.customer.customer_id), _customer_is(reminder.customer))
    on = reminder.advances[0].on
    charged = {period.agreement_id: period for period in reminder.periods}
    for agreement_id in sorted(charged.keys() | reminder.periods_seen.keys()):
        condition = _agreement_condition(reminder, agreement_id)
        if agreement_id in charged:
            table.update(keys.agreement(agreement_id), when=condition, set_=_period_change(charged[agreement_id], on))
        else:
            table.check(keys.agreement(agreement_id), condition)
    for advance in reminder.advances:
        invoice_key = keys.invoice(advance.invoice.invoice_id)
        table.check(invoice_key, _invoice_condition(advance, reminder.proposal_key))
        table.update(invoice_key, set_=_advanced(advance, table.get(invoice_key)), remove=["pending_proposal"])


class MemoryReminderStore(MemoryBase):
    def reserve_reference_numbers(self, count: int) -> int:
        item = self._table.update(keys.REFERENCE_COUNTER, add={"value": count})
        return int(item["value"]) - count + 1

    def commit_reminders(
        self,
        key: str,
        run_id: str,
        messages: list[str],
        reminders: Sequence[ReminderWrite],
        tally: CommitTally | None = None,
    ) -> dict[int, str]:
        table = self._table
        if table.get((keys.OUTBOX, key)) is not None:
            return dict.fromkeys(range(len(reminders)), MOVED)
        failed = {index: why for index, reminder in enumerate(reminders) if (why := _why_not(table, reminder))}
        if failed:
            return failed

        def write() -> None:
            table.put((keys.OUTBOX, key), {"messages": messages, "run_id": run_id}, when=absent)
            for reminder in reminders:
                _write_reminder(table, reminder)
            if tally is not None:
                table.update(keys.run_commits(run_id, tally.bucket), add=dict(tally.counts))

        return {} if table.transact(write) else dict.fromkeys(range(len(reminders)), MOVED)

    def commit_proposal(
        self, key: str, proposal: dict[str, Any], effect: dict[str, Any], invoices: list[InvoiceState]
    ) -> bool:
        table = self._table

        def write() -> None:
            table.put((keys.PROPOSAL, key), {"data": proposal}, when=absent)
            table.write_effect(effect, key)
            for invoice in invoices:
                table.update(
                    keys.invoice(invoice.invoice_id),
                    when=waiting_at(invoice),
                    set_={"pending_proposal": key},
                    remove=OUT_OF_DUE_INDEX,
                )

        return table.transact(write)

    def pending_proposals(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in self._table.query(keys.PROPOSAL)]

    def drop_proposal(
        self, key: str, invoices: Sequence[tuple[InvoiceState, date | None]], effect: dict[str, Any] | None
    ) -> bool:
        table = self._table

        def write() -> None:
            table.delete((keys.PROPOSAL, key), when=present)
            if effect is not None:
                table.write_effect(effect, key)
            for invoice, refile_on in invoices:
                table.update(
                    keys.invoice(invoice.invoice_id),
                    when=where(pending_proposal=key),
                    set_=filed_on(invoice, refile_on) if refile_on is not None else {},
                    remove=["pending_proposal"],
                )

        return table.transact(write)

    def hand_over_case(self, key: str, case: dict[str, Any], message: str, invoices: list[InvoiceState]) -> bool:
        table = self._table

        def write() -> None:
            table.delete((keys.PROPOSAL, key), when=present)
            table.put((keys.CASE, key), {"data": case}, when=absent)
            table.put((keys.OUTBOX, key), {"messages": [message], "run_id": case["run_id"]}, when=absent)
            for invoice in invoices:
                invoice_key = keys.invoice(invoice.invoice_id)
                table.check(invoice_key, where(pending_proposal=key))
                table.update(
                    invoice_key,
                    when=balance_at(invoice),
                    set_={"status": "collection"},
                    remove=["pending_proposal", *OUT_OF_OPEN_INDEX],
                )

        return table.transact(write)

    def cases(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in self._table.query(keys.CASE)]

    def get_case(self, key: str) -> dict[str, Any] | None:
        item = self._table.get((keys.CASE, key))
        return dict(item.data) | {"key": key} if item is not None else None
