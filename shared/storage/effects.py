"""What the consumers did, in DynamoDB: effects (once per business key) with their month's usage,
fees and charges on the billing queue, and BS reminder records with the daily delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
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
    record_item,
)
from shared.storage.models import BillingLineModel, BsRecordModel, EffectModel, RecordModel, UsageModel
from shared.storage.records import BillingLine, BsRecord

# Bookings written in one transaction: each is at most three items (line or record, its pending
# copy, the effect), and a month's usage counter is one more item per month the bookings touch.
BOOKINGS_PER_TRANSACTION = (TRANSACTION_LIMIT - 2) // 3


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

    # -- the billing queue -------------------------------------------------------------
    def add_fee_line(self, line: BillingLine, effect: dict[str, Any], key: str, reversible: bool = True) -> bool:
        """Put a fee on the billing queue and record it, both or neither; False if done before."""
        pk, sk = keys.billing_line(line.customer_id, line.key)
        item = BillingLineModel(pk=pk, sk=sk, **billing_attributes(line))

        def write(transaction: TransactWrite) -> None:
            transaction.save(item, condition=BillingLineModel.pk.does_not_exist())
            self._write_effect(transaction, effect, key)
            # Mirrored under one key so a run can find fees not yet billed (O13 fee reversal).
            if reversible:
                pending = {"customer": line.customer_id, "invoices": list(line.invoice_ids), "amount": item.amount}
                transaction.save(record_item((keys.FEE_PENDING, key), pending))

        return self._transact(write)

    def billing_lines(self, customer_id: str) -> list[BillingLine]:
        pk, prefix = keys.billing_prefix(customer_id)
        return [billing_line(item) for item in BillingLineModel.query(pk, BillingLineModel.sk.startswith(prefix))]

    def pending_fees(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in RecordModel.query(keys.FEE_PENDING)]

    def reverse_fee(self, key: str, customer_id: str, effect: dict[str, Any]) -> bool:
        """Take a fee off the billing queue and record it, once; False when it was reversed before."""
        pk, sk = keys.billing_line(customer_id, key)

        def write(transaction: TransactWrite) -> None:
            transaction.delete(record_item((keys.FEE_PENDING, key)), condition=RecordModel.pk.exists())
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
        usage counter added once with the bookings' sum (a transaction touches an item once).

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
                pending = {"customer": line.customer_id, "invoices": list(line.invoice_ids), "amount": item.amount}
                transaction.save(record_item((keys.FEE_PENDING, booking.key), pending))
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
