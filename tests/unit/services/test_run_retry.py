"""A run in one invocation that dies after it committed part of its reminders, and is tried again
(a Lambda retry of the same event: the same run id): nothing is sent twice, and the run record and
the status report count what the dead attempt committed too (the commits' own counts)."""

from __future__ import annotations

import email
from datetime import date
from typing import Any

import pytest

from shared.services.reporting import TenantMailReporter
from shared.services.scheduling import schedule_due_reminders
from tests.unit.services.fakes import NO_WAIT, ListSink, Mailbox, Tenant, at

MARCH_6 = date(2026, 3, 6)
CUSTOMERS = 30


class DiesAfter:
    """A store write (``commit_reminders``, ``commit_proposal``) that takes effect and then kills the
    attempt after ``after`` calls."""

    def __init__(self, tenant: Tenant, method: str, after: int) -> None:
        self.write = getattr(tenant.store, method)
        self.left = after

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        done = self.write(*args, **kwargs)
        self.left -= 1
        if self.left == 0:
            raise RuntimeError("the invocation died after a write")
        return done


def thirty_customers() -> Tenant:
    tenant = Tenant(status_report_to="bogholderi@acme.example")
    for number in range(CUSTOMERS):
        tenant.invoice(f"I{number:02d}", f"C{number:02d}")
    return tenant


def report_text(mailbox: Mailbox) -> str:
    mime = email.message_from_bytes(mailbox.sent[-1][1])
    part = next(p for p in mime.walk() if p.get_content_type() == "text/plain")
    return str(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))


def test_a_retry_after_an_attempt_died_counts_and_reports_what_the_dead_attempt_committed(
    monkeypatch: pytest.MonkeyPatch,
):
    tenant, sink, mailbox = thirty_customers(), ListSink(), Mailbox()
    reporter = TenantMailReporter(tenant.store, mailbox, "robot@acme.example", lambda now: [])  # type: ignore[arg-type]
    # Given an attempt that dies right after its first group commit (a group of 10: 3 items each)
    monkeypatch.setattr("shared.services.commit.GROUP_ITEMS", 32)
    monkeypatch.setattr(tenant.store, "commit_reminders", DiesAfter(tenant, "commit_reminders", after=1))
    with pytest.raises(RuntimeError, match="died"):
        schedule_due_reminders(tenant.store, sink, at(MARCH_6), reporter=reporter, backoff=NO_WAIT)
    assert sink.sent == [] and mailbox.sent == []  # committed, in the outbox; nothing reported
    # When the same run is tried again
    summary = schedule_due_reminders(tenant.store, sink, at(MARCH_6), reporter=reporter, backoff=NO_WAIT)
    # Then every customer got one e-mail: the dead attempt's from the outbox, the rest committed now
    assert sorted(m.customer_id for m in sink.sent) == [f"C{n:02d}" for n in range(CUSTOMERS)]
    assert (summary.status, summary.resent) == ("completed", 10)
    # And the record counts all thirty, not the twenty this attempt committed
    record = tenant.store.get_run(summary.run_id)
    assert record is not None
    assert (record["reminders"], record["invoices_advanced"], record["messages"]) == (30, 30, 30)
    assert record["by_action"] == {"email": 30}
    # And the report says thirty, lists twenty and names the ten it does not list
    text = report_text(mailbox)
    assert "30 rykkere sendt" in text
    assert "Heraf 10 sendt af et afbrudt forsøg af kørslen: de står på kørslens side i konsollen." in text
    assert len(mailbox.sent) == 1


def test_a_run_that_continues_counts_each_reminder_once_over_its_parts():
    tenant, sink = thirty_customers(), ListSink()
    # Given invocations with time for one group of reminders each
    times = iter([10**6] * 4 + [0] * 10**3)
    first = schedule_due_reminders(tenant.store, sink, at(MARCH_6), time_left_ms=lambda: next(times), backoff=NO_WAIT)
    assert first.status == "continuing"
    # When the continuations carry on until the run is done
    summary = first
    while summary.status == "continuing":
        summary = schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    # Then the record counts each reminder once, whichever part committed it
    record = tenant.store.get_run(summary.run_id)
    assert record is not None and record["parts"] == 2
    assert (record["reminders"], record["messages"], len(sink.sent)) == (30, 30, 30)


