"""The fee and BS consumers and the daily BS delivery on the in-memory store: each charge is booked
once, a fee that is not the template's is refused, each day's BS reminders go into one file once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.betalingsservice import parse_delivery
from shared.messages import ActionMessage
from shared.services.booking import charge_fee, record_bs_reminder
from shared.services.bs_delivery import deliver_bs
from shared.services.delivery import PermanentFailure
from shared.services.scheduling import schedule_due_reminders
from tests.unit.services.fakes import NO_WAIT, Bucket, ListSink, Tenant, at

MARCH_6 = date(2026, 3, 6)
BS = {"enabled": True, "creditor_number": "12345678", "cvr": "87654321"}


def run(tenant: Tenant, *days: date) -> list[ActionMessage]:
    sink = ListSink()
    for day in days:
        schedule_due_reminders(tenant.store, sink, at(day), backoff=NO_WAIT)
    return [m for m in sink.sent if isinstance(m, ActionMessage)]


def test_a_fee_message_delivered_twice_is_booked_once():
    tenant = Tenant(steps=[{"name": "Rykker 1", "days": 4, "actions": ["email", {"fee": "100.00"}]}])
    tenant.invoice("I1")
    [fee] = [m for m in run(tenant, MARCH_6) if m.action == "fee"]
    # When the fee consumer gets it twice
    charge_fee(fee, tenant.store, tenant.settings)
    charge_fee(fee, tenant.store, tenant.settings)
    # Then one line on the billing queue, one fee metered, one fee waiting to be billed
    [line] = tenant.store.billing_lines("C1")
    assert (line.kind, line.amount, line.invoice_ids, line.key) == (
        "fee",
        Decimal("100.00"),
        ("I1",),
        fee.idempotency_key,
    )
    assert tenant.store.usage("2026-03")["fees"] == 1
    assert [p["key"] for p in tenant.store.pending_fees()] == [fee.idempotency_key]


def test_a_fee_that_is_not_the_template_steps_fee_is_refused():
    tenant = Tenant(steps=[{"name": "Rykker 1", "days": 4, "actions": ["email", {"fee": "100.00"}]}])
    tenant.invoice("I1")
    [fee] = [m for m in run(tenant, MARCH_6) if m.action == "fee"]
    with pytest.raises(PermanentFailure, match="step_fee"):
        charge_fee(fee.model_copy(update={"step_fee": Decimal("250.00")}), tenant.store, tenant.settings)
    assert tenant.store.billing_lines("C1") == []


def test_each_days_bs_reminders_go_into_one_delivery_once():
    # Given two customers reminded through Betalingsservice on March 6 (each message twice)
    tenant = Tenant(steps=[{"name": "Rykker 1", "days": 4, "actions": ["bs"]}], bs=BS)
    tenant.invoice("I1", "C1")
    tenant.invoice("I2", "C2", amount="300.00")
    messages = run(tenant, MARCH_6)
    for message in messages + messages:
        record_bs_reminder(message, tenant.store, tenant.settings)
    assert len(tenant.store.bs_records(MARCH_6)) == 2
    # When the day's delivery is made, twice
    bucket = Bucket()
    effect = deliver_bs(tenant.store, bucket, tenant.settings, MARCH_6)
    assert deliver_bs(tenant.store, bucket, tenant.settings, MARCH_6) is None
    # Then one file with both payments, agreeing with its effect, and nothing waits any more
    [body] = bucket.objects.values()
    delivery = parse_delivery(body)
    assert effect is not None and (effect["payments"], effect["amount"]) == (2, "1000.00")
    assert (delivery.payments, delivery.amount) == (2, Decimal("1000.00"))
    assert tenant.store.undelivered_bs_records(date(2026, 3, 31)) == []
    assert tenant.store.usage("2026-03")["bs_deliveries"] == 1


def test_a_bs_reminder_recorded_after_its_days_delivery_goes_into_the_next_one_as_late():
    tenant = Tenant(steps=[{"name": "Rykker 1", "days": 4, "actions": ["bs"]}], bs=BS)
    tenant.invoice("I1", "C1")
    tenant.invoice("I2", "C2")
    first, second = run(tenant, MARCH_6)
    record_bs_reminder(first, tenant.store, tenant.settings)
    bucket = Bucket()
    deliver_bs(tenant.store, bucket, tenant.settings, MARCH_6)
    # When the second reminder is recorded after March 6's delivery (a redrive)
    record_bs_reminder(second, tenant.store, tenant.settings)
    effect = deliver_bs(tenant.store, bucket, tenant.settings, date(2026, 3, 7))
    # Then March 7's delivery holds it, listed as late
    assert effect is not None and effect["payments"] == 1
    assert effect["late"] == [{"due": "2026-03-06", "reminders": 1}]
    assert len(bucket.objects) == 2
