"""A reminder's commit, proposals and collection cases, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from shared.domain.planning import InvoiceState
from shared.storage import keys
from shared.storage.memory.invoices import OUT_OF_DUE_INDEX, OUT_OF_OPEN_INDEX, balance_at, filed_on, waiting_at
from shared.storage.memory.table import Condition, Item, MemoryBase, absent, present, where
from shared.storage.records import Advance, PeriodCharge


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
    return change


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


class MemoryReminderStore(MemoryBase):
    def commit_reminder(
        self,
        key: str,
        run_id: str,
        messages: list[str],
        advances: list[Advance],
        proposal_key: str | None = None,
        periods: Sequence[PeriodCharge] = (),
        reference: dict[str, Any] | None = None,
    ) -> bool:
        table = self._table

        def write() -> None:
            table.put((keys.OUTBOX, key), {"messages": messages, "run_id": run_id}, when=absent)
            if reference is not None:
                table.put((keys.REFERENCE, str(reference["reference"])), {"data": reference}, when=absent)
            if proposal_key is not None:
                table.delete((keys.PROPOSAL, proposal_key), when=present)
            for period in periods:
                agreement = keys.agreement(period.agreement_id)
                table.update(
                    agreement, when=_period_at(period.fees_before), set_=_period_change(period, advances[0].on)
                )
            for advance in advances:
                invoice_key = keys.invoice(advance.invoice.invoice_id)
                expected: dict[str, Any] = {"steps_done": advance.invoice.steps_done}
                if proposal_key is not None:
                    expected["pending_proposal"] = proposal_key
                table.check(invoice_key, where(**expected))
                change = _advanced(advance, table.get(invoice_key))
                table.update(invoice_key, set_=change, remove=["pending_proposal"])

        return table.transact(write)

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
