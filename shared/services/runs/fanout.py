"""A shard worker of a fanned-out run, and the end of that run.

:func:`run_shards` does one work item (:class:`~shared.services.runs.shards.WorkItem`): for
each of its due-index shards it queries what is due, plans, proposes or commits and sends,
exactly as a run does for the whole index (:mod:`shared.services.runs.work`). When the
invocation's time runs short it hands the shards it has not finished to the work queue as a
continuation. Then it records its part in ONE transaction — the part's record (conditional:
a redelivered part is recorded once) with its finished shards and counts ADDed to the run's
tally. The part after which every shard is finished ends the run, once (a conditional claim):
the run record, the run's effect, ONE status report and ONE proposals notice, the slot
released and the queued runs started.

Why nothing is reminded twice or left out: a reminder commits conditionally on the invoice's
step (what is done is no longer due), a shard counts as finished only when a part queried it
to the end, and the tally holds the *set* of finished shards, so a duplicate or an overlapping
continuation never finishes the run early. A part that died after committing left its
messages in the outbox; the redelivered item sends them first (those of its own shards), and
the next run's coordinator sends whatever is left.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.domain.settings import TenantSettings
from shared.messages import parse_body
from shared.services.commit import Budget, ReminderCommits
from shared.services.outbox import MessageSink, deliver
from shared.services.runs.lifecycle import record_run, run_queued, save_run
from shared.services.runs.shards import ListWorkQueue, WorkItem, WorkQueue
from shared.services.runs.summary import CARRIED_COUNTS, Reporter, RunSummary
from shared.services.runs.work import CONTINUE_BELOW_MS, _commit_plan, _plan, _record, due_in_shard, proposals_of, told
from shared.storage import keys
from shared.storage.protocols import Store

# What an attempt counts only when it did it: each commit, message and proposal happens once.
_WORK_DONE = ("reminders", "messages", "invoices_advanced", "proposals", "resent", "lost_races")
_ACTIONS = ("email", "sms", "fee", "bs", "collection", "interest", "compensation", "statement")
# The effects of a run's housekeeping, as the status report lists them (shared/services/reporting.py).
HOUSEKEEPING_KINDS = ("settlement", "write_off", "fee_reversal")


@dataclass
class PartResult:
    """What one work item did: its counts, the shards it finished and left, and whether it ended the run."""

    summary: RunSummary
    finished: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    recorded: bool = False
    ended_run: RunSummary | None = None


def run_shards(
    repo: Store,
    sink: MessageSink,
    settings: TenantSettings,
    item: WorkItem,
    budget: Budget,
    queue: WorkQueue,
    reporter: Reporter | None = None,
    time_left_ms: Callable[[], int] | None = None,
) -> PartResult:
    """Do one work item of a fanned-out run (see the module's docstring); safe to repeat."""
    part = PartResult(RunSummary(item.run_id, item.run_date.isoformat(), "running", kind=item.kind, tag=item.tag))
    tally = repo.fan_out_tally(item.tag)
    if tally is None:
        raise RuntimeError(f"run {item.run_id} was never fanned out (no tally under {item.tag})")
    if tally["ended"] is None and not set(item.shards) <= tally["done"]:
        _work(repo, sink, settings, item, budget, part, tally["done"])
    else:
        part.finished = [shard for shard in item.shards if shard in tally["done"]]
        part.left = [shard for shard in item.shards if shard not in tally["done"]]
    if tally["ended"] is not None and tally["ended"] != item.part:
        return part  # a late duplicate: the run is over
    if part.left:
        queue.hand_out([item.continued(part.left)])  # before the record: a crash in between repeats this item
    counts = _counts(part.summary)
    part.recorded = repo.record_run_part(item.tag, item.part, part.finished, counts)
    if not part.recorded and any(counts[name] for name in _WORK_DONE):
        # An attempt of an item recorded before that still found work (a duplicate delivered while
        # the first continued): what it committed happened once, so it is counted, as a part of its own.
        # Only what it did: what it held back, the recorded attempt saw and counted too.
        done = {name: count for name, count in counts.items() if name != "held_back"}
        repo.record_run_part(item.tag, f"{item.part}+{uuid.uuid4().hex[:12]}", part.finished, done)
    part.ended_run = end_if_last(repo, sink, settings, item, reporter, time_left_ms, budget, queue)
    return part


def _work(
    repo: Store,
    sink: MessageSink,
    settings: TenantSettings,
    item: WorkItem,
    budget: Budget,
    part: PartResult,
    done_before: set[str],
) -> None:
    """Send what an earlier attempt of these shards left in the outbox, then each shard in turn
    until the time runs short (or the queues fail: then the shard is left for the continuation)."""
    summary = part.summary
    if not _resend_own_outbox(repo, sink, item, budget, summary):
        part.left = list(item.shards)
        return
    run_date = item.run_date
    excluded = set(settings.excluded_customers)
    for shard in item.shards:
        if summary.status == "continuing" or budget.time_left_ms() < CONTINUE_BELOW_MS:
            break
        candidates = [c for c in due_in_shard(repo, run_date, shard, budget) if c.customer_id not in excluded]
        plan = _plan(repo, settings, run_date, candidates)
        # One shard's commits: its customers' statements (O16) and charges are all in this shard.
        commits = ReminderCommits(
            repo, sink, settings, item.tag, run_date, budget, summary.by_action, count_commits=True, per_shard=True
        )
        _commit_plan(repo, settings, summary, plan, commits)
        if summary.status == "continuing":
            break  # time ran short inside the shard, or its messages wait in the outbox
        if shard not in done_before:
            summary.held_back += len(plan.held_back)  # counted when its shard is finished
        part.finished.append(shard)
    part.left = [shard for shard in item.shards if shard not in part.finished]


def _resend_own_outbox(repo: Store, sink: MessageSink, item: WorkItem, budget: Budget, summary: RunSummary) -> bool:
    """The messages this run committed for the customers of these shards and did not get onto the
    queues (an attempt of this item that died): sent now, with their business keys unchanged."""
    mine = set(item.shards)
    pending = {}
    for key, bodies in repo.pending_outbox():
        messages = [parse_body(body) for body in bodies]
        if messages and all(m.run_id == item.tag and keys.due_shard(m.customer_id) in mine for m in messages):
            pending[key] = messages
    if not pending:
        return True
    delivery = deliver(repo, sink, pending, budget.time_left_ms, budget.backoff, budget.reserve_ms)
    summary.resent += delivery.sent
    return not delivery.left


def _counts(summary: RunSummary) -> dict[str, int]:
    """The part's counts as the tally adds them up."""
    counts = {name: int(getattr(summary, name)) for name in CARRIED_COUNTS} | {"parts": 1}
    counts |= {f"by_{action}": count for action, count in summary.by_action.items() if action in _ACTIONS}
    return counts


def end_if_last(
    repo: Store,
    sink: MessageSink,
    settings: TenantSettings,
    item: WorkItem,
    reporter: Reporter | None,
    time_left_ms: Callable[[], int] | None,
    budget: Budget,
    queue: WorkQueue,
) -> RunSummary | None:
    """End the run when every shard is finished, exactly once: the part that claims the end
    (a redelivery of that part may claim it again, and finishes what it had not)."""
    tally = repo.fan_out_tally(item.tag)
    if tally is None or len(tally["done"]) < tally["total"] or not repo.claim_run_end(item.tag, item.part):
        return None
    record = repo.get_run(item.run_id) or {}
    if record.get("status") != "fanned_out":
        return None  # ended before: this is a redelivery of the part that ended it
    summary = _run_summary(item, tally, record, repo.run_commit_counts(item.tag))
    _report(repo, reporter, settings, summary)
    save_run(repo, summary, item.time)
    record_run(repo, summary)
    repo.release_run_lock(item.run_id)
    run_queued(repo, sink, reporter, time_left_ms, budget.backoff, queue)
    return summary


def _run_summary(
    item: WorkItem, tally: dict[str, Any], record: dict[str, Any], committed: dict[str, int]
) -> RunSummary:
    """The whole run's record, "completed": what was committed (reminders, invoices, messages, by
    action) from the commits' own counts — exact even when a part died before it recorded — and the
    rest (parts, held back, lost races, resent, proposals) from the parts' tally."""
    counts = tally["counts"] | committed
    summary = RunSummary(
        run_id=item.run_id,
        run_date=item.run_date.isoformat(),
        status="completed",
        reason=f"fanned out over {tally['total']} due-index shards",
        kind=str(record.get("kind", item.kind)),
        tag=item.tag,
        parts=counts["parts"],
    )
    for name in CARRIED_COUNTS:
        setattr(summary, name, counts[name])
    summary.by_action = {action: counts[f"by_{action}"] for action in _ACTIONS if counts[f"by_{action}"]}
    return summary


def _report(repo: Store, reporter: Reporter | None, settings: TenantSettings, summary: RunSummary) -> None:
    """ONE proposals notice and ONE status report for the whole run (never one per shard). The
    report of a fanned-out run states its counts and links the console's run page instead of
    listing every reminder; the notice lists the proposals the run filed."""
    if reporter is None:
        return
    notice_key = f"{summary.tag}#proposals"
    if summary.proposals and not told(repo, summary, "notification", notice_key):
        proposed = proposals_of(repo, summary.tag)
        if proposed:
            _record(repo, reporter.proposals_waiting(settings, summary, proposed), notice_key)
    report_key = f"{summary.tag}#report"
    if (
        settings.status_report_to
        and (summary.reminders or summary.proposals)
        and not told(repo, summary, "report", report_key)
    ):
        totals = {
            "reminders": summary.reminders,
            "proposals": summary.proposals,
            "held_back": summary.held_back,
            "shards": len(keys.due_shards()),
        }
        report = reporter.run_report(settings, summary, [], [], [], _housekeeping(repo, summary), [], totals=totals)
        if report is not None:
            report["totals"] = totals | {"messages": summary.messages}
            _record(repo, report, report_key)


def _housekeeping(repo: Store, summary: RunSummary) -> list[dict[str, Any]]:
    """What the coordinator settled, wrote off and reversed before it fanned out (recorded as the
    run's effects of the run date): the report lists them as a run in one invocation does."""
    run_date = date.fromisoformat(summary.run_date)
    return [
        effect
        for kind in HOUSEKEEPING_KINDS
        for effect in repo.effects_of_kind(run_date, kind)
        if effect.get("_run") == summary.tag
    ]


def run_work_items(
    repo: Store,
    sink: MessageSink,
    settings: TenantSettings,
    queue: ListWorkQueue,
    budget: Budget,
    reporter: Reporter | None = None,
) -> list[PartResult]:
    """Do every work item in ``queue`` and the continuations they hand out, one after another: the
    event-source mapping's stand-in for the in-memory bench and tests (on any :class:`Store`)."""
    done = []
    while (item := queue.take()) is not None:
        done.append(run_shards(repo, sink, settings, item, budget, queue, reporter))
    return done


__all__ = ["PartResult", "end_if_last", "run_shards", "run_work_items"]
