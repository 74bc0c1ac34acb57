"""The real handlers on the embedded AWS: sample events, partial batches, exactly-once delivery."""

import json
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from dunning.local_stack import REGION, FakeLambdaContext, LocalStack
from dunning.scenario import load_scenario
from dunning.simulate import Simulation, SimulationOptions, simulate
from shared.domain.effects import public
from shared.storage.models import BillingLineModel
from tests.conftest import REPO, SHARED

EVENTS = REPO / "events"
BASIC = SHARED / "scenarios" / "basic.yaml"


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def acme() -> Iterator[Simulation]:
    """The basic scenario's tenant loaded into a fresh local stack, with BS enabled and C1 given an address."""
    scenario = load_scenario(BASIC)
    with LocalStack(scenario.tenant) as stack:
        simulation = Simulation(scenario, stack, SimulationOptions())
        simulation.load()
        simulation.settings = simulation.settings.updated({"bs": {"enabled": True, "creditor_number": "12345678"}})
        simulation.repo.put_settings(simulation.settings)
        customer = simulation.repo.get_customer("C1")
        assert customer is not None
        from dataclasses import replace

        address = {"lines": ["Eksempelvej 1"], "postcode": "2100", "city": "København Ø", "country": "DK"}
        simulation.repo.put_customer(replace(customer, address=address))
        yield simulation


@pytest.mark.parametrize("action", ["email", "sms", "fee", "bs"])
def test_every_consumer_handles_its_sample_event(acme: Simulation, action: str):
    # Given the sample event that `sam local invoke` would use
    sample = event(action)
    # When the handler gets it
    response = acme.stack.handler(action)(sample, FakeLambdaContext(action))
    # Then nothing failed and exactly the one effect was recorded
    assert response == {"batchItemFailures": []}
    effects = [e for e in acme.repo.effects_on(acme.scenario.simulate.start.replace(day=29)) if e["kind"] == action]
    assert len(effects) == 1
    assert effects[0]["customer"] == "C1" and effects[0]["invoices"] == ["I1"]


@pytest.mark.parametrize("name", ["scheduler", "scheduler-manual"])
def test_the_scheduler_handles_its_sample_events(acme: Simulation, name: str):
    summary = acme.stack.handler("scheduler")(event(name), FakeLambdaContext("scheduler"))
    # On 29 January every customer's invoices take step 1 (the fixture applies no timeline payments)
    assert summary["status"] == "completed"
    assert summary["run_date"] == "2026-01-29"
    assert summary["reminders"] == 3
    assert summary["messages"] == 3  # step 1 is e-mail only


def test_a_bad_message_fails_alone(acme: Simulation):
    # Given a batch of one good message, one that is not JSON and one with a wrong field
    good = event("fee")["Records"][0]
    not_json = {**deepcopy(good), "messageId": "bad-json", "body": "{not json"}
    wrong = json.loads(good["body"])
    wrong["invoices"][0]["amount"] = "lots"
    wrong_field = {**deepcopy(good), "messageId": "bad-field", "body": json.dumps(wrong)}
    batch = {"Records": [not_json, good, wrong_field]}
    # When the fee consumer processes it
    response = acme.stack.handler("fee")(batch, FakeLambdaContext("fee"))
    # Then only the two bad records are reported, and the good fee is on the billing queue
    assert sorted(item["itemIdentifier"] for item in response["batchItemFailures"]) == ["bad-field", "bad-json"]
    assert len(acme.repo.billing_lines("C1")) == 1


def test_a_message_on_the_wrong_queue_is_refused(acme: Simulation):
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    # When every record of a batch fails, Powertools fails the invocation so SQS retries the batch
    with pytest.raises(BatchProcessingError) as failed:
        acme.stack.handler("email")(event("sms"), FakeLambdaContext("email"))
    assert "expected 'email' on this queue, got 'sms'" in str(failed.value.child_exceptions)


