"""Run control on the embedded AWS: continuation near the time limit, one run at a time,
SES outages with retries, the DLQ and redrive."""

from collections import Counter
from itertools import count

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from dunning.local_stack import REGION, FakeLambdaContext, LocalStack
from dunning.moto_patches import fast_sqs_clock, fast_transactions
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
        # Given 300 due invoices, each its customer's only due one (300 reminders)
        due = seed(repo, 600, 0.5)
        assert due == 300
        # When the scheduler's invocations only ever have time for 50 reminders each
        summary = stack.run_scheduler(RUN_EVENT, ShortLivedContext(calls_per_invocation=50))
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
        # More than one delivery's in-process tries (the send ledger retries "not sent" errors itself).
        failures = {"left": 4}

        def flaky_send(self, sender, recipient, raw_mime, **kwargs):  # type: ignore[no-untyped-def]
            if failures["left"] > 0:
                failures["left"] -= 1
                raise EndpointConnectionError(endpoint_url="https://email.eu-north-1.amazonaws.com")
            return real_send(self, sender, recipient, raw_mime, **kwargs)

        # Given SES cannot be reached four times (nothing was sent), then recovers
        monkeypatch.setattr(SesMailer, "send", flaky_send)
        stack.run_scheduler(RUN_EVENT)
        stats = stack.drain()
        # Then every e-mail went out exactly once after retries, and nothing reached the DLQ
        assert stats.failed >= 1 and stats.dead_letters == []
        assert Counter(k for k, _ in reminder_effects(repo).elements())["email"] == 10
        assert set(reminder_effects(repo).values()) == {1}


def test_redrive_brings_dead_letters_back_and_they_are_delivered_once(monkeypatch: pytest.MonkeyPatch):
    from dunning.commands.redrive import redrive_queue

    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        seed(repo, 20, 0.5)

        def ses_down(self, sender, recipient, raw_mime, **kwargs):  # type: ignore[no-untyped-def]
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


