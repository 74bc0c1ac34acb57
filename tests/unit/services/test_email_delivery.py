"""E-mail delivery on the in-memory store and send ledger: a reminder e-mail goes once however often
its message arrives; an ambiguous failure holds it unconfirmed instead of sending twice."""

from __future__ import annotations

from datetime import date, timedelta

from shared.messages import ActionMessage
from shared.services.delivery import deliver_email
from shared.services.scheduling import schedule_due_reminders
from shared.storage.memory.ledger import MemorySendLedger
from tests.unit.services.fakes import NO_WAIT, Clock, ListSink, Mailbox, Tenant, at

MARCH_6 = date(2026, 3, 6)
SENDER = "rykker@acme.example"


def emails(tenant: Tenant) -> list[dict]:
    """The e-mail effects recorded on March 6."""
    return [effect for effect in tenant.store.effects_on(MARCH_6) if effect["kind"] == "email"]


def email_message(tenant: Tenant) -> ActionMessage:
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    [message] = [m for m in sink.sent if isinstance(m, ActionMessage) and m.action == "email"]
    return message


def test_a_reminder_email_delivered_twice_goes_once():
    tenant = Tenant()
    tenant.invoice("I1")
    message = email_message(tenant)
    ledger = MemorySendLedger(tenant.store, timedelta(minutes=5), Clock(at(MARCH_6, 6)))
    mailbox = Mailbox()
    # When the e-mail consumer gets the message twice
    first = deliver_email(message, tenant.store, tenant.settings, mailbox, SENDER, ledger)
    second = deliver_email(message, tenant.store, tenant.settings, mailbox, SENDER, ledger)
    # Then one e-mail to the customer, one effect with the provider's id, both calls answer it
    assert [to for to, _ in mailbox.sent] == ["c1@example.dk"]
    assert first == second and first["_message_id"] == "ses-1"
    assert emails(tenant) == [first]
    assert tenant.store.usage("2026-03")["email"] == 1


def test_an_ambiguous_failure_is_held_unconfirmed_and_not_sent_again():
    tenant = Tenant()
    tenant.invoice("I1")
    message = email_message(tenant)
    clock = Clock(at(MARCH_6, 6))
    ledger = MemorySendLedger(tenant.store, timedelta(minutes=5), clock)
    # Given the provider timed out: it may have sent
    mailbox = Mailbox(fail_with=TimeoutError("read timed out"))
    deliver_email(message, tenant.store, tenant.settings, mailbox, SENDER, ledger)
    # When the message comes again
    deliver_email(message, tenant.store, tenant.settings, mailbox, SENDER, ledger)
    # Then nothing was sent, no effect recorded, and the operator sees it after a day
    assert mailbox.sent == [] and emails(tenant) == []
    clock.now += timedelta(days=1, minutes=1)
    [waiting] = ledger.needing_decision(clock.now, timedelta(days=1))
    assert (waiting.key, waiting.state) == (message.idempotency_key, "unconfirmed")


def test_a_customer_without_an_email_address_is_skipped_not_failed():
    tenant = Tenant()
    tenant.invoice("I1", email=None, phone="+4512345678")
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    messages = [m for m in sink.sent if isinstance(m, ActionMessage) and m.action == "email"]
    ledger = MemorySendLedger(tenant.store, timedelta(minutes=5), Clock(at(MARCH_6, 6)))
    effects = [deliver_email(m, tenant.store, tenant.settings, Mailbox(), SENDER, ledger) for m in messages]
    assert [e["kind"] for e in effects] == ["skipped"]
    assert "e-mail" in effects[0]["reason"] or "email" in effects[0]["reason"]
