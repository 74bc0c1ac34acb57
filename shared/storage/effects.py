"""What the consumers did, in DynamoDB: effects (once per business key) with their month's usage,
fees and charges on the billing queue, and BS reminder records with the daily delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.domain.metering import COUNTERS, usage_increments
from shared.storage import keys
from shared.storage.bookings import Booking, BookingUnclear, summed_usage
from shared.storage.convert import billing_attributes, billing_line, bs_record, dated_bs_record
from shared.storage.dynamo import (
    TRANSACTION_LIMIT,
    DynamoBase,
    bs_item,
    conditional_failed,
    mark_fee_check,
    record_item,
)
from shared.storage.models import BillingLineModel, BsRecordModel, CounterModel, EffectModel, RecordModel, UsageModel
from shared.storage.records import BillingLine, BsRecord

# Bookings written in one transaction: each is at most four items (line or record, its pending
# copy, the effect, its customer's fee-check mark), and a month's usage counter is one more item per
# month the bookings touch.
BOOKINGS_PER_TRANSACTION = (TRANSACTION_LIMIT - 2) // 4
# Legacy pending fees re-filed in one transaction (two items each: the old one deleted, the new one put).
REFILES_PER_TRANSACTION = TRANSACTION_LIMIT // 2


def pending_fee_data(line: BillingLine, key: str, amount: str) -> dict[str, Any]:
    """What a pending fee holds (O13): its customer, invoices, amount and business key."""
    return {"customer": line.customer_id, "invoices": list(line.invoice_ids), "amount": amount, "key": key}


def pending_fee(item: RecordModel) -> dict[str, Any]:
    """A pending fee as the run reads it; one filed before it held its key has the key as its sk."""
    return {"key": str(item.sk)} | dict(item.data)


def _booked_before(error: TransactWriteError, owners: list[str | None]) -> set[str]:
    """The bookings whose condition failed (their item exists: booked before), from the transaction's
    cancellation reasons (one per item, in the order written); empty when any item failed for
    another reason (a conflict, throttling) or the reasons do not say."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    if len(reasons) != len(owners):
        return set()
    before: set[str] = set()
    for reason, owner in zip(reasons, owners, strict=True):
        if reason is None or reason.code in ("None", ""):
            continue
        if reason.code != "ConditionalCheckFailed" or owner is None:
            return set()
        before.add(owner)
    return before


