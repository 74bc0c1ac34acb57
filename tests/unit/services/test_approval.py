"""Approval on the in-memory store (O9, O14): a due reminder becomes a proposal; approving sends it
once; rejecting puts it back; an approved case is handed over once."""

from __future__ import annotations

from datetime import date

from shared.services.approval import approve, list_proposals, reject
from shared.services.scheduling import schedule_due_reminders
from tests.unit.services.fakes import NO_WAIT, ListSink, Tenant, at

MARCH_6 = date(2026, 3, 6)


def proposed_tenant(**settings) -> tuple[Tenant, ListSink]:
    """C1 and C2 with a reminder due on March 6 that needs approval, proposed by that day's run."""
    tenant = Tenant(approval_required=True, **settings)
    tenant.invoice("I1")
    tenant.invoice("I2", "C2")
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    return tenant, sink


def test_a_due_reminder_needing_approval_is_proposed_once_and_nothing_is_sent():
    tenant, sink = proposed_tenant()
    # Then both are proposed, nothing went out, the invoices did not advance
    assert sorted(p.customer for p in list_proposals(tenant.store)) == ["C1", "C2"]
    assert sink.sent == [] and tenant.store.get_invoice("I1").steps_done == 0
    # And the next days' runs do not propose them again
    schedule_due_reminders(tenant.store, sink, at(date(2026, 3, 7)), backoff=NO_WAIT)
    assert len(list_proposals(tenant.store)) == 2
    assert tenant.store.usage("2026-03")["proposals"] == 2


def test_approving_sends_once_dated_the_approval_day():
    tenant, sink = proposed_tenant()
    # When everything is approved on March 9, twice
    decision = approve(tenant.store, sink, tenant.settings, at(date(2026, 3, 9), 8))
    again = approve(tenant.store, sink, tenant.settings, at(date(2026, 3, 9), 9))
    # Then each customer got step 1 once, the proposals are gone, the invoices advanced on the 9th
    assert len(decision.approved) == 2 and again.approved == []
    assert sorted(sink.actions()) == [("email", "C1", 1), ("email", "C2", 1)]
    assert {m.run_date for m in sink.sent} == {date(2026, 3, 9)}
    assert list_proposals(tenant.store) == []
    assert tenant.store.get_invoice("I1").last_step_on == date(2026, 3, 9)
    assert tenant.store.pending_outbox() == []


def test_approving_one_customer_leaves_the_other_waiting():
    tenant, sink = proposed_tenant()
    approve(tenant.store, sink, tenant.settings, at(date(2026, 3, 9)), customers=["C2"])
    assert sink.actions() == [("email", "C2", 1)]
    assert [p.customer for p in list_proposals(tenant.store)] == ["C1"]


def test_a_proposal_whose_invoice_was_paid_meanwhile_is_dropped_unsent():
    tenant, sink = proposed_tenant()
    paid = tenant.store.get_invoice("I1")
    tenant.store.set_open_amount(paid, paid.open_amount * 0)
    decision = approve(tenant.store, sink, tenant.settings, at(date(2026, 3, 9)), customers=["C1"])
    assert len(decision.dropped) == 1 and decision.approved == []
    assert sink.sent == [] and [p.customer for p in list_proposals(tenant.store)] == ["C2"]


def test_rejecting_puts_the_invoices_back_for_the_next_run():
    tenant, sink = proposed_tenant()
    decision = reject(tenant.store, tenant.settings, at(date(2026, 3, 8)), customers=["C1"])
    assert len(decision.rejected) == 1
    assert [p.customer for p in list_proposals(tenant.store)] == ["C2"]
    assert [e["kind"] for e in tenant.store.effects_on(date(2026, 3, 8))] == ["rejected"]
    # The next run proposes C1 again
    schedule_due_reminders(tenant.store, sink, at(date(2026, 3, 9)), backoff=NO_WAIT)
    assert sorted(p.customer for p in list_proposals(tenant.store)) == ["C1", "C2"]
    assert sink.sent == []


def test_an_approved_collection_case_is_handed_over_once():
    # Given debt collection 10 days after the last step (the warning's 10 days), C1's invoice through its steps
    tenant = Tenant(collection={"after_days": 10, "partner_email": "cases@inkasso.example"})
    tenant.invoice("I1")
    sink = ListSink()
    for day in (date(2026, 3, 6), date(2026, 3, 13), date(2026, 3, 23)):
        schedule_due_reminders(tenant.store, sink, at(day), backoff=NO_WAIT)
    [proposal] = list_proposals(tenant.store)
    assert proposal.kind == "collection"
    # When it is approved, twice
    approve(tenant.store, sink, tenant.settings, at(date(2026, 3, 24)))
    approve(tenant.store, sink, tenant.settings, at(date(2026, 3, 25)))
    # Then one case is filed, one message to the partner, the invoice left the reminder process
    assert [case["debtor"]["id"] for case in tenant.store.cases()] == ["C1"]
    assert [m.action for m in sink.sent].count("collection") == 1
    assert tenant.store.invoice_status("I1") == "collection"
