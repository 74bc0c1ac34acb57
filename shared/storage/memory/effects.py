"""Effects and usage, the billing queue, BS records and the daily delivery, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any

from shared.domain.metering import COUNTERS
from shared.storage import keys
from shared.storage.bookings import Booking
from shared.storage.convert import billing_attributes, billing_line, bs_record, dated_bs_record
from shared.storage.memory.table import Item, MemoryBase, absent, mark_fee_check, present, where
from shared.storage.records import BillingLine, BsRecord


def _bs_attributes(record: BsRecord) -> dict[str, Any]:
    return {"customer_id": record.customer_id, "creditor_number": record.creditor_number, "data": record.data}


def _pending_fee_data(line: BillingLine, key: str, amount: str) -> dict[str, Any]:
    return {"customer": line.customer_id, "invoices": list(line.invoice_ids), "amount": amount, "key": key}


def _pending_fee(item: Item) -> dict[str, Any]:
    """A pending fee; one filed before it held its key (legacy) has the key as its sk."""
    return {"key": str(item.sk)} | dict(item.data)


class MemoryEffectStore(MemoryBase):
    def record_effect(self, effect: dict[str, Any], key: str) -> bool:
        return self._table.transact(lambda: self._table.write_effect(effect, key))

    def has_effect(self, effect: dict[str, Any], key: str) -> bool:
        return self._table.get(keys.effect(effect, key)) is not None

    def usage(self, month: str) -> dict[str, int]:
        item = self._table.get((keys.USAGE, month))
        return {name: int((item or Item()).get(name) or 0) for name in COUNTERS}

    def effects_on(self, on: date) -> list[dict[str, Any]]:
        return [item.data for item in self._table.query(keys.effects_on(on))]

    def effects_of_kind(self, on: date, kind: str) -> list[dict[str, Any]]:
        return [item.data for item in self._table.query(keys.effects_on(on), prefix=f"{kind}#")]

    def add_fee_line(self, line: BillingLine, effect: dict[str, Any], key: str, reversible: bool = True) -> bool:
        table = self._table
        attributes = billing_attributes(line)

        def write() -> None:
            table.put(keys.billing_line(line.customer_id, line.key), attributes, when=absent)
            table.write_effect(effect, key)
            if reversible:
                pending = _pending_fee_data(line, key, attributes["amount"])
                table.put(keys.fee_pending(line.customer_id, key), {"data": pending})
                mark_fee_check(table, line.customer_id)

        return table.transact(write)

    def billing_lines(self, customer_id: str) -> list[BillingLine]:
        pk, prefix = keys.billing_prefix(customer_id)
        return [billing_line(item) for item in self._table.query(pk, prefix=prefix)]

    def pending_fees(self) -> list[dict[str, Any]]:
        return [_pending_fee(item) for item in self._table.query(keys.FEE_PENDING)]

    def customer_pending_fees(self, customer_id: str) -> list[dict[str, Any]]:
        items = self._table.query(keys.FEE_PENDING, prefix=keys.fee_pending_prefix(customer_id))
        return [_pending_fee(item) for item in items if item.data.get("customer") == customer_id and "key" in item.data]

    def refile_legacy_pending_fees(self) -> int:
        table = self._table
        legacy = [_pending_fee(item) for item in table.query(keys.FEE_PENDING) if "key" not in item.data]

        def refile(fee: dict[str, Any]) -> None:
            table.delete(keys.legacy_fee_pending(fee["key"]), when=present)
            table.put(keys.fee_pending(fee["customer"], fee["key"]), {"data": fee}, when=absent)

        return sum(not table.transact(partial(refile, fee)) for fee in legacy)

    def pending_fees_swept(self) -> bool:
        return self._table.get(keys.FEE_SWEPT) is not None

    def mark_pending_fees_swept(self) -> None:
        self._table.put(keys.FEE_SWEPT, {"data": {"swept": True}})

    def fee_checks(self) -> dict[str, int]:
        return {str(item.sk): int(item.value or 0) for item in self._table.query(keys.FEE_CHECK)}

    def clear_fee_check(self, customer_id: str, count: int) -> bool:
        return self._table.attempt(lambda: self._table.delete(keys.fee_check(customer_id), when=where(value=count)))

    def reverse_fee(self, key: str, customer_id: str, effect: dict[str, Any]) -> bool:
        table = self._table

        def write() -> None:
            table.delete(keys.fee_pending(customer_id, key), when=present)
            table.update(keys.billing_line(customer_id, key), when=present, set_={"kind": "fee_reversed"})
            table.write_effect(effect, f"reversal#{key}")

        return table.transact(write)

    def book_all(self, bookings: Sequence[Booking]) -> set[str]:
        table = self._table

        def booked(booking: Booking) -> bool:
            found = [keys.effect(booking.effect, booking.key)]
            if booking.line is not None:
                found.append(keys.billing_line(booking.line.customer_id, booking.line.key))
            if booking.record is not None:
                found += [keys.bs_record(booking.record.due, booking.record.key)]
                found += [keys.bs_pending(booking.record.due, booking.record.key)]
            return any(table.get(key) is not None for key in found)

        done = {booking.key for booking in bookings if booked(booking)}

        def write() -> None:
            for booking in bookings:
                if booking.key in done:
                    continue
                if booking.line is not None:
                    line, attributes = booking.line, billing_attributes(booking.line)
                    table.put(keys.billing_line(line.customer_id, line.key), attributes, when=absent)
                    if booking.reversible:
                        pending = _pending_fee_data(line, booking.key, attributes["amount"])
                        table.put(keys.fee_pending(line.customer_id, booking.key), {"data": pending})
                if booking.record is not None:
                    record = booking.record
                    table.put(keys.bs_record(record.due, record.key), _bs_attributes(record), when=absent)
                    table.put(keys.bs_pending(record.due, record.key), _bs_attributes(record), when=absent)
                table.write_effect(booking.effect, booking.key)
            for customer_id in sorted(
                {b.line.customer_id for b in bookings if b.key not in done and b.line is not None and b.reversible}
            ):
                mark_fee_check(table, customer_id)

        if not table.transact(write):
            raise AssertionError("memory cannot change between its check and its write")
        return done

    def add_bs_record(self, record: BsRecord, effect: dict[str, Any], key: str) -> bool:
        table = self._table

        def write() -> None:
            table.put(keys.bs_record(record.due, record.key), _bs_attributes(record), when=absent)
            table.put(keys.bs_pending(record.due, record.key), _bs_attributes(record), when=absent)
            table.write_effect(effect, key)

        return table.transact(write)

    def bs_records(self, on: date) -> list[BsRecord]:
        return [bs_record(item, on, str(item.sk)) for item in self._table.query(keys.bs_records_partition(on))]

    def undelivered_bs_records(self, through: date) -> list[BsRecord]:
        items = self._table.query(keys.BS_PENDING, below=keys.day_after(through))
        return [dated_bs_record(item) for item in items]

    def filed_bs_records(self, on: date) -> list[BsRecord]:
        return [dated_bs_record(item) for item in self._table.query(keys.bs_filed_partition(on))]

    def start_bs_delivery(self, on: date) -> None:
        self._table.put(keys.bs_unfinished(on), {"data": {"date": on.isoformat()}})

    def unfinished_bs_deliveries(self, before: date) -> list[date]:
        items = self._table.query(keys.BS_UNFINISHED, below=before.isoformat())
        return [date.fromisoformat(str(item.sk)) for item in items]

    def file_bs_records(self, on: date, records: Sequence[BsRecord]) -> bool:
        table = self._table

        def write() -> None:
            table.check(keys.bs_sealed(on), absent)
            for record in records:
                table.delete(keys.bs_pending(record.due, record.key), when=present)
                table.put(keys.bs_filed(on, record.due, record.key), _bs_attributes(record), when=absent)

        return table.transact(write)

    def seal_bs_delivery(self, on: date) -> None:
        self._table.put(keys.bs_sealed(on), {"data": {"date": on.isoformat()}})

    def bs_delivery_sealed(self, on: date) -> bool:
        return self._table.get(keys.bs_sealed(on)) is not None

    def forget_bs_delivery(self, on: date) -> None:
        self._table.delete(keys.bs_unfinished(on))

    def finish_bs_delivery(self, on: date, effect: dict[str, Any], key: str) -> bool:
        table = self._table

        def write() -> None:
            table.write_effect(effect, key)
            table.delete(keys.bs_unfinished(on))

        done = table.transact(write)
        if not done:
            table.delete(keys.bs_unfinished(on))
        return done
