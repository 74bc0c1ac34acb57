"""Fees, interest and compensation decided by a run, on the in-memory store (renteloven §§ 5, 9 a, 9 b):
what is charged goes as a message, what the rules refuse is a ``skipped`` effect, never dropped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.services.scheduling import schedule_due_reminders
from tests.unit.services.fakes import NO_WAIT, ListSink, Tenant, at

MARCH_6 = date(2026, 3, 6)
FEE_STEP = [{"name": "Rykker 1", "days": 4, "actions": ["email", {"fee": "100.00"}]}]
COMPENSATION_STEP = [{"name": "Rykker 1", "days": 4, "actions": ["email", {"compensation": True}]}]


def skipped(tenant: Tenant, on: date) -> dict[str, str]:
    """The charges the rules refused on ``on``: action → the recorded reason."""
    return {e["action"]: e["reason"] for e in tenant.store.effects_on(on) if e["kind"] == "skipped"}


def test_a_fee_goes_with_the_letter_it_is_charged_for():
    tenant = Tenant(steps=FEE_STEP)
    tenant.invoice("I1")
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    [fee] = [m for m in sink.sent if m.action == "fee"]
    assert fee.step_fee == Decimal("100.00")
    assert tenant.store.get_invoice("I1").fee_dates == (MARCH_6,)
    assert tenant.store.agreement_periods({"A-C1"})["A-C1"][:2] == (1, MARCH_6)


def test_no_fee_without_a_letter_that_reaches_the_customer():
    # Given a customer without an e-mail address: the step's e-mail cannot reach them
    tenant = Tenant(steps=FEE_STEP)
    tenant.invoice("I1", email=None)
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then no fee is charged, and the refusal is recorded with its reason
    assert [m.action for m in sink.sent if m.action == "fee"] == []
    assert "no letter reached the customer" in skipped(tenant, MARCH_6)["fee"]
    assert tenant.store.get_invoice("I1").fee_dates == ()


def test_compensation_only_for_a_business_and_once_per_arrears_period():
    # Given a consumer C1 and a business C2, both with a compensation step due, and C2 with a second invoice later
    tenant = Tenant(steps=COMPENSATION_STEP)
    tenant.invoice("I1", "C1")
    tenant.invoice("I2", "C2", business=True)
    tenant.invoice("I3", "C2", due=date(2026, 3, 4), business=True)
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    schedule_due_reminders(tenant.store, sink, at(date(2026, 3, 8)), backoff=NO_WAIT)
    # Then the business is compensated once (310 kr), the consumer never
    compensations = [(m.customer_id, m.charge_amount) for m in sink.sent if m.action == "compensation"]
    assert compensations == [("C2", Decimal("310.00"))]
    assert "only for business customers" in skipped(tenant, MARCH_6)["compensation"]
    assert "charged already in this arrears period" in skipped(tenant, date(2026, 3, 8))["compensation"]
