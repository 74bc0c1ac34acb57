"""A reminder's commit in DynamoDB — invoices advance, messages go to the outbox — and the
proposals that wait for approval (O9) and the debt-collection cases they become (O14)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.domain.money import money_text
from shared.domain.planning import InvoiceState
from shared.storage import keys
from shared.storage.dynamo import DynamoBase, agreement_item, invoice_item, record_item
from shared.storage.models import AgreementModel, InvoiceModel, OutboxModel, RecordModel
from shared.storage.records import Advance, PeriodCharge


def _advance_actions(advance: Advance) -> list[Any]:
    invoice = advance.invoice
    actions: list[Any] = [
        InvoiceModel.steps_done.set(invoice.steps_done + 1),
        InvoiceModel.last_step_on.set(advance.on.isoformat()),
        InvoiceModel.pending_proposal.remove(),
        InvoiceModel.history.set((InvoiceModel.history | []).append([advance.history])),
        InvoiceModel.due_shard.set(keys.due_shard(invoice.customer_id)),
        InvoiceModel.due_key.set(keys.dated(advance.next_step or keys.PARKED, invoice.invoice_id)),
    ]
    if advance.warning:
        actions.append(InvoiceModel.warned_on.set(advance.on.isoformat()))
    if advance.fee_charged:
        actions.append(InvoiceModel.fee_dates.set((InvoiceModel.fee_dates | []).append([advance.on.isoformat()])))
    if advance.interest_to is not None:
        actions.append(InvoiceModel.interest_to.set(advance.interest_to.isoformat()))
    if advance.compensated:
        actions.append(InvoiceModel.compensated.set(True))
    if advance.next_step is None:
        actions.append(InvoiceModel.status.set("finished"))
    return actions


def _period_actions(period: PeriodCharge, on: date) -> list[Any]:
    actions: list[Any] = []
    if period.fee:
        actions += [
            AgreementModel.period_fees.set(period.fees_before + 1),
            AgreementModel.period_last_fee_on.set(on.isoformat()),
        ]
    if period.compensated:
        actions.append(AgreementModel.period_compensated.set(True))
    return actions


def _outbox_item(key: str, messages: list[str], run_id: str) -> OutboxModel:
    return OutboxModel(pk=keys.OUTBOX, sk=key, messages=messages, run_id=run_id)


class DynamoReminderStore(DynamoBase):
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
        """Advance the reminder's invoices and file its messages in the outbox — all or nothing.

        ``reference`` (see :func:`shared.services.scheduling.reference_record`) is the reminder's
        payment reference, filed in the same transaction so a payment carrying it can always be
        matched back to the reminder's customer and invoices.

        Each invoice moves only from the step it was read at (and, for an
        approved proposal, only while that proposal still holds it, which is
        then removed); if anything moved meanwhile, nothing is written and
        False comes back.
        """

        def write(transaction: TransactWrite) -> None:
            transaction.save(_outbox_item(key, messages, run_id), condition=OutboxModel.pk.does_not_exist())
            if reference is not None:
                transaction.save(
                    record_item((keys.REFERENCE, str(reference["reference"])), reference),
                    condition=RecordModel.pk.does_not_exist(),
                )
            if proposal_key is not None:
                transaction.delete(record_item((keys.PROPOSAL, proposal_key)), condition=RecordModel.pk.exists())
            for period in periods:
                transaction.update(
                    agreement_item(period.agreement_id),
                    actions=_period_actions(period, advances[0].on),
                    condition=AgreementModel.period_fees == period.fees_before
                    if period.fees_before
                    else AgreementModel.period_fees.does_not_exist() | (AgreementModel.period_fees == 0),
                )
            for advance in advances:
                condition = InvoiceModel.steps_done == advance.invoice.steps_done
                if proposal_key is not None:
                    condition &= InvoiceModel.pending_proposal == proposal_key
                transaction.update(
                    invoice_item(advance.invoice.invoice_id), actions=_advance_actions(advance), condition=condition
                )

        return self._transact(write)

    # -- proposals waiting for approval (O9) and debt-collection cases (O14) -----------
    def commit_proposal(
        self, key: str, proposal: dict[str, Any], effect: dict[str, Any], invoices: list[InvoiceState]
    ) -> bool:
        """File a proposal, record its effect and take its invoices out of the due-index — all or nothing.

        While the proposal waits, no run sees its invoices, so it is never proposed twice.
        """

        def write(transaction: TransactWrite) -> None:
            transaction.save(record_item((keys.PROPOSAL, key), proposal), condition=RecordModel.pk.does_not_exist())
            self._write_effect(transaction, effect, key)
            for invoice in invoices:
                transaction.update(
                    invoice_item(invoice.invoice_id),
                    actions=[
                        InvoiceModel.pending_proposal.set(key),
                        InvoiceModel.due_shard.remove(),
                        InvoiceModel.due_key.remove(),
                    ],
                    condition=(InvoiceModel.steps_done == invoice.steps_done) & InvoiceModel.due_key.exists(),
                )

        return self._transact(write)

    def pending_proposals(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in RecordModel.query(keys.PROPOSAL)]

    def drop_proposal(
        self, key: str, invoices: Sequence[tuple[InvoiceState, date | None]], effect: dict[str, Any] | None
    ) -> bool:
        """Remove a proposal (rejected, or nothing left to send) and put its invoices back in the due-index."""

        def write(transaction: TransactWrite) -> None:
            transaction.delete(record_item((keys.PROPOSAL, key)), condition=RecordModel.pk.exists())
            if effect is not None:
                self._write_effect(transaction, effect, key)
            for invoice, refile_on in invoices:
                actions: list[Any] = [InvoiceModel.pending_proposal.remove()]
                if refile_on is not None:
                    actions += [
                        InvoiceModel.due_shard.set(keys.due_shard(invoice.customer_id)),
                        InvoiceModel.due_key.set(keys.dated(refile_on, invoice.invoice_id)),
                    ]
                transaction.update(
                    invoice_item(invoice.invoice_id), actions=actions, condition=InvoiceModel.pending_proposal == key
                )

        return self._transact(write)

    def hand_over_case(self, key: str, case: dict[str, Any], message: str, invoices: list[InvoiceState]) -> bool:
        """An approved collection case: file it, queue its e-mail to the partner (outbox) and take
        its invoices out of the reminder process (both indexes) — all or nothing."""

        def write(transaction: TransactWrite) -> None:
            transaction.delete(record_item((keys.PROPOSAL, key)), condition=RecordModel.pk.exists())
            transaction.save(record_item((keys.CASE, key), case), condition=RecordModel.pk.does_not_exist())
            transaction.save(_outbox_item(key, [message], case["run_id"]), condition=OutboxModel.pk.does_not_exist())
            for invoice in invoices:
                transaction.update(
                    invoice_item(invoice.invoice_id),
                    actions=[
                        InvoiceModel.status.set("collection"),
                        InvoiceModel.pending_proposal.remove(),
                        InvoiceModel.open_customer.remove(),
                        InvoiceModel.open_key.remove(),
                    ],
                    condition=(InvoiceModel.pending_proposal == key)
                    & (InvoiceModel.open_amount == money_text(invoice.open_amount)),
                )

        return self._transact(write)

    def cases(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in RecordModel.query(keys.CASE)]

    def get_case(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(RecordModel.get(keys.CASE, key).data) | {"key": key}
        except RecordModel.DoesNotExist:
            return None
