"""One scheduler run: find what is due, commit each reminder, send its messages.

Why nothing is lost or sent twice:

1. Each consolidated reminder is *committed* in one DynamoDB transaction: its
   invoices advance (each only from the step it was read at) and its messages
   are filed in an outbox item. Two runs at once cannot both commit an invoice.
2. Then the messages go to SQS, and the outbox items are cleared.
3. A run that stopped between 1 and 2 left outbox items; the next run sends
   them first. Their business keys are unchanged, so a consumer that already
   did the work recognises a message it has seen.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from shared.domain.effects import proposal_effect, run_effect
from shared.domain.money import money_text
from shared.domain.planning import (
    WARNING_DAYS,
    HeldBack,
    InvoiceState,
    PlannedReminder,
    next_step_on,
    plan_reminders,
)
from shared.domain.reference import payment_id
from shared.domain.run_control import CheckOutcome, check_run
from shared.domain.settings import TenantSettings
from shared.messages import (
    ActionMessage,
    ChargeLine,
    InvoiceLine,
    QueueMessage,
    StatementMessage,
    parse_body,
    reminder_key,
    statement_key,
)
from shared.services.charges import ChargeContext, StepCharges
from shared.services.housekeeping import (
    overdue_small_remainders,
    reverse_paid_fees,
    settle_open_items,
    write_off_small_remainders,
)
from shared.services.outbox import Backoff, MessageSink, deliver, with_retries
from shared.storage.repository import Advance, DunningRepository

# One transaction holds the outbox, the payment reference, an approved proposal and one update per
# invoice: at most 100 items.
MAX_INVOICES_PER_REMINDER = 97


RunKind = Literal["scheduled", "manual", "resume"]


class RunNotResumable(RuntimeError):
    """A resume named a run that is not paused."""


class TenantNotConfigured(RuntimeError):
    """The tenant has no settings item yet."""


@dataclass
class RunSummary:
    run_id: str
    run_date: str
    status: str
    reason: str | None = None
    reminders: int = 0
    messages: int = 0
    invoices_advanced: int = 0
    held_back: int = 0
    lost_races: int = 0
    resent: int = 0
    proposals: int = 0
    parts: int = 1
    kind: str = "scheduled"
    tag: str = ""
    by_action: dict[str, int] = field(default_factory=dict)


def run_id_for(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Reporter(Protocol):
    """Tells the tenant about a stopped run (O4–O6) and reports a run's results (O8)."""

    def run_stopped(
        self,
        settings: TenantSettings,
        summary: RunSummary,
        outcome: CheckOutcome,
        journal_entries: list[dict[str, Any]],
    ) -> dict[str, Any] | None: ...

    def run_report(
        self,
        settings: TenantSettings,
        summary: RunSummary,
        sent: list[PlannedReminder],
        held_back: list[HeldBack],
        excluded: list[InvoiceState],
        housekeeping: list[dict[str, Any]],
        proposed: list[PlannedReminder],
        charged: Mapping[str, StepCharges] | None = None,
        cases: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any] | None: ...

    def proposals_waiting(
        self, settings: TenantSettings, summary: RunSummary, proposed: list[PlannedReminder]
    ) -> dict[str, Any] | None: ...


RUN_LEASE_SECONDS = 15 * 60
# Stop committing when less than this is left of the invocation, and continue in a fresh one (O3).
CONTINUE_BELOW_MS = 30_000
# Committed reminders go to the queues (and leave the outbox) in groups of about this many messages.
FLUSH_MESSAGES = 100
# Without an invocation's time budget (a local call), transient failures are retried this often.
LOCAL_ATTEMPTS = 6