def test_the_cli_lists_runs_and_shows_one(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    from contextlib import contextmanager

    import dunning.commands.common
    from dunning.cli import main
    from dunning.local_api import LocalApi

    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        seed(repo, 20, 0.5)
        stack.run_scheduler(RUN_EVENT)

        @contextmanager
        def connect(api_url, local_state):  # type: ignore[no-untyped-def]
            yield LocalApi(stack)

        monkeypatch.setattr(dunning.commands.common, "connect", connect)  # the CLI goes through the API
        assert main(["runs"]) == 0
        listing = capsys.readouterr().out
        assert "2026-03-02T05:00:00Z" in listing and "completed" in listing
        assert main(["run", "2026-03-02T05:00:00Z", "--json"]) == 0
        assert '"invoices_advanced": 10' in capsys.readouterr().out
        assert main(["run", "no-such-run"]) == 1


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


def test_a_resume_queued_behind_a_running_run_runs_when_that_run_finishes_and_leaves_the_queue():
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        due = seed(repo, 20, 0.5)
        settings = repo.get_settings()
        assert settings is not None
        repo.put_settings(settings.updated({"check_journals": ["bank"]}))
        repo.put_journal("bank")
        repo.add_journal_entry("bank", "E1", {"customer": "C0", "amount": "10.00"})
        # Given a run paused by an unposted journal entry
        paused = stack.run_scheduler(RUN_EVENT)
        assert paused["status"] == "paused"
        # And another run that holds the tenant's slot
        holder = "2026-03-02T06:00:00Z"
        assert repo.acquire_run_lock(holder, 1_772_431_200, 900) is None
        # When the operator resumes the paused run meanwhile
        resume = {"source": "resume", "run_id": paused["run_id"], "time": "2026-03-02T06:00:10Z"}
        queued = stack.run_scheduler(resume)
        # Then the resume waits, with what it needs to start later
        assert queued["status"] == "queued"
        [waiting] = repo.queued_runs()
        assert waiting["resume_run_id"] == paused["run_id"] and waiting["kind"] == "resume"
        assert reminder_effects(repo) == Counter()
        # When the running run finishes (it pauses on the same journal)
        assert stack.run_scheduler({"source": "schedule", "time": holder})["status"] == "paused"
        stack.drain()
        # Then the queued resume ran to the end, reminded every due invoice once, and left the queue
        resumed = repo.get_run(paused["run_id"])
        assert resumed is not None and resumed["status"] == "completed"
        assert resumed["invoices_advanced"] == due
        assert repo.queued_runs() == []
        assert Counter(k for k, _ in reminder_effects(repo).elements())["email"] == due
        assert set(reminder_effects(repo).values()) == {1}


def test_a_queued_run_that_fails_stays_queued_and_runs_after_the_next_run(monkeypatch: pytest.MonkeyPatch):
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        seed(repo, 20, 0.5)
        # Given a manual start queued behind a running run
        assert repo.acquire_run_lock("2026-03-02T05:00:00Z", 1_772_427_600, 900) is None
        manual = stack.run_scheduler({"source": "manual", "time": "2026-03-02T05:00:30Z"})
        assert manual["status"] == "queued"
        # When the running run finishes, but the queued one fails (its settings cannot be read once)
        real_get_settings = DunningRepository.get_settings
        calls = count()

        def flaky_settings(self):  # type: ignore[no-untyped-def]
            if next(calls) == 1:  # the first call is the running run's, the second the queued one's
                raise ConnectionError("DynamoDB unreachable")
            return real_get_settings(self)

        monkeypatch.setattr(DunningRepository, "get_settings", flaky_settings)
        assert stack.run_scheduler(RUN_EVENT)["status"] == "completed"
        # Then it is still queued
        assert [queued["run_id"] for queued in repo.queued_runs()] == [manual["run_id"]]
        # And the next run to finish takes it up, and then it leaves the queue
        stack.run_scheduler({"source": "schedule", "time": "2026-03-03T05:00:00Z"})
        assert repo.queued_runs() == []
        after = repo.get_run(manual["run_id"])
        assert after is not None and after["status"] == "completed"


def test_a_settlement_repeated_from_what_it_read_before_applies_the_credit_once():
    from datetime import date
    from decimal import Decimal

    from shared.services.housekeeping import settle_open_items

    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        seed(repo, 2, 1.0)  # C0 has I000000 and I000001 (500.00 each)
        repo.add_credit("C0", "payment", Decimal("700.00"), date(2026, 3, 1), "P1")
        [credit] = repo.open_credits()
        invoices = repo.open_invoices("C0")
        # When the settlement runs
        [effect] = settle_open_items(repo, date(2026, 3, 2), "run-1")
        # Then the credit, both balances and the effect were written together
        assert effect["amount"] == "700.00" and effect["invoices"] == ["I000000", "I000001"]
        assert repo.open_credits() == []
        assert sorted(str(i.open_amount) for i in repo.open_invoices("C0")) == ["300.00"]
        # When a retry applies the same credit from what the first attempt had read (a crash after the write)
        balances = [
            (invoice, Decimal("0.00") if invoice.invoice_id == "I000000" else Decimal("300.00")) for invoice in invoices
        ]
        again = repo.apply_settlement(credit, Decimal("0"), balances, [], effect, "run-1#retry")
        # Then nothing is written: the credit is not applied twice
        assert again is False
        assert sorted(str(i.open_amount) for i in repo.open_invoices("C0")) == ["300.00"]
        assert [e["kind"] for e in repo.effects_on(date(2026, 3, 2))].count("settlement") == 1
        # And a later run finds nothing to settle
        assert settle_open_items(repo, date(2026, 3, 3), "run-2") == []


class OutageSink:
    """The real queues behind a switch: while down, every call fails — half of them after SQS took the messages."""

    def __init__(self, stack: LocalStack) -> None:
        from shared.aws import SqsSink

        self.real = SqsSink({action: stack.queue_url(action) for action in ("email", "sms", "fee", "bs")})
        self.down = True
        self.calls = 0

    def send(self, messages) -> int:  # type: ignore[no-untyped-def]
        messages = list(messages)
        self.calls += 1
        if self.down:
            if self.calls % 2:
                self.real.send(messages)  # it took effect; the answer is lost
            raise ConnectionError("SQS timed out")
        return self.real.send(messages)


class Budget:
    """An invocation's time, used up by the backoff's sleeps."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def left(self) -> int:
        return self.ms

    def sleep(self, seconds: float) -> None:
        self.ms -= int(seconds * 1000)


def test_a_run_under_sustained_queue_failures_continues_and_completes_once_they_stop_nothing_lost():
    from datetime import UTC, datetime

    from shared.services.outbox import Backoff
    from shared.services.scheduling import schedule_due_reminders

    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        due = seed(repo, 40, 0.5)  # 20 reminders of an e-mail and a fee each
        sink = OutageSink(stack)
        now = datetime(2026, 3, 2, 5, tzinfo=UTC)

        def invocation() -> str:
            budget = Budget(120_000)
            summary = schedule_due_reminders(
                repo, sink, now, time_left_ms=budget.left, backoff=Backoff(sleep=budget.sleep)
            )
            return summary.status

        # Given SQS fails every call for two invocations of the run
        assert invocation() == "continuing"
        assert invocation() == "continuing"
        # Then what was committed waits in the outbox
        assert repo.pending_outbox() != []
        # When SQS is back, the next invocation of the run carries on and finishes
        sink.down = False
        assert invocation() == "completed"
        run = repo.get_run("2026-03-02T05:00:00Z")
        assert run is not None and run["status"] == "completed" and run["invoices_advanced"] == due
        # And the outbox is empty, and every e-mail and fee reached its consumer and took effect once
        assert repo.pending_outbox() == []
        stack.drain()
        kinds = Counter(kind for kind, _ in reminder_effects(repo).elements())
        assert kinds == {"email": due, "fee": due}
        assert set(reminder_effects(repo).values()) == {1}


def test_approved_reminders_whose_queue_fails_wait_in_the_outbox_and_the_next_run_sends_them(
    monkeypatch: pytest.MonkeyPatch,
):
    from datetime import UTC, datetime

    from shared.services import approval

    monkeypatch.setattr("shared.services.outbox.time.sleep", lambda _: None)
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        due = seed(repo, 20, 0.5)
        settings = repo.get_settings()
        assert settings is not None
        repo.put_settings(settings.updated({"approval_required": True}))
        # Given a run that proposed every due reminder
        assert stack.run_scheduler(RUN_EVENT)["proposals"] == due
        # When they are approved while SQS fails every call (half of them after it took the messages)
        sink = OutageSink(stack)
        settings = repo.get_settings()
        assert settings is not None
        decision = approval.approve(repo, sink, settings, datetime(2026, 3, 2, 9, tzinfo=UTC))
        # Then every proposal was approved and committed, and what SQS did not confirm waits in the outbox
        assert len(decision.approved) == due and decision.messages == 0
        assert len(repo.pending_outbox()) == due
        # When SQS is back, the next run sends the outbox first
        summary = stack.run_scheduler({"source": "schedule", "time": "2026-03-03T05:00:00Z"})
        assert summary["resent"] == 2 * due and repo.pending_outbox() == []
        # And every approved e-mail and fee took effect once
        stack.drain()
        kinds = Counter(kind for kind, _ in reminder_effects(repo).elements())
        assert kinds == {"email": due, "fee": due}
        assert set(reminder_effects(repo).values()) == {1}


def test_each_group_of_reminders_leaves_the_outbox_as_soon_as_its_messages_were_accepted(
    monkeypatch: pytest.MonkeyPatch,
):
    from datetime import UTC, datetime

    from shared.services import commit, scheduling
    from shared.services.outbox import Backoff
    from shared.services.runs import work

    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        due = seed(repo, 20, 0.5)  # 10 reminders of an e-mail and a fee each
        # Given the run commits two reminders at a time (an outbox item, the run's counts, then 4 items each)
        # and hands their messages over after each commit, and SQS fails from the third hand-over on
        monkeypatch.setattr(commit, "GROUP_ITEMS", 10)
        monkeypatch.setattr(work, "FLUSH_MESSAGES", 4)
        sink = OutageSink(stack)
        sink.down = False
        real_send = sink.send

        def failing_later(messages):  # type: ignore[no-untyped-def]
            if sink.calls >= 2:
                sink.down = True
            return real_send(messages)

        monkeypatch.setattr(sink, "send", failing_later)
        budget = Budget(60_000)
        # When the run goes until its time is used up by retries
        summary = scheduling.schedule_due_reminders(
            repo,
            sink,
            datetime(2026, 3, 2, 5, tzinfo=UTC),
            time_left_ms=budget.left,
            backoff=Backoff(sleep=budget.sleep),
        )
        # Then the two groups handed over before the outage left the outbox; the third group and the one staged
        # when the run stopped (committed on its way out) wait there
        assert summary.status == "continuing"
        # (the run counts the 14 messages of its 7 reminders as committed, whether or not SQS took them)
        assert summary.messages == 14 and summary.reminders == 7
        waiting = [len(bodies) for _, bodies in repo.pending_outbox()]
        assert sorted(waiting) == [2, 4]
        assert due == 10
