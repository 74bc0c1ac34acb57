"""One commit-and-send, used by a scheduler run and by an approval: commit a reminder, then hand
its messages to the queues.

Why nothing is lost or sent twice:

1. Each consolidated reminder is *committed* in one DynamoDB transaction: its invoices advance
   (each only from the step it was read at), its payment reference is filed and its messages
   are filed in an outbox item. Two runs at once cannot both commit an invoice.
2. Then the messages go to SQS, and the outbox items are cleared.
3. A run that stopped between 1 and 2 left outbox items; the next run sends them first. Their
   business keys are unchanged, so a consumer that already did the work recognises a message
   it has seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.domain.planning import PlannedReminder
from shared.domain.reference import payment_id
from shared.domain.settings import TenantSettings
from shared.messages import ChargeLine, QueueMessage, StatementMessage
from shared.services.charges import ChargeContext, StepCharges
from shared.services.outbox import Backoff, Delivery, MessageSink, deliver, with_retries
from shared.services.reminders import (
    advances_for,
    messages_for,
    note_statement_charges,
    record_skipped_charges,
    reference_record,
    reminder_key_of,
    with_run_charges,
)
from shared.storage.protocols import Store
from shared.storage.repository import Advance


@dataclass(frozen=True)
class Budget:
    """How long to keep retrying: the invocation's time left, the part of it to keep in
    reserve, and the backoff between attempts."""

    time_left_ms: Callable[[], int]
    backoff: Backoff
    reserve_ms: int = 0


class ReminderCommits:
    """The reminders one run (or one approval) commits on ``on`` under ``tag``, and their
    messages on their way to the queues.

    It remembers what the customers' statements of account need (O16): whose statement is
    filed already, and every charge made for them, which a statement lists when it goes.
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
    ) -> None:
        self._repo = repo
        self._sink = sink
        self._settings = settings
        self.tag = tag
        self.on = on
        self.budget = budget
        self.charging = ChargeContext(repo, settings)
        self.by_action = {} if by_action is None else by_action  # messages built, by action
        self.sent: list[PlannedReminder] = []  # committed reminders
        self.charged: dict[str, StepCharges] = {}  # what each committed reminder charged, and what it could not
        self.statements: set[str] = set()  # customers whose statement is filed (one each, O16)
        self.run_charges: dict[str, list[ChargeLine]] = {}  # customer -> what was charged, for the statement
        self.unsent: dict[str, list[QueueMessage]] = {}  # committed, not yet handed to the queues

    @property
    def unsent_messages(self) -> int:
        """How many committed messages wait to be handed to the queues."""
        return sum(len(messages) for messages in self.unsent.values())

    def commit(self, reminder: PlannedReminder, proposal_key: str | None = None) -> bool:
        """Decide the reminder's charges, build its messages and commit it with its payment
        reference and outbox item (removing the approved proposal ``proposal_key`` with it).
        False when an invoice moved meanwhile: then nothing was written."""
        charges = self.charging.decide(reminder, self.on)
        reference = payment_id(self._repo.next_reference_number())
        messages = messages_for(
            reminder, self._settings, self.tag, self.on, self.by_action, charges, reference, self.statements
        )
        key = reminder_key_of(reminder, self._settings.tenant)
        respite = self._settings.min_days_between_reminders
        after_days = self._settings.collection.after_days if self._settings.collection else None
        advances = advances_for(reminder, self.on, respite, after_days, charges)
        filed = reference_record(reminder, reference, self.on, key)
        if not self._transact(key, messages, advances, charges, filed, proposal_key):
            return False
        self.charging.committed(charges, self.on)
        record_skipped_charges(self._repo, reminder, self._settings.tenant, self.tag, self.on, charges)
        note_statement_charges(self.statements, self.run_charges, messages)
        self.unsent[key] = messages
        self.charged[key] = charges
        self.sent.append(reminder)
        return True

    def _transact(
        self,
        key: str,
        messages: list[QueueMessage],
        advances: list[Advance],
        charges: StepCharges,
        reference: dict[str, Any],
        proposal_key: str | None,
    ) -> bool:
        """The commit's one transaction, retrying a transient failure. A commit whose answer was
        lost may have taken effect: its outbox item, filed under this tag, says so."""
        bodies = [message.model_dump_json() for message in messages]
        tried = False

        def attempt() -> bool:
            nonlocal tried
            if tried and self._repo.outbox_run(key) == self.tag:
                return True
            tried = True
            return self._repo.commit_reminder(
                key, self.tag, bodies, advances, proposal_key=proposal_key, periods=charges.periods, reference=reference
            )

        return with_retries(attempt, self.budget.backoff, self.budget.time_left_ms, self.budget.reserve_ms)

    def send(self, final: bool) -> Delivery:
        """Hand the committed reminders' messages to the queues; each reminder leaves the outbox
        once all its messages were accepted, and what the queues would not take in time stays
        there (:attr:`Delivery.left`). Before the ``final`` send, a reminder carrying a statement
        of account is kept back: the statement sums up every reminder for its customer."""
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


def _held_to_the_end(messages: list[QueueMessage]) -> bool:
    """Does one of these messages have to wait for the last commit? A statement of account sums up
    the whole run (or approval) for its customer (O16: it comes after every reminder)."""
    return any(isinstance(message, StatementMessage) for message in messages)
