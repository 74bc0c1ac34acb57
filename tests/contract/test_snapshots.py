"""Snapshots on invoices and reminders committed in groups: the same behaviour in both stores.

An invoice carries what a run needs of its customer (with the customer's revision) and of its
agreement's arrears period, so the run reads neither; a commit verifies what it relied on and
names, by position, the reminders of a group that moved or relied on something stale."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from shared.domain.planning import PeriodSeen
from shared.storage.records import (
    COMMITTED,
    MOVED,
    STALE,
    Advance,
    CommitTally,
    CustomerCheck,
    PeriodCharge,
    ReminderWrite,
    customer_revision,
    seen_customer,
)
from tests.support.storage import agreement, commit_one, customer, invoice

MARCH_8 = date(2026, 3, 8)
MARCH_18 = date(2026, 3, 18)


def filed(store, invoice_id, customer_id="C1", agreement_id="A1"):
    store.create_invoice(invoice(invoice_id, customer_id, agreement_id=agreement_id), MARCH_8)
    return store.get_invoice(invoice_id)


def relying(invoice_state, periods=(), charged=()):
    """A reminder of one invoice relying on its snapshots, as the run would write it."""
    seen = invoice_state.customer_seen
    return ReminderWrite(
        [Advance(invoice_state, MARCH_8, MARCH_18, {"step": 1}, seen_customer=seen)],
        customer=CustomerCheck(invoice_state.customer_id, seen.rev),
        periods=list(charged),
        periods_seen=dict(periods),
    )


def test_a_customer_carries_a_revision_that_changes_with_its_content(store):
    # Given a customer stored, then stored again unchanged, then with a new e-mail address
    store.put_customer(customer("C1"))
    first = store.get_customer("C1").rev
    store.put_customers([customer("C1")])
    unchanged = store.get_customer("C1").rev
    store.put_customer(customer("C1", phone="+4520000000"))
    # Then the revision is the content's digest: the same for the same content, new for a change
    assert first == unchanged == customer_revision(customer("C1"))
    assert store.get_customer("C1").rev == customer_revision(customer("C1", phone="+4520000000")) != first
    assert store.get_customers({"C1"})["C1"].rev == store.get_customer("C1").rev


def test_a_new_invoice_carries_its_customer_and_arrears_period(store):
    # Given a business customer whose agreement has had a fee in its current period
    store.put_customer(customer("C1", business=True))
    store.create_agreement(agreement("A1"))
    [one] = [filed(store, "I0")]
    charge = PeriodCharge("A1", 0, fee=True, compensated=False)
    assert commit_one(store, "k0", "r", ["m"], [Advance(one, MARCH_8, MARCH_18, {})], periods=[charge])
    # When invoices are created, alone and in a batch
    store.create_invoice(invoice("I1"), MARCH_18)
    store.create_invoices([(invoice("I2"), MARCH_18), (invoice("I3", "C9", agreement_id="A9"), MARCH_18)])
    # Then each carries the customer as stored (its revision) and the period as it is now
    expected = seen_customer(store.get_customer("C1"))
    for invoice_id in ("I1", "I2"):
        got = store.get_invoice(invoice_id)
        assert got.customer_seen == expected and expected.business and expected.rev is not None
        assert got.period_seen == PeriodSeen(1, MARCH_8, False)
    # And an invoice of an unknown customer and agreement carries no customer and an empty period
    assert store.get_invoice("I3").customer_seen is None
    assert store.get_invoice("I3").period_seen == PeriodSeen()


def test_reminders_commit_together_in_one_outbox_item_and_refresh_their_snapshots(store):
    # Given two customers' invoices, each carrying its snapshots
    store.put_customer(customer("C1"))
    store.put_customer(customer("C2"))
    store.create_agreement(agreement("A1"))
    store.create_agreement(agreement("A2", customer_id="C2"))
    first, second = filed(store, "I1"), filed(store, "I2", "C2", "A2")
    # When both reminders commit as one group, the second charging a fee on its agreement
    charge = PeriodCharge("A2", 0, fee=True, compensated=False)
    group = [
        relying(first),
        replace(
            relying(second, {"A2": PeriodSeen()}, [charge]),
            advances=[
                Advance(
                    second,
                    MARCH_8,
                    MARCH_18,
                    {"step": 1},
                    fee_charged=True,
                    seen_customer=second.customer_seen,
                    seen_period=PeriodSeen(1, MARCH_8, False),
                )
            ],
        ),
    ]
    assert store.commit_reminders("g1", "run1", ["m1", "m2", "m3"], group) == {}
    # Then both advanced, one outbox item holds every message, and the fee counts in the period
    assert [store.get_invoice(i).steps_done for i in ("I1", "I2")] == [1, 1]
    assert store.pending_outbox() == [("g1", ["m1", "m2", "m3"])]
    assert store.agreement_periods({"A2"})["A2"] == (1, MARCH_8, False)
    # And the invoice now carries the period with its fee in it
    assert store.get_invoice("I2").period_seen == PeriodSeen(1, MARCH_8, False)


def test_a_group_names_the_reminder_that_moved_and_writes_nothing(store):
    store.put_customer(customer("C1"))
    store.put_customer(customer("C2"))
    first, second = filed(store, "I1"), filed(store, "I2", "C2", "A2")
    # Given I2 moved on after it was read
    assert commit_one(store, "k0", "run0", ["m0"], [Advance(second, MARCH_8, MARCH_18, {})])
    # When a group of both commits
    failed = store.commit_reminders("g1", "run1", ["m1", "m2"], [relying(first), relying(second)])
    # Then the second is named as moved, and nothing of the group was written
    assert failed == {1: MOVED}
    assert store.get_invoice("I1").steps_done == 0 and store.outbox_run("g1") is None
    # And without it the first commits
    assert store.commit_reminders("g2", "run1", ["m1"], [relying(first)]) == {}
    assert store.get_invoice("I1").steps_done == 1


def test_a_group_names_the_reminder_whose_customer_or_period_changed_since_seen(store):
    store.put_customer(customer("C1"))
    store.put_customer(customer("C2"))
    store.create_agreement(agreement("A1"))
    store.create_agreement(agreement("A2", customer_id="C2"))
    first, second = filed(store, "I1"), filed(store, "I2", "C2", "A2")
    # Given C1 got a new e-mail address after I1 was filed
    store.put_customer(customer("C1", phone="+4520000000"))
    failed = store.commit_reminders("g1", "r", ["m"], [relying(first), relying(second, {"A2": PeriodSeen()})])
    # Then the first reminder relied on a stale customer; nothing was written
    assert failed == {0: STALE}
    assert store.get_invoice("I2").steps_done == 0
    # Given A2's period got a fee after I2 was filed (another invoice's reminder)
    third = filed(store, "I3", "C2", "A2")
    charge = PeriodCharge("A2", 0, fee=True, compensated=False)
    assert commit_one(store, "k3", "r", ["m"], [Advance(third, MARCH_8, MARCH_18, {})], periods=[charge])
    # Then a reminder relying on the period as it was, fee or not, is stale too
    assert store.commit_reminders("g2", "r", ["m"], [relying(second, {"A2": PeriodSeen()})]) == {0: STALE}
    assert store.commit_reminders("g3", "r", ["m"], [relying(second, {"A2": PeriodSeen()}, [charge])]) == {0: STALE}
    # And relying on the period as it is now, it commits
    now = PeriodSeen(1, MARCH_8, False)
    assert store.commit_reminders("g4", "r", ["m"], [relying(second, {"A2": now})]) == {}


def test_a_commit_adds_its_counts_to_its_run_in_its_own_transaction_and_a_refused_one_adds_none(store):
    store.put_customer(customer("C1"))
    store.put_customer(customer("C2"))
    first, second = filed(store, "I1"), filed(store, "I2", "C2", "A2")
    assert store.run_commit_counts("run1") == dict.fromkeys(COMMITTED, 0)
    # When a group of two commits with its counts, and one more commits in another bucket
    two = CommitTally("DUE#c01", {"reminders": 2, "invoices_advanced": 2, "messages": 3, "by_email": 2, "by_fee": 1})
    assert store.commit_reminders("g1", "run1", ["m1", "m2", "m3"], [relying(first), relying(second)], two) == {}
    third = filed(store, "I3", "C2", "A2")
    one = CommitTally("DUE#c02", {"reminders": 1, "invoices_advanced": 1, "messages": 1, "by_email": 1})
    assert store.commit_reminders("g2", "run1", ["m4"], [relying(third)], one) == {}
    # Then the run's counts are their sums, over every bucket, and no other run's
    counts = store.run_commit_counts("run1")
    assert (counts["reminders"], counts["invoices_advanced"], counts["messages"]) == (3, 3, 4)
    assert (counts["by_email"], counts["by_fee"], counts["by_sms"]) == (3, 1, 0)
    assert store.run_commit_counts("run2")["reminders"] == 0
    # And a commit that is refused (its invoice moved) adds nothing
    assert store.commit_reminders("g3", "run1", ["m5"], [relying(first)], one) == {0: MOVED}
    assert store.run_commit_counts("run1")["reminders"] == 3


def test_a_commit_tally_names_what_it_cannot_count():
    with pytest.raises(ValueError, match="not counted with a commit: \\['resent'\\]"):
        CommitTally("DUE#c01", {"resent": 1})


def test_a_customer_stored_before_revisions_is_verified_as_never_rewritten(store):
    # Given an invoice whose snapshot of C1 has no revision (C1 was stored before revisions)
    store.put_customer(customer("C1"))
    stored = filed(store, "I1")
    old = replace(stored, customer_seen=replace(stored.customer_seen, rev=None))
    # Then a commit relying on it fails: C1 has been rewritten (it has a revision now)
    assert store.commit_reminders("g1", "r", ["m"], [relying(old)]) == {0: STALE}
    assert store.commit_reminders("g2", "r", ["m"], [relying(stored)]) == {}


def test_reference_numbers_are_reserved_in_blocks_never_twice(store):
    first = store.reserve_reference_numbers(3)
    assert store.reserve_reference_numbers(1) == first + 3
    assert store.reserve_reference_numbers(2) == first + 4
