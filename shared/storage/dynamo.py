"""What every DynamoDB aggregate store shares: transactions, the effect write, item conversions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.domain.metering import month_of, usage_increments
from shared.domain.money import money_text
from shared.domain.planning import InvoiceState
from shared.storage import keys
from shared.storage.convert import invoice_attributes
from shared.storage.models import (
    AgreementModel,
    BsRecordModel,
    CounterModel,
    EffectModel,
    InvoiceModel,
    RecordModel,
    UsageModel,
)
from shared.storage.records import BsRecord

# DynamoDB's limit of items in one transaction.
TRANSACTION_LIMIT = 100


def conditional_failed(error: Exception) -> bool:
    """Whether a write failed on its condition (done before, or changed meanwhile)."""
    cause = getattr(error, "cause_response_code", None)
    if cause == "ConditionalCheckFailedException":
        return True
    reasons = getattr(error, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


def new_invoice_item(invoice: InvoiceState, first_step_on: date | None) -> InvoiceModel:
    """A new invoice's item (see :func:`shared.storage.convert.invoice_attributes`).

    Bulk loaders (``batch_write``) build their items here too, so every invoice is filed alike.
    """
    pk, sk = keys.invoice(invoice.invoice_id)
    return InvoiceModel(pk=pk, sk=sk, **invoice_attributes(invoice, first_step_on))


def invoice_item(invoice_id: str) -> InvoiceModel:
    """An invoice's item by key alone: the target of an update."""
    pk, sk = keys.invoice(invoice_id)
    return InvoiceModel(pk=pk, sk=sk)


def agreement_item(agreement_id: str) -> AgreementModel:
    pk, sk = keys.agreement(agreement_id)
    return AgreementModel(pk=pk, sk=sk)


def record_item(key: keys.Key, data: dict[str, Any] | None = None) -> RecordModel:
    return RecordModel(pk=key[0], sk=key[1], data=data) if data is not None else RecordModel(pk=key[0], sk=key[1])


def bs_item(key: keys.Key, record: BsRecord) -> BsRecordModel:
    return BsRecordModel(
        pk=key[0], sk=key[1], customer_id=record.customer_id, creditor_number=record.creditor_number, data=record.data
    )


def balance_actions(new_open: Decimal) -> list[Any]:
    """A new open balance; at zero the invoice is paid and leaves both indexes."""
    actions: list[Any] = [InvoiceModel.open_amount.set(money_text(new_open))]
    if new_open <= 0:
        actions += [
            InvoiceModel.status.set("paid"),
            InvoiceModel.due_shard.remove(),
            InvoiceModel.due_key.remove(),
            InvoiceModel.open_customer.remove(),
            InvoiceModel.open_key.remove(),
        ]
    return actions


def mark_fee_check(transaction: TransactWrite, customer_id: str) -> None:
    """Inside the write that may make a customer's fee reversible (a balance at 0, a reversible fee
    booked): mark the customer for the next fee reversal (O13). An ADD, so a mark made while a run
    checks the customer changes the count the run deletes on, and survives for the next run."""
    pk, sk = keys.fee_check(customer_id)
    transaction.update(CounterModel(pk=pk, sk=sk), actions=[CounterModel.value.add(1)])


def period_end_actions() -> list[Any]:
    """The agreement's arrears period ends: its next overdue invoice starts a new one."""
    return [
        AgreementModel.period_fees.set(0),
        AgreementModel.period_last_fee_on.remove(),
        AgreementModel.period_compensated.set(False),
    ]


class DynamoBase:
    """The table's shared writes: one transaction, one effect with its usage."""

    @staticmethod
    def _transact(write: Callable[[TransactWrite], None]) -> bool:
        """Run ``write``'s items as one DynamoDB transaction: all or nothing.

        False when a condition failed (done before, or changed meanwhile): nothing was written.
        """
        try:
            with TransactWrite(connection=RecordModel._get_connection().connection) as transaction:
                write(transaction)
        except TransactWriteError as error:
            if conditional_failed(error):
                return False
            raise
        return True

    @staticmethod
    def _effect_item(effect: dict[str, Any], key: str) -> EffectModel:
        pk, sk = keys.effect(effect, key)
        return EffectModel(pk=pk, sk=sk, data=effect)

    def _write_effect(self, transaction: TransactWrite, effect: dict[str, Any], key: str) -> None:
        """Inside a transaction: the effect, once, and its month's usage counters (O15)."""
        transaction.save(self._effect_item(effect, key), condition=EffectModel.pk.does_not_exist())
        increments = usage_increments(effect)
        if increments:
            transaction.update(
                UsageModel(pk=keys.USAGE, sk=month_of(effect)),
                actions=[getattr(UsageModel, name).add(value) for name, value in sorted(increments.items())],
            )
