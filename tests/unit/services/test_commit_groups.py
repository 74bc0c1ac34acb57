"""A run's reminders committed in groups, relying on the snapshots their invoices carry (in-memory
store): every message carries the customer's contact as committed; a snapshot that went stale is
read again and the reminder decided again; a lost race costs only its own reminder."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.domain.planning import PeriodSeen
from shared.messages import Contact
from shared.services.scheduling import schedule_due_reminders
from shared.storage.memory import MemoryStore
from shared.storage.records import Advance, Customer
from tests.support.storage import commit_one
from tests.unit.services.fakes import ADDRESS, NO_WAIT, ListSink, Tenant, at

MARCH_6 = date(2026, 3, 6)
FEE_STEP = [{"name": "Rykker 1", "days": 4, "actions": ["email", {"fee": "100.00"}, "statement"]}]
EMAIL_STEP = [{"name": "Rykker 1", "days": 4, "actions": ["email"]}]


class CountingStore(MemoryStore):
    """The in-memory store, counting what a run asks of it; ``before_commit`` runs before the first commit."""

    def __init__(self) -> None:
        super().__init__()
        self.commits: list[int] = []  # reminders per commit_reminders call
        self.reads: list[str] = []
        self.reserved: list[int] = []  # reference numbers per reservation
        self.before_commit: Any = None

    def reserve_reference_numbers(self, count):  # type: ignore[no-untyped-def]
        self.reserved.append(count)
        return super().reserve_reference_numbers(count)

    def commit_reminders(self, key, run_id, messages, reminders, tally=None):  # type: ignore[no-untyped-def]
        if self.before_commit is not None:
            self.before_commit, call = None, self.before_commit
            call()
        self.commits.append(len(reminders))
        return super().commit_reminders(key, run_id, messages, reminders, tally)

    def get_customers(self, customer_ids):  # type: ignore[no-untyped-def]
        self.reads += [f"customer {c}" for c in sorted(customer_ids)]
        return super().get_customers(customer_ids)

    def agreement_periods(self, agreement_ids):  # type: ignore[no-untyped-def]
        self.reads += [f"agreement {a}" for a in sorted(agreement_ids)]
        return super().agreement_periods(agreement_ids)


def counting_tenant(steps: list[dict[str, Any]]) -> tuple[Tenant, CountingStore]:
    tenant = Tenant(steps=steps)
    store = CountingStore()
    store._table = tenant.store._table  # the same items, counted
    tenant.store = store
    return tenant, store


def test_every_message_carries_the_contact_and_the_run_reads_no_customer_or_agreement():
    # Given two customers' invoices due for a step with a letter, a fee and a statement
    tenant, store = counting_tenant(FEE_STEP)
    tenant.invoice("I1", "C1")
    tenant.invoice("I2", "C2", business=True, phone="+4520123456")
    sink = ListSink()
    # When the run goes
    summary = schedule_due_reminders(store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then both reminders went in one commit, without reading a customer or an agreement
    assert summary.reminders == 2 and store.commits == [2] and store.reads == []
    # And every message (the statement too) carries its customer as committed
    contacts = {(m.action, m.customer_id): m.contact for m in sink.sent}
    assert set(contacts) == {(a, c) for a in ("email", "fee", "statement") for c in ("C1", "C2")}
    assert contacts[("email", "C1")] == Contact(name="Kunde C1", email="c1@example.dk", address=ADDRESS)
    assert contacts[("statement", "C2")] == Contact(
        name="Kunde C2", email="c2@example.dk", phone="+4520123456", address=ADDRESS, business=True
    )


def test_a_customer_changed_since_the_invoice_was_filed_is_read_again_and_sent_as_changed():
    # Given C1 got a new e-mail address after its invoice was filed
    tenant, store = counting_tenant(EMAIL_STEP)
    tenant.invoice("I1", "C1")
    store.put_customer(Customer("C1", "Kunde C1", "ny@example.dk", address=ADDRESS))
    sink = ListSink()
    # When the run goes
    summary = schedule_due_reminders(store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then the commit found the snapshot stale, read C1 and committed again: the letter goes to the new address
    assert summary.reminders == 1 and summary.lost_races == 0
    assert store.commits == [1, 1] and store.reads == ["customer C1"]
    [email] = sink.sent
    assert email.contact is not None and email.contact.email == "ny@example.dk"
    # And the invoice carries the customer as now, so the next run reads nothing
    invoice = store.get_invoice("I1")
    assert invoice is not None and invoice.customer_seen is not None
    assert invoice.customer_seen.email == "ny@example.dk"


def test_an_arrears_period_changed_since_the_snapshot_is_read_again_and_counted_from_what_it_is():
    # Given two invoices of one agreement; I1's reminder charges a fee on March 6, I2 was filed before it
    tenant, store = counting_tenant(FEE_STEP)
    tenant.invoice("I1", "C1")
    tenant.invoice("I2", "C1", due=date(2026, 3, 4))
    assert store.get_invoice("I2").period_seen == PeriodSeen()  # type: ignore[union-attr]
    schedule_due_reminders(store, ListSink(), at(MARCH_6), backoff=NO_WAIT)
    assert store.agreement_periods({"A-C1"})["A-C1"] == (1, MARCH_6, False)
    store.commits.clear()
    # When I2's step comes two days later (its snapshot still says: no fee in the period)
    sink = ListSink()
    summary = schedule_due_reminders(store, sink, at(date(2026, 3, 8)), backoff=NO_WAIT)
    # Then the commit found the period stale, read it and committed again: the fee is the period's second
    assert summary.reminders == 1 and summary.lost_races == 0
    assert store.commits == [1, 1] and "agreement A-C1" in store.reads
    assert [m.action for m in sink.sent] == ["email", "fee", "statement"]
    assert store.agreement_periods({"A-C1"})["A-C1"] == (2, date(2026, 3, 8), False)
    # And I2 now carries the period as it is
    assert store.get_invoice("I2").period_seen == PeriodSeen(2, date(2026, 3, 8), False)  # type: ignore[union-attr]


def test_a_lost_race_in_a_group_costs_only_its_own_reminder():
    # Given three customers' reminders due, and another run that takes I2 just before the commit
    tenant, store = counting_tenant(EMAIL_STEP)
    for number in (1, 2, 3):
        tenant.invoice(f"I{number}", f"C{number}")
    taken = store.get_invoice("I2")
    assert taken is not None
    store.before_commit = lambda: commit_one(store, "other", "other-run", [], [Advance(taken, MARCH_6, None, {})])
    sink = ListSink()
    # When the run commits them as one group
    summary = schedule_due_reminders(store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then (after the other run's commit) the group was refused once, naming I2's reminder, and the other
    # two committed together
    assert store.commits == [1, 3, 2]
    assert summary.reminders == 2 and summary.lost_races == 1
    assert sorted(m.customer_id for m in sink.sent) == ["C1", "C3"]
    assert store.pending_outbox() == [("other", [])]


def test_many_reminders_take_few_transactions_and_one_block_of_payment_references():
    # Given 60 customers with a reminder each (3 transaction items each, besides the outbox item and
    # the run's commit counts: 32 fit in one transaction)
    tenant, store = counting_tenant(EMAIL_STEP)
    for number in range(60):
        tenant.invoice(f"I{number:02d}", f"C{number:02d}")
    first = MemoryStore.reserve_reference_numbers(store, 1) + 1  # the counter, not counted as the run's
    sink = ListSink()
    # When the run goes
    summary = schedule_due_reminders(store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then all were committed in two transactions, their references reserved at once, given in plan order
    assert summary.reminders == 60 and store.commits == [32, 28]
    assert store.reserved == [60]
    references = [m.reference for m in sorted(sink.sent, key=lambda m: m.customer_id)]
    assert [int(r[:-1]) for r in references if r] == list(range(first, first + 60))
    assert MemoryStore.reserve_reference_numbers(store, 1) == first + 60


def test_a_group_whose_messages_would_not_fit_one_outbox_item_is_committed_in_parts(monkeypatch):
    from shared.services import commit

    # Given three reminders whose messages together exceed what one outbox item may hold
    tenant, store = counting_tenant(EMAIL_STEP)
    for number in (1, 2, 3):
        tenant.invoice(f"I{number}", f"C{number}")
    monkeypatch.setattr(commit, "OUTBOX_BYTES", 1)  # not even one message fits: each reminder goes alone
    sink = ListSink()
    # When the run goes
    summary = schedule_due_reminders(store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then the group was halved until each part is one reminder, and every reminder went once
    assert summary.reminders == 3 and store.commits == [1, 1, 1]
    assert sorted(m.customer_id for m in sink.sent) == ["C1", "C2", "C3"]
    assert store.pending_outbox() == []
