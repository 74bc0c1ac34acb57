"""The one commit-and-send that runs and approvals share (``shared/services/commit.py``), on plain
fakes: a commit that lost its answer is not made twice, a commit that lost the race leaves
nothing behind, and a reminder carrying a statement of account waits for the last send, its
statement listing every charge made for the customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from shared.domain.planning import GroupKey, InvoiceState, PlannedReminder
from shared.domain.settings import TenantSettings
from shared.domain.templates import Step, TemplateVersion
from shared.messages import QueueMessage, StatementMessage
from shared.services.commit import Budget, ReminderCommits
from shared.services.outbox import Backoff
from shared.storage.repository import Customer, DunningRepository

ON = date(2026, 3, 14)
TAG = "2026-03-14T05:00:00Z"
TEMPLATE = TemplateVersion(
    name="standard",
    number=1,
    steps=(
        Step(name="Rykker 1", days=4, actions=["email", {"fee": "100.00"}, "statement"]),  # type: ignore[list-item]
        Step(name="Rykker 2", days=10, actions=["email", {"fee": "100.00"}, "statement"]),  # type: ignore[list-item]
    ),
)
JENS = Customer("C1", "Jens Hansen", "jens@example.dk", "+4520123456", "da", None)


class FakeStore:
    """What a commit-and-send reads and writes, in memory."""

    def __init__(self, lose_first_answer: bool = False, lose_race: bool = False) -> None:
        self.outbox: dict[str, tuple[str, list[str]]] = {}  # key -> (run tag, message bodies)
        self.commits = 0
        self.effects: list[tuple[str, dict[str, Any]]] = []
        self.references = 0
        self._lose_first_answer = lose_first_answer
        self._lose_race = lose_race

    def reserve_reference_numbers(self, count: int) -> int:
        self.references += count
        return self.references - count + 1

    def commit_reminders(
        self, key: str, run_id: str, messages: list[str], reminders: Any, tally: Any = None
    ) -> dict[int, str]:
        if self._lose_race:
            return dict.fromkeys(range(len(reminders)), "moved")
        self.commits += 1
        self.outbox[key] = (run_id, messages)
        if self._lose_first_answer and self.commits == 1:
            raise ConnectionError("the answer was lost after the commit took effect")
        return {}

    def outbox_run(self, key: str) -> str | None:
        return self.outbox[key][0] if key in self.outbox else None

    def record_effect(self, effect: dict[str, Any], key: str) -> None:
        self.effects.append((key, effect))

    def clear_outbox(self, keys: list[str]) -> None:
        for key in keys:
            self.outbox.pop(key, None)

    def keep_in_outbox(self, key: str, messages: list[str]) -> None:
        self.outbox[key] = (self.outbox[key][0], messages)

    def get_customers(self, customer_ids: set[str]) -> dict[str, Customer]:
        return {"C1": JENS} if "C1" in customer_ids else {}

    def agreement_periods(self, agreement_ids: set[str]) -> dict[str, Any]:
        return {}


class ListSink:
    def __init__(self) -> None:
        self.sent: list[QueueMessage] = []

    def send(self, messages: Any) -> int:
        batch = list(messages)
        self.sent += batch
        return len(batch)


def invoice(invoice_id: str, steps_done: int = 0) -> InvoiceState:
    return InvoiceState(
        invoice_id=invoice_id,
        customer_id="C1",
        agreement_id=f"A-{invoice_id}",
        template_version="standard_v1",
        amount=Decimal("500.00"),
        open_amount=Decimal("500.00"),
        issued=date(2026, 2, 1),
        due=date(2026, 3, 1),
        steps_done=steps_done,
    )


def reminder(step_number: int, *invoices: InvoiceState) -> PlannedReminder:
    return PlannedReminder(GroupKey("C1", "standard_v1", step_number), TEMPLATE, list(invoices))


def commits_on(store: FakeStore, sink: ListSink) -> ReminderCommits:
    settings = TenantSettings(tenant="acme", tenant_name="Fjernvarme Demo A/S")
    budget = Budget(lambda: 1 << 30, Backoff(attempts=3, sleep=lambda _: None))
    return ReminderCommits(cast(DunningRepository, store), sink, settings, TAG, ON, budget)


def test_a_commit_whose_answer_was_lost_is_not_made_twice():
    # Given a store whose first commit takes effect but its answer is lost
    store, sink = FakeStore(lose_first_answer=True), ListSink()
    commits = commits_on(store, sink)
    # When a reminder is committed
    committed = commits.commit(reminder(1, invoice("I1")))
    # Then the retry saw its own outbox item and did not commit again
    assert committed is True
    assert store.commits == 1
    assert [r.invoice_ids for r in commits.sent] == [["I1"]]
    assert len(commits.unsent) == 1


def test_a_commit_that_lost_the_race_leaves_nothing_to_send_or_report():
    # Given a store where another run moved the invoice first
    store, sink = FakeStore(lose_race=True), ListSink()
    commits = commits_on(store, sink)
    # When the reminder is committed
    committed = commits.commit(reminder(1, invoice("I1")))
    # Then nothing is filed, noted or sent
    assert committed is False
    assert commits.sent == [] and commits.unsent == {} and commits.charged == {}
    assert commits.statements == set() and store.effects == []
    assert commits.send(final=True).sent == 0 and sink.sent == []


def test_a_statement_waits_for_the_last_send_and_lists_every_charge_for_its_customer():
    # Given two reminders for one customer, each charging a fee; the first files the statement
    store, sink = FakeStore(), ListSink()
    commits = commits_on(store, sink)
    assert commits.commit(reminder(1, invoice("I1")))
    assert commits.commit(reminder(2, invoice("I2", steps_done=1)))
    # When the committed messages are sent before the last commit
    early = commits.send(final=False)
    # Then only the reminder without the statement went, and it left the outbox
    assert early.sent == 2 and [m.action for m in sink.sent] == ["email", "fee"]
    assert len(store.outbox) == 1
    # When the last send goes
    final = commits.send(final=True)
    # Then the first reminder and its statement went, the statement listing both fees, and the outbox is empty
    assert final.sent == 3 and store.outbox == {}
    assert sorted(m.action for m in sink.sent[2:]) == ["email", "fee", "statement"]
    (statement,) = [m for m in sink.sent if isinstance(m, StatementMessage)]
    assert sorted(line.amount for line in statement.charges) == [Decimal("100.00"), Decimal("100.00")]
