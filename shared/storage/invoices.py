"""Invoices in DynamoDB: creation, the three indexes (due, open, customer), balances, disputes,
payment references."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from shared.domain.money import money_text
from shared.domain.planning import InvoiceState
from shared.errors import AlreadyExists, Conflict, NotFound
from shared.storage import keys
from shared.storage.convert import invoice_state, with_snapshots
from shared.storage.dynamo import (
    TRANSACTION_LIMIT,
    DynamoBase,
    balance_actions,
    conditional_failed,
    invoice_item,
    mark_fee_check,
    new_invoice_item,
    record_item,
)
from shared.storage.models import AgreementModel, CustomerModel, InvoiceModel, RecordModel


def _with_snapshots(invoices: list[InvoiceState]) -> list[InvoiceState]:
    """New invoices with snapshots of their customers and arrears periods, read in batches (for
    those that carry none)."""
    customer_ids = {invoice.customer_id for invoice in invoices if invoice.customer_seen is None}
    agreement_ids = {invoice.agreement_id for invoice in invoices if invoice.period_seen is None}
    customers = (
        {item.customer_id: item for item in CustomerModel.batch_get([keys.customer(c) for c in customer_ids])}
        if customer_ids
        else {}
    )
    agreements = (
        {item.agreement_id: item for item in AgreementModel.batch_get([keys.agreement(a) for a in agreement_ids])}
        if agreement_ids
        else {}
    )
    return with_snapshots(invoices, customers, agreements)


class DynamoInvoiceStore(DynamoBase):
    _legacy_shards_empty = False  # set once move_legacy_due_entries found nothing to move

    # -- creating and reading ------------------------------------------------------
    def create_invoice(self, invoice: InvoiceState, first_step_on: date | None) -> None:
        """Create the invoice, with the snapshots of its customer and arrears period it carries (read
        when it carries none)."""
        [invoice] = _with_snapshots([invoice])
        try:
            new_invoice_item(invoice, first_step_on).save(condition=InvoiceModel.pk.does_not_exist())
        except PutError as error:
            if conditional_failed(error):
                raise AlreadyExists(f"invoice {invoice.invoice_id!r} exists already") from error
            raise

    def create_invoices(self, invoices: list[tuple[InvoiceState, date | None]]) -> None:
        """Create invoices in transactions of up to 100, each only if it does not exist yet (with
        snapshots, as :meth:`create_invoice`)."""
        filed = _with_snapshots([invoice for invoice, _ in invoices])
        invoices = [(invoice, first_step_on) for invoice, (_, first_step_on) in zip(filed, invoices, strict=True)]
        for start in range(0, len(invoices), TRANSACTION_LIMIT):
            try:
                with TransactWrite(connection=InvoiceModel._get_connection().connection) as transaction:
                    for invoice, first_step_on in invoices[start : start + TRANSACTION_LIMIT]:
                        transaction.save(
                            new_invoice_item(invoice, first_step_on), condition=InvoiceModel.pk.does_not_exist()
                        )
            except TransactWriteError as error:
                if conditional_failed(error):
                    raise AlreadyExists("an invoice of the batch was created meanwhile") from error
                raise

    def get_invoice(self, invoice_id: str) -> InvoiceState | None:
        try:
            return invoice_state(InvoiceModel.get(*keys.invoice(invoice_id)))
        except InvoiceModel.DoesNotExist:
            return None

    def get_invoices(self, invoice_ids: set[str]) -> dict[str, InvoiceState]:
        """The invoices that exist among ``invoice_ids``, by id: batch gets, strongly consistent (a
        balance written before the caller's last read is seen)."""
        if not invoice_ids:
            return {}
        items = InvoiceModel.batch_get([keys.invoice(invoice_id) for invoice_id in invoice_ids], consistent_read=True)
        return {str(item.invoice_id): invoice_state(item) for item in items}

    def existing_invoices(self, invoice_ids: set[str]) -> set[str]:
        items = InvoiceModel.batch_get([keys.invoice(invoice_id) for invoice_id in invoice_ids])
        return {item.invoice_id for item in items}

    def invoice_status(self, invoice_id: str) -> str | None:
        try:
            return str(InvoiceModel.get(*keys.invoice(invoice_id)).status)
        except InvoiceModel.DoesNotExist:
            return None

    def invoice_history(self, invoice_id: str) -> list[dict[str, Any]]:
        """Every reminder step the invoice has had: date, step, actions, fee."""
        try:
            item = InvoiceModel.get(*keys.invoice(invoice_id))
        except InvoiceModel.DoesNotExist:
            return []
        return [dict(entry) for entry in (item.history or [])]

    # -- the indexes ---------------------------------------------------------------
    def due_invoices(self, on_or_before: date, shards: Sequence[str] | None = None) -> Iterator[InvoiceState]:
        """Query the sparse due-index: only invoices whose next step is due by then, in ``shards``
        (default: every shard), shard by shard."""
        upper = keys.day_after(on_or_before)
        for shard in keys.due_shards() if shards is None else shards:
            for item in InvoiceModel.due_index.query(shard, InvoiceModel.due_key < upper):
                yield invoice_state(item)

    def overdue_in_process(self, before: date) -> Iterator[InvoiceState]:
        """Invoices in the reminder process (waiting for a step, not parked after their last one)
        whose due date is before ``before``: a range query per due-index shard below the parked
        date, the due date filtered on the server."""
        for shard in keys.due_shards():
            for item in InvoiceModel.due_index.query(
                shard,
                InvoiceModel.due_key < keys.PARKED.isoformat(),
                filter_condition=InvoiceModel.due < before.isoformat(),
            ):
                yield invoice_state(item)

    def waiting_invoices(self) -> Iterator[InvoiceState]:
        """Every invoice waiting for a step, whatever the date (for re-filing after a settings change)."""
        for shard in keys.due_shards():
            for item in InvoiceModel.due_index.query(shard):
                yield invoice_state(item)

    def move_legacy_due_entries(self, limit: int) -> int:
        """Move up to ``limit`` invoices still filed in the legacy due shards (by invoice id) to their
        customer's shard, each conditional on where it was found; returns how many were moved (0: the
        legacy shards are empty). A move that lost a race (the invoice changed meanwhile) is left
        to the next call. Once they were found empty, this store (one per table per container)
        does not look again: nothing files an invoice there any more."""
        if self._legacy_shards_empty:
            return 0  # found empty before: nothing files an invoice there any more
        moved = 0
        for shard in keys.LEGACY_DUE_SHARDS:
            for item in InvoiceModel.due_index.query(shard, limit=limit - moved):
                try:
                    invoice_item(item.invoice_id).update(
                        actions=[InvoiceModel.due_shard.set(keys.due_shard(item.customer_id))],
                        condition=(InvoiceModel.due_shard == shard) & (InvoiceModel.due_key == item.due_key),
                    )
                    moved += 1
                except UpdateError as error:
                    if not conditional_failed(error):
                        raise
                if moved >= limit:
                    return moved
        self._legacy_shards_empty = moved == 0
        return moved

    def open_invoices(self, customer_id: str) -> list[InvoiceState]:
        """The customer's invoices with an open balance, oldest due date first (the sparse open-index)."""
        return [invoice_state(item) for item in InvoiceModel.open_index.query(customer_id)]

    def customer_invoices(self, customer_id: str) -> list[InvoiceState]:
        """Every invoice of the customer, paid and finished ones too (customer-index)."""
        return [invoice_state(item) for item in InvoiceModel.customer_index.query(customer_id)]

    # -- changes ---------------------------------------------------------------------
    def set_open_amount(self, invoice: InvoiceState, new_open: Decimal) -> None:
        """Apply a payment or credit note, conditional on the balance it was computed from.

        A balance that reaches zero takes the invoice out of the due-index: nothing more is sent for
        it; in the same transaction its customer is marked for the fee reversal (O13,
        :func:`shared.storage.dynamo.mark_fee_check`). :class:`Conflict` when the balance changed meanwhile.
        """
        conflict = Conflict(f"invoice {invoice.invoice_id!r}: its open balance changed meanwhile")
        unchanged = InvoiceModel.open_amount == money_text(invoice.open_amount)
        if new_open <= 0:

            def write(transaction: TransactWrite) -> None:
                transaction.update(
                    invoice_item(invoice.invoice_id), actions=balance_actions(new_open), condition=unchanged
                )
                mark_fee_check(transaction, invoice.customer_id)

            if not self._transact(write):
                raise conflict
            return
        try:
            invoice_item(invoice.invoice_id).update(actions=balance_actions(new_open), condition=unchanged)
        except UpdateError as error:
            if conditional_failed(error):
                raise conflict from error
            raise

    def refile_invoice(self, invoice: InvoiceState, next_step: date | None) -> None:
        """Move a waiting invoice to the date its next step is really due (parked when nothing is)."""
        if next_step is None and invoice.open_amount <= 0:
            actions: list[Any] = [InvoiceModel.due_shard.remove(), InvoiceModel.due_key.remove()]
        else:
            actions = [
                InvoiceModel.due_shard.set(keys.due_shard(invoice.customer_id)),
                InvoiceModel.due_key.set(keys.dated(next_step or keys.PARKED, invoice.invoice_id)),
            ]
        try:
            invoice_item(invoice.invoice_id).update(
                actions=actions,
                condition=(InvoiceModel.steps_done == invoice.steps_done) & InvoiceModel.due_key.exists(),
            )
        except UpdateError as error:
            if not conditional_failed(error):
                raise

    def set_dispute(self, invoice: InvoiceState, until: date | None, next_step: date | None) -> None:
        """Start (``until`` given: the dispute's end, 9999-12-31 for open-ended) or end a dispute
        (``until`` None) and re-file the invoice if it waits for a step."""
        actions: list[Any] = [
            InvoiceModel.disputed_until.set(until.isoformat()) if until else InvoiceModel.disputed_until.remove()
        ]
        if until is not None:
            actions.append(InvoiceModel.disputed_ever.set(True))
        try:
            invoice_item(invoice.invoice_id).update(actions=actions, condition=InvoiceModel.pk.exists())
        except UpdateError as error:
            if conditional_failed(error):
                raise NotFound(f"invoice {invoice.invoice_id!r} does not exist") from error
            raise
        if next_step is not None:
            self.refile_invoice(replace(invoice, disputed_until=until), next_step)
        key = (keys.DISPUTE, invoice.invoice_id)
        if until is not None:
            data = {"invoice": invoice.invoice_id, "customer": invoice.customer_id, "until": until.isoformat()}
            record_item(key, data).save()
        else:
            record_item(key).delete()

    def disputes(self) -> list[dict[str, Any]]:
        return [dict(item.data) for item in RecordModel.query(keys.DISPUTE)]

    # -- payment references ------------------------------------------------------------
    def get_reference(self, reference: str) -> dict[str, Any] | None:
        """The reminder a payment reference was given to: customer, invoices, template, step, date."""
        try:
            return dict(RecordModel.get(keys.REFERENCE, reference).data)
        except RecordModel.DoesNotExist:
            return None
