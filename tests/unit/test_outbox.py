"""The scheduler's hand-over to the queues under faults, with plain fakes: each reminder leaves the
outbox once its messages were accepted, failed messages are retried with backoff while time is
left, and what is left stays in the outbox, nothing lost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from shared import aws
from shared.faults import Refused, SendFailed, is_transient
from shared.messages import ActionMessage, InvoiceLine
from shared.services.outbox import Backoff, SendRefused, deliver


def message(key: str, action: str = "email") -> ActionMessage:
    return ActionMessage(
        idempotency_key=f"{key}#{action}",
        tenant="acme",
        run_id="run-1",
        run_date=date(2026, 3, 2),
        action=action,  # type: ignore[arg-type]
        customer_id="C1",
        template_version="standard_v1",
        step_name="Rykker 1",
        step_number=1,
        step_count=2,
        invoices=[
            InvoiceLine(
                invoice_id="I1",
                amount=Decimal("100.00"),
                open_amount=Decimal("100.00"),
                issued=date(2026, 2, 1),
                due=date(2026, 2, 15),
            )
        ],
    )


class FakeOutbox:
    def __init__(self, reminders: dict[str, list[ActionMessage]]) -> None:
        self.items = {key: [m.model_dump_json() for m in messages] for key, messages in reminders.items()}
        self.cleared: list[list[str]] = []

    def clear_outbox(self, keys: list[str]) -> None:
        self.cleared.append(list(keys))
        for key in keys:
            self.items.pop(key, None)

    def keep_in_outbox(self, key: str, messages: list[str]) -> None:
        self.items[key] = messages


class Budget:
    """An invocation's remaining time that the backoff's sleeps use up."""

    def __init__(self, ms: int) -> None:
        self.ms = ms
        self.sleeps: list[float] = []

    def left(self) -> int:
        return self.ms

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.ms -= int(seconds * 1000)


class FlakySink:
    """Accepts messages except those failing; ``after`` failures were accepted before the error came back."""

    def __init__(self, refuse: dict[str, int], after: bool = False, transient: bool = True) -> None:
        self.refuse = dict(refuse)  # business key -> how many more times it fails
        self.after = after
        self.transient = transient
        self.received: Counter[str] = Counter()
        self.calls = 0

    def send(self, messages: Iterable[ActionMessage]) -> int:
        self.calls += 1
        refused = []
        for m in messages:
            failing = self.refuse.get(m.idempotency_key, 0) > 0
            if failing:
                self.refuse[m.idempotency_key] -= 1
                refused.append(Refused(m.idempotency_key, self.transient, "SQS InternalError"))
            if not failing or self.after:
                self.received[m.idempotency_key] += 1
        if refused:
            raise SendFailed(refused)
        return 1


REMINDERS = {f"R{n:04d}": [message(f"R{n:04d}", "email"), message(f"R{n:04d}", "fee")] for n in range(4)}


def test_partial_failures_are_retried_for_the_failed_messages_only_and_each_reminder_leaves_the_outbox_when_done():
    # Given four reminders of two messages each, and a queue that refuses R1's fee twice and R2's e-mail once
    outbox = FakeOutbox(REMINDERS)
    sink = FlakySink({"R0001#fee": 2, "R0002#email": 1})
    budget = Budget(300_000)
    # When they are delivered
    result = deliver(outbox, sink, REMINDERS, budget.left, Backoff(sleep=budget.sleep), 30_000)
    # Then everything went, each message once, and nothing is left
    assert result.left == {} and outbox.items == {}
    assert set(sink.received.values()) == {1} and len(sink.received) == 8
    # And R0 and R3 left the outbox at the first attempt, R2 at the second, R1 at the third
    assert [sorted(keys) for keys in outbox.cleared] == [["R0000", "R0003"], ["R0002"], ["R0001"]]
    # And only the failed messages were sent again, after a growing pause
    assert budget.sleeps == [0.2, 0.4] and result.sent == 8


def test_a_failure_after_the_queue_took_the_message_sends_a_second_copy_never_none():
    outbox = FakeOutbox(REMINDERS)
    sink = FlakySink({"R0000#email": 1, "R0003#fee": 1}, after=True)  # the answer was lost, the message went
    budget = Budget(300_000)
    deliver(outbox, sink, REMINDERS, budget.left, Backoff(sleep=budget.sleep), 30_000)
    assert outbox.items == {}
    assert sink.received["R0000#email"] == 2 and sink.received["R0003#fee"] == 2
    assert all(sink.received[m.idempotency_key] >= 1 for ms in REMINDERS.values() for m in ms)


def test_when_the_budget_runs_out_the_unsent_messages_stay_in_the_outbox_and_only_those():
    # Given a queue that refuses R1's fee and R2's e-mail for a long time
    outbox = FakeOutbox(REMINDERS)
    sink = FlakySink({"R0001#fee": 1000, "R0002#email": 1000})
    budget = Budget(40_000)
    # When they are delivered with 40 s left and 30 s to keep
    result = deliver(outbox, sink, REMINDERS, budget.left, Backoff(sleep=budget.sleep), 30_000)
    # Then it retried while more than 30 s would be left, then stopped
    assert budget.ms >= 30_000 and len(budget.sleeps) >= 3
    # And R1 and R2 wait in the outbox with just the message not yet accepted
    assert {key: [m.idempotency_key for m in ms] for key, ms in result.left.items()} == {
        "R0001": ["R0001#fee"],
        "R0002": ["R0002#email"],
    }
    assert {
        key: [ActionMessage.model_validate_json(b).idempotency_key for b in bodies]
        for key, bodies in outbox.items.items()
    } == {
        "R0001": ["R0001#fee"],
        "R0002": ["R0002#email"],
    }


def test_a_definite_refusal_is_not_retried_and_the_messages_stay_in_the_outbox():
    outbox = FakeOutbox(REMINDERS)
    sink = FlakySink({"R0001#fee": 1}, transient=False)
    budget = Budget(300_000)
    with pytest.raises(SendRefused, match="1 message"):
        deliver(outbox, sink, REMINDERS, budget.left, Backoff(sleep=budget.sleep), 30_000)
    assert budget.sleeps == [] and list(outbox.items) == ["R0001"]


def test_an_unreachable_queue_counts_as_transient_for_the_whole_batch():
    class Down:
        def send(self, messages: Iterable[ActionMessage]) -> int:
            list(messages)
            raise ConnectionError("SQS unreachable")

    outbox = FakeOutbox(REMINDERS)
    budget = Budget(300_000)
    result = deliver(outbox, Down(), REMINDERS, budget.left, Backoff(attempts=3, sleep=budget.sleep), 30_000)
    assert sorted(result.left) == ["R0000", "R0001", "R0002", "R0003"] and len(outbox.items) == 4 and result.sent == 0


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (_client_error("ThrottlingException", 400), True),
        (_client_error("AWS.SimpleQueueService.RequestThrottled", 403), True),
        (_client_error("InternalError", 500), True),
        (_client_error("Whatever", 503), True),
        (_client_error("AccessDenied", 403), False),
        (_client_error("InvalidParameterValue", 400), False),
        (ReadTimeoutError(endpoint_url="https://sqs"), True),
        (ConnectionError("reset"), True),
        (ValueError("bad"), False),
    ],
)
def test_errors_are_classified_by_what_a_retry_can_change(error: Exception, transient: bool):
    assert is_transient(error) is transient


class FakeSqs:
    """send_message_batch answering with some entries failed (SQS' fault or the sender's)."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        failed = [
            {"Id": e["Id"], "Code": "InternalError", "Message": "try again", "SenderFault": e["Id"] == "2"}
            for e in Entries
            if e["Id"] in {"1", "2"}
        ]
        self.bodies += [e["MessageBody"] for e in Entries if e["Id"] not in {"1", "2"}]
        return {"Successful": [], "Failed": failed}


def test_the_sqs_sink_reports_each_failed_entry_and_whether_to_retry_it(monkeypatch: pytest.MonkeyPatch):
    fake = FakeSqs()
    monkeypatch.setattr(aws, "client", lambda service: fake)
    sink = aws.SqsSink({"email": "https://sqs/email"})
    batch = [message(f"R{n:04d}") for n in range(4)]
    with pytest.raises(SendFailed) as failed:
        sink.send(batch)
    assert [(r.key, r.transient) for r in failed.value.refused] == [("R0001#email", True), ("R0002#email", False)]
    assert len(fake.bodies) == 2
