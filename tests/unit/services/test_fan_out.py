"""A large run fanned out over the due-index shards, on the in-memory store: the coordinator's
split, the shard workers (duplicates, crashes after a commit, continuation), the tally and the one
end of the run. The same on the local stack (moto): tests/integration/test_fan_out.py."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from shared.services.commit import Budget
from shared.services.runs import fanout
from shared.services.runs.shards import SHARDS_PER_ITEM
from shared.services.scheduling import ListWorkQueue, WorkItem, schedule_due_reminders
from shared.storage import keys
from tests.unit.services.fakes import NO_WAIT, ListSink, Tenant, at

MARCH_6 = date(2026, 3, 6)
CUSTOMERS = 30


class Reports:
    """A reporter that keeps what it was asked to tell the tenant."""

    def __init__(self) -> None:
        self.reports: list[Any] = []
        self.housekeeping: list[Any] = []
        self.notices: list[Any] = []
        self.stopped: list[Any] = []

    def run_stopped(self, settings, summary, outcome, journal_entries):  # type: ignore[no-untyped-def]
        self.stopped.append(summary.run_id)

    def run_report(
        self, settings, summary, sent, held_back, excluded, housekeeping, proposed, charged=None, cases=(), totals=None
    ):  # type: ignore[no-untyped-def]
        self.reports.append((summary.reminders, len(sent), (totals or {}).get("reminders")))
        self.housekeeping.append(sorted((e["kind"], e["customer"], e["amount"]) for e in housekeeping))
        return {"date": summary.run_date, "kind": "report", "to": "x", "_run": summary.tag}

    def proposals_waiting(self, settings, summary, proposed):  # type: ignore[no-untyped-def]
        self.notices.append(len(proposed))
        return {"date": summary.run_date, "kind": "notification", "to": "x", "_run": summary.tag}


def large_tenant(**settings: Any) -> tuple[Tenant, int]:
    """30 customers with 1–3 invoices each, all due on March 6 (a customer's invoices consolidate)."""
    tenant = Tenant(status_report_to="bogholderi@acme.example", notify_to="drift@acme.example", **settings)
    invoices = 0
    for number in range(CUSTOMERS):
        for n in range(1 + number % 3):
            tenant.invoice(f"I{number:03d}-{n}", f"C{number:03d}")
            invoices += 1
    return tenant, invoices


def budget(ms: int = 1 << 30) -> Budget:
    return Budget(lambda: ms, NO_WAIT, 0)


def drain(tenant: Tenant, sink: ListSink, queue: ListWorkQueue, reporter: Reports | None = None, times: int = 1) -> int:
    """Do every work item (each ``times`` times, as an at-least-once queue may); how many were done."""
    done = 0
    while (item := queue.take()) is not None:
        for _ in range(times):
            fanout.run_shards(tenant.store, sink, tenant.settings, item, budget(), queue, reporter)
        done += 1
    return done


def reminded(sink: ListSink) -> Counter[str]:
    return Counter(message.customer_id for message in sink.sent)


def start(tenant: Tenant, sink: ListSink, queue: ListWorkQueue, reporter: Reports | None = None) -> Any:
    return schedule_due_reminders(
        tenant.store, sink, at(MARCH_6), reporter=reporter, backoff=NO_WAIT, work_queue=queue, fan_out_above=10
    )


def test_a_small_run_is_not_fanned_out_and_is_todays_run():
    # Given fewer due invoices than the threshold
    tenant, invoices = large_tenant()
    queue, sink = ListWorkQueue(), ListSink()
    summary = schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT, work_queue=queue)
    # Then the run is done in this invocation, and no work item went out
    assert summary.status == "completed" and queue.items == []
    assert summary.reminders == CUSTOMERS and summary.invoices_advanced == invoices
    assert tenant.store.fan_out_tally(summary.tag) is None