def schedule_due_reminders(
    repo: DunningRepository,
    sink: MessageSink,
    now: datetime,
    kind: RunKind = "scheduled",
    reporter: Reporter | None = None,
    resume_run_id: str | None = None,
    time_left_ms: Callable[[], int] | None = None,
    run_queue: bool = True,
    backoff: Backoff | None = None,
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
    """
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    settings = repo.get_settings()
    if settings is None:
        raise TenantNotConfigured("no tenant settings stored; load the tenant's settings first")
    run_id, tag = _identify_run(repo, now, kind, resume_run_id)
    if kind == "resume":
        now = datetime.fromisoformat(repo.get_run(run_id)["time"])  # type: ignore[index]
    run_date = now.astimezone(settings.zone).date()
    summary = RunSummary(run_id=run_id, run_date=run_date.isoformat(), status="running", kind=kind, tag=tag)
    previous = repo.get_run(run_id)
    if previous is not None and previous.get("status") == "continuing":
        summary.parts = int(previous.get("parts", 1)) + 1
        for counter in ("reminders", "messages", "invoices_advanced", "lost_races", "resent", "held_back", "proposals"):
            setattr(summary, counter, int(previous.get(counter, 0)))
    holder = repo.acquire_run_lock(run_id, int(now.timestamp()), RUN_LEASE_SECONDS)
    if holder is not None:
        summary.status, summary.reason = "queued", f"waiting for run {holder}"
        # Everything needed to start it later: a resume names the paused run it continues.
        repo.queue_run(run_id, {"time": now.isoformat(), "kind": kind, "resume_run_id": resume_run_id})
        _save_run(repo, summary, now)
        return summary
    _save_run(repo, summary, now)
    if backoff is None:
        backoff = Backoff(attempts=None if time_left_ms is not None else LOCAL_ATTEMPTS)
    try:
        _run(repo, sink, reporter, settings, summary, run_date, time_left_ms or (lambda: 1 << 30), backoff)
    except Exception as error:
        summary.status, summary.reason = "failed", f"{type(error).__name__}: {error}"
        _save_run(repo, summary, now)
        repo.release_run_lock(run_id)
        raise
    _save_run(repo, summary, now)
    if summary.status == "continuing":
        return summary  # keeps the slot: the continuation is the same run
    repo.release_run_lock(run_id)
    _record_run(repo, summary)
    if run_queue:
        _run_queued(repo, sink, reporter, time_left_ms, backoff)
    return summary


def _run_queued(
    repo: DunningRepository,
    sink: MessageSink,
    reporter: Reporter | None,
    time_left_ms: Callable[[], int] | None,
    backoff: Backoff,
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
            )
        except RunNotResumable:
            repo.dequeue_run(queued["run_id"])  # resumed meanwhile (or never paused): nothing left to do
            continue
        except Exception:  # its run record says why; it stays queued for the next run's end
            continue
        if result.status in ("queued", "continuing"):
            break
        repo.dequeue_run(queued["run_id"])


_UNFINISHED = frozenset({"queued", "running", "continuing", "failed"})


def _identify_run(repo: DunningRepository, now: datetime, kind: RunKind, resume_run_id: str | None) -> tuple[str, str]:
    """(run id, effect tag): a resumed run is the paused run, its effects are tagged apart."""
    if kind == "resume":
        if resume_run_id is None:
            raise ValueError("a resume names the paused run (run_id)")
        record = repo.get_run(resume_run_id)
        # A resume that was queued, continues in a fresh invocation or failed part-way goes on as the resume.
        resuming = record is not None and record.get("kind") == "resume" and record.get("status") in _UNFINISHED
        if record is None or not (record.get("status") == "paused" or resuming):
            raise RunNotResumable(f"run {resume_run_id} is not paused; only a paused run can be resumed")
        return resume_run_id, f"{resume_run_id}#resumed"
    run_id = run_id_for(now) if kind == "scheduled" else f"{run_id_for(now)}~{kind}"
    return run_id, run_id


def _run(
    repo: DunningRepository,
    sink: MessageSink,
    reporter: Reporter | None,
    settings: TenantSettings,
    summary: RunSummary,
    run_date: date,
    time_left_ms: Callable[[], int],
    backoff: Backoff,
) -> None:
    if not _send_pending_outbox(repo, sink, summary, time_left_ms, backoff):
        return  # the queues still fail: the run continues in a fresh invocation
    if not settings.reminders_enabled:
        summary.status, summary.reason = "skipped", "reminders are switched off (settings.reminders_enabled)"
        return

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
    if outcome is not None:
        summary.status, summary.reason = outcome.status, outcome.reason
        if reporter is not None:
            entries = [entry | {"journal": journal} for journal, listed in journal_entries.items() for entry in listed]
            _record(repo, reporter.run_stopped(settings, summary, outcome, entries), f"{summary.tag}#notification")
        return

    housekeeping: list[dict[str, Any]] = []
    if settings.settle_open_items:
        housekeeping += settle_open_items(repo, run_date, summary.tag)

    respite = settings.min_days_between_reminders
    after_days = settings.collection.after_days if settings.collection else None
    candidates = list(repo.due_invoices(run_date))
    templates = {version: repo.get_template(version) for version in {c.template_version for c in candidates}}
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

    plan = plan_reminders(candidates, templates, run_date, respite, settings.min_overdue_amount, after_days)
    for invoice in plan.not_yet_due:  # filed under an older date (e.g. respite grew): move it
        repo.refile_invoice(invoice, next_step_on(invoice, templates[invoice.template_version], respite, after_days))
    summary.held_back = len(plan.held_back)

    for version in {reminder.template.version_id for reminder in plan.send}:
        if not templates[version].used:
            repo.mark_template_used(version)

    unsent: dict[str, list[QueueMessage]] = {}  # committed, not yet handed to the queues
    sent: list[PlannedReminder] = []
    charged: dict[str, StepCharges] = {}  # what each sent reminder charged, and what it could not
    statements: set[str] = set()  # customers whose statement this run has filed (one each, O16)
    run_charges: dict[str, list[ChargeLine]] = {}  # customer -> what the run charged, for the statement
    proposed: list[PlannedReminder] = []
    charging = ChargeContext(repo, settings)
    charging.prefetch([reminder for reminder in plan.send if not settings.needs_approval(reminder.step_name)])
    for reminder in plan.send:
        if summary.status == "continuing":
            break
        if time_left_ms() < CONTINUE_BELOW_MS:
            summary.status = "continuing"
            break
        for part in _transaction_sized(reminder):
            if part.is_case or settings.needs_approval(part.step_name):
                if _propose(repo, part, settings.tenant, summary):
                    proposed.append(part)
                continue
            charges = charging.decide(part, run_date)
            reference = payment_id(repo.next_reference_number())
            messages = messages_for(
                part, settings, summary.tag, run_date, summary.by_action, charges, reference, statement_filed=statements
            )
            advances = advances_for(part, run_date, respite, after_days, charges)
            key = reminder_key_of(part, settings.tenant)
            filed = reference_record(part, reference, run_date, key)
            if _commit(repo, key, summary.tag, messages, advances, charges, filed, time_left_ms, backoff):
                charging.committed(charges, run_date)
                record_skipped_charges(repo, part, settings.tenant, summary.tag, run_date, charges)
                unsent[key] = messages
                note_statement_charges(statements, run_charges, messages)
                charged[key] = charges
                sent.append(part)
                summary.reminders += 1
                summary.invoices_advanced += len(part.invoices)
            else:
                summary.lost_races += 1
        if sum(len(messages) for messages in unsent.values()) >= FLUSH_MESSAGES:
            _flush(repo, sink, unsent, summary, time_left_ms, backoff, run_charges, final=False)
    _flush(repo, sink, unsent, summary, time_left_ms, backoff, run_charges, final=True)
    if summary.status != "continuing":
        summary.status = "completed"
    # A run that continues in a fresh invocation tells and reports each part: what this part did.
    suffix = f"#{summary.parts}" if summary.parts > 1 else ""
    if reporter is not None and proposed:
        _record(repo, reporter.proposals_waiting(settings, summary, proposed), f"{summary.tag}#proposals{suffix}")
    if reporter is not None and settings.status_report_to and (sent or proposed):
        report = reporter.run_report(
            settings, summary, sent, plan.held_back, excluded, housekeeping, proposed, charged=charged
        )
        _record(repo, report, f"{summary.tag}#report{suffix}")


def reminder_key_of(reminder: PlannedReminder, tenant: str, what: str = "reminder") -> str:
    """The business key of a consolidated reminder (its outbox item), or of one of its actions."""
    return reminder_key(
        tenant,
        reminder.key.customer_id,
        reminder.template.version_id,
        reminder.key.step_number,
        reminder.invoice_ids,
        what,
    )


def _bodies(messages: list[QueueMessage]) -> list[str]:
    return [message.model_dump_json() for message in messages]


def _propose(repo: DunningRepository, reminder: PlannedReminder, tenant: str, summary: RunSummary) -> bool:
    """O9/O14: file the reminder (or case) as a proposal instead of sending it."""
    key = f"{reminder_key_of(reminder, tenant, 'proposal')}@{summary.tag}"  # proposed again after a reject
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
    }
    effect = proposal_effect(reminder, date.fromisoformat(summary.run_date), summary.tag)
    if repo.commit_proposal(key, proposal, effect, reminder.invoices):
        summary.proposals += 1
        return True
    summary.lost_races += 1
    return False


def _record(repo: DunningRepository, effect: dict[str, Any] | None, key: str) -> None:
    if effect is not None:
        repo.record_effect(effect, key)


def _save_run(repo: DunningRepository, summary: RunSummary, now: datetime) -> None:
    """The run record (O2): status, counts and the reason it stopped."""
    repo.put_run(summary.run_id, asdict(summary) | {"time": now.isoformat()})


def _send_pending_outbox(
    repo: DunningRepository,
    sink: MessageSink,
    summary: RunSummary,
    time_left_ms: Callable[[], int],
    backoff: Backoff,
) -> bool:
    """Send what an earlier run (or part of this one) committed but did not get onto the queues.

    The messages keep their business keys, so a consumer that already did the
    work recognises them; nothing is lost and nothing happens twice. False when
    some still could not be sent: the run then continues later.
    """
    pending = {key: [parse_body(body) for body in bodies] for key, bodies in repo.pending_outbox()}
    if not pending:
        return True
    delivery = deliver(repo, sink, pending, time_left_ms, backoff, CONTINUE_BELOW_MS)
    summary.resent += delivery.sent
    if delivery.left:
        _waiting(summary, delivery.left)
        return False
    return True


def _flush(
    repo: DunningRepository,
    sink: MessageSink,
    unsent: dict[str, list[QueueMessage]],
    summary: RunSummary,
    time_left_ms: Callable[[], int],
    backoff: Backoff,
    run_charges: dict[str, list[ChargeLine]],
    final: bool,
) -> None:
    """Hand the committed reminders' messages to the queues; each reminder leaves the outbox once
    all its messages were accepted. What the queues would not take before the budget ran out
    stays in the outbox and the run continues (the next invocation sends it first). Before the
    ``final`` flush, a reminder whose messages must follow the rest of the run is kept back."""
    going = {key: messages for key, messages in unsent.items() if final or not _held_to_the_end(messages)}
    if not going:
        return
    for key in going:
        del unsent[key]
    # A statement goes out after the customer's last reminder of the run, listing all its charges.
    going = {key: [with_run_charges(message, run_charges) for message in messages] for key, messages in going.items()}
    delivery = deliver(repo, sink, going, time_left_ms, backoff, CONTINUE_BELOW_MS)
    summary.messages += delivery.sent
    if delivery.left:
        _waiting(summary, delivery.left)


def _held_to_the_end(messages: list[QueueMessage]) -> bool:
    """Does one of these messages have to wait for the run's last commit? A statement of account
    sums up the whole run for its customer (O16: it comes after every reminder)."""
    return any(isinstance(message, StatementMessage) for message in messages)


def _waiting(summary: RunSummary, left: dict[str, list[QueueMessage]]) -> None:
    summary.status = "continuing"
    summary.reason = (
        f"{sum(len(messages) for messages in left.values())} message(s) of {len(left)} reminder(s) wait in the "
        "outbox: the queues failed until the time ran out; the run continues"
    )


def _commit(
    repo: DunningRepository,
    key: str,
    tag: str,
    messages: list[QueueMessage],
    advances: list[Advance],
    charges: StepCharges,
    reference: dict[str, Any] | None,
    time_left_ms: Callable[[], int],
    backoff: Backoff,
) -> bool:
    """Commit one reminder, retrying a transient failure. A commit whose answer was lost may
    have taken effect: its outbox item, filed by this run, says so."""
    tried = False

    def attempt() -> bool:
        nonlocal tried
        if tried and repo.outbox_run(key) == tag:
            return True
        tried = True
        return repo.commit_reminder(key, tag, _bodies(messages), advances, periods=charges.periods, reference=reference)

    return with_retries(attempt, backoff, time_left_ms, CONTINUE_BELOW_MS)


def _transaction_sized(reminder: PlannedReminder) -> list[PlannedReminder]:
    """A reminder and its invoice updates must fit one DynamoDB transaction (100 items); a step that
    charges may also update one agreement per invoice."""
    charges = not reminder.is_case and bool(
        {"fee", "compensation"} & set(reminder.template.step(reminder.key.step_number).action_kinds)
    )
    size = MAX_INVOICES_PER_REMINDER // 2 if charges else MAX_INVOICES_PER_REMINDER
    if len(reminder.invoices) <= size:
        return [reminder]
    return [
        PlannedReminder(
            key=reminder.key,
            template=reminder.template,
            invoices=reminder.invoices[start : start + size],
        )
        for start in range(0, len(reminder.invoices), size)
    ]


def advances_for(
    reminder: PlannedReminder, on: date, respite: int, collection_after_days: int | None, charges: StepCharges
) -> list[Advance]:
    """How each invoice of a reminder moves when its step happens on ``on``, with what it was charged."""
    template = reminder.template
    number = reminder.key.step_number
    step = template.step(number)
    warning = is_collection_warning(reminder, collection_after_days is not None)
    actions = [action for action in step.action_kinds if action not in charges.skipped]
    history = {"date": on.isoformat(), "step": step.name, "actions": actions, "fee": _text(charges.fee)}
    advances = []
    for invoice in reminder.invoices:
        advanced = replace(
            invoice,
            steps_done=invoice.steps_done + 1,
            last_step_on=on,
            warned_on=on if warning else invoice.warned_on,
        )
        following = next_step_on(advanced, template, respite, collection_after_days)
        advances.append(
            Advance(
                invoice,
                on,
                following,
                history,
                warning,
                fee_charged=charges.fee is not None,
                interest_to=charges.interest_to,
                compensated=invoice.invoice_id in charges.compensated_invoices,
            )
        )
    return advances


def is_collection_warning(reminder: PlannedReminder, collection_on: bool) -> bool:
    """Is this step the collection warning (inkassoloven § 10)? The step marked ``inkassovarsel``;
    when none is marked and debt collection is on, the template's last step. Its texts then say so
    with a deadline, and only after it can a case follow."""
    template = reminder.template
    number = reminder.key.step_number
    return number == template.warning_step and (template.step(number).inkassovarsel or collection_on)


def record_skipped_charges(
    repo: DunningRepository, reminder: PlannedReminder, tenant: str, run_tag: str, on: date, charges: StepCharges
) -> None:
    """A fee, interest or compensation the Danish rules did not allow: never silently dropped."""
    for action, reason in charges.skipped.items():
        key = reminder_key_of(reminder, tenant, action)  # the key the action's message would have had
        effect = {
            "date": on.isoformat(),
            "kind": "skipped",
            "customer": reminder.key.customer_id,
            "invoices": reminder.invoice_ids,
            "step": reminder.step_name,
            "template": reminder.template.version_id,
            "action": action,
            "reason": reason,
            "_run": run_tag,
            "_step_number": reminder.key.step_number,
        }
        repo.record_effect(effect, key)


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else money_text(amount)


def reference_record(reminder: PlannedReminder, reference: str, on: date, key: str) -> dict[str, Any]:
    """What a payment reference stands for, filed with the reminder's commit (looked up by
    ``GET /references/{reference}`` and ``dunning reference``)."""
    return {
        "reference": reference,
        "customer": reminder.key.customer_id,
        "invoices": reminder.invoice_ids,
        "template": reminder.template.version_id,
        "step": reminder.step_name,
        "step_number": reminder.key.step_number,
        "date": on.isoformat(),
        "open_total": money_text(reminder.open_total),
        "reminder_key": key,
    }


def messages_for(
    reminder: PlannedReminder,
    settings: TenantSettings,
    run_tag: str,
    run_date: date,
    by_action: dict[str, int],
    charges: StepCharges,
    reference: str | None = None,
    statement_filed: Collection[str] = (),
) -> list[QueueMessage]:
    """One message per action of the reminder's step, each with its business key and the
    reminder's payment ``reference``; a charge the rules did not allow gets none (see
    :func:`record_skipped_charges`). A ``statement`` is one per customer per run: none when
    ``statement_filed`` names the customer already."""
    tenant = settings.tenant
    warns = is_collection_warning(reminder, settings.collection is not None)
    amounts: dict[str, Decimal | None] = {"interest": charges.interest, "compensation": charges.compensation}
    step = reminder.template.step(reminder.key.step_number)
    lines = [
        InvoiceLine(invoice_id=i.invoice_id, amount=i.amount, open_amount=i.open_amount, issued=i.issued, due=i.due)
        for i in reminder.invoices
    ]
    messages: list[QueueMessage] = []
    for action in step.action_kinds:
        if action in charges.skipped:
            continue
        if action == "statement":
            if reminder.key.customer_id not in statement_filed:
                by_action[action] = by_action.get(action, 0) + 1
                messages.append(
                    StatementMessage(
                        idempotency_key=statement_key(tenant, reminder.key.customer_id, run_tag),
                        tenant=tenant,
                        run_id=run_tag,
                        run_date=run_date,
                        customer_id=reminder.key.customer_id,
                    )
                )
            continue
        message = ActionMessage(
            idempotency_key=reminder_key_of(reminder, tenant, action),
            tenant=tenant,
            run_id=run_tag,
            run_date=run_date,
            action=action,  # type: ignore[arg-type]
            customer_id=reminder.key.customer_id,
            template_version=reminder.template.version_id,
            step_name=step.name,
            step_number=reminder.key.step_number,
            step_count=reminder.template.step_count,
            invoices=lines,
            step_fee=charges.fee,
            warning_deadline=run_date + timedelta(days=WARNING_DAYS) if warns else None,
            charge_amount=amounts.get(action),
            interest_rate=charges.interest_rate if action == "interest" else None,
            reference=reference,
        )
        by_action[action] = by_action.get(action, 0) + 1
        messages.append(message)
    return messages


def note_statement_charges(
    statements: set[str], run_charges: dict[str, list[ChargeLine]], messages: list[QueueMessage]
) -> None:
    """After a commit: note the customer's statement as filed (if the step carried one) and what the
    reminder charged, so the customer's statement lists every charge of the run."""
    for message in messages:
        if isinstance(message, StatementMessage):
            statements.add(message.customer_id)
        elif message.action in ("fee", "interest", "compensation"):
            amount = message.step_fee if message.action == "fee" else message.charge_amount
            if amount is not None:
                run_charges.setdefault(message.customer_id, []).append(
                    ChargeLine(
                        key=message.idempotency_key,
                        kind=message.action,
                        amount=amount,
                        invoice_ids=message.invoice_ids,
                        on=message.run_date,
                    )
                )


def with_run_charges(message: QueueMessage, statements: Mapping[str, list[ChargeLine]]) -> QueueMessage:
    """A statement carries the charges its run made for the customer (before and after it was filed)."""
    if isinstance(message, StatementMessage) and statements.get(message.customer_id):
        return message.model_copy(update={"charges": list(statements[message.customer_id])})
    return message


def _record_run(repo: DunningRepository, summary: RunSummary) -> None:
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
