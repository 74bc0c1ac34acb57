"""A run on the in-memory store (what tests/integration checks on moto, in milliseconds):
due reminders go to the queues once, invoices advance, the outbox empties, one run holds the slot."""

from __future__ import annotations

from datetime import date

from shared.services.scheduling import schedule_due_reminders
from tests.unit.services.fakes import NO_WAIT, ListSink, Tenant, at

MARCH_6 = date(2026, 3, 6)


def test_a_due_invoice_is_reminded_once_and_advances():
    # Given C1's invoice whose first step is due on March 6 and C2's that is not due yet
    tenant = Tenant()
    tenant.invoice("I1")
    tenant.invoice("I2", "C2", due=date(2026, 3, 20))
    sink = ListSink()
    # When the run of March 6 goes
    summary = schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then C1 gets step 1 by e-mail, the invoice moved on, nothing waits in the outbox
    assert summary.status == "completed"
    assert (summary.reminders, summary.messages, summary.invoices_advanced) == (1, 1, 1)
    assert sink.actions() == [("email", "C1", 1)]
    assert tenant.store.get_invoice("I1").steps_done == 1
    assert tenant.store.get_invoice("I2").steps_done == 0
    assert tenant.store.pending_outbox() == []
    # And the run is recorded and the slot is free again
    assert tenant.store.get_run(summary.run_id)["status"] == "completed"
    assert tenant.store.acquire_run_lock("other", int(at(MARCH_6).timestamp()), 60) is None


def test_running_again_the_same_day_sends_nothing_more():
    tenant = Tenant()
    tenant.invoice("I1")
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    # When the same day runs again, later
    again = schedule_due_reminders(tenant.store, sink, at(MARCH_6, 9), kind="manual", backoff=NO_WAIT)
    # Then nothing more is reminded
    assert again.reminders == 0
    assert sink.actions() == [("email", "C1", 1)]


def test_the_next_step_comes_on_its_day_with_its_fee():
    # Given step 1 went on March 6; step 2 is due 7 days later
    tenant = Tenant()
    tenant.invoice("I1")
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    # When the runs of March 12 and 13 go
    schedule_due_reminders(tenant.store, sink, at(date(2026, 3, 12)), backoff=NO_WAIT)
    schedule_due_reminders(tenant.store, sink, at(date(2026, 3, 13)), backoff=NO_WAIT)
    # Then step 2 went on the 13th: an e-mail and a fee message
    assert sorted(sink.actions()[1:]) == [("email", "C1", 2), ("fee", "C1", 2)]
    assert tenant.store.invoice_status("I1") == "finished"


def test_a_run_finding_the_slot_taken_is_queued_and_runs_when_the_holder_finishes():
    tenant = Tenant()
    tenant.invoice("I1")
    sink = ListSink()
    # Given another run holds the slot
    assert tenant.store.acquire_run_lock("busy", int(at(MARCH_6).timestamp()), 600) is None
    # When the run of March 6 starts
    queued = schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then it waits, sending nothing
    assert (queued.status, queued.reason) == ("queued", "waiting for run busy")
    assert sink.sent == [] and [r["run_id"] for r in tenant.store.queued_runs()] == [queued.run_id]
    # And when the holder's next run finishes, the queued one runs and leaves the queue
    tenant.store.release_run_lock("busy")
    schedule_due_reminders(tenant.store, sink, at(MARCH_6, 6), kind="manual", backoff=NO_WAIT)
    assert sink.actions() == [("email", "C1", 1)]
    assert tenant.store.queued_runs() == []
    assert tenant.store.get_run(queued.run_id)["status"] == "completed"


def test_messages_the_queue_refused_wait_in_the_outbox_and_the_next_run_sends_them_once():
    tenant = Tenant()
    tenant.invoice("I1")
    # Given a queue that refuses every attempt of the first run
    failing = ListSink(failures=3)
    first = schedule_due_reminders(tenant.store, failing, at(MARCH_6), backoff=NO_WAIT)
    # Then the reminder is committed, its message waits in the outbox, the run continues later
    assert first.status == "continuing"
    assert failing.sent == [] and len(tenant.store.pending_outbox()) == 1
    assert tenant.store.get_invoice("I1").steps_done == 1
    # When the queue works again and the run is invoked again
    again = schedule_due_reminders(tenant.store, failing, at(MARCH_6), backoff=NO_WAIT)
    # Then the message goes once and the outbox is empty
    assert again.status == "completed" and again.resent == 1
    assert failing.actions() == [("email", "C1", 1)]
    assert tenant.store.pending_outbox() == []


def test_a_run_near_its_time_limit_continues_and_completes_with_every_reminder_once():
    tenant = Tenant()
    for number in range(1, 6):
        tenant.invoice(f"I{number}", f"C{number}")
    sink = ListSink()
    # Given a budget that runs out after the first reminder
    budget = iter([10**9, 10**9] + [0] * 1000)
    part = schedule_due_reminders(
        tenant.store, sink, at(MARCH_6), time_left_ms=lambda: next(budget, 0), backoff=NO_WAIT
    )
    assert part.status == "continuing"
    # When it is invoked again with time to spare, until it completes
    parts = 1
    while part.status == "continuing":
        part = schedule_due_reminders(tenant.store, sink, at(MARCH_6), time_left_ms=lambda: 10**9, backoff=NO_WAIT)
        parts += 1
    # Then every customer got step 1 exactly once
    assert part.status == "completed" and parts >= 2
    assert sorted(sink.actions()) == [("email", f"C{n}", 1) for n in range(1, 6)]


def test_a_run_moves_invoices_from_the_legacy_due_shards_first_and_reminds_them():
    # Given an invoice filed (before the fan-out) in a legacy shard by invoice id
    from shared.storage import keys

    tenant = Tenant()
    tenant.invoice("I1")
    tenant.store._table.update(keys.invoice("I1"), set_={"due_shard": keys.LEGACY_DUE_SHARDS[2]})
    sink = ListSink()
    # When the run of March 6 goes
    summary = schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then it was moved to its customer's shard and reminded as if it had always been there
    assert summary.status == "completed" and sink.actions() == [("email", "C1", 1)]
    assert tenant.store.move_legacy_due_entries(10) == 0
    assert [i.invoice_id for i in tenant.store.waiting_invoices()] == ["I1"]


def test_a_shard_query_that_fails_for_a_moment_is_read_again_and_the_run_goes_on():
    # Given a due invoice, and a due-index that drops the connection on the run's first query
    tenant = Tenant()
    tenant.invoice("I1")
    real = tenant.store.due_invoices
    failures = iter([ConnectionError("connection reset")])

    def flaky(on, shards=None):
        error = next(failures, None)
        if error is not None:
            raise error
        return real(on, shards)

    tenant.store.due_invoices = flaky  # type: ignore[method-assign]
    sink = ListSink()
    # When the run of March 6 goes
    summary = schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then the shard was read again and the invoice reminded once
    assert summary.status == "completed"
    assert sink.actions() == [("email", "C1", 1)]
