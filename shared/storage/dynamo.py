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
from shared.domain.templates import Step, TemplateVersion
from shared.storage import keys
from shared.storage.models import (
    AgreementModel,
    BsRecordModel,
    EffectModel,
    InvoiceModel,
    RecordModel,
    TemplateVersionModel,
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
    """A new invoice's item: in the due-index while a step waits, in the open-index while money is owed.

    Bulk loaders (``batch_write``) build their items here too, so every invoice is filed alike.
    """
    pk, sk = keys.invoice(invoice.invoice_id)
    item = InvoiceModel(
        pk=pk,
        sk=sk,
        invoice_id=invoice.invoice_id,
        customer_id=invoice.customer_id,
        agreement_id=invoice.agreement_id,
        template_version=invoice.template_version,
        amount=money_text(invoice.amount),
        open_amount=money_text(invoice.open_amount),
        issued=invoice.issued.isoformat(),
        due=invoice.due.isoformat(),
        steps_done=invoice.steps_done,
        status="open" if first_step_on else "paid",
    )
    if first_step_on is not None:
        item.due_shard = keys.due_shard(invoice.invoice_id)
        item.due_key = keys.dated(first_step_on, invoice.invoice_id)
    if invoice.open_amount > 0:
        item.open_customer = invoice.customer_id
        item.open_key = keys.dated(invoice.due, invoice.invoice_id)
    return item


def invoice_state(item: InvoiceModel) -> InvoiceState:
    return InvoiceState(
        invoice_id=item.invoice_id,
        customer_id=item.customer_id,
        agreement_id=item.agreement_id,
        template_version=item.template_version,
        amount=Decimal(item.amount),
        open_amount=Decimal(item.open_amount),
        issued=date.fromisoformat(item.issued),
        due=date.fromisoformat(item.due),
        steps_done=int(item.steps_done),
        last_step_on=date.fromisoformat(item.last_step_on) if item.last_step_on else None,
        warned_on=date.fromisoformat(item.warned_on) if item.warned_on else None,
        fee_dates=tuple(date.fromisoformat(str(day)) for day in item.fee_dates or ()),
        disputed_until=date.fromisoformat(item.disputed_until) if item.disputed_until else None,
        disputed_ever=bool(item.disputed_ever),
        interest_to=date.fromisoformat(item.interest_to) if item.interest_to else None,
        compensated=bool(item.compensated),
    )


def template_version(item: TemplateVersionModel) -> TemplateVersion:
    return TemplateVersion(
        name=item.name,
        number=int(item.number),
        steps=tuple(Step.model_validate(step) for step in item.steps),
        used=bool(item.used),
    )


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


def bs_record(item: BsRecordModel, due: date, business_key: str) -> BsRecord:
    return BsRecord(
        key=business_key,
        due=due,
        customer_id=str(item.customer_id),
        creditor_number=str(item.creditor_number),
        data=dict(item.data),
    )


def dated_bs_record(item: BsRecordModel) -> BsRecord:
    """A waiting or filed record (sk ``<due>#<business key>``)."""
    return bs_record(item, *keys.bs_due_and_key(str(item.sk)))


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
