"""Reminders' commits in DynamoDB — invoices advance, messages go to the outbox — their payment
references, and the proposals that wait for approval (O9) and the debt-collection cases they
become (O14)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared.domain.money import money_text
from shared.domain.planning import InvoiceState, PeriodSeen
from shared.storage import keys
from shared.storage.convert import customer_seen_data, period_seen_data
from shared.storage.dynamo import DynamoBase, agreement_item, conditional_failed, invoice_item, record_item
from shared.storage.models import (
    AgreementModel,
    CounterModel,
    CustomerModel,
    InvoiceModel,
    OutboxModel,
    RecordModel,
    RunCommitsModel,
)
from shared.storage.records import MOVED, STALE, Advance, CommitTally, CustomerCheck, PeriodCharge, ReminderWrite


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
    if advance.seen_customer is not None:
        actions.append(InvoiceModel.seen_customer.set(customer_seen_data(advance.seen_customer)))
    if advance.seen_period is not None:
        actions.append(InvoiceModel.seen_period.set(period_seen_data(advance.seen_period)))
    return actions


def _period_is(seen: PeriodSeen) -> Condition:
    """The agreement's arrears period is still as seen (an attribute never written reads as empty)."""
    fees = AgreementModel.period_fees
    condition = (fees == seen.fees) if seen.fees else (fees.does_not_exist() | (fees == 0))
    last = AgreementModel.period_last_fee_on
    condition &= (last == seen.last_fee_on.isoformat()) if seen.last_fee_on else last.does_not_exist()
    compensated = AgreementModel.period_compensated
    condition &= (
        (compensated == True)  # noqa: E712 (a condition expression, not a comparison)
        if seen.compensated
        else (compensated.does_not_exist() | (compensated == False))  # noqa: E712
    )
    return condition


def _customer_is(check: CustomerCheck) -> Condition:
    """The customer is still at the revision seen (None: still never rewritten since revisions)."""
    if check.rev is None:
        return CustomerModel.pk.exists() & CustomerModel.rev.does_not_exist()
    return CustomerModel.rev == check.rev


class _Owned:
    """A transaction that remembers, per item, which reminder it belongs to and what its failed
    condition would mean — in the order DynamoDB lists the items (checks, deletes, puts, updates:
    how PynamoDB sends them), to read the cancellation reasons back."""

    def __init__(self, transaction: TransactWrite) -> None:
        self.transaction = transaction
        self._owners: dict[str, list[tuple[int, str] | None]] = {"check": [], "delete": [], "put": [], "update": []}

    def check(self, owner: tuple[int, str], model: type[Model], key: keys.Key, condition: Condition) -> None:
        self.transaction.condition_check(model, key[0], key[1], condition=condition)
        self._owners["check"].append(owner)

    def delete(self, owner: tuple[int, str], model: Model, condition: Condition) -> None:
        self.transaction.delete(model, condition=condition)
        self._owners["delete"].append(owner)

    def save(self, owner: tuple[int, str] | None, model: Model, condition: Condition) -> None:
        self.transaction.save(model, condition=condition)
        self._owners["put"].append(owner)

    def update(
        self, owner: tuple[int, str] | None, model: Model, actions: list[Any], condition: Condition | None
    ) -> None:
        self.transaction.update(model, actions=actions, condition=condition)
        self._owners["update"].append(owner)

    def failures(self, error: TransactWriteError, count: int) -> dict[int, str]:
        """Which reminders failed, and why (an unowned item that failed: all of them moved)."""
        owners = [*self._owners["check"], *self._owners["delete"], *self._owners["put"], *self._owners["update"]]
        failed: dict[int, str] = {}
        for owner, reason in zip(owners, error.cancellation_reasons, strict=False):
            if reason is None or reason.code != "ConditionalCheckFailed":
                continue
            if owner is None:
                return dict.fromkeys(range(count), MOVED)
            index, why = owner
            failed[index] = MOVED if failed.get(index) == MOVED else why
        return failed or dict.fromkeys(range(count), MOVED)


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


