"""One run's work, once it holds the tenant's slot: send what an earlier run left in the outbox,
check that the run may go (O4–O6), tidy up (settle, write off, reverse fees), find what is due,
plan the consolidated reminders, propose or commit each, send their messages and report.

How a run is queued, leased, continued and resumed is :mod:`shared.services.runs.lifecycle`;
how one reminder is committed and sent is :mod:`shared.services.commit`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any

from shared.domain.effects import proposal_effect
from shared.domain.money import money_text
from shared.domain.planning import GroupKey, InvoiceState, PlannedReminder, RunPlan, next_step_on, plan_reminders
from shared.domain.run_control import check_run
from shared.domain.settings import TenantSettings
from shared.messages import QueueMessage, parse_body
from shared.services.commit import Budget, ReminderCommits
from shared.services.housekeeping import (
    overdue_small_remainders,
    reverse_paid_fees,
    settle_open_items,
    write_off_small_remainders,
)
from shared.services.outbox import Delivery, MessageSink, deliver, with_retries
from shared.services.reminders import reminder_key_of
from shared.services.runs.shards import FAN_OUT_ABOVE, SHARDS_PER_ITEM, WorkQueue, fan_out
from shared.services.runs.summary import HELD_BACK_LISTED, Reporter, RunSummary, held_back_line
from shared.storage import keys
from shared.storage.protocols import Store

# One transaction holds the outbox, the payment reference, the customer's check, one update per
# invoice and either an approved proposal (an approval) or the run's commit counts (a run,
# shared/services/commit.py): at most 100 items.
MAX_INVOICES_PER_REMINDER = 96
# Stop committing when less than this is left of the invocation, and continue in a fresh one (O3).
CONTINUE_BELOW_MS = 30_000
# Committed reminders go to the queues (and leave the outbox) in groups of about this many messages.
FLUSH_MESSAGES = 100
# Invoices moved per call from the legacy due shards (by invoice id) to their customer's shard.
LEGACY_MOVES = 500


@dataclass
class DueWork:
    """What the run found to do: the plan, the due invoices of excluded customers, and the
    housekeeping effects (settled, written off, reversed) that went before it."""

    plan: RunPlan
    excluded: list[InvoiceState]
    housekeeping: list[dict[str, Any]]


@dataclass(frozen=True)
class FanOut:
    """Where a large run's shards go (the work queue), when a run counts as large, and the run's
    clock for the work items. Without it (the simulator, a local call) a run never fans out."""

    queue: WorkQueue
    time: datetime
    above: int = FAN_OUT_ABOVE
    per_item: int = SHARDS_PER_ITEM


def carry_out_run(
    repo: Store,
    sink: MessageSink,
    reporter: Reporter | None,
    settings: TenantSettings,
    summary: RunSummary,
    budget: Budget,
    fan_out_to: FanOut | None = None,
) -> None:
    """Do one run's work as of ``summary.run_date``, recording in ``summary`` what it did and how
    it ended: "completed", "skipped", stopped by a check, "continuing" when the time ran out, or
    "fanned_out" when more than ``fan_out_to.above`` invoices are due: then the checks and the
    housekeeping were done here and the shards went to the work queue
    (:mod:`shared.services.runs.fanout` does them and ends the run)."""
    if not _send_pending_outbox(repo, sink, summary, budget):
        return  # the queues still fail: the run continues in a fresh invocation
    if not settings.reminders_enabled:
        summary.status, summary.reason = "skipped", "reminders are switched off (settings.reminders_enabled)"
        return
    if _stopped_by_checks(repo, reporter, settings, summary):
        return
    if not _due_index_migrated(repo, summary, budget):
        return
    run_date = date.fromisoformat(summary.run_date)
    work = _due_work(repo, settings, run_date, summary, budget, fan_out_to)
    if work is None:
        assert fan_out_to is not None
        fan_out(repo, fan_out_to.queue, summary, fan_out_to.time, fan_out_to.per_item)
        return
    earlier = summary.reminders  # what the run's earlier parts recorded (a continuation carries it)
    commits = ReminderCommits(repo, sink, settings, summary.tag, run_date, budget, count_commits=True)
    proposed = _commit_plan(repo, settings, summary, work.plan, commits)
    if summary.status != "continuing":
        summary.status = "completed"
    count_committed(repo, summary)
    interrupted = summary.reminders - earlier - len(commits.sent)
    _report(repo, reporter, settings, summary, work, commits, proposed, max(interrupted, 0))


def count_committed(repo: Store, summary: RunSummary) -> None:
    """The run record's counts of what was committed (reminders, invoices, messages, by action),
    from the counts each commit added in its own transaction: exact for the whole run, its
    continued parts and an attempt that died after it committed and before it recorded."""
    committed = repo.run_commit_counts(summary.tag)
    summary.reminders = committed["reminders"]
    summary.invoices_advanced = committed["invoices_advanced"]
    summary.messages = committed["messages"]
    summary.by_action = {
        name.removeprefix("by_"): count for name, count in committed.items() if name.startswith("by_") and count
    }


def _send_pending_outbox(repo: Store, sink: MessageSink, summary: RunSummary, budget: Budget) -> bool:
    """Send what an earlier run (or part of this one) committed but did not get onto the queues.

    The messages keep their business keys, so a consumer that already did the
    work recognises them; nothing is lost and nothing happens twice. False when
    some still could not be sent: the run then continues later.
    """
    pending = {key: [parse_body(body) for body in bodies] for key, bodies in repo.pending_outbox()}
    if not pending:
        return True
    delivery = deliver(repo, sink, pending, budget.time_left_ms, budget.backoff, budget.reserve_ms)
    summary.resent += delivery.sent
    if delivery.left:
        _waiting(summary, delivery.left)
        return False
    return True


def _due_index_migrated(repo: Store, summary: RunSummary, budget: Budget) -> bool:
    """Move every invoice still filed in the legacy due shards to its customer's shard before the
    due query (a no-op query per legacy shard once they are empty). False when the time ran out:
    the run continues in a fresh invocation and moves the rest first."""
    while repo.move_legacy_due_entries(LEGACY_MOVES):
        if budget.time_left_ms() < CONTINUE_BELOW_MS:
            summary.status = "continuing"
            summary.reason = "moving invoices to the customer-sharded due index; the run continues"
            return False
    return True


def _stopped_by_checks(repo: Store, reporter: Reporter | None, settings: TenantSettings, summary: RunSummary) -> bool:
    """The run's checks (O4–O6): unposted journal entries, unknown customers or journals, bank
    connections. A resumed run has been told to go on regardless of the journals."""
    journal_entries = (
        {}
        if summary.kind == "resume"
        else {journal: repo.journal_entries(journal) for journal in settings.check_journals}
    )
    outcome = check_run(
        settings,
        unknown_customers=[c for c in settings.excluded_customers if repo.get_customer(c) is None],
        bank_connections=repo.bank_connections() if settings.check_bank_connections else [],
        unposted={journal: len(entries) for journal, entries in journal_entries.items()},
        unknown_journals=[j for j in settings.check_journals if not repo.journal_exists(j)],
    )
    if outcome is None:
        return False
    summary.status, summary.reason = outcome.status, outcome.reason
    if reporter is not None:
        entries = [entry | {"journal": journal} for journal, listed in journal_entries.items() for entry in listed]
        _record(repo, reporter.run_stopped(settings, summary, outcome, entries), f"{summary.tag}#notification")
    return True


def due_in_shard(
    repo: Store, run_date: date, shard: str, budget: Budget, limit: int | None = None
) -> list[InvoiceState]:
    """One due-index shard's due invoices (at most ``limit``), its query retried in place after a
    transient failure while the budget allows: a run reads every shard, and one failed read must
    not fail the run."""
    return with_retries(
        lambda: list(islice(repo.due_invoices(run_date, [shard]), limit)),
        budget.backoff,
        budget.time_left_ms,
        budget.reserve_ms,
    )


def _due_work(
    repo: Store,
    settings: TenantSettings,
    run_date: date,
    summary: RunSummary,
    budget: Budget,
    fan_out_to: FanOut | None = None,
) -> DueWork | None:
    """Tidy up, query what is due (the sparse due-index), and plan the consolidated reminders.
    None when more than ``fan_out_to.above`` invoices are due (read no further than that): the
    tidying is done, and the shards are to be handed out."""
    housekeeping: list[dict[str, Any]] = []
    if settings.settle_open_items:
        housekeeping += settle_open_items(repo, run_date, summary.tag)
    limit = None if fan_out_to is None else fan_out_to.above + 1
    candidates: list[InvoiceState] = []
    for shard in keys.due_shards():
        candidates += due_in_shard(repo, run_date, shard, budget, None if limit is None else limit - len(candidates))
        if limit is not None and len(candidates) >= limit:
            break
    if fan_out_to is not None and len(candidates) > fan_out_to.above:
        _tidy(repo, settings, run_date, summary)
        return None
    excluded = [c for c in candidates if c.customer_id in settings.excluded_customers]
    candidates = [c for c in candidates if c.customer_id not in settings.excluded_customers]
    if settings.write_off_below is not None:
        # Every small overdue remainder in the process, not only those due for a step today (O13).
        small = overdue_small_remainders(repo, settings.write_off_below, run_date, set(settings.excluded_customers))
        effects, written_off = write_off_small_remainders(repo, small, settings.write_off_below, run_date, summary.tag)
        housekeeping += effects
        candidates = [c for c in candidates if c.invoice_id not in written_off]
    if settings.reverse_fees_when_paid:
        housekeeping += reverse_paid_fees(repo, run_date, summary.tag)
    plan = _plan(repo, settings, run_date, candidates)
    summary.held_back = len(plan.held_back)
    by_customer = sorted(plan.held_back, key=lambda held: (held.reminder.key.customer_id, held.reminder.step_name))
    summary.held_back_lines = [held_back_line(held) for held in by_customer[:HELD_BACK_LISTED]]
    return DueWork(plan, excluded, housekeeping)


def _tidy(repo: Store, settings: TenantSettings, run_date: date, summary: RunSummary) -> None:
    """A fanned-out run's tenant-wide housekeeping after settlement: write-offs and fee reversals
    (what is written off leaves the due-index, so no shard sees it)."""
    if settings.write_off_below is not None:
        small = overdue_small_remainders(repo, settings.write_off_below, run_date, set(settings.excluded_customers))
        write_off_small_remainders(repo, small, settings.write_off_below, run_date, summary.tag)
    if settings.reverse_fees_when_paid:
        reverse_paid_fees(repo, run_date, summary.tag)


def _plan(repo: Store, settings: TenantSettings, run_date: date, candidates: list[InvoiceState]) -> RunPlan:
    """Consolidate the due invoices into reminders; refile those not due after all, and mark the
    templates about to be used (a used template version can no longer change)."""
    respite = settings.min_days_between_reminders
    after_days = settings.collection.after_days if settings.collection else None
    templates = {version: repo.get_template(version) for version in {c.template_version for c in candidates}}
    plan = plan_reminders(candidates, templates, run_date, respite, settings.min_overdue_amount, after_days)
    for invoice in plan.not_yet_due:  # filed under an older date (e.g. respite grew): move it
        repo.refile_invoice(invoice, next_step_on(invoice, templates[invoice.template_version], respite, after_days))
    for version in {reminder.template.version_id for reminder in plan.send}:
        if not templates[version].used:
            repo.mark_template_used(version)
    return plan


def _commit_plan(
    repo: Store,
    settings: TenantSettings,
    summary: RunSummary,
    plan: RunPlan,
    commits: ReminderCommits,
) -> list[PlannedReminder]:
    """Propose or commit each planned reminder, handing the messages to the queues as they add up;
    stop (status "continuing") when the invocation's time runs short. Returns the proposed."""
    proposed: list[PlannedReminder] = []
    commits.charging.prefetch([reminder for reminder in plan.send if not settings.needs_approval(reminder.step_name)])
    for reminder in plan.send:
        if summary.status == "continuing":
            break
        if commits.budget.time_left_ms() < CONTINUE_BELOW_MS:
            summary.status = "continuing"
            break
        for part in transaction_sized(reminder):
            if part.is_case or settings.needs_approval(part.step_name):
                if _propose(repo, part, settings.tenant, summary):
                    proposed.append(part)
            else:
                commits.stage(part)  # committed in groups
        if commits.unsent_messages >= FLUSH_MESSAGES:
            _send(commits, summary, final=False)
    _send(commits, summary, final=True)
    summary.lost_races += len(commits.lost)
    return proposed


