"""Run control on the embedded AWS: continuation near the time limit, one run at a time,
SES outages with retries, the DLQ and redrive."""

from collections import Counter
from itertools import count

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from bench.moto_patches import fast_sqs_clock, fast_transactions
from dunning.local_stack import REGION, FakeLambdaContext, LocalStack
from shared.aws import SesMailer
from shared.storage.models import EffectModel
from shared.storage.repository import DunningRepository
from tests.integration.test_read_efficiency import seed

RUN_EVENT = {"source": "schedule", "time": "2026-03-02T05:00:00Z"}


def reminder_effects(repo: DunningRepository) -> Counter[tuple[str, str]]:
    """(kind, customer) of every reminder effect recorded, to spot anything doubled."""
    return Counter(
        (e.data["kind"], e.data["customer"])
        for e in EffectModel.query("EFFECTS#2026-03-02")
        if e.data["kind"] in {"email", "fee"}
    )


class ShortLivedContext(FakeLambdaContext):
    """A Lambda context with only a few seconds left after every few calls (each invocation restarts it)."""

    def __init__(self, calls_per_invocation: int) -> None:
        super().__init__("scheduler")
        self._calls = count()
        self._per_invocation = calls_per_invocation

    def get_remaining_time_in_millis(self) -> int:
        return 5_000 if next(self._calls) % self._per_invocation == self._per_invocation - 1 else 300_000


