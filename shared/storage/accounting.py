"""The accounting side in DynamoDB: payments and credit notes (the ledger), on-account credits and
their settlement, write-offs, bank connections and journals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import PutError
from pynamodb.transactions import TransactWrite

from shared.domain.money import money_text
from shared.domain.planning import InvoiceState
from shared.errors import AlreadyExists
from shared.storage import keys
from shared.storage.dynamo import (
    DynamoBase,
    agreement_item,
    balance_actions,
    conditional_failed,
    invoice_item,
    mark_fee_check,
    period_end_actions,
    record_item,
)
from shared.storage.models import InvoiceModel, RecordModel


class DynamoAccountingStore(DynamoBase):
    # -- payments and credit notes -------------------------------------------------
    def add_ledger_entry(self, kind: str, entry: dict[str, Any]) -> bool:
        """File a payment or credit note under its id (and on its invoice); False if the id is taken."""

        def write(transaction: TransactWrite) -> None:
            transaction.save(
                record_item((keys.ledger(kind), entry["id"]), entry), condition=RecordModel.pk.does_not_exist()
            )
            if entry.get("invoice"):
                transaction.save(record_item(keys.invoice_entry(entry["invoice"], kind, entry["id"]), entry))

        return self._transact(write)

    def add_ledger_result(self, kind: str, entry: dict[str, Any]) -> None:
        """Store what applying an entry did (applied / left on account) beside it."""
        record_item((keys.ledger(kind), entry["id"]), entry).save()
        if entry.get("invoice"):
            record_item(keys.invoice_entry(entry["invoice"], kind, entry["id"]), entry).save()

    def get_ledger_entry(self, kind: str, entry_id: str) -> dict[str, Any] | None:
        try:
            return dict(RecordModel.get(keys.ledger(kind), entry_id).data)
        except RecordModel.DoesNotExist:
            return None

    def ledger_entries(self, kind: str) -> list[dict[str, Any]]:
        return [dict(item.data) for item in RecordModel.query(keys.ledger(kind))]

    def invoice_entries(self, invoice_id: str) -> list[dict[str, Any]]:
        """Payments and credit notes recorded against one invoice."""
        items = RecordModel.query(keys.invoice_partition(invoice_id), RecordModel.sk.startswith(keys.ENTRY_PREFIX))
        return [dict(item.data) | {"kind": item.sk.split("#")[1]} for item in items]

    # -- on-account credits (payments without an invoice, open credit notes) ----------
    def add_credit(self, customer_id: str, kind: str, amount: Decimal, on: date, credit_id: str) -> None:
        data = {
            "customer": customer_id,
            "kind": kind,
            "remaining": money_text(amount),
            "on": on.isoformat(),
            "id": credit_id,
        }
        try:
            record_item(keys.credit(customer_id, on, credit_id), data).save(condition=RecordModel.pk.does_not_exist())
        except PutError as error:
            if conditional_failed(error):
                raise AlreadyExists(f"credit {credit_id!r} of {on.isoformat()} exists already") from error
            raise

    def open_credits(self) -> list[dict[str, Any]]:
        """Every on-account credit with money left, by customer and then oldest first."""
        return [item.data | {"key": item.sk} for item in RecordModel.query(keys.CREDIT)]

    def customer_credits(self, customer_id: str) -> list[dict[str, Any]]:
        """One customer's on-account credits with money left, oldest first (one query)."""
        items = RecordModel.query(keys.CREDIT, RecordModel.sk.startswith(keys.credit_prefix(customer_id)))
        return [item.data | {"key": item.sk} for item in items]

    def write_off(
        self,
        invoices: Sequence[InvoiceState],
        periods_ended: Sequence[str],
        effect: dict[str, Any],
        effect_key: str,
    ) -> bool:
        """Write off the invoices' open balances — every balance (each conditional on what it was
        read at), the agreements whose arrears period ends and the ``write_off`` effect in one
        transaction; False (nothing written) when one changed meanwhile or it was done before."""
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
        """Use an on-account credit on invoices — the credit, every balance, the agreements whose
        arrears period ends and the ``settlement`` effect in one transaction.

        The credit must still hold what it was read with, and each invoice the balance it was
        computed from, so a retry (or a payment meanwhile) cannot apply the credit twice: it
        writes nothing and returns False.
        """
        return self._settle((credit, remaining), balances, periods_ended, effect, effect_key)

    def _settle(
        self,
        credit: tuple[dict[str, Any], Decimal] | None,
        balances: Sequence[tuple[InvoiceState, Decimal]],
        periods_ended: Sequence[str],
        effect: dict[str, Any],
        effect_key: str,
    ) -> bool:
        def write(transaction: TransactWrite) -> None:
            if credit is not None:
                self._use_credit(transaction, *credit)
            for invoice, new_open in balances:
                transaction.update(
                    invoice_item(invoice.invoice_id),
                    actions=balance_actions(new_open),
                    condition=InvoiceModel.open_amount == money_text(invoice.open_amount),
                )
            for agreement_id in periods_ended:
                transaction.update(agreement_item(agreement_id), actions=period_end_actions())
            # Whose balance reaches 0 may have a fee to reverse (O13): marked in the same transaction.
            for customer_id in sorted({invoice.customer_id for invoice, new_open in balances if new_open <= 0}):
                mark_fee_check(transaction, customer_id)
            self._write_effect(transaction, effect, effect_key)

        return self._transact(write)

    @staticmethod
    def _use_credit(transaction: TransactWrite, credit: dict[str, Any], remaining: Decimal) -> None:
        stored = {name: value for name, value in credit.items() if name != "key"}
        item = record_item((keys.CREDIT, credit["key"]))
        # ``data`` is one JSON string: the condition compares it whole (written and read in one key order).
        unchanged = RecordModel.data == stored
        if remaining <= 0:
            transaction.delete(item, condition=unchanged)
        else:
            transaction.update(
                item,
                actions=[RecordModel.data.set(stored | {"remaining": money_text(remaining)})],
                condition=unchanged,
            )

    # -- bank connections and journals (kept current by the accounting side) ------------
    def put_bank_connection(self, name: str, active: bool) -> None:
        record_item((keys.BANK, name), {"name": name, "active": active}).save()

    def bank_connections(self) -> list[dict[str, Any]]:
        return [item.data for item in RecordModel.query(keys.BANK)]

    def put_journal(self, name: str) -> None:
        record_item(keys.journal(name), {"name": name}).save()

    def journal_exists(self, name: str) -> bool:
        pk, sk = keys.journal(name)
        return RecordModel.count(pk, RecordModel.sk == sk) > 0

    def add_journal_entry(self, journal: str, entry_id: str, entry: dict[str, Any]) -> None:
        """An unposted journal entry; :class:`AlreadyExists` when the journal has one with that id."""
        if not self.add_journal_entry_once(journal, entry_id, entry):
            raise AlreadyExists(f"journal {journal!r} has an entry {entry_id!r} already")

    def add_journal_entry_once(self, journal: str, entry_id: str, entry: dict[str, Any]) -> bool:
        """An unposted journal entry; False when the journal has one with that id already."""
        try:
            item = record_item(keys.journal_entry(journal, entry_id), entry)
            item.save(condition=RecordModel.pk.does_not_exist())
        except PutError as error:
            if conditional_failed(error):
                return False
            raise
        return True

    def journal_entries(self, journal: str) -> list[dict[str, Any]]:
        """The journal's unposted entries."""
        pk, _ = keys.journal(journal)
        items = RecordModel.query(pk, RecordModel.sk.startswith(keys.ENTRY_PREFIX))
        return [item.data | {"id": item.sk.removeprefix(keys.ENTRY_PREFIX)} for item in items]

    def remove_journal_entry(self, journal: str, entry_id: str) -> None:
        record_item(keys.journal_entry(journal, entry_id)).delete()
