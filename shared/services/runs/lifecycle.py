"""A run's lifecycle: its id, the tenant's run slot (a lease), the queue of runs that wait for
the slot (O2), continuing in a fresh invocation (O3) and resuming a paused run (O6).

What a run does once it holds the slot is :mod:`shared.services.runs.work`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime

from shared.domain.effects import run_effect
from shared.domain.settings import TenantSettings
from shared.services.commit import Budget
from shared.services.outbox import Backoff, MessageSink
from shared.services.runs.shards import FAN_OUT_ABOVE, SHARDS_PER_ITEM, WorkQueue
from shared.services.runs.summary import CARRIED_COUNTS, Reporter, RunKind, RunSummary, run_id_for
from shared.services.runs.work import CONTINUE_BELOW_MS, FanOut, carry_out_run
from shared.storage.protocols import Store

RUN_LEASE_SECONDS = 15 * 60
# Without an invocation's time budget (a local call), transient failures are retried this often.
LOCAL_ATTEMPTS = 6
# A resume that was queued, continues in a fresh invocation or failed part-way goes on as the resume.
_UNFINISHED = frozenset({"queued", "running", "continuing", "failed"})
# A run with these statuses keeps the tenant's slot when its invocation returns: a fresh invocation
# continues it, or its shard workers do the rest and the last of them ends it.
KEEPS_SLOT = frozenset({"continuing", "fanned_out"})
# A run record with these statuses is taken up again by the next attempt of the same run.
_CARRIES = frozenset({"continuing", "running", "failed"})


class RunNotResumable(RuntimeError):
    """A resume named a run that is not paused."""


class TenantNotConfigured(RuntimeError):
    """The tenant has no settings item yet."""


def schedule_due_reminders(
    repo: Store,
    sink: MessageSink,
    now: datetime,
    kind: RunKind = "scheduled",
    reporter: Reporter | None = None,
    resume_run_id: str | None = None,
    time_left_ms: Callable[[], int] | None = None,
    run_queue: bool = True,
    backoff: Backoff | None = None,
    work_queue: WorkQueue | None = None,
    fan_out_above: int = FAN_OUT_ABOVE,
    shards_per_item: int = SHARDS_PER_ITEM,
) -> RunSummary:
    """Run the reminder flow once, as of ``now`` (an aware datetime taken from the event).

    ``kind`` is "scheduled", "manual" (O1 "start now") or "resume" (continue the
    paused run ``resume_run_id`` as if its journal check had passed, O6).
    When ``time_left_ms`` drops below :data:`CONTINUE_BELOW_MS` the run sends what
    it committed, keeps its slot and returns status "continuing": invoking it
    again with the same arguments carries on where it stopped (what is done is
    no longer due). Transient failures of the queues (and of a reminder's commit) are
    retried with ``backoff`` while the budget allows; then, too, the run ends "continuing"
    with the unsent messages kept in the outbox. A run that finds another holding the tenant's slot is queued and
    started when that one finishes (``run_queue``: the finishing run starts them).

    With a ``work_queue``, a run with more due invoices than
    :data:`~shared.services.runs.shards.FAN_OUT_ABOVE` fans out (status "fanned_out", keeping the
    slot): its shards go to the queue as work items (``shards_per_item`` each) for
    :func:`shared.services.runs.fanout.run_shards`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    settings = tenant_settings(repo)
    run_id, tag = _identify_run(repo, now, kind, resume_run_id)
    if kind == "resume":
        now = datetime.fromisoformat(repo.get_run(run_id)["time"])  # type: ignore[index]
    summary = _open_summary(repo, run_id, tag, kind, now.astimezone(settings.zone).date())
    if not _take_slot(repo, summary, now, resume_run_id):
        return summary
    if backoff is None:
        backoff = Backoff(attempts=None if time_left_ms is not None else LOCAL_ATTEMPTS)
    budget = Budget(time_left_ms or (lambda: 1 << 30), backoff, CONTINUE_BELOW_MS)
    fan_out_to = FanOut(work_queue, now, fan_out_above, shards_per_item) if work_queue is not None else None
    _work_or_fail(repo, sink, reporter, settings, summary, now, budget, fan_out_to)
    if summary.status in KEEPS_SLOT:
        return summary  # keeps the slot: the continuation (or the shard workers) are the same run
    repo.release_run_lock(run_id)
    record_run(repo, summary)
    if run_queue:
        run_queued(repo, sink, reporter, time_left_ms, backoff, work_queue)
    return summary


def tenant_settings(repo: Store) -> TenantSettings:
    """The tenant's settings; a tenant without them cannot run."""
    settings = repo.get_settings()
    if settings is None:
        raise TenantNotConfigured("no tenant settings stored; load the tenant's settings first")
    return settings


def _identify_run(repo: Store, now: datetime, kind: RunKind, resume_run_id: str | None) -> tuple[str, str]:
    """(run id, effect tag): a resumed run is the paused run, its effects are tagged apart."""
    if kind == "resume":
        if resume_run_id is None:
            raise ValueError("a resume names the paused run (run_id)")
        record = repo.get_run(resume_run_id)
        resuming = record is not None and record.get("kind") == "resume" and record.get("status") in _UNFINISHED
        if record is None or not (record.get("status") == "paused" or resuming):
            raise RunNotResumable(f"run {resume_run_id} is not paused; only a paused run can be resumed")
        return resume_run_id, f"{resume_run_id}#resumed"
    run_id = run_id_for(now) if kind == "scheduled" else f"{run_id_for(now)}~{kind}"
    return run_id, run_id


def _open_summary(repo: Store, run_id: str, tag: str, kind: RunKind, run_date: date) -> RunSummary:
    """The run's record as it starts; a continuation carries on the counts of the parts before it,
    and so does a retry of an attempt that died or failed (its record holds the earlier parts')."""
    summary = RunSummary(run_id=run_id, run_date=run_date.isoformat(), status="running", kind=kind, tag=tag)
    previous = repo.get_run(run_id)
    if previous is not None and previous.get("status") in _CARRIES:
        summary.parts = int(previous.get("parts", 1)) + (previous["status"] == "continuing")
        summary.attempt = int(previous.get("attempt", 1)) + (previous["status"] != "continuing")
        for counter in CARRIED_COUNTS:
            setattr(summary, counter, int(previous.get(counter, 0)))
    return summary


def _take_slot(repo: Store, summary: RunSummary, now: datetime, resume_run_id: str | None) -> bool:
    """Lease the tenant's run slot; when another run holds it, queue this one (status "queued")."""
    holder = repo.acquire_run_lock(summary.run_id, int(now.timestamp()), RUN_LEASE_SECONDS)
    if holder is not None:
        summary.status, summary.reason = "queued", f"waiting for run {holder}"
        # Everything needed to start it later: a resume names the paused run it continues.
        repo.queue_run(summary.run_id, {"time": now.isoformat(), "kind": summary.kind, "resume_run_id": resume_run_id})
    save_run(repo, summary, now)
    return holder is None


def _work_or_fail(
    repo: Store,
    sink: MessageSink,
    reporter: Reporter | None,
    settings: TenantSettings,
    summary: RunSummary,
    now: datetime,
    budget: Budget,
    fan_out_to: FanOut | None,
) -> None:
    """Do the run's work and save how it ended; a run that failed records why and frees the slot."""
    try:
        carry_out_run(repo, sink, reporter, settings, summary, budget, fan_out_to)
    except Exception as error:
        summary.status, summary.reason = "failed", f"{type(error).__name__}: {error}"
        save_run(repo, summary, now)
        repo.release_run_lock(summary.run_id)
        raise
    if summary.status != "fanned_out":  # saved before its shards went: the last of them ends it
        save_run(repo, summary, now)


def run_queued(
    repo: Store,
    sink: MessageSink,
    reporter: Reporter | None,
    time_left_ms: Callable[[], int] | None,
    backoff: Backoff,
    work_queue: WorkQueue | None = None,
) -> None:
    """Start the requests that arrived while a run held the slot (O2: "waiting for robot"), oldest first.

    A request leaves the queue only once it has run; one that failed, found the slot taken again
    or must continue in a fresh invocation stays queued, and the end of the next run takes it up.
    """
    tried: set[str] = set()
    while waiting := [queued for queued in repo.queued_runs() if queued["run_id"] not in tried]:
        queued = waiting[0]
        tried.add(queued["run_id"])
        try:
            result = schedule_due_reminders(
                repo,
                sink,
                datetime.fromisoformat(queued["time"]),
                queued["kind"],
                reporter,
                queued.get("resume_run_id"),
                time_left_ms,
                run_queue=False,
                backoff=backoff,
                work_queue=work_queue,
            )
        except RunNotResumable:
            repo.dequeue_run(queued["run_id"])  # resumed meanwhile (or never paused): nothing left to do
            continue
        except Exception:  # its run record says why; it stays queued for the next run's end
            continue
        if result.status == "fanned_out":
            repo.dequeue_run(queued["run_id"])  # it ran: its shard workers finish it and start the rest
            break
        if result.status in ("queued", "continuing"):
            break
        repo.dequeue_run(queued["run_id"])


def save_run(repo: Store, summary: RunSummary, now: datetime) -> None:
    """The run record (O2): status, counts and the reason it stopped."""
    repo.put_run(summary.run_id, asdict(summary) | {"time": now.isoformat()})


def record_run(repo: Store, summary: RunSummary) -> None:
    """The run's own effect: how it ended and what it did, dated its run day."""
    repo.record_effect(
        run_effect(
            date.fromisoformat(summary.run_date),
            summary.tag,
            summary.status,
            summary.reason,
            reminders=summary.reminders,
            held_back=summary.held_back,
        ),
        key=summary.tag,
    )
