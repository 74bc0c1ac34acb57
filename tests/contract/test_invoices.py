"""Invoices and their indexes, balances and disputes: the same behaviour in both stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from shared.errors import AlreadyExists, Conflict, NotFound
from shared.storage import keys
from shared.storage.keys import PARKED
from tests.support.storage import commit_one, invoice

MARCH_8 = date(2026, 3, 8)


def ids(invoices):
    return [i.invoice_id for i in invoices]


def test_an_invoice_is_created_once_and_read_back_whole(store):
    bill = invoice("I1", amount="1250.50", open_amount="250.50")
    store.create_invoice(bill, MARCH_8)
    with pytest.raises(AlreadyExists):
        store.create_invoice(replace(bill, amount=Decimal("1")), MARCH_8)
    assert store.get_invoice("I1") == bill
    assert store.get_invoice("I9") is None
    assert store.invoice_status("I1") == "open"
    assert store.invoice_status("I9") is None
    assert store.invoice_history("I1") == [] == store.invoice_history("I9")
    assert store.existing_invoices({"I1", "I9"}) == {"I1"}


def test_a_batch_of_invoices_is_created_whole_or_not_at_all(store):
    store.create_invoice(invoice("I2"), MARCH_8)
    with pytest.raises(AlreadyExists):
        store.create_invoices([(invoice("I1"), MARCH_8), (invoice("I2"), MARCH_8)])
    assert store.existing_invoices({"I1", "I2"}) == {"I2"}
    store.create_invoices([(invoice("I1"), MARCH_8), (invoice("I3", open_amount="0"), None)])
    assert store.existing_invoices({"I1", "I2", "I3"}) == {"I1", "I2", "I3"}
    assert store.invoice_status("I3") == "paid"


def test_the_due_index_answers_by_date_per_shard(store):
    # Given invoices waiting for steps on different dates, one paid and one parked
    for number, on in enumerate([date(2026, 3, 9), MARCH_8, date(2026, 3, 7), date(2026, 3, 8)], start=1):
        store.create_invoice(invoice(f"I{number}", due=date(2026, 3, number)), on)
    store.create_invoice(invoice("I5", open_amount="0"), None)
    store.create_invoice(invoice("I6", due=date(2026, 2, 1)), PARKED)
    # Then "due by March 8" is each shard's range, in shard and date order, alike in both stores
    due = ids(store.due_invoices(MARCH_8))
    assert sorted(due) == ["I2", "I3", "I4"]
    assert sorted(ids(store.waiting_invoices())) == ["I1", "I2", "I3", "I4", "I6"]
    assert ids(store.due_invoices(date(2026, 3, 6))) == []
    # And the overdue ones in process leave the parked one out and filter on the due date
    assert sorted(ids(store.overdue_in_process(date(2026, 3, 3)))) == ["I1", "I2"]


def test_due_index_order_is_the_same_in_both_stores(store):
    # Given many invoices of several customers, over several shards and dates
    customer = {f"I{number:02d}": f"C{number % 7}" for number in range(12)}
    for number in range(12):
        invoice_id = f"I{number:02d}"
        store.create_invoice(invoice(invoice_id, customer[invoice_id]), date(2026, 3, 1 + number % 5))
    # Then the order is shard by shard, by date then id: DynamoDB's order
    order = ids(store.due_invoices(date(2026, 3, 31)))
    shard_of = {i: keys.due_shard(customer[i]) for i in order}
    expected = sorted(
        order, key=lambda i: (keys.due_shards().index(shard_of[i]), keys.dated(date(2026, 3, 1 + int(i[1:]) % 5), i))
    )
    assert order == expected
    assert len(set(shard_of.values())) > 1  # the order spans shards
    assert order != sorted(order)


def test_a_customer_is_in_one_shard_and_shards_can_be_read_alone(store):
    # Given two customers' invoices, in (almost surely) different shards
    customers = ["C1", "C2", "C3", "C4"]
    for number, customer_id in enumerate(customers * 3):
        store.create_invoice(invoice(f"I{number:02d}", customer_id), MARCH_8)
    # Then each shard answers for whole customers, and all shards together answer for all
    seen: dict[str, str] = {}
    total = 0
    for shard in keys.due_shards():
        for due in store.due_invoices(MARCH_8, shards=[shard]):
            assert seen.setdefault(due.customer_id, shard) == shard, "a customer in two shards"
            assert keys.due_shard(due.customer_id) == shard
            total += 1
    assert total == 12 and set(seen) == set(customers)
    assert len(set(seen.values())) > 1


def test_open_and_customer_indexes(store):
    store.create_invoice(invoice("I2", due=date(2026, 3, 1)), MARCH_8)
    store.create_invoice(invoice("I1", due=date(2026, 3, 5)), MARCH_8)
    store.create_invoice(invoice("I3", open_amount="0"), None)
    store.create_invoice(invoice("I4", "C2"), MARCH_8)
    # Open invoices oldest due first; every invoice of the customer by id
    assert ids(store.open_invoices("C1")) == ["I2", "I1"]
    assert ids(store.customer_invoices("C1")) == ["I1", "I2", "I3"]
    assert ids(store.open_invoices("C9")) == []


def test_a_balance_changes_only_from_the_one_read_and_at_zero_the_invoice_is_paid(store):
    bill = invoice("I1")
    store.create_invoice(bill, MARCH_8)
    store.set_open_amount(bill, Decimal("400.00"))
    assert store.get_invoice("I1").open_amount == Decimal("400.00")
    # A stale balance is refused and changes nothing
    with pytest.raises(Conflict):
        store.set_open_amount(bill, Decimal("0"))
    assert store.get_invoice("I1").open_amount == Decimal("400.00")
    # Paid: out of the due- and open-index
    store.set_open_amount(replace(bill, open_amount=Decimal("400.00")), Decimal("0"))
    assert store.invoice_status("I1") == "paid"
    assert ids(store.waiting_invoices()) == [] == ids(store.open_invoices("C1"))
    assert ids(store.customer_invoices("C1")) == ["I1"]


def test_refiling_moves_a_waiting_invoice_only_from_the_step_it_was_read_at(store):
    bill = invoice("I1")
    store.create_invoice(bill, MARCH_8)
    store.refile_invoice(bill, date(2026, 3, 20))
    assert ids(store.due_invoices(date(2026, 3, 19))) == []
    assert ids(store.due_invoices(date(2026, 3, 20))) == ["I1"]
    # A stale step: nothing moves (and nothing is raised)
    store.refile_invoice(replace(bill, steps_done=1), MARCH_8)
    assert ids(store.due_invoices(MARCH_8)) == []
    # Nothing more to do and nothing owed: out of the due-index; owed: parked
    store.refile_invoice(bill, None)
    assert ids(store.overdue_in_process(date(2026, 4, 1))) == []
    assert ids(store.waiting_invoices()) == ["I1"]
    store.refile_invoice(replace(bill, open_amount=Decimal("0")), None)
    assert ids(store.waiting_invoices()) == []
    # An invoice out of the due-index is not put back by a refile
    store.refile_invoice(bill, MARCH_8)
    assert ids(store.waiting_invoices()) == []


def test_a_dispute_is_recorded_listed_and_ended(store):
    bill = invoice("I1")
    store.create_invoice(bill, MARCH_8)
    store.set_dispute(bill, date(2026, 4, 1), date(2026, 4, 1))
    disputed = store.get_invoice("I1")
    assert (disputed.disputed_until, disputed.disputed_ever) == (date(2026, 4, 1), True)
    assert store.disputes() == [{"invoice": "I1", "customer": "C1", "until": "2026-04-01"}]
    assert ids(store.due_invoices(date(2026, 3, 31))) == []
    store.set_dispute(disputed, None, None)
    ended = store.get_invoice("I1")
    assert (ended.disputed_until, ended.disputed_ever) == (None, True)
    assert store.disputes() == []
    with pytest.raises(NotFound):
        store.set_dispute(invoice("I9"), date(2026, 4, 1), None)


def test_a_payment_reference_is_filed_with_its_reminder(store):
    bill = invoice("I1")
    store.create_invoice(bill, MARCH_8)
    from shared.storage.records import Advance

    reference = {"reference": "000000000000017", "customer": "C1", "invoices": ["I1"]}
    advance = Advance(bill, MARCH_8, None, {"step": 1})
    assert commit_one(store, "k1", "run1", ["m1"], [advance], reference=reference)
    assert store.get_reference("000000000000017") == reference
    assert store.get_reference("000000000000018") is None


def _file_in_legacy_shard(store, invoice_id: str, shard: str) -> None:
    """Put an invoice where a run before the fan-out filed it (a shard by invoice id)."""
    from shared.storage.memory import MemoryStore

    if isinstance(store, MemoryStore):
        store._table.update(keys.invoice(invoice_id), set_={"due_shard": shard})
        return
    from shared.storage.models import InvoiceModel

    InvoiceModel(*keys.invoice(invoice_id)).update(actions=[InvoiceModel.due_shard.set(shard)])


def test_invoices_in_the_legacy_shards_move_to_their_customers_shard(store):
    # Given three waiting invoices of two customers still filed in the legacy shards
    for number, customer_id in enumerate(["C1", "C1", "C2"]):
        store.create_invoice(invoice(f"I{number}", customer_id), MARCH_8)
        _file_in_legacy_shard(store, f"I{number}", keys.LEGACY_DUE_SHARDS[number % 4])
    assert ids(store.due_invoices(MARCH_8)) == []  # the customer shards do not see them yet
    # When they are moved two at a time
    assert store.move_legacy_due_entries(2) == 2
    assert store.move_legacy_due_entries(2) == 1
    assert store.move_legacy_due_entries(2) == 0
    # Then each is in its customer's shard, due as before
    assert sorted(ids(store.due_invoices(MARCH_8))) == ["I0", "I1", "I2"]
    for due in store.due_invoices(MARCH_8):
        assert ids(store.due_invoices(MARCH_8, shards=[keys.due_shard(due.customer_id)])).count(due.invoice_id) == 1
