"""One commit-and-send, used by a scheduler run and by an approval: commit reminders, then hand
their messages to the queues.

Why nothing is lost or sent twice:

1. Reminders are *committed* in groups, a group in one DynamoDB transaction (at most 100 items):
   each reminder's invoices advance (each only from the step it was read at), its payment
   reference is filed, and the group's messages are filed in one outbox item. Two runs at once
   cannot both commit an invoice. When one reminder's invoice moved, the transaction names it
   (its cancellation reasons); it is left out and the rest committed again, so a lost race costs
   only that reminder. A group never holds two reminders of one customer or agreement, so each
   reminder is decided as it would be alone.
2. What a reminder's charges and messages rely on — its customer (contact data, business or not)
   and, when its step charges, its agreements' arrears periods (renteloven §§ 9 a, 9 b) — comes
   from the snapshots its invoices carry, or from what the run read or committed itself, and the
   same transaction verifies it: the customer's revision, each period's values. A stale one is
   read again and the reminder decided again; the commit refreshes its invoices' snapshots. So a
   fee is never charged on a count that changed, and a message never carries contact data older
   than its commit.
3. Then the messages go to SQS, and each outbox item is cleared once all its messages were
   accepted (reduced to the rest when only some were).
4. A run that stopped between 1 and 3 left outbox items; the next run sends them first. Their
   business keys are unchanged, so a consumer that already did the work recognises a message it
   has seen. A commit whose answer was lost is found by its outbox item (filed under the run's
   tag) and not made again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from shared.domain.planning import PlannedReminder
from shared.domain.reference import payment_id
from shared.domain.settings import TenantSettings
from shared.messages import ChargeLine, QueueMessage, StatementMessage
from shared.services.charges import ChargeContext, Seen, StepCharges, charges_agreements
from shared.services.outbox import Backoff, Delivery, MessageSink, deliver, with_retries
from shared.services.reminders import (
    advances_for,
    contact_of,
    messages_for,
    note_statement_charges,
    record_skipped_charges,
    reference_record,
    reminder_key_of,
    with_run_charges,
)
from shared.storage import keys
from shared.storage.protocols import Store
from shared.storage.records import COMMITTED, MOVED, STALE, CommitTally, CustomerCheck, ReminderWrite

# DynamoDB's limits: 100 items in one transaction, 400 KB in one item (the group's outbox item).
GROUP_ITEMS = 100
OUTBOX_BYTES = 300_000
# How often a reminder is decided again after what it relied on changed, before it waits for the next run.
STALE_TRIES = 3


@dataclass(frozen=True)
class Budget:
    """How long to keep retrying: the invocation's time left, the part of it to keep in
    reserve, and the backoff between attempts."""

    time_left_ms: Callable[[], int]
    backoff: Backoff
    reserve_ms: int = 0


@dataclass(eq=False)
class _Pending:
    """A reminder on its way into a group commit, and what it will write."""

    reminder: PlannedReminder
    proposal_key: str | None
    key: str  # its business key
    reference: str = ""
    seen: Seen | None = None  # None: to be decided (again)
    charges: StepCharges = field(default_factory=StepCharges)
    messages: list[QueueMessage] = field(default_factory=list)
    stale: int = 0

    @property
    def items(self) -> int:
        """The transaction items it takes: reference, customer check, invoices, agreements, proposal."""
        reminder = self.reminder
        agreements = len({i.agreement_id for i in reminder.invoices}) if charges_agreements(reminder) else 0
        return 2 + len(reminder.invoices) + agreements + (1 if self.proposal_key else 0)

    @property
    def parties(self) -> set[str]:
        """Its customer and agreements: no two reminders of a group share one."""
        reminder = self.reminder
        return {f"C#{reminder.key.customer_id}"} | {f"A#{invoice.agreement_id}" for invoice in reminder.invoices}


class ReminderCommits:
    """The reminders one run (or one approval) commits on ``on`` under ``tag``, and their
    messages on their way to the queues.

    A run *stages* its reminders and they are committed in groups (:meth:`flush`); an approval
    commits one at a time (:meth:`commit`). It remembers what the customers' statements of
    account need (O16): whose statement is filed already, and every charge made for them, which
    a statement lists when it goes.
    """

    def __init__(
        self,
        repo: Store,
        sink: MessageSink,
        settings: TenantSettings,
        tag: str,
        on: date,
        budget: Budget,
        by_action: dict[str, int] | None = None,
        count_commits: bool = False,
        per_shard: bool = False,
    ) -> None:
        self._repo = repo
        # A run (or a fanned-out run's shard worker): each commit ADDs its counts to the run's commit
        # counts in its own transaction (one more item in it), so the run record counts what was
        # committed even when the attempt dies before it records (an approval does not count).
        # Shard workers in parallel count ``per_shard`` (one item each, so they never contend); a
        # run in one invocation counts under one item, which the end of the run reads back.
        self._count_commits = count_commits
        self._per_shard = per_shard
        self._sink = sink
        self._settings = settings
        self.tag = tag
        self.on = on
        self.budget = budget
        self.charging = ChargeContext(repo, settings)
        self.by_action = {} if by_action is None else by_action  # messages committed, by action
        self.sent: list[PlannedReminder] = []  # committed reminders
        self.lost: list[PlannedReminder] = []  # reminders whose invoices another run moved first
        self.charged: dict[str, StepCharges] = {}  # what each committed reminder charged, and what it could not
        self.statements: set[str] = set()  # customers whose statement is filed (one each, O16)
        self.run_charges: dict[str, list[ChargeLine]] = {}  # customer -> what was charged, for the statement
        self.unsent: dict[str, list[QueueMessage]] = {}  # outbox key -> committed, not yet handed to the queues
        self._staged: list[_Pending] = []
        self._numbers: list[int] = []  # payment reference numbers reserved and not yet given
        self._numbered = 0  # reminders given one

    @property
    def unsent_messages(self) -> int:
        """How many committed messages wait to be handed to the queues."""
        return sum(len(messages) for messages in self.unsent.values())

    def commit(self, reminder: PlannedReminder, proposal_key: str | None = None) -> bool:
        """Commit the reminder now (removing the approved proposal ``proposal_key`` with it): decide
        its charges, build its messages and file them with its payment reference. False when an
        invoice moved meanwhile: then nothing of it was written."""
        self.stage(reminder, proposal_key)
        self.flush()
        return any(sent is reminder for sent in self.sent)

    def stage(self, reminder: PlannedReminder, proposal_key: str | None = None) -> None:
        """Add the reminder to the group being gathered. The group is committed first when the
        reminder would not fit in its transaction, or shares a customer or agreement with it (its
        charges and statement then see theirs)."""
        pending = _Pending(reminder, proposal_key, reminder_key_of(reminder, self._settings.tenant))
        staged = self._staged
        if staged and (
            self._fixed_items + sum(p.items for p in staged) + pending.items > GROUP_ITEMS
            or any(pending.parties & p.parties for p in staged)
        ):
            self.flush()
        self._staged.append(pending)

    @property
    def _fixed_items(self) -> int:
        """The transaction items of a group besides its reminders': the outbox item, and the commit counts'."""
        return 2 if self._count_commits else 1

    def flush(self) -> None:
        """Commit the staged reminders: their payment references, then one transaction (more when a
        reminder lost its race or relied on something that changed)."""
        group, self._staged = self._staged, []
        if not group:
            return
        for pending, reference in zip(group, self._references(len(group)), strict=True):
            pending.reference = reference
        self._commit_group(group)

    def _references(self, count: int) -> list[str]:
        """``count`` payment references, in order: from the block reserved (in one request) for every
        reminder the run still plans to commit, reserved when the block runs short. A number not
        used (a lost race, a run that continues elsewhere) is skipped: references are unique, not
        contiguous."""
        if len(self._numbers) < count:
            more = max(count - len(self._numbers), self.charging.planned - self._numbered - len(self._numbers))
            first = self._repo.reserve_reference_numbers(more)
            self._numbers += range(first, first + more)
        taken, self._numbers = self._numbers[:count], self._numbers[count:]
        self._numbered += count
        return [payment_id(number) for number in taken]

    def _commit_group(self, group: list[_Pending]) -> None:
        while group:
            for pending in group:
                if pending.seen is None:
                    self._decide(pending)
            bodies = [message.model_dump_json() for pending in group for message in pending.messages]
            if len(group) > 1 and sum(len(body) for body in bodies) > OUTBOX_BYTES:
                half = len(group) // 2
                self._commit_group(group[:half])
                self._commit_group(group[half:])
                return
            key, failed = self._transact(group, bodies)
            if not failed:
                self._committed(key, group)
                return
            if len(group) > 1 and len(failed) == len(group) and set(failed.values()) == {MOVED}:
                for pending in group:  # nothing said which one moved: one by one
                    self._commit_group([pending])
                return
            kept = []
            for index, pending in enumerate(group):
                why = failed.get(index)
                if why is None:
                    kept.append(pending)
                elif why == STALE and pending.stale < STALE_TRIES:
                    pending.stale += 1
                    pending.seen = None
                    self.charging.refresh(pending.reminder)
                    kept.append(pending)
                else:
                    self.lost.append(pending.reminder)
            group = kept

    def _decide(self, pending: _Pending) -> None:
        """What the reminder relies on, charges and says (its messages), as of now."""
        reminder = pending.reminder
        seen = self.charging.seen(reminder)
        charges = self.charging.decide(reminder, self.on, seen)
        settings = self._settings
        pending.seen, pending.charges = seen, charges
        pending.messages = messages_for(
            reminder,
            settings,
            self.tag,
            self.on,
            {},  # counted once committed
            charges,
            pending.reference,
            self.statements,
            contact_of(seen.customer),
        )

    def _write(self, pending: _Pending) -> ReminderWrite:
        reminder, seen, charges = pending.reminder, pending.seen, pending.charges
        assert seen is not None
        settings = self._settings
        after_days = settings.collection.after_days if settings.collection else None
        advances = advances_for(reminder, self.on, settings.min_days_between_reminders, after_days, charges, seen)
        customer = CustomerCheck(reminder.key.customer_id, seen.customer.rev) if seen.customer else None
        return ReminderWrite(
            advances,
            reference_record(reminder, pending.reference, self.on, pending.key),
            pending.proposal_key,
            charges.periods,
            customer,
            seen.periods,
        )

    def _transact(self, group: list[_Pending], bodies: list[str]) -> tuple[str, dict[int, str]]:
        """The group's one transaction, retrying a transient failure. A commit whose answer was lost
        may have taken effect: its outbox item, filed under this tag, says so."""
        key = group[0].key if len(group) == 1 else _group_key([pending.key for pending in group])
        writes = [self._write(pending) for pending in group]
        tally = _tally(group, len(bodies), self._per_shard) if self._count_commits else None
        tried = False

        def attempt() -> dict[int, str]:
            nonlocal tried
            if tried and self._repo.outbox_run(key) == self.tag:
                return {}
            tried = True
            return self._repo.commit_reminders(key, self.tag, bodies, writes, tally)

        return key, with_retries(attempt, self.budget.backoff, self.budget.time_left_ms, self.budget.reserve_ms)

    def _committed(self, key: str, group: list[_Pending]) -> None:
        """The group is committed: note what later reminders and the statements need."""
        for pending in group:
            assert pending.seen is not None
            self.charging.committed(pending.reminder, pending.seen, pending.charges, self.on)
            record_skipped_charges(
                self._repo, pending.reminder, self._settings.tenant, self.tag, self.on, pending.charges
            )
            note_statement_charges(self.statements, self.run_charges, pending.messages)
            for message in pending.messages:
                self.by_action[message.action] = self.by_action.get(message.action, 0) + 1
            self.charged[pending.key] = pending.charges
            self.sent.append(pending.reminder)
        self.unsent[key] = [message for pending in group for message in pending.messages]

    def send(self, final: bool) -> Delivery:
        """Hand the committed reminders' messages to the queues; each reminder leaves the outbox
        once all its messages were accepted, and what the queues would not take in time stays
        there (:attr:`Delivery.left`). Before the ``final`` send, a reminder carrying a statement
        of account is kept back: the statement sums up every reminder for its customer. The final
        send commits what is staged first."""
        if final:
            self.flush()
        going = {key: messages for key, messages in self.unsent.items() if final or not _held_to_the_end(messages)}
        if not going:
            return Delivery()
        for key in going:
            del self.unsent[key]
        # A statement lists every charge made for its customer, before and after it was filed.
        charges = self.run_charges
        return self.hand_to_queues(
            {key: [with_run_charges(message, charges) for message in messages] for key, messages in going.items()}
        )

    def hand_to_queues(self, reminders: dict[str, list[QueueMessage]]) -> Delivery:
        """Send committed messages (outbox key → messages) within the budget, clearing each outbox
        item once all its messages were accepted."""
        budget = self.budget
        return deliver(self._repo, self._sink, reminders, budget.time_left_ms, budget.backoff, budget.reserve_ms)


def _tally(group: list[_Pending], messages: int, per_shard: bool) -> CommitTally:
    """What a group's commit adds to its run's counts: ``per_shard``, under its customers' due-index
    shard (a shard worker's groups are all of its shard, so parallel workers never write one counts
    item); else under the one item of a run done in one invocation at a time."""
    counts = {
        "reminders": len(group),
        "invoices_advanced": sum(len(pending.reminder.invoices) for pending in group),
        "messages": messages,
    }
    for pending in group:
        for message in pending.messages:
            name = f"by_{message.action}"
            if name in COMMITTED:
                counts[name] = counts.get(name, 0) + 1
    bucket = keys.due_shard(group[0].reminder.key.customer_id) if per_shard else keys.WHOLE_RUN_COMMITS
    return CommitTally(bucket, counts)


def _held_to_the_end(messages: list[QueueMessage]) -> bool:
    """Does one of these messages have to wait for the last commit? A statement of account sums up
    the whole run (or approval) for its customer (O16: it comes after every reminder)."""
    return any(isinstance(message, StatementMessage) for message in messages)


def _group_key(keys: list[str]) -> str:
    """A group's outbox key: its first reminder's business key and a digest of all of them (unique,
    as each reminder is committed once)."""
    digest = hashlib.sha256("\x1f".join(keys).encode()).hexdigest()[:16]
    return f"{keys[0]}+{len(keys) - 1}#{digest}"