def test_bs_is_refused_clearly_when_the_tenant_has_no_bs(acme: Simulation):
    acme.repo.put_settings(acme.settings.updated({"bs": {"enabled": False}}))
    acme.stack.handler("bs")(event("bs"), FakeLambdaContext("bs"))
    effects = acme.repo.effects_on(acme.scenario.simulate.start.replace(day=29))
    skipped = [e for e in effects if e["kind"] == "skipped"]
    assert [e["action"] for e in skipped] == ["bs"]
    assert "Betalingsservice is not enabled" in skipped[0]["reason"]
    assert acme.repo.bs_records(acme.scenario.simulate.start.replace(day=29)) == []


def _run_basic(options: SimulationOptions) -> tuple[list[dict], dict[str, int]]:
    effects: list[dict] = []
    counts: dict[str, int] = {}
    scenario = load_scenario(BASIC)

    def collect(result) -> None:  # type: ignore[no-untyped-def]
        effects.extend(public(e) for e in result.effects)
        counts["emails_sent"] = len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)
        counts["sms_sent"] = len(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages)
        counts["billing_lines"] = sum(1 for _ in BillingLineModel.scan(BillingLineModel.sk.startswith("BILLING#")))

    simulate(scenario, options, on_day=collect)
    return effects, counts


def test_every_message_twice_and_every_run_twice_still_sends_once():
    # Given the basic scenario run normally
    once, once_counts = _run_basic(SimulationOptions())
    # When every SQS batch reaches its consumer twice and the scheduler runs twice for the same time
    twice, twice_counts = _run_basic(SimulationOptions(deliveries_per_message=2, runs_per_day=2))
    # Then the e-mails, SMS and fees are exactly the same, once each
    assert twice == once
    assert twice_counts == once_counts == {"emails_sent": 6, "sms_sent": 4, "billing_lines": 4}


def test_the_sample_events_parse_as_messages():
    from shared.messages import ActionMessage

    for action in ("email", "sms", "fee", "bs"):
        body = event(action)["Records"][0]["body"]
        assert ActionMessage.model_validate_json(body).action == action


def test_samples_are_where_sam_local_invoke_expects_them():
    assert {p.name for p in Path(EVENTS).glob("*.json")} >= {
        "scheduler.json",
        "email.json",
        "sms.json",
        "fee.json",
        "bs.json",
    }


class CrashingSink:
    """An SQS that is unreachable: the run stops after committing its reminders."""

    def send(self, messages) -> int:  # type: ignore[no-untyped-def]
        list(messages)
        raise ConnectionError("SQS unreachable")


def test_a_run_that_stops_before_sending_is_completed_by_the_next_run(acme: Simulation):
    from datetime import UTC, datetime

    from shared.services.outbox import Backoff
    from shared.services.scheduling import schedule_due_reminders

    # Given a run that committed its reminders and then lost SQS for longer than it retries
    stopped = schedule_due_reminders(
        acme.repo,
        CrashingSink(),
        datetime(2026, 1, 29, 5, tzinfo=UTC),
        backoff=Backoff(attempts=3, sleep=lambda _: None),
    )
    # (a run's messages are those it committed, whether or not SQS took them yet)
    assert stopped.status == "continuing" and stopped.messages == 3 and stopped.reminders == 3
    # C1, C2 and C3 each have one reminder waiting, committed together: one outbox item holds their messages
    [(_, waiting)] = acme.repo.pending_outbox()
    assert sorted(json.loads(body)["customer_id"] for body in waiting) == ["C1", "C2", "C3"]
    assert acme.repo.get_invoice("I1").steps_done == 1  # type: ignore[union-attr]
    # When the next run comes (a day later, nothing new is due)
    summary = acme.stack.run_scheduler({"source": "schedule", "time": "2026-01-30T05:00:00Z"})
    acme.stack.drain()
    # Then the stranded messages went out once, dated the day they were planned
    assert summary["resent"] == 3 and summary["reminders"] == 0
    assert acme.repo.pending_outbox() == []
    emails = [e for e in acme.repo.effects_on(acme.scenario.simulate.start.replace(day=29)) if e["kind"] == "email"]
    assert sorted(e["customer"] for e in emails) == ["C1", "C2", "C3"]


def test_the_work_item_sample_parses_as_a_work_item():
    from shared.services.runs.shards import WorkItem
    from shared.storage import keys

    item = WorkItem.model_validate_json(event("scheduler-work-item")["Records"][0]["body"])
    assert item.shards and set(item.shards) <= set(keys.due_shards())