def test_a_large_run_fans_out_and_the_last_part_ends_it_once_with_one_report():
    # Given more due invoices than the threshold
    tenant, invoices = large_tenant()
    queue, sink, reporter = ListWorkQueue(), ListSink(), Reports()
    # When the run starts
    summary = start(tenant, sink, queue, reporter)
    # Then it handed out one work item per SHARDS_PER_ITEM shards and keeps the slot
    shards = keys.due_shards()
    assert summary.status == "fanned_out" and sink.sent == []
    assert len(queue.items) == -(-len(shards) // SHARDS_PER_ITEM)
    assert sorted(shard for item in queue.items for shard in item.shards) == sorted(shards)
    assert tenant.store.acquire_run_lock("other", int(at(MARCH_6).timestamp()), 60) == summary.run_id
    # (for longer than a run in one invocation holds it: the workers may take more than 15 minutes)
    twenty_minutes_on = int(at(MARCH_6).timestamp()) + 20 * 60
    assert tenant.store.acquire_run_lock("other", twenty_minutes_on, 60) == summary.run_id
    # When every work item is done (as the bench does them)
    parts = fanout.run_work_items(tenant.store, sink, tenant.settings, queue, budget(), reporter)
    assert sum(part.ended_run is not None for part in parts) == 1
    # Then every customer got one reminder, the run is completed with the whole run's counts
    assert reminded(sink) == Counter({f"C{n:03d}": 1 for n in range(CUSTOMERS)})
    record = tenant.store.get_run(summary.run_id)
    assert record["status"] == "completed"
    assert (record["reminders"], record["invoices_advanced"], record["messages"]) == (CUSTOMERS, invoices, CUSTOMERS)
    assert record["by_action"] == {"email": CUSTOMERS}
    # And the tenant got ONE report, the slot is free, the run's effect is recorded once
    assert reporter.reports == [(CUSTOMERS, 0, CUSTOMERS)]
    assert tenant.store.acquire_run_lock("other", int(at(MARCH_6).timestamp()), 60) is None
    runs = [e for e in tenant.store.effects_on(MARCH_6) if e["kind"] == "run"]
    assert len(runs) == 1 and runs[0]["reminders"] == CUSTOMERS


def test_every_work_item_twice_still_reminds_once_and_counts_once():
    tenant, _ = large_tenant()
    queue, sink, reporter = ListWorkQueue(), ListSink(), Reports()
    summary = start(tenant, sink, queue, reporter)
    # When every work item is delivered twice
    drain(tenant, sink, queue, reporter, times=2)
    # Then nothing is reminded or counted twice, and the run ended once
    assert set(reminded(sink).values()) == {1} and len(reminded(sink)) == CUSTOMERS
    assert tenant.store.get_run(summary.run_id)["reminders"] == CUSTOMERS
    assert len(reporter.reports) == 1


class CrashAfterCommits:
    """The store's commit (of a group of reminders) succeeds, then the worker dies: after ``after``
    commits, once."""

    def __init__(self, tenant: Tenant, after: int) -> None:
        self.commit = tenant.store.commit_reminders
        self.left = after
        self.crashed = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        done = self.commit(*args, **kwargs)
        self.left -= 1
        if self.left == 0 and not self.crashed:
            self.crashed = True
            raise RuntimeError("worker died after committing")
        return done


def test_a_worker_that_dies_after_committing_is_redone_and_nothing_is_lost_or_doubled(
    monkeypatch: pytest.MonkeyPatch,
):
    tenant, invoices = large_tenant()
    queue, sink = ListWorkQueue(), ListSink()
    summary = start(tenant, sink, queue)
    crash = CrashAfterCommits(tenant, after=1)
    monkeypatch.setattr(tenant.store, "commit_reminders", crash)
    # When the first worker dies after its first (group) commit, and SQS delivers its item again
    first = queue.take()
    assert first is not None
    with pytest.raises(RuntimeError, match="worker died"):
        fanout.run_shards(tenant.store, sink, tenant.settings, first, budget(), queue)
    assert tenant.store.pending_outbox() != []  # committed, not sent
    queue.items.insert(0, first)
    drain(tenant, sink, queue)
    # Then the committed reminder went from the outbox, and every customer has exactly one
    assert crash.crashed
    assert set(reminded(sink).values()) == {1} and len(reminded(sink)) == CUSTOMERS
    assert tenant.store.pending_outbox() == []
    run = tenant.store.get_run(summary.run_id)
    assert run["status"] == "completed"
    # And the run record counts what the dead attempt committed too: the counts are added in the
    # commits' own transactions, not by the part that died before recording
    assert (run["reminders"], run["invoices_advanced"], run["messages"]) == (CUSTOMERS, invoices, CUSTOMERS)
    assert run["by_action"] == {"email": CUSTOMERS}


def test_a_worker_short_of_time_continues_with_what_is_left_of_its_shards():
    tenant, _ = large_tenant()
    queue, sink = ListWorkQueue(), ListSink()
    summary = start(tenant, sink, queue)
    # Given invocations that run short of time after every few checks
    calls = iter(range(10**6))

    def short() -> int:
        return 1_000 if next(calls) % 7 == 6 else 300_000

    continued = 0
    while (item := queue.take()) is not None:
        part = fanout.run_shards(tenant.store, sink, tenant.settings, item, Budget(short, NO_WAIT, 0), queue)
        continued += bool(part.left)
        assert part.recorded
    # Then some parts continued, and together they reminded everyone once and ended the run
    assert continued > 0
    assert set(reminded(sink).values()) == {1} and len(reminded(sink)) == CUSTOMERS
    assert tenant.store.get_run(summary.run_id)["status"] == "completed"


def test_a_continuation_carrying_other_shards_than_a_duplicate_is_another_part():
    item = WorkItem(
        run_id="r", tag="r", kind="scheduled", run_date=MARCH_6, time=at(MARCH_6), part="0001", shards=["A", "B", "C"]
    )
    assert item.continued(["B", "C"]).part != item.continued(["C"]).part
    assert item.continued(["B", "C"]).part == item.continued(["C", "B"]).part
    assert item.continued(["A", "B", "C"]).part != item.part


def test_proposals_of_a_fanned_out_run_are_told_once():
    tenant, _ = large_tenant(approval_required=["Rykker 1"])
    queue, sink, reporter = ListWorkQueue(), ListSink(), Reports()
    summary = start(tenant, sink, queue, reporter)
    drain(tenant, sink, queue, reporter)
    # Then every reminder waits as a proposal, and the tenant is told once, listing them all
    assert sink.sent == []
    assert reporter.notices == [CUSTOMERS]
    assert tenant.store.get_run(summary.run_id)["proposals"] == CUSTOMERS


class EagerQueue:
    """A work queue whose workers start at once: the whole run ends before the coordinator returns."""

    def __init__(self, tenant: Tenant, sink: ListSink) -> None:
        self.tenant, self.sink = tenant, sink

    def hand_out(self, items: Any) -> None:
        for item in items:
            fanout.run_shards(self.tenant.store, self.sink, self.tenant.settings, item, budget(), self)


def test_workers_that_end_the_run_before_the_coordinator_returns_are_not_overwritten():
    tenant, _ = large_tenant()
    sink = ListSink()
    summary = schedule_due_reminders(
        tenant.store, sink, at(MARCH_6), backoff=NO_WAIT, work_queue=EagerQueue(tenant, sink), fan_out_above=10
    )
    # Then the coordinator handed out, and the run its workers ended stays completed
    assert summary.status == "fanned_out"
    assert tenant.store.get_run(summary.run_id)["status"] == "completed"
    assert len(reminded(sink)) == CUSTOMERS


def test_a_twin_that_recorded_first_does_not_count_the_held_back_again(monkeypatch: pytest.MonkeyPatch):
    # Given customers below the de-minimis threshold (one invoice of 700 < 1,000): 10 held back
    tenant, _ = large_tenant(min_overdue_amount="1000.00")
    held_back = sum(1 for number in range(CUSTOMERS) if number % 3 == 0)
    queue, sink = ListWorkQueue(), ListSink()
    summary = start(tenant, sink, queue)
    record = tenant.store.record_run_part
    twins: list[str] = []

    def twin_records_first(tag: str, part: str, *args: Any) -> bool:
        # A duplicate delivery of the first item ran while its first attempt worked, and recorded first
        if not twins:
            twins.append(part)
            monkeypatch.setattr(tenant.store, "record_run_part", record)
            fanout.run_shards(tenant.store, sink, tenant.settings, twin, budget(), queue)
            monkeypatch.setattr(tenant.store, "record_run_part", twin_records_first)
        return record(tag, part, *args)

    monkeypatch.setattr(tenant.store, "record_run_part", twin_records_first)
    while (twin := queue.take()) is not None:
        fanout.run_shards(tenant.store, sink, tenant.settings, twin, budget(), queue)
    # Then each customer was reminded once, and the run counts each held-back reminder once
    assert twins and set(reminded(sink).values()) == {1}
    run = tenant.store.get_run(summary.run_id)
    assert run["status"] == "completed"
    assert (run["reminders"], run["held_back"]) == (CUSTOMERS - held_back, held_back)


def test_the_report_of_a_fanned_out_run_lists_what_its_coordinator_wrote_off():
    # Given a large run, and two customers whose small remainders are written off before reminding (O13)
    tenant, _ = large_tenant(write_off_below="50.00")
    tenant.invoice("S1", "C900", amount="20.00")
    tenant.invoice("S2", "C901", amount="35.50")
    queue, sink, reporter = ListWorkQueue(), ListSink(), Reports()
    # When it fans out and every part is done
    summary = start(tenant, sink, queue, reporter)
    assert summary.status == "fanned_out"
    drain(tenant, sink, queue, reporter)
    # Then its one report lists the write-offs, as a run in one invocation's report does; not another day's
    assert reporter.housekeeping == [[("write_off", "C900", "20.00"), ("write_off", "C901", "35.50")]]
    assert "C900" not in reminded(sink)