def test_a_retry_after_an_attempt_died_once_its_report_was_out_sends_no_second_report(
    monkeypatch: pytest.MonkeyPatch,
):
    from shared.services.runs import lifecycle

    tenant, sink, mailbox = thirty_customers(), ListSink(), Mailbox()
    reporter = TenantMailReporter(tenant.store, mailbox, "robot@acme.example", lambda now: [])  # type: ignore[arg-type]
    # Given an attempt that sent every reminder and its report, and died saving the completed run
    real_save = lifecycle.save_run

    def dies_saving_the_end(repo: Any, summary: Any, now: Any) -> None:
        if summary.status == "completed":
            raise RuntimeError("the invocation died saving the run")
        real_save(repo, summary, now)

    monkeypatch.setattr(lifecycle, "save_run", dies_saving_the_end)
    with pytest.raises(RuntimeError, match="died"):
        schedule_due_reminders(tenant.store, sink, at(MARCH_6), reporter=reporter, backoff=NO_WAIT)
    assert len(mailbox.sent) == 1 and len(sink.sent) == CUSTOMERS
    monkeypatch.setattr(lifecycle, "save_run", real_save)
    # When the same run is tried again
    summary = schedule_due_reminders(tenant.store, sink, at(MARCH_6), reporter=reporter, backoff=NO_WAIT)
    # Then nothing is sent again, not even the report, and the record is complete
    assert len(mailbox.sent) == 1 and len(sink.sent) == CUSTOMERS
    record = tenant.store.get_run(summary.run_id)
    assert record is not None and (record["status"], record["reminders"]) == ("completed", 30)


def test_a_retry_tells_the_tenant_what_the_dead_attempt_proposed_once(monkeypatch: pytest.MonkeyPatch):
    tenant = Tenant(status_report_to="bogholderi@acme.example", notify_to="drift@acme.example", approval_required=True)
    for number in range(CUSTOMERS):
        tenant.invoice(f"I{number:02d}", f"C{number:02d}")
    mailbox = Mailbox()
    reporter = TenantMailReporter(tenant.store, mailbox, "robot@acme.example", lambda now: [])  # type: ignore[arg-type]
    # Given an attempt that filed 10 of its 30 proposals and died before it told anyone
    monkeypatch.setattr(tenant.store, "commit_proposal", DiesAfter(tenant, "commit_proposal", after=10))
    with pytest.raises(RuntimeError, match="died"):
        schedule_due_reminders(tenant.store, ListSink(), at(MARCH_6), reporter=reporter, backoff=NO_WAIT)
    monkeypatch.undo()
    assert mailbox.sent == []
    # When the same run is tried again
    summary = schedule_due_reminders(tenant.store, ListSink(), at(MARCH_6), reporter=reporter, backoff=NO_WAIT)
    # Then one notice (and one report) tells of all 30
    assert summary.attempt == 2
    notices = [raw for to, raw in mailbox.sent if to == "drift@acme.example"]
    assert len(notices) == 1 and b"30 forslag venter p" in notices[0]
    assert [to for to, _ in mailbox.sent].count("bogholderi@acme.example") == 1
    # And a third attempt (the second died after telling) tells nothing again
    tenant.store.put_run(summary.run_id, {**tenant.store.get_run(summary.run_id), "status": "running"})  # type: ignore[dict-item]
    again = schedule_due_reminders(tenant.store, ListSink(), at(MARCH_6), reporter=reporter, backoff=NO_WAIT)
    assert again.attempt == 3 and len(mailbox.sent) == 2
