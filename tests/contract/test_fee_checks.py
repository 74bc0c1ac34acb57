"""O13 fee reversal's bookkeeping, the same in both stores: each write that may make a fee reversible
marks its customer (``FEE_CHECK``) in the same write, a mark is cleared only on the count read,
pending fees are found by customer, and fees filed before that are re-filed once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shared.errors import Conflict
from shared.storage import keys
from shared.storage.bookings import Booking
from shared.storage.records import BillingLine
from tests.support.storage import invoice

MARCH_8 = date(2026, 3, 8)


def fee(key: str, customer: str = "C1", invoices: tuple[str, ...] = ("I1",)) -> BillingLine:
    return BillingLine(customer, key, "fee", Decimal("100.00"), "DKK", "Rykkergebyr", invoices, MARCH_8, MARCH_8)


def charged(customer: str = "C1") -> dict[str, Any]:
    return {"date": "2026-03-08", "kind": "fee", "customer": customer, "amount": "100.00"}


def file_legacy(store: Any, key: str, data: dict[str, Any]) -> None:
    """A pending fee as it was filed before fees were filed by customer: under its business key."""
    from shared.storage.memory import MemoryStore

    if isinstance(store, MemoryStore):
        store._table.put(keys.legacy_fee_pending(key), {"data": data})
    else:
        from shared.storage.dynamo import record_item

        record_item(keys.legacy_fee_pending(key), data).save()


def test_a_balance_reaching_zero_marks_its_customer_and_a_part_payment_does_not(store):
    store.create_invoice(invoice("I1", "C1", amount="300.00"), MARCH_8)
    store.create_invoice(invoice("I2", "C2", amount="300.00"), MARCH_8)
    store.set_open_amount(invoice("I1", "C1", amount="300.00"), Decimal("100.00"))
    assert store.fee_checks() == {}
    store.set_open_amount(invoice("I1", "C1", amount="300.00", open_amount="100.00"), Decimal("0"))
    store.set_open_amount(invoice("I2", "C2", amount="300.00"), Decimal("-5.00"))
    assert store.fee_checks() == {"C1": 1, "C2": 1}
    # A stale balance writes neither the balance nor the mark
    with pytest.raises(Conflict):
        store.set_open_amount(invoice("I1", "C1", amount="300.00"), Decimal("0"))
    assert store.fee_checks() == {"C1": 1, "C2": 1}


def test_a_write_off_and_a_settlement_mark_the_customers_they_clear(store):
    store.create_invoice(invoice("I1", "C1", amount="2.00"), MARCH_8)
    store.create_invoice(invoice("I2", "C2", amount="500.00"), MARCH_8)
    written_off = {"date": "2026-03-09", "kind": "write_off", "customer": "C1"}
    assert store.write_off([invoice("I1", "C1", amount="2.00")], [], written_off, "w1")
    assert store.fee_checks() == {"C1": 1}
    # A settlement that leaves a balance marks nothing; one that clears it marks its customer
    store.add_credit("C2", "payment", Decimal("500"), MARCH_8, "P1")
    [credit] = store.open_credits()
    settled = {"date": "2026-03-09", "kind": "settlement", "customer": "C2"}
    part = [(invoice("I2", "C2", amount="500.00"), Decimal("300.00"))]
    assert store.apply_settlement(credit, Decimal("300"), part, [], settled, "s1")
    assert store.fee_checks() == {"C1": 1}
    [credit] = store.open_credits()
    rest = [(invoice("I2", "C2", amount="500.00", open_amount="300.00"), Decimal("0"))]
    assert store.apply_settlement(credit, Decimal("0"), rest, [], settled | {"n": 2}, "s2")
    assert store.fee_checks() == {"C1": 1, "C2": 1}


def test_a_reversible_fee_marks_its_customer_when_booked_and_interest_does_not(store):
    assert store.add_fee_line(fee("acme/C1/fee"), charged(), "acme/C1/fee")
    assert not store.add_fee_line(fee("acme/C1/fee"), charged(), "acme/C1/fee")  # booked before: no mark
    interest = BillingLine("C2", "k", "interest", Decimal("3.10"), "DKK", "Morarente", ("I9",), MARCH_8, MARCH_8)
    assert store.add_fee_line(interest, {"date": "2026-03-08", "kind": "interest", "amount": "3.10"}, "k", False)
    assert store.fee_checks() == {"C1": 1}
    # A batch marks each customer with a reversible fee once, whatever the number of fees
    booked = store.book_all(
        [
            Booking("acme/C1/fee/a", charged(), line=fee("acme/C1/fee/a"), reversible=True),
            Booking("acme/C1/fee/b", charged(), line=fee("acme/C1/fee/b"), reversible=True),
            Booking("acme/C3/fee", charged("C3"), line=fee("acme/C3/fee", "C3", ("I3",)), reversible=True),
        ]
    )
    assert booked == set()
    assert store.fee_checks() == {"C1": 2, "C3": 1}


def test_a_mark_is_cleared_only_on_the_count_read(store):
    store.add_fee_line(fee("acme/C1/fee/a"), charged(), "acme/C1/fee/a")
    [(customer, count)] = store.fee_checks().items()
    # Marked again after the count was read (a payment while a run checks)
    store.add_fee_line(fee("acme/C1/fee/b"), charged(), "acme/C1/fee/b")
    assert not store.clear_fee_check(customer, count)
    assert store.fee_checks() == {"C1": 2}
    assert store.clear_fee_check("C1", 2)
    assert store.fee_checks() == {}
    assert not store.clear_fee_check("C1", 2)  # gone: nothing to clear


def test_pending_fees_are_found_by_customer(store):
    store.add_fee_line(fee("acme/C1/fee/b"), charged(), "acme/C1/fee/b")
    store.add_fee_line(fee("acme/C1/fee/a", invoices=("I1", "I2")), charged(), "acme/C1/fee/a")
    store.add_fee_line(fee("acme/C1#x/fee", "C1#x", ("I3",)), charged("C1#x"), "acme/C1#x/fee")
    store.add_fee_line(fee("acme/C10/fee", "C10", ("I4",)), charged("C10"), "acme/C10/fee")
    assert store.customer_pending_fees("C1") == [
        {"customer": "C1", "invoices": ["I1", "I2"], "amount": "100.00", "key": "acme/C1/fee/a"},
        {"customer": "C1", "invoices": ["I1"], "amount": "100.00", "key": "acme/C1/fee/b"},
    ]
    assert [f["key"] for f in store.customer_pending_fees("C1#x")] == ["acme/C1#x/fee"]
    assert store.customer_pending_fees("C2") == []
    assert len(store.pending_fees()) == 4
    # Reversed, it is no longer pending for its customer
    reversal = {"date": "2026-03-09", "kind": "fee_reversal", "customer": "C1", "amount": "100.00"}
    assert store.reverse_fee("acme/C1/fee/b", "C1", reversal)
    assert [f["key"] for f in store.customer_pending_fees("C1")] == ["acme/C1/fee/a"]


def test_legacy_pending_fees_are_re_filed_by_customer_once(store):
    # Given a fee filed under its business key alone (before fees were filed by customer)
    store.add_fee_line(fee("acme/C1/old", "C1"), charged(), "acme/C1/old", reversible=False)  # its billing line
    file_legacy(store, "acme/C1/old", {"customer": "C1", "invoices": ["I1"], "amount": "100.00"})
    store.add_fee_line(fee("acme/C1/new"), charged(), "acme/C1/new")
    assert sorted(f["key"] for f in store.pending_fees()) == ["acme/C1/new", "acme/C1/old"]
    assert [f["key"] for f in store.customer_pending_fees("C1")] == ["acme/C1/new"]
    assert not store.pending_fees_swept()
    # When re-filed (twice: the second finds nothing to move)
    assert store.refile_legacy_pending_fees() == 0
    assert store.refile_legacy_pending_fees() == 0
    store.mark_pending_fees_swept()
    # Then it is found by customer, once, and reversed under its business key
    assert store.pending_fees_swept()
    assert [f["key"] for f in store.customer_pending_fees("C1")] == ["acme/C1/new", "acme/C1/old"]
    assert len(store.pending_fees()) == 2
    reversal = {"date": "2026-03-09", "kind": "fee_reversal", "customer": "C1", "amount": "100.00"}
    assert store.reverse_fee("acme/C1/old", "C1", reversal)
    assert [line.kind for line in store.billing_lines("C1") if line.key == "acme/C1/old"] == ["fee_reversed"]
    assert [f["key"] for f in store.pending_fees()] == ["acme/C1/new"]


def test_invoices_are_read_together(store):
    store.create_invoice(invoice("I1", "C1", amount="300.00"), MARCH_8)
    store.create_invoice(invoice("I2", "C2", amount="200.00", open_amount="0"), None)
    found = store.get_invoices({"I1", "I2", "I9"})
    assert sorted(found) == ["I1", "I2"]
    assert (found["I1"].open_amount, found["I2"].open_amount) == (Decimal("300.00"), Decimal("0"))
    assert store.get_invoices(set()) == {}
