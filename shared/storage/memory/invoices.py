"""Invoices, their indexes, balances, disputes and payment references, in memory."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from shared.domain.money import money_text
from shared.domain.planning import InvoiceState
from shared.errors import AlreadyExists, Conflict, NotFound
from shared.storage import keys
from shared.storage.convert import invoice_attributes, invoice_state, with_snapshots
from shared.storage.memory.table import (
    Condition,
    ConditionFailed,
    Item,
    MemoryBase,
    absent,
    mark_fee_check,
    present,
    where,
)

OUT_OF_DUE_INDEX = ["due_shard", "due_key"]
OUT_OF_OPEN_INDEX = ["open_customer", "open_key"]


def filed_on(invoice: InvoiceState, on: date) -> dict[str, str]:
    """The attributes that put an invoice in the due-index under ``on`` (its customer's shard)."""
    return {"due_shard": keys.due_shard(invoice.customer_id), "due_key": keys.dated(on, invoice.invoice_id)}


def balance_at(invoice: InvoiceState) -> Condition:
    """The invoice still has the open balance it was read with."""
    return lambda item: item is not None and item.get("open_amount") == money_text(invoice.open_amount)


def new_balance(table_update: Any, invoice: InvoiceState, new_open: Decimal) -> None:
    """Set a balance conditional on the one read; at zero the invoice is paid and leaves both indexes."""
    paid = new_open <= 0
    table_update(
        keys.invoice(invoice.invoice_id),
        when=balance_at(invoice),
        set_={"open_amount": money_text(new_open)} | ({"status": "paid"} if paid else {}),
        remove=OUT_OF_DUE_INDEX + OUT_OF_OPEN_INDEX if paid else [],
    )


def waiting_at(invoice: InvoiceState) -> Condition:
    """The invoice is at the step it was read at and waits in the due-index."""
    return lambda item: (
        item is not None and item.get("steps_done") == invoice.steps_done and item.get("due_key") is not None
    )


class MemoryInvoiceStore(MemoryBase):
    def create_invoice(self, invoice: InvoiceState, first_step_on: date | None) -> None:
        try:
            self._put_invoice(invoice, first_step_on)
        except ConditionFailed as error:
            raise AlreadyExists(f"invoice {invoice.invoice_id!r} exists already") from error

    def create_invoices(self, invoices: list[tuple[InvoiceState, date | None]]) -> None:
        try:
            with self._table.atomic():
                for invoice, first_step_on in invoices:
                    self._put_invoice(invoice, first_step_on)
        except ConditionFailed as error:
            raise AlreadyExists("an invoice of the batch was created meanwhile") from error

    def load_invoices(self, invoices: list[tuple[InvoiceState, date | None]]) -> None:
        """Seed invoices as a batch write does: unconditionally, and without the JSON round trip a
        write takes (the bench's million invoices; the attributes are strings and numbers already)."""
        for invoice, first_step_on in invoices:
            attributes = {"disputed_ever": False, "compensated": False} | invoice_attributes(invoice, first_step_on)
            self._table.load(keys.invoice(invoice.invoice_id), attributes)

    def _put_invoice(self, invoice: InvoiceState, first_step_on: date | None) -> None:
        customers = {invoice.customer_id: self._table.get(keys.customer(invoice.customer_id))}
        agreements = {invoice.agreement_id: self._table.get(keys.agreement(invoice.agreement_id))}
        [invoice] = with_snapshots([invoice], {k: v for k, v in customers.items() if v is not None}, agreements)
        attributes = {"disputed_ever": False, "compensated": False} | invoice_attributes(invoice, first_step_on)
        self._table.put(keys.invoice(invoice.invoice_id), attributes, when=absent)

    def _invoice_item(self, invoice_id: str) -> Item | None:
        return self._table.get(keys.invoice(invoice_id))

    def get_invoice(self, invoice_id: str) -> InvoiceState | None:
        item = self._invoice_item(invoice_id)
        return invoice_state(item) if item is not None else None

    def existing_invoices(self, invoice_ids: set[str]) -> set[str]:
        return {invoice_id for invoice_id in invoice_ids if self._invoice_item(invoice_id) is not None}

    def invoice_status(self, invoice_id: str) -> str | None:
        item = self._invoice_item(invoice_id)
        return str(item.status) if item is not None else None

    def invoice_history(self, invoice_id: str) -> list[dict[str, Any]]:
        item = self._invoice_item(invoice_id)
        return [dict(entry) for entry in (item.history or [])] if item is not None else []

    def _due_index(self, below: str | None = None, shards: Sequence[str] | None = None) -> Iterator[Item]:
        for shard in keys.due_shards() if shards is None else shards:
            yield from self._table.index("due_shard", shard, "due_key", below=below)

    def due_invoices(self, on_or_before: date, shards: Sequence[str] | None = None) -> Iterator[InvoiceState]:
        yield from (invoice_state(item) for item in self._due_index(keys.day_after(on_or_before), shards))

    def overdue_in_process(self, before: date) -> Iterator[InvoiceState]:
        for item in self._due_index(keys.PARKED.isoformat()):
            if item.due < before.isoformat():
                yield invoice_state(item)

    def waiting_invoices(self) -> Iterator[InvoiceState]:
        yield from (invoice_state(item) for item in self._due_index())

    def move_legacy_due_entries(self, limit: int) -> int:
        moved = 0
        for shard in keys.LEGACY_DUE_SHARDS:
            for item in self._table.index("due_shard", shard, "due_key")[: limit - moved]:
                target = keys.due_shard(item.customer_id)
                was = {"due_shard": shard, "due_key": item.due_key}
                write = partial(self._table.update, (item.pk, item.sk), when=where(**was), set_={"due_shard": target})
                moved += self._table.attempt(write)
                if moved >= limit:
                    return moved
        return moved

    def open_invoices(self, customer_id: str) -> list[InvoiceState]:
        return [invoice_state(item) for item in self._table.index("open_customer", customer_id, "open_key")]

    def customer_invoices(self, customer_id: str) -> list[InvoiceState]:
        return [invoice_state(item) for item in self._table.index("customer_id", customer_id, "invoice_id")]

    def get_invoices(self, invoice_ids: set[str]) -> dict[str, InvoiceState]:
        items = [self._table.get(keys.invoice(invoice_id)) for invoice_id in sorted(invoice_ids)]
        return {str(item["invoice_id"]): invoice_state(item) for item in items if item is not None}

    def set_open_amount(self, invoice: InvoiceState, new_open: Decimal) -> None:
        try:
            with self._table.atomic():
                new_balance(self._table.update, invoice, new_open)
                if new_open <= 0:
                    mark_fee_check(self._table, invoice.customer_id)
        except ConditionFailed as error:
            raise Conflict(f"invoice {invoice.invoice_id!r}: its open balance changed meanwhile") from error

    def refile_invoice(self, invoice: InvoiceState, next_step: date | None) -> None:
        if next_step is None and invoice.open_amount <= 0:
            change: dict[str, Any] = {"remove": OUT_OF_DUE_INDEX}
        else:
            change = {"set_": filed_on(invoice, next_step or keys.PARKED)}
        self._table.attempt(
            lambda: self._table.update(keys.invoice(invoice.invoice_id), when=waiting_at(invoice), **change)
        )

    def set_dispute(self, invoice: InvoiceState, until: date | None, next_step: date | None) -> None:
        key = keys.invoice(invoice.invoice_id)
        try:
            if until is not None:
                change = {"disputed_until": until.isoformat(), "disputed_ever": True}
                self._table.update(key, when=present, set_=change)
            else:
                self._table.update(key, when=present, remove=["disputed_until"])
        except ConditionFailed as error:
            raise NotFound(f"invoice {invoice.invoice_id!r} does not exist") from error
        if next_step is not None:
            self.refile_invoice(replace(invoice, disputed_until=until), next_step)
        if until is not None:
            data = {"invoice": invoice.invoice_id, "customer": invoice.customer_id, "until": until.isoformat()}
            self._table.put((keys.DISPUTE, invoice.invoice_id), {"data": data})
        else:
            self._table.delete((keys.DISPUTE, invoice.invoice_id))

    def disputes(self) -> list[dict[str, Any]]:
        return [dict(item.data) for item in self._table.query(keys.DISPUTE)]

    def get_reference(self, reference: str) -> dict[str, Any] | None:
        item = self._table.get((keys.REFERENCE, reference))
        return dict(item.data) if item is not None else None