@pytest.mark.slow
def test_a_run_near_the_time_limit_completes_through_continuation_with_every_reminder_once():
    with fast_transactions(), fast_sqs_clock(), LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        # Given 1,200 due invoices, each its customer's only due one (1,200 reminders)
        due = seed(repo, 2_400, 0.5)
        assert due == 1_200
        # When the scheduler's invocations only ever have time for 200 reminders each
        summary = stack.run_scheduler(RUN_EVENT, ShortLivedContext(calls_per_invocation=200))
        # Then the run took several invocations, finished, and queued exactly one e-mail and one fee per invoice
        assert summary["status"] == "completed"
        assert summary["parts"] >= 5
        assert summary["invoices_advanced"] == due and summary["lost_races"] == 0
        sqs = boto3.client("sqs", region_name=REGION)
        for action in ("email", "fee"):
            attributes = sqs.get_queue_attributes(
                QueueUrl=stack.queue_url(action), AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            assert int(attributes["ApproximateNumberOfMessages"]) == due  # one per invoice: none lost, none doubled
        assert repo.pending_outbox() == []
        assert repo.get_run("2026-03-02T05:00:00Z")["status"] == "completed"  # type: ignore[index]


def test_a_second_run_waits_while_one_is_running_and_nothing_is_reminded_twice():
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        due = seed(repo, 200, 0.1)
        # Given a run that holds the tenant's run slot (it has started, not finished)
        first = "2026-03-02T05:00:00Z"
        assert repo.acquire_run_lock(first, 1_772_427_600, 900) is None
        # When a manual start arrives meanwhile
        manual = stack.run_scheduler({"source": "manual", "time": "2026-03-02T05:00:30Z"})
        # Then it waits as queued and has touched nothing
        assert manual["status"] == "queued"
        assert reminder_effects(repo) == Counter()
        # When the first run goes ahead, it takes the queued one afterwards
        finished = stack.run_scheduler(RUN_EVENT)
        stack.drain()
        assert finished["status"] == "completed" and finished["invoices_advanced"] == due
        queued_after = repo.get_run(manual["run_id"])
        assert queued_after is not None and queued_after["status"] == "completed"
        assert queued_after["reminders"] == 0  # everything was already reminded once
        assert set(reminder_effects(repo).values()) == {1}


def test_ses_down_for_a_while_is_retried_and_delivered_once_and_down_for_good_ends_in_the_dlq(monkeypatch):
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        seed(repo, 20, 0.5)  # 10 due invoices of 10 customers
        real_send = SesMailer.send
        failures = {"left": 3}

        def flaky_send(self, sender, recipient, raw_mime, tags=None):  # type: ignore[no-untyped-def]
            if failures["left"] > 0:
                failures["left"] -= 1
                # SES cannot be reached: the request never left (a lost answer would be unconfirmed)
                raise EndpointConnectionError(endpoint_url="https://email.eu-north-1.amazonaws.com")
            return real_send(self, sender, recipient, raw_mime, tags)

        # Given SES fails three times, then recovers
        monkeypatch.setattr(SesMailer, "send", flaky_send)
        stack.run_scheduler(RUN_EVENT)
        stats = stack.drain()
        # Then every e-mail went out exactly once after retries, and nothing reached the DLQ
        assert stats.failed >= 1 and stats.dead_letters == []
        assert Counter(k for k, _ in reminder_effects(repo).elements())["email"] == 10
        assert set(reminder_effects(repo).values()) == {1}


def test_redrive_brings_dead_letters_back_and_they_are_delivered_once(monkeypatch: pytest.MonkeyPatch):
    from dunning.operations import redrive_queue

    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        seed(repo, 20, 0.5)

        def ses_down(self, sender, recipient, raw_mime, tags=None):  # type: ignore[no-untyped-def]
            raise EndpointConnectionError(endpoint_url="https://email.eu-north-1.amazonaws.com")

        # Given SES is down for good: the e-mails end in the DLQ after the queue's tries
        with monkeypatch.context() as outage:
            outage.setattr(SesMailer, "send", ses_down)
            stack.run_scheduler(RUN_EVENT)
            stack.drain(keep_dead_letters=True)
        sqs = boto3.client("sqs", region_name=REGION)
        dlq = stack.dead_letter_urls["email"]
        waiting = int(
            sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        assert waiting == 10
        assert Counter(k for k, _ in reminder_effects(repo).elements())["email"] == 0
        # When SES is back and the operator redrives the DLQ
        moved = redrive_queue(dlq, stack.queue_url("email"))
        stack.drain()
        # Then every e-mail is delivered, once
        assert moved == 10
        assert Counter(k for k, _ in reminder_effects(repo).elements())["email"] == 10
        assert set(reminder_effects(repo).values()) == {1}


def test_the_scheduler_handler_reports_continuation_with_the_event_to_invoke_next():
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        seed(repo, 100, 0.5)
        context = FakeLambdaContext("scheduler", remaining_ms=1_000)
        result = stack.handler("scheduler")(RUN_EVENT, context)
        assert result["status"] == "continuing"
        assert result["continue_with"] == RUN_EVENT | {"continuation": 1}


def test_the_cli_lists_runs_and_shows_one(capsys: pytest.CaptureFixture[str]):
    from dunning.cli import main

    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        seed(repo, 20, 0.5)
        stack.run_scheduler(RUN_EVENT)
        assert main(["runs", "--table", stack.table_name]) == 0
        listing = capsys.readouterr().out
        assert "2026-03-02T05:00:00Z" in listing and "completed" in listing
        assert main(["run", "2026-03-02T05:00:00Z", "--table", stack.table_name]) == 0
        assert '"invoices_advanced": 10' in capsys.readouterr().out
        assert main(["run", "no-such-run", "--table", stack.table_name]) == 1


def test_a_continued_run_reports_each_part_and_together_they_list_every_reminder():
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        due = seed(repo, 120, 0.5)
        settings = repo.get_settings()
        assert settings is not None
        repo.put_settings(settings.updated({"status_report_to": "bogholderi@acme.example"}))
        # Given invocations with room for 25 reminders each
        summary = stack.run_scheduler(RUN_EVENT, ShortLivedContext(calls_per_invocation=25))
        # Then each part sent its report, and the reports together name every reminder once
        reports = [e.data for e in EffectModel.query("EFFECTS#2026-03-02") if e.data["kind"] == "report"]
        assert summary["status"] == "completed" and len(reports) == summary["parts"] >= 3
        reminded = [line["customer"] for report in reports for line in report["reminders"]]
        assert len(reminded) == len(set(reminded)) == due
