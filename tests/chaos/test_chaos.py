"""The chaos harness in small (``bench/chaos.py``; ``make chaos`` runs it at 2,000 invoices).

A few seeded worlds under 15 % faults — before and after the call, SQS
duplicates and withheld deletes, one scheduler killed mid-run, DLQ redrives —
judged by what SES, SNS, the billing queue and the 0601 files received against
the fault-free world of the same seed. And the harness itself is proved: it
sees a duplicate and a loss put there on purpose, and its faults land before
or after the call as claimed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError
from moto import mock_aws

from bench.chaos import Chaos, ChaosWorld, World, chaos_run, compare, run_world
from bench.faults import FaultInjector, SimulatedCrash
from dunning.local_stack import REGION

INVOICES, DAYS, FAULTS = 120, 3, 0.15
SEEDS = (1, 2, 3)


@cache
def reports() -> tuple[dict[str, Any], ...]:
    """One report per seed (the worlds are run once for the tests below)."""
    return tuple(chaos_run(INVOICES, DAYS, FAULTS, seed)[0] for seed in SEEDS)


def test_under_faults_nothing_is_lost_and_no_fee_or_bs_record_is_doubled() -> None:
    # Given seeded worlds under faults, each recovered by redrives
    for report in reports():
        # Then the faults did reach the functions, the crash included
        assert report["calls_under_faults"] > 0 and report["faults_injected"]
        assert report["world"]["scheduler_crashes"] == 1
        # And every expected item reached the outside world, nothing is left in a DLQ
        assert report["total"]["expected"] > 0
        assert report["total"]["lost"] == 0, report["channels"]
        assert report["total"]["in_dlq"] == 0
        # And the fee and BS records are there exactly once
        for channel in ("fee", "bs"):
            assert report["channels"][channel]["duplicated"] == 0, report["channels"][channel]


def test_under_faults_no_email_or_sms_is_sent_twice() -> None:
    # Given the same worlds
    duplicated = {
        (report["seed"], channel): report["channels"][channel]["duplicated_examples"]
        for report in reports()
        for channel in ("email", "sms")
        if report["channels"][channel]["duplicated"]
    }
    # Then no e-mail or SMS reached its recipient twice (an unconfirmed send is held, not re-sent)
    assert duplicated == {}


def test_a_fanned_out_run_under_faults_reminds_each_once_and_leaves_no_work_item_behind() -> None:
    # Given a seeded world whose every run is fanned out over the due-index shards (work items of
    # 4 shards through the faulty poller: duplicated, undeleted, failed and redriven)
    report = chaos_run(INVOICES, DAYS, FAULTS, SEEDS[0], fan_out_above=1)[0]
    # Then the runs did fan out, and no work item was left in the work queue's DLQ
    assert report["world"]["work_items_delivered"] > DAYS
    assert report["world"]["work_items_in_dlq"] == 0
    # And every expected item reached the outside world once, and nothing was sent twice
    assert report["total"]["expected"] > 0
    assert report["total"]["lost"] == report["total"]["in_dlq"] == 0, report["channels"]
    assert report["total"]["duplicated"] == 0, report["channels"]


def _send_one_again_and_lose_a_fee(world: ChaosWorld) -> None:
    """Break the world on purpose: one e-mail goes out a second time, one fee line disappears."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages[0]
    boto3.client("sesv2", region_name=REGION).send_email(
        FromEmailAddress=sent.source,
        Destination={"ToAddresses": sent.destinations},
        Content={"Raw": {"Data": sent.raw_data.encode()}},
    )
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    items = dynamodb.scan(TableName=world.stack.table_name)["Items"]
    line = next(item for item in items if item["sk"]["S"].startswith("BILLING#"))
    dynamodb.delete_item(TableName=world.stack.table_name, Key={"pk": line["pk"], "sk": line["sk"]})


def test_the_harness_sees_a_duplicate_and_a_loss_put_there_on_purpose() -> None:
    # Given a fault-free world, and the same world where one e-mail is sent twice and one fee line lost
    expected: World = run_world(INVOICES, DAYS, 0.0, 1, Chaos())
    broken: World = run_world(INVOICES, DAYS, 0.0, 1, Chaos(), extra=_send_one_again_and_lose_a_fee)
    # When they are compared
    verdicts = compare(expected, broken)
    # Then the double e-mail is a duplicate and the fee line a loss, nothing else
    assert verdicts["email"].duplicated >= 1 and verdicts["email"].lost == 0
    assert verdicts["fee"].lost >= 1 and verdicts["fee"].duplicated == 0
    assert verdicts["sms"].duplicated == verdicts["sms"].lost == 0
    assert verdicts["bs"].duplicated == verdicts["bs"].lost == 0
    # And a world compared with itself is all "once"
    same = compare(expected, expected)
    assert all(v.duplicated == v.lost == 0 and v.once == v.expected for v in same.values())