class DynamoEffectStore(DynamoBase):
    _fees_swept = False  # set once the fee reversal's sweep is seen done (pending_fees_swept)

    # -- effects and usage ---------------------------------------------------------
    def record_effect(self, effect: dict[str, Any], key: str) -> bool:
        """Store one effect under its business key (and meter it); False when it was recorded before."""
        if not usage_increments(effect):
            try:
                self._effect_item(effect, key).save(condition=EffectModel.pk.does_not_exist())
            except PutError as error:
                if conditional_failed(error):
                    return False
                raise
            return True

        def write(transaction: TransactWrite) -> None:
            self._write_effect(transaction, effect, key)

        return self._transact(write)

    def has_effect(self, effect: dict[str, Any], key: str) -> bool:
        """Whether the effect of this kind, date and business key is recorded."""
        try:
            EffectModel.get(*keys.effect(effect, key), consistent_read=True)
        except EffectModel.DoesNotExist:
            return False
        return True

    def usage(self, month: str) -> dict[str, int]:
        """The counters of one calendar month (``yyyy-mm``); zeros when nothing happened."""
        try:
            item = UsageModel.get(keys.USAGE, month)
        except UsageModel.DoesNotExist:
            return dict.fromkeys(COUNTERS, 0)
        return {name: int(getattr(item, name) or 0) for name in COUNTERS}

    def effects_on(self, on: date) -> list[dict[str, Any]]:
        return [item.data for item in EffectModel.query(keys.effects_on(on))]

    def effects_of_kind(self, on: date, kind: str) -> list[dict[str, Any]]:
        """One day's effects of one kind (a key-condition query on the kind's prefix, not the whole day)."""
        return [item.data for item in EffectModel.query(keys.effects_on(on), EffectModel.sk.startswith(f"{kind}#"))]

    # -- the billing queue -------------------------------------------------------------
    def add_fee_line(self, line: BillingLine, effect: dict[str, Any], key: str, reversible: bool = True) -> bool:
        """Put a fee on the billing queue and record it, both or neither; False if done before.

        A reversible fee is mirrored under ``FEE_PENDING`` by its customer, and the customer is marked
        for the fee reversal (O13) in the same transaction: its invoices may be paid already."""
        pk, sk = keys.billing_line(line.customer_id, line.key)
        item = BillingLineModel(pk=pk, sk=sk, **billing_attributes(line))

        def write(transaction: TransactWrite) -> None:
            transaction.save(item, condition=BillingLineModel.pk.does_not_exist())
            self._write_effect(transaction, effect, key)
            if reversible:
                pending = pending_fee_data(line, key, item.amount)
                transaction.save(record_item(keys.fee_pending(line.customer_id, key), pending))
                mark_fee_check(transaction, line.customer_id)

        return self._transact(write)

    def billing_lines(self, customer_id: str) -> list[BillingLine]:
        pk, prefix = keys.billing_prefix(customer_id)
        return [billing_line(item) for item in BillingLineModel.query(pk, BillingLineModel.sk.startswith(prefix))]

    # -- fees that may be reversed (O13) -------------------------------------------------
    def pending_fees(self) -> list[dict[str, Any]]:
        """Every reversible fee not yet billed (the whole partition: the sweep and tests only)."""
        return [pending_fee(item) for item in RecordModel.query(keys.FEE_PENDING, consistent_read=True)]

    def customer_pending_fees(self, customer_id: str) -> list[dict[str, Any]]:
        """One customer's reversible fees not yet billed, by business key (one range query)."""
        condition = RecordModel.sk.startswith(keys.fee_pending_prefix(customer_id))
        items = RecordModel.query(keys.FEE_PENDING, condition, consistent_read=True)
        # Only this customer's (an id holding "#" shares a prefix with another's) and only those filed
        # under the customer (a legacy one holds no key and is found by the sweep).
        return [pending_fee(item) for item in items if item.data.get("customer") == customer_id and "key" in item.data]

    def refile_legacy_pending_fees(self) -> int:
        """Re-file every pending fee filed under its business key alone under its customer (each
        move conditional, the old item deleted in the same transaction as the new one is put); how
        many are left where they were (moved or reversed meanwhile: none normally)."""
        legacy = [item for item in RecordModel.query(keys.FEE_PENDING, consistent_read=True) if "key" not in item.data]
        left = 0
        for start in range(0, len(legacy), REFILES_PER_TRANSACTION):
            chunk = legacy[start : start + REFILES_PER_TRANSACTION]
            if not self._refile(chunk):
                left += sum(not self._refile([item]) for item in chunk)
        return left

    def _refile(self, items: list[RecordModel]) -> bool:
        def write(transaction: TransactWrite) -> None:
            for item in items:
                data = pending_fee(item)
                transaction.delete(record_item(keys.legacy_fee_pending(data["key"])), condition=RecordModel.pk.exists())
                new = record_item(keys.fee_pending(data["customer"], data["key"]), data)
                transaction.save(new, condition=RecordModel.pk.does_not_exist())

        return self._transact(write)

    def pending_fees_swept(self) -> bool:
        """Whether a run has checked every pending fee once and re-filed the legacy ones (once seen,
        remembered by this store: the sweep is never undone)."""
        if not self._fees_swept:
            pk, sk = keys.FEE_SWEPT
            self._fees_swept = RecordModel.count(pk, RecordModel.sk == sk, consistent_read=True) > 0
        return self._fees_swept

    def mark_pending_fees_swept(self) -> None:
        record_item(keys.FEE_SWEPT, {"swept": True}).save()
        self._fees_swept = True

    def fee_checks(self) -> dict[str, int]:
        """The marked customers (their fees may have become reversible) with each mark's count."""
        items = CounterModel.query(keys.FEE_CHECK, consistent_read=True)
        return {str(item.sk): int(item.value or 0) for item in items}

    def clear_fee_check(self, customer_id: str, count: int) -> bool:
        """Delete the customer's mark if it still holds ``count``; False (kept for the next run) when
        it was marked again meanwhile."""
        pk, sk = keys.fee_check(customer_id)
        try:
            CounterModel(pk=pk, sk=sk).delete(condition=CounterModel.value == count)
        except DeleteError as error:
            if conditional_failed(error):
                return False
            raise
        return True

    def reverse_fee(self, key: str, customer_id: str, effect: dict[str, Any]) -> bool:
        """Take a fee off the billing queue and record it, once; False when it was reversed before."""
        pk, sk = keys.billing_line(customer_id, key)

        def write(transaction: TransactWrite) -> None:
            pending = record_item(keys.fee_pending(customer_id, key))
            transaction.delete(pending, condition=RecordModel.pk.exists())
            transaction.update(
                BillingLineModel(pk=pk, sk=sk),
                actions=[BillingLineModel.kind.set("fee_reversed")],
                condition=BillingLineModel.pk.exists(),
            )
            self._write_effect(transaction, effect, f"reversal#{key}")

        return self._transact(write)

    # -- a batch of fee and BS bookings (one SQS batch) ------------------------------------
    def book_all(self, bookings: Sequence[Booking]) -> set[str]:
        """Book fee lines, BS records and skips (distinct keys) together: one transaction per
        :data:`BOOKINGS_PER_TRANSACTION`, each booking all or nothing with its effect, each month's
        usage counter added once with the bookings' sum and each customer with a reversible fee marked
        once for the fee reversal (a transaction touches an item once).

        A booking found booked before (its effect, line or record exists: a duplicate delivery) is
        left out and the rest written again; the keys booked before are returned. Any other failure
        raises :class:`BookingUnclear` — a chunk written before stays written — and the caller books
        each message on its own, which finds what was written.
        """
        done: set[str] = set()
        for start in range(0, len(bookings), BOOKINGS_PER_TRANSACTION):
            done |= self._book_chunk(list(bookings[start : start + BOOKINGS_PER_TRANSACTION]))
        return done

    def _book_chunk(self, bookings: list[Booking]) -> set[str]:
        done: set[str] = set()
        while bookings:
            owners: list[str | None] = []  # per item of the transaction, as sent: whose it is
            try:
                with TransactWrite(connection=RecordModel._get_connection().connection) as transaction:
                    for booking in bookings:
                        owners += [booking.key] * self._write_booking(transaction, booking)
                    for month, increments in summed_usage(booking.effect for booking in bookings).items():
                        # updates follow every put in the request (PynamoDB's order)
                        transaction.update(
                            UsageModel(pk=keys.USAGE, sk=month),
                            actions=[getattr(UsageModel, n).add(v) for n, v in increments.items()],
                        )
                        owners.append(None)
                    # each customer with a reversible fee marked once (a transaction touches an item once)
                    for customer_id in sorted(
                        {b.line.customer_id for b in bookings if b.line is not None and b.reversible}
                    ):
                        mark_fee_check(transaction, customer_id)
                        owners.append(None)
                return done
            except TransactWriteError as error:
                before = _booked_before(error, owners)
                if not before:
                    raise BookingUnclear(f"bookings not written together: {type(error).__name__}") from error
                done |= before
                bookings = [booking for booking in bookings if booking.key not in before]
        return done

    def _write_booking(self, transaction: TransactWrite, booking: Booking) -> int:
        """Put one booking's items (no usage) into ``transaction``; how many items (all puts)."""
        items = 1
        if booking.line is not None:
            line = booking.line
            pk, sk = keys.billing_line(line.customer_id, line.key)
            item = BillingLineModel(pk=pk, sk=sk, **billing_attributes(line))
            transaction.save(item, condition=BillingLineModel.pk.does_not_exist())
            items += 1
            if booking.reversible:
                pending = pending_fee_data(line, booking.key, item.amount)
                transaction.save(record_item(keys.fee_pending(line.customer_id, booking.key), pending))
                items += 1
        if booking.record is not None:
            record = booking.record
            own = bs_item(keys.bs_record(record.due, record.key), record)
            transaction.save(own, condition=BsRecordModel.pk.does_not_exist())
            pending_bs = bs_item(keys.bs_pending(record.due, record.key), record)
            transaction.save(pending_bs, condition=BsRecordModel.pk.does_not_exist())
            items += 2
        transaction.save(self._effect_item(booking.effect, booking.key), condition=EffectModel.pk.does_not_exist())
        return items

    # -- BS reminder records and the daily delivery ------------------------------------
    def add_bs_record(self, record: BsRecord, effect: dict[str, Any], key: str) -> bool:
        """Store a BS reminder record for the day's delivery and record it; False if done before.

        It is filed for delivery too: it waits under ``BS_PENDING`` until a delivery takes it
        (that day's or a later one).
        """

        def write(transaction: TransactWrite) -> None:
            own = bs_item(keys.bs_record(record.due, record.key), record)
            transaction.save(own, condition=BsRecordModel.pk.does_not_exist())
            pending = bs_item(keys.bs_pending(record.due, record.key), record)
            transaction.save(pending, condition=BsRecordModel.pk.does_not_exist())
            self._write_effect(transaction, effect, key)

        return self._transact(write)

    def bs_records(self, on: date) -> list[BsRecord]:
        items = BsRecordModel.query(keys.bs_records_partition(on))
        return [bs_record(item, on, str(item.sk)) for item in items]

    def undelivered_bs_records(self, through: date) -> list[BsRecord]:
        """BS records due on or before ``through`` that no delivery has taken yet, by due date and key."""
        items = BsRecordModel.query(keys.BS_PENDING, BsRecordModel.sk < keys.day_after(through), consistent_read=True)
        return [dated_bs_record(item) for item in items]

    def filed_bs_records(self, on: date) -> list[BsRecord]:
        """The records the delivery of ``on`` holds, by due date and key: the delivery's manifest."""
        items = BsRecordModel.query(keys.bs_filed_partition(on), consistent_read=True)
        return [dated_bs_record(item) for item in items]

    def start_bs_delivery(self, on: date) -> None:
        """Mark the delivery of ``on`` as begun: until its effect is recorded, a later delivery finishes it."""
        record_item(keys.bs_unfinished(on), {"date": on.isoformat()}).save()

    def unfinished_bs_deliveries(self, before: date) -> list[date]:
        items = RecordModel.query(keys.BS_UNFINISHED, RecordModel.sk < before.isoformat(), consistent_read=True)
        return [date.fromisoformat(str(item.sk)) for item in items]

    def file_bs_records(self, on: date, records: Sequence[BsRecord]) -> bool:
        """Move pending records into the delivery of ``on`` — only while it is not sealed, each only
        once; False (nothing moved) when the delivery was sealed or a record was taken meanwhile."""

        def write(transaction: TransactWrite) -> None:
            transaction.condition_check(RecordModel, *keys.bs_sealed(on), condition=RecordModel.pk.does_not_exist())
            for record in records:
                pending = bs_item(keys.bs_pending(record.due, record.key), record)
                transaction.delete(pending, condition=BsRecordModel.pk.exists())
                filed = bs_item(keys.bs_filed(on, record.due, record.key), record)
                transaction.save(filed, condition=BsRecordModel.pk.does_not_exist())

        return self._transact(write)

    def seal_bs_delivery(self, on: date) -> None:
        """No record joins the delivery of ``on`` any more: its file is built from what it holds now."""
        record_item(keys.bs_sealed(on), {"date": on.isoformat()}).save()

    def bs_delivery_sealed(self, on: date) -> bool:
        pk, sk = keys.bs_sealed(on)
        return RecordModel.count(pk, RecordModel.sk == sk, consistent_read=True) > 0

    def forget_bs_delivery(self, on: date) -> None:
        record_item(keys.bs_unfinished(on)).delete()

    def finish_bs_delivery(self, on: date, effect: dict[str, Any], key: str) -> bool:
        """Record the delivery's effect and clear its "unfinished" mark together; False if recorded before."""

        def write(transaction: TransactWrite) -> None:
            self._write_effect(transaction, effect, key)
            transaction.delete(record_item(keys.bs_unfinished(on)))

        done = self._transact(write)
        if not done:
            record_item(keys.bs_unfinished(on)).delete()
        return done
