"""Payments and credit notes, credits and settlement, write-offs, banks and journals, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.money import money_text
from shared.domain.planning import InvoiceState
from shared.errors import AlreadyExists
from shared.storage import keys
from shared.storage.memory.invoices import new_balance
from shared.storage.memory.parties import PERIOD_END
from shared.storage.memory.table import ConditionFailed, MemoryBase, absent, mark_fee_check, where


class MemoryAccountingStore(MemoryBase):
    def add_ledger_entry(self, kind: str, entry: dict[str, Any]) -> bool:
        table = self._table

        def write() -> None:
            table.put((keys.ledger(kind), entry["id"]), {"data": entry}, when=absent)
            if entry.get("invoice"):
                table.put(keys.invoice_entry(entry["invoice"], kind, entry["id"]), {"data": entry})

        return table.transact(write)

    def add_ledger_result(self, kind: str, entry: dict[str, Any]) -> None:
        self._table.put((keys.ledger(kind), entry["id"]), {"data": entry})
        if entry.get("invoice"):
            self._table.put(keys.invoice_entry(entry["invoice"], kind, entry["id"]), {"data": entry})

    def get_ledger_entry(self, kind: str, entry_id: str) -> dict[str, Any] | None:
        item = self._table.get((keys.ledger(kind), entry_id))
        return dict(item.data) if item is not None else None

    def ledger_entries(self, kind: str) -> list[dict[str, Any]]:
        return [dict(item.data) for item in self._table.query(keys.ledger(kind))]

    def invoice_entries(self, invoice_id: str) -> list[dict[str, Any]]:
        items = self._table.query(keys.invoice_partition(invoice_id), prefix=keys.ENTRY_PREFIX)
        return [dict(item.data) | {"kind": str(item.sk).split("#")[1]} for item in items]

    def add_credit(self, customer_id: str, kind: str, amount: Decimal, on: date, credit_id: str) -> None:
        data = {
            "customer": customer_id,
            "kind": kind,
            "remaining": money_text(amount),
            "on": on.isoformat(),
            "id": credit_id,
        }
        try:
            self._table.put(keys.credit(customer_id, on, credit_id), {"data": data}, when=absent)
        except ConditionFailed as error:
            raise AlreadyExists(f"credit {credit_id!r} of {on.isoformat()} exists already") from error

    def open_credits(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in self._table.query(keys.CREDIT)]

    def customer_credits(self, customer_id: str) -> list[dict[str, Any]]:
        items = self._table.query(keys.CREDIT, prefix=keys.credit_prefix(customer_id))
        return [item.data | {"key": item.sk} for item in items]

    def write_off(
        self, invoices: Sequence[InvoiceState], periods_ended: Sequence[str], effect: dict[str, Any], effect_key: str
    ) -> bool:
        return self._settle(None, [(invoice, Decimal("0")) for invoice in invoices], periods_ended, effect, effect_key)

    def apply_settlement(
        self,
        credit: dict[str, Any],
        remaining: Decimal,
        balances: Sequence[tuple[InvoiceState, Decimal]],
        periods_ended: Sequence[str],
        effect: dict[str, Any],
        effect_key: str,
    ) -> bool:
        return self._settle((credit, remaining), balances, periods_ended, effect, effect_key)

    def _settle(
        self,
        credit: tuple[dict[str, Any], Decimal] | None,
        balances: Sequence[tuple[InvoiceState, Decimal]],
        periods_ended: Sequence[str],
        effect: dict[str, Any],
        effect_key: str,
    ) -> bool:
        table = self._table

        def write() -> None:
            if credit is not None:
                self._use_credit(*credit)
            for invoice, new_open in balances:
                new_balance(table.update, invoice, new_open)
            for agreement_id in periods_ended:
                table.update(keys.agreement(agreement_id), set_=PERIOD_END, remove=["period_last_fee_on"])
            for customer_id in sorted({invoice.customer_id for invoice, new_open in balances if new_open <= 0}):
                mark_fee_check(table, customer_id)
            table.write_effect(effect, effect_key)

        return table.transact(write)

    def _use_credit(self, credit: dict[str, Any], remaining: Decimal) -> None:
        """The credit, conditional on holding exactly what it was read with."""
        stored = {name: value for name, value in credit.items() if name != "key"}
        key = (keys.CREDIT, str(credit["key"]))
        if remaining <= 0:
            self._table.delete(key, when=where(data=stored))
        else:
            self._table.update(
                key, when=where(data=stored), set_={"data": stored | {"remaining": money_text(remaining)}}
            )

    def put_bank_connection(self, name: str, active: bool) -> None:
        self._table.put((keys.BANK, name), {"data": {"name": name, "active": active}})

    def bank_connections(self) -> list[dict[str, Any]]:
        return [item.data for item in self._table.query(keys.BANK)]

    def put_journal(self, name: str) -> None:
        self._table.put(keys.journal(name), {"data": {"name": name}})

    def journal_exists(self, name: str) -> bool:
        return self._table.get(keys.journal(name)) is not None

    def add_journal_entry(self, journal: str, entry_id: str, entry: dict[str, Any]) -> None:
        if not self.add_journal_entry_once(journal, entry_id, entry):
            raise AlreadyExists(f"journal {journal!r} has an entry {entry_id!r} already")

    def add_journal_entry_once(self, journal: str, entry_id: str, entry: dict[str, Any]) -> bool:
        key = keys.journal_entry(journal, entry_id)
        return self._table.attempt(lambda: self._table.put(key, {"data": entry}, when=absent))

    def journal_entries(self, journal: str) -> list[dict[str, Any]]:
        pk, _ = keys.journal(journal)
        items = self._table.query(pk, prefix=keys.ENTRY_PREFIX)
        return [item.data | {"id": str(item.sk).removeprefix(keys.ENTRY_PREFIX)} for item in items]

    def remove_journal_entry(self, journal: str, entry_id: str) -> None:
        self._table.delete(keys.journal_entry(journal, entry_id))