def _write_reminder(owned: _Owned, index: int, reminder: ReminderWrite) -> None:
    """One reminder's items of a commit, each tagged with what its failed condition would mean."""
    moved, stale = (index, MOVED), (index, STALE)
    if reminder.reference is not None:
        owned.save(
            moved,
            record_item((keys.REFERENCE, str(reminder.reference["reference"])), reminder.reference),
            RecordModel.pk.does_not_exist(),
        )
    if reminder.proposal_key is not None:
        owned.delete(moved, record_item((keys.PROPOSAL, reminder.proposal_key)), RecordModel.pk.exists())
    if reminder.customer is not None:
        owned.check(stale, CustomerModel, keys.customer(reminder.customer.customer_id), _customer_is(reminder.customer))
    on = reminder.advances[0].on
    charged = {period.agreement_id: period for period in reminder.periods}
    for agreement_id in sorted(charged.keys() | reminder.periods_seen.keys()):
        period = charged.get(agreement_id)
        seen = reminder.periods_seen.get(agreement_id)
        if seen is not None:
            condition = _period_is(seen)
        else:  # a caller that read only the count
            fees_before = period.fees_before if period is not None else 0
            condition = (
                AgreementModel.period_fees == fees_before
                if fees_before
                else AgreementModel.period_fees.does_not_exist() | (AgreementModel.period_fees == 0)
            )
        if period is not None:
            owned.update(stale, agreement_item(agreement_id), _period_actions(period, on), condition)
        else:
            owned.check(stale, AgreementModel, keys.agreement(agreement_id), condition)
    for advance in reminder.advances:
        condition = InvoiceModel.steps_done == advance.invoice.steps_done
        if reminder.proposal_key is not None:
            condition &= InvoiceModel.pending_proposal == reminder.proposal_key
        owned.update(moved, invoice_item(advance.invoice.invoice_id), _advance_actions(advance), condition)


class DynamoReminderStore(DynamoBase):
    def reserve_reference_numbers(self, count: int) -> int:
        """Take ``count`` numbers from the tenant's reference counter at once (an atomic add: never
        handed out twice) and return the first. A number taken by a reminder that then lost its commit
        is simply not used: payment ids need not be contiguous, only unique."""
        pk, sk = keys.REFERENCE_COUNTER
        item = CounterModel(pk=pk, sk=sk)
        item.update(actions=[CounterModel.value.add(count)])
        return int(item.value) - count + 1

    def commit_reminders(
        self,
        key: str,
        run_id: str,
        messages: list[str],
        reminders: Sequence[ReminderWrite],
        tally: CommitTally | None = None,
    ) -> dict[int, str]:
        """Advance the reminders' invoices and file all their messages in one outbox item ``key`` —
        all or nothing, in one transaction (with ``tally``, its counts are ADDed to the run's commit
        counts in the same transaction: see :meth:`run_commit_counts`).

        Each reminder's payment reference is filed with it, so a payment carrying it can always be
        matched back to the reminder's customer and invoices. Each invoice moves only from the step
        it was read at (and, for an approved proposal, only while that proposal still holds it,
        which is then removed); the customer and the arrears periods a reminder's decision relied on
        must still be as seen. Returns {} when written; else nothing was written, and the answer
        says, by position, which reminders failed: :data:`MOVED` (an invoice or proposal moved) or
        :data:`STALE` (its customer or an agreement's period changed since seen).
        """
        owned: _Owned | None = None
        try:
            with TransactWrite(connection=RecordModel._get_connection().connection) as transaction:
                owned = _Owned(transaction)
                owned.save(None, _outbox_item(key, messages, run_id), OutboxModel.pk.does_not_exist())
                for index, reminder in enumerate(reminders):
                    _write_reminder(owned, index, reminder)
                if tally is not None:
                    pk, sk = keys.run_commits(run_id, tally.bucket)
                    added = [getattr(RunCommitsModel, name).add(value) for name, value in tally.counts.items() if value]
                    if added:
                        owned.update(None, RunCommitsModel(pk=pk, sk=sk), added, None)
        except TransactWriteError as error:
            if owned is None or not conditional_failed(error):
                raise
            return owned.failures(error, len(reminders))
        return {}

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