@mock_aws
def test_a_fault_before_the_call_leaves_nothing_and_one_after_it_leaves_the_effect() -> None:
    # Given a queue and an injector that always fails (rate 1: half before, half after, by draw)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="faults")["QueueUrl"]
    outcomes = []
    with FaultInjector(rate=1.0, seed=3) as injector:
        for number in range(40):
            before = sum(v for k, v in injector.injected.items() if k.startswith("before"))
            # When a function sends under the injector
            with injector.invocation(), pytest.raises((BotoCoreError, ClientError)):
                sqs.send_message(QueueUrl=url, MessageBody=str(number))
            outcomes.append(
                "before" if sum(v for k, v in injector.injected.items() if k.startswith("before")) > before else "after"
            )
    # Then every call failed, and exactly the "after" ones reached the queue
    depth = int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]["ApproximateNumberOfMessages"]
    )
    assert {"before", "after"} <= set(outcomes)
    assert depth == outcomes.count("after")


@mock_aws
def test_a_crashed_invocation_makes_no_further_call() -> None:
    # Given an injector that kills the invocation at its second call
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="crash")["QueueUrl"]
    with FaultInjector(rate=0.0, seed=1) as injector, injector.invocation(crash_at=2):
        sqs.send_message(QueueUrl=url, MessageBody="first")
        # When the second and third calls are made
        for body in ("second", "third"):
            with pytest.raises(SimulatedCrash):
                sqs.send_message(QueueUrl=url, MessageBody=body)
    # Then only the first reached the queue, and outside the invocation calls work again
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"


def _withhold_one_email_as_unconfirmed(world: ChaosWorld) -> None:
    """As a send ledger would: one e-mail's fate is unknown (SES has no record of it here), and the
    ledger lists its key as unconfirmed, for an operator decision."""
    import json

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages.pop(0)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    effects = [
        item
        for item in dynamodb.scan(TableName=world.stack.table_name)["Items"]
        if item["pk"]["S"].startswith("EFFECTS#") and json.loads(item["data"]["S"]).get("_message_id") == sent.id
    ]
    key = effects[0]["sk"]["S"].split("#", 1)[1]
    dynamodb.put_item(
        TableName=world.stack.table_name,
        Item={"pk": {"S": f"SEND#{key}"}, "sk": {"S": "LEDGER"}, "state": {"S": "unconfirmed"}},
    )


def test_a_send_the_ledger_holds_as_unconfirmed_counts_as_unconfirmed_not_lost() -> None:
    # Given a fault-free world, and the same world where one e-mail never reached SES and is listed unconfirmed
    expected: World = run_world(INVOICES, DAYS, 0.0, 1, Chaos())
    held: World = run_world(INVOICES, DAYS, 0.0, 1, Chaos(), extra=_withhold_one_email_as_unconfirmed)
    # When they are compared
    verdict = compare(expected, held)["email"]
    # Then the e-mail's invoices are unconfirmed, not lost, and the ledger was seen
    assert held.ledger_found
    assert verdict.unconfirmed >= 1 and verdict.lost == 0 and verdict.duplicated == 0


def _world(received: dict[tuple[str, ...], int], key_of: dict[tuple[str, ...], str], unconfirmed: list[str]) -> World:
    from collections import Counter

    from bench.chaos import CHANNELS, WorldLog

    counters: dict[str, Counter[tuple[str, ...]]] = {channel: Counter() for channel in (*CHANNELS, "other")}
    for key, count in received.items():
        counters[key[0]][key] = count
    return World(counters, key_of, unconfirmed, bool(unconfirmed), {}, WorldLog(), {}, 0, 0.0)


def test_an_unconfirmed_send_consolidated_differently_under_faults_counts_as_unconfirmed_not_lost() -> None:
    import json

    # Given a fault-free world with two step-1 e-mails to one customer, a day apart (two business keys)
    to = "bogholderi0@kunde.example"
    first, second = ("email", to, "step 1", "INV0000000"), ("email", to, "step 1", "INV0000060")
    expected = _world({first: 1, second: 1}, {first: "chaos/C0/v1/1/email/aaa", second: "chaos/C0/v1/1/email/bbb"}, [])
    # And a world under faults where the first day's run failed, the next day consolidated both
    # invoices into one reminder (a third business key), and SES answered its send with a 503,
    # so the ledger holds it as unconfirmed and SES received nothing
    effect = {"kind": "email", "to": to, "step": "Rykker 1", "invoices": ["INV0000000", "INV0000060"]}
    item = {
        "pk": {"S": "SEND#x"},
        "sk": {"S": "LEDGER"},
        "key": {"S": "chaos/C0/v1/1/email/ccc"},
        "state": {"S": "unconfirmed"},
        "effect": {"S": json.dumps(effect)},
    }
    actual = _world({}, {}, [json.dumps(item)])
    # When they are compared
    verdict = compare(expected, actual)["email"]
    # Then both invoices' e-mails are unconfirmed (held for the operator), not lost
    assert (verdict.unconfirmed, verdict.lost, verdict.once) == (2, 0, 0)