def _send(commits: ReminderCommits, summary: RunSummary, final: bool) -> None:
    """Hand what the run committed to the queues; what they would not take in time waits in the
    outbox, and the run continues in a fresh invocation that sends it first."""
    delivery: Delivery = commits.send(final)
    if delivery.left:
        _waiting(summary, delivery.left)


def _waiting(summary: RunSummary, left: dict[str, list[QueueMessage]]) -> None:
    summary.status = "continuing"
    summary.reason = (
        f"{sum(len(messages) for messages in left.values())} message(s) of {len(left)} reminder(s) wait in the "
        "outbox: the queues failed until the time ran out; the run continues"
    )


def transaction_sized(reminder: PlannedReminder) -> list[PlannedReminder]:
    """A reminder and its invoice updates must fit one DynamoDB transaction (100 items); a step that
    charges may also update one agreement per invoice."""
    charges = not reminder.is_case and bool(
        {"fee", "compensation"} & set(reminder.template.step(reminder.key.step_number).action_kinds)
    )
    size = MAX_INVOICES_PER_REMINDER // 2 if charges else MAX_INVOICES_PER_REMINDER
    if len(reminder.invoices) <= size:
        return [reminder]
    return [
        PlannedReminder(key=reminder.key, template=reminder.template, invoices=reminder.invoices[start : start + size])
        for start in range(0, len(reminder.invoices), size)
    ]


