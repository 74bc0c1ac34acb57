"""What a run does before it reminds, on the in-memory store (O7, O13): on-account money settles the
oldest invoices once, small remainders are written off once, a fee is reversed once its invoices are paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.services.booking import charge_fee
from shared.services.housekeeping import reverse_paid_fees, settle_open_items, write_off_small_remainders
from shared.services.scheduling import schedule_due_reminders
from tests.unit.services.fakes import NO_WAIT, ListSink, Tenant, at

MARCH_6 = date(2026, 3, 6)


def test_a_credit_settles_the_oldest_invoices_once():
    # Given C1 owes I1 (due Mar 1) and I2 (due Mar 2) and paid 800 on account
    tenant = Tenant()
    tenant.invoice("I2", amount="700.00", due=date(2026, 3, 2))
    tenant.invoice("I1", amount="300.00", due=date(2026, 3, 1))
    tenant.store.add_credit("C1", "payment", Decimal("800"), date(2026, 3, 5), "P1")
    # When the run settles twice (a retry)
    effects = settle_open_items(tenant.store, MARCH_6, "run1")
    again = settle_open_items(tenant.store, MARCH_6, "run1")
    # Then I1 is paid, I2 owes 200, the credit is used up, one settlement effect
    assert [(e["kind"], e["invoices"], e["amount"]) for e in effects] == [("settlement", ["I1", "I2"], "800.00")]
    assert again == []
    assert tenant.store.invoice_status("I1") == "paid"
    assert tenant.store.get_invoice("I2").open_amount == Decimal("200.00")
    assert tenant.store.open_credits() == []


def test_small_remainders_are_written_off_once():
    tenant = Tenant()
    tenant.invoice("I1", amount="5.00")
    tenant.invoice("I2", amount="500.00", due=date(2026, 3, 3))
    due = [tenant.store.get_invoice("I1"), tenant.store.get_invoice("I2")]
    effects, written = write_off_small_remainders(tenant.store, due, Decimal("10"), MARCH_6, "run1")
    again, _ = write_off_small_remainders(tenant.store, due, Decimal("10"), MARCH_6, "run1")
    assert written == {"I1"} and [e["amount"] for e in effects] == ["5.00"] and again == []
    assert tenant.store.invoice_status("I1") == "paid" and tenant.store.invoice_status("I2") == "open"


def test_a_fee_is_reversed_once_its_invoice_is_paid():
    # Given a fee charged for I1 by step 1
    tenant = Tenant(steps=[{"name": "Rykker 1", "days": 4, "actions": ["email", {"fee": "100.00"}]}])
    tenant.invoice("I1")
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    [fee] = [m for m in sink.sent if m.action == "fee"]
    charge_fee(fee, tenant.store, tenant.settings)
    # While I1 is open nothing is reversed
    assert reverse_paid_fees(tenant.store, date(2026, 3, 7), "run2") == []
    # When I1 is paid, the fee is reversed once
    invoice = tenant.store.get_invoice("I1")
    tenant.store.set_open_amount(invoice, Decimal("0"))
    reversed_ = reverse_paid_fees(tenant.store, date(2026, 3, 8), "run3")
    assert [(e["kind"], e["amount"]) for e in reversed_] == [("fee_reversal", "100.00")]
    assert reverse_paid_fees(tenant.store, date(2026, 3, 9), "run4") == []
    assert [line.kind for line in tenant.store.billing_lines("C1")] == ["fee_reversed"]
