"""A reminder's commit, proposals and collection cases: the same behaviour in both stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from shared.storage.records import Advance, PeriodCharge
from tests.support.storage import agreement, commit_one, invoice

MARCH_8 = date(2026, 3, 8)
EFFECT = {"date": "2026-03-08", "kind": "proposal", "customer": "C1"}


def waiting(store, *invoice_ids):
    for invoice_id in invoice_ids:
        store.create_invoice(invoice(invoice_id), MARCH_8)
    return [store.get_invoice(invoice_id) for invoice_id in invoice_ids]


def test_a_commit_advances_every_invoice_and_files_the_messages(store):
    # Given two invoices waiting for step 1
    first, second = waiting(store, "I1", "I2")
    # When a reminder for both commits (a fee, the collection warning, the last step for I2)
    advances = [
        Advance(first, MARCH_8, date(2026, 3, 18), {"step": 1}, warning=True, fee_charged=True),
        Advance(second, MARCH_8, None, {"step": 1}, interest_to=date(2026, 3, 7), compensated=True),
    ]
    assert commit_one(store, "k1", "run1", ["m1", "m2"], advances)
    # Then both advanced, I2 finished and parked, the messages wait in the outbox
    one, two = store.get_invoice("I1"), store.get_invoice("I2")
    assert (one.steps_done, one.last_step_on, one.warned_on, one.fee_dates) == (1, MARCH_8, MARCH_8, (MARCH_8,))
    assert (two.interest_to, two.compensated, store.invoice_status("I2")) == (date(2026, 3, 7), True, "finished")
    assert store.invoice_history("I1") == [{"step": 1}]
    assert [i.invoice_id for i in store.due_invoices(date(2026, 3, 18))] == ["I1"]
    assert [i.invoice_id for i in store.overdue_in_process(date(2026, 12, 31))] == ["I1"]
    assert store.pending_outbox() == [("k1", ["m1", "m2"])]
    assert store.outbox_run("k1") == "run1"


def test_a_commit_from_a_stale_step_writes_nothing(store):
    # Given I1 moved on after I2 and I1 were read
    first, second = waiting(store, "I1", "I2")
    commit_one(store, "k0", "run0", ["m0"], [Advance(first, MARCH_8, date(2026, 3, 18), {"step": 1})])
    # When a reminder for both, from the step they were read at, commits
    advances = [Advance(second, MARCH_8, None, {"step": 1}), Advance(first, MARCH_8, None, {"step": 1})]
    assert not commit_one(store, "k1", "run1", ["m1"], advances)
    # Then nothing of it was written: I2 did not advance, no outbox item, I1 kept its step
    assert store.get_invoice("I2").steps_done == 0
    assert store.get_invoice("I1").steps_done == 1
    assert store.outbox_run("k1") is None
    # And the same key is committed once only
    assert not commit_one(store, "k0", "run9", ["m"], [Advance(second, MARCH_8, None, {"step": 1})])
    assert store.get_invoice("I2").steps_done == 0


def test_a_fee_counts_in_the_period_only_from_the_count_it_was_read_at(store):
    store.create_agreement(agreement("A1"))
    first, second = waiting(store, "I1", "I2")
    charge = PeriodCharge("A1", 0, fee=True, compensated=False)
    assert commit_one(store, "k1", "r", ["m"], [Advance(first, MARCH_8, None, {})], periods=[charge])
    # A second reminder that read the period before the first fee: refused
    assert not commit_one(store, "k2", "r", ["m"], [Advance(second, MARCH_8, None, {})], periods=[charge])
    assert store.get_invoice("I2").steps_done == 0
    assert store.agreement_periods({"A1"})["A1"][0] == 1
    # From the count now stored it goes
    later = PeriodCharge("A1", 1, fee=True, compensated=False)
    assert commit_one(store, "k2", "r", ["m"], [Advance(second, MARCH_8, None, {})], periods=[later])
    assert store.agreement_periods({"A1"})["A1"][0] == 2


def test_a_proposal_holds_its_invoices_until_approved(store):
    # Given a proposal for I1 and I2
    first, second = waiting(store, "I1", "I2")
    assert store.commit_proposal("p1", {"customer": "C1"}, EFFECT, [first, second])
    # Then they are out of the due-index, the proposal waits, its effect is counted
    assert list(store.waiting_invoices()) == []
    assert store.pending_proposals() == [{"customer": "C1", "key": "p1"}]
    assert store.usage("2026-03")["proposals"] == 1
    # And the same proposal is not filed twice
    assert not store.commit_proposal("p1", {"customer": "C1"}, EFFECT, [first, second])
    assert store.usage("2026-03")["proposals"] == 1
    # When approved, the invoices advance only while the proposal holds them; the proposal goes
    advances = [Advance(first, MARCH_8, date(2026, 3, 18), {}), Advance(second, MARCH_8, date(2026, 3, 18), {})]
    assert commit_one(store, "k1", "run1", ["m"], advances, proposal_key="p1")
    assert store.pending_proposals() == []
    assert sorted(i.invoice_id for i in store.waiting_invoices()) == ["I1", "I2"]
    # And a second approval finds no proposal: nothing written
    assert not commit_one(store, "k2", "run1", ["m"], advances, proposal_key="p1")
    assert store.outbox_run("k2") is None


def test_a_proposal_of_an_invoice_that_moved_is_not_filed(store):
    first, second = waiting(store, "I1", "I2")
    assert not store.commit_proposal("p1", {}, EFFECT, [first, replace(second, steps_done=3)])
    assert store.pending_proposals() == []
    assert store.usage("2026-03")["proposals"] == 0
    assert len(list(store.waiting_invoices())) == 2


def test_a_dropped_proposal_puts_its_invoices_back(store):
    first, second = waiting(store, "I1", "I2")
    store.commit_proposal("p1", {}, EFFECT, [first, second])
    rejected = {"date": "2026-03-09", "kind": "rejected", "customer": "C1"}
    assert store.drop_proposal("p1", [(first, date(2026, 3, 20)), (second, None)], rejected)
    assert [i.invoice_id for i in store.waiting_invoices()] == ["I1"]
    assert store.pending_proposals() == []
    assert store.effects_on(date(2026, 3, 9)) == [rejected]
    assert not store.drop_proposal("p1", [(first, MARCH_8)], None)


def test_a_case_is_handed_over_whole_or_not_at_all(store):
    first, second = waiting(store, "I1", "I2")
    store.commit_proposal("p1", {}, EFFECT, [first, second])
    case = {"run_id": "run1", "customer": "C1", "invoices": ["I1", "I2"]}
    # A balance that changed meanwhile: nothing is handed over
    assert not store.hand_over_case("p1", case, "mail", [first, replace(second, open_amount=Decimal("1"))])
    assert store.cases() == [] and store.outbox_run("p1") is None
    assert len(store.pending_proposals()) == 1
    # As read: filed, queued, the invoices out of the reminder process
    assert store.hand_over_case("p1", case, "mail", [first, second])
    assert store.cases() == [case | {"key": "p1"}]
    assert store.get_case("p1") == case | {"key": "p1"}
    assert store.get_case("p9") is None
    assert store.pending_outbox() == [("p1", ["mail"])]
    assert (store.invoice_status("I1"), store.open_invoices("C1")) == ("collection", [])
    assert not store.hand_over_case("p1", case, "mail", [first, second])