def _propose(repo: Store, reminder: PlannedReminder, tenant: str, summary: RunSummary) -> bool:
    """O9/O14: file the reminder (or case) as a proposal instead of sending it."""
    key = _proposal_key(reminder, tenant, summary)
    proposal = {
        "kind": "collection" if reminder.is_case else "reminder",
        "customer": reminder.key.customer_id,
        "template": reminder.template.version_id,
        "step_number": reminder.key.step_number,
        "step": reminder.step_name,
        "invoices": [
            {"invoice_id": i.invoice_id, "steps_done": i.steps_done, "open_amount": money_text(i.open_amount)}
            for i in reminder.invoices
        ],
        "amount": money_text(reminder.open_total),
        "proposed_on": summary.run_date,
        "run_id": summary.tag,
        "part": summary.parts,  # a retry of this part finds what its dead attempt proposed
    }
    effect = proposal_effect(reminder, date.fromisoformat(summary.run_date), summary.tag)
    if repo.commit_proposal(key, proposal, effect, reminder.invoices):
        summary.proposals += 1
        return True
    summary.lost_races += 1
    return False


def _proposal_key(reminder: PlannedReminder, tenant: str, summary: RunSummary) -> str:
    """A proposal's key: the reminder's, and the run's (proposed again after a reject)."""
    return f"{reminder_key_of(reminder, tenant, 'proposal')}@{summary.tag}"


def _proposed_earlier(
    repo: Store, tenant: str, summary: RunSummary, proposed: list[PlannedReminder]
) -> list[PlannedReminder]:
    """What an earlier attempt of this part of the run proposed and this one did not: still waiting,
    so the tenant's notice lists it (the attempt died before it told). The record's count is left
    as it was: a failed attempt's record counted them already, a dead one's did not."""
    mine = {_proposal_key(reminder, tenant, summary) for reminder in proposed}
    return proposals_of(repo, summary.tag, summary.parts, leave_out=mine)


def proposals_of(
    repo: Store, tag: str, part: int | None = None, leave_out: Collection[str] = ()
) -> list[PlannedReminder]:
    """The proposals the run ``tag`` (its ``part``, when given) filed and nobody decided yet, as the
    notice lists them; but those whose keys are in ``leave_out``."""
    proposed = []
    for record in repo.pending_proposals():
        if record.get("run_id") != tag or record["key"] in leave_out:
            continue
        if part is not None and record.get("part", 1) != part:
            continue
        invoices = [repo.get_invoice(line["invoice_id"]) for line in record["invoices"]]
        proposed.append(
            PlannedReminder(
                key=GroupKey(record["customer"], record["template"], int(record["step_number"])),
                template=repo.get_template(record["template"]),
                invoices=sorted((i for i in invoices if i is not None), key=lambda invoice: invoice.invoice_id),
            )
        )
    return proposed


def told(repo: Store, summary: RunSummary, kind: str, key: str) -> bool:
    """Did an earlier attempt of the run send (and record) this notice or report?"""
    return repo.has_effect({"date": summary.run_date, "kind": kind}, key)


def _report(
    repo: Store,
    reporter: Reporter | None,
    settings: TenantSettings,
    summary: RunSummary,
    work: DueWork,
    commits: ReminderCommits,
    proposed: list[PlannedReminder],
    interrupted: int,
) -> None:
    """Tell the tenant what waits for approval, and report what the run sent (O8). A run that
    continues in a fresh invocation tells and reports each part: what this part did, and the
    number (``interrupted``) an attempt of it that died before its report had committed.

    A retry of an attempt that died (``summary.attempt`` > 1) also tells what that attempt
    proposed, and tells nothing the dead attempt told already (its notice or report is recorded)."""
    retry = summary.attempt > 1
    if retry:
        proposed = proposed + _proposed_earlier(repo, settings.tenant, summary, proposed)
    if reporter is None:
        return
    suffix = f"#{summary.parts}" if summary.parts > 1 else ""
    notice_key = f"{summary.tag}#proposals{suffix}"
    if proposed and not (retry and told(repo, summary, "notification", notice_key)):
        _record(repo, reporter.proposals_waiting(settings, summary, proposed), notice_key)
    key = f"{summary.tag}#report{suffix}"
    reported = retry and told(repo, summary, "report", key)
    if settings.status_report_to and (commits.sent or proposed or interrupted) and not reported:
        report = reporter.run_report(
            settings,
            summary,
            commits.sent,
            work.plan.held_back,
            work.excluded,
            work.housekeeping,
            proposed,
            charged=commits.charged,
            interrupted=interrupted,
        )
        _record(repo, report, key)


def _record(repo: Store, effect: dict[str, Any] | None, key: str) -> None:
    if effect is not None:
        repo.record_effect(effect, key)
