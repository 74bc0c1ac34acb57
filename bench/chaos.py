"""``make chaos``: the engine under faults, judged by what the outside world received.

One world is seeded (``bench/seed.py``) and run for ``--days`` days on the
embedded local AWS (in-process moto, as ``dunning simulate`` does) twice with
the same seed: once without faults (the expectation) and once with them.
Under faults:

* every SES, SNS, S3, SQS and DynamoDB call a function makes fails at
  ``--faults`` rate above botocore's retries, half *before* the call (nothing
  happened) and half *after* it took effect (an ambiguous timeout, a closed
  connection or a 500) — ``bench/faults.py``;
* the poller that stands in for Lambda's SQS event-source mapping hands a
  batch over twice, or withholds its delete (the messages come back after the
  visibility timeout), each at the same rate; a failed record comes back too,
  until SQS moves it to the DLQ after ``maxReceiveCount`` receives;
* time passes between deliveries (one visibility timeout per round, longer
  than a function's timeout), so in-progress leases expire as they would;
* one scheduler invocation is killed mid-run (every call after the chosen one
  fails, as for a Lambda that timed out); with ``--fan-out-above N`` a run of
  more than N due invoices is fanned out over the due-index shards, and its
  work items go through the same faulty poller (duplicates, withheld deletes,
  failures, DLQ) to the scheduler's shard workers; a failed scheduler or BS delivery
  invocation is retried twice (Lambda's asynchronous retries), then kept as
  its on-failure destination would;
* after the last day, as an operator would, the failed invocations are
  invoked again and the DLQs redriven into their queues and drained — five
  times while the faults go on, then once they have stopped — and every
  day's BS delivery is invoked again.

Then the outside world is read back: the e-mails SES sent and the SMS SNS
published (moto's own records), the lines on the customers' billing queue
(fee records) and the payment slips in the 0601 files in the delivery
bucket. Each is keyed by what it is for (channel, recipient, invoices,
subject) and counted against the fault-free world: ``once``, ``duplicated``
(received more often than expected), ``lost`` (less often), ``unconfirmed``
(the engine holds it for an operator decision and never re-sent it; read from
the send ledger, when the branch has one) and ``in DLQ`` (messages left in a
dead-letter queue after the redrive). The exit status is 1 on any duplicate
or loss.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import email
import email.policy
import hashlib
import io
import json
import os
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from moto.core import DEFAULT_ACCOUNT_ID

from bench.faults import FaultInjector, SimulatedCrash
from bench.seed import RUN_DATE, RUN_TIME, seed, tenant_settings
from dunning.local_stack import QUEUE_CONSUMERS, REGION, FakeLambdaContext, LocalStack, _sqs_record
from dunning.moto_patches import moto_patches
from shared.betalingsservice.reader import parse_delivery
from shared.domain.settings import TenantSettings
from shared.storage.repository import DunningRepository

CHANNELS = ("email", "sms", "fee", "bs")
LAMBDA_ASYNC_ATTEMPTS = 3  # the invocation and Lambda's two asynchronous retries (template.yaml)
VISIBILITY_TIMEOUT = timedelta(seconds=360)  # the action queues' VisibilityTimeout (template.yaml)
CONSUMER_TIMEOUT_MS = 60_000
# A fanned-out run's work items carry this many of the 16 due-index shards each: several items,
# several shards per item (so a crash or a short invocation leaves a continuation).
CHAOS_SHARDS_PER_ITEM = 4
STORM_ROUNDS = 5  # redrives while the faults go on, before they stop  # the consumers' Timeout (template.yaml Globals)
BS_DELIVERY_TIME = dt.time(17, 0)
INVOICE_ID = re.compile(r"INV\d{7}")
STEP = re.compile(r"(?i)rykker\s*(\d+)")
# A reminder's payment reference (FI +71 payment id): the letter names its reminder by it.
REFERENCE = re.compile(r"(?<!\d)\d{15}(?!\d)")

Key = tuple[str, ...]


# ------------------------------------------------------------------ time that passes


class PassingTime:
    """Shifts the wall clock the send ledger's leases are read against, so a claim whose attempt
    died expires as it would after the queue's visibility timeout.

    The engine's own clock is the event's time; only the consumers' ledger reads the machine
    clock (``shared.consumer.wall_clock``) — the lease must hold across invocations in real time.
    """

    module = "shared.consumer"

    def __init__(self) -> None:
        self.offset = timedelta()
        clock = self

        class ShiftedDatetime(dt.datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Any:
                return dt.datetime.now(tz) + clock.offset

        self._shifted = ShiftedDatetime
        self._saved: list[tuple[Any, Any]] = []

    def advance(self, by: timedelta) -> None:
        self.offset += by

    def __enter__(self) -> PassingTime:
        import importlib

        module = importlib.import_module(self.module)
        self._saved.append((module, module.datetime))
        module.datetime = self._shifted
        return self

    def __exit__(self, *exc: object) -> None:
        for module, original in self._saved:
            module.datetime = original
        self._saved.clear()


# ------------------------------------------------------------------ one world


@dataclass
class Chaos:
    """What the harness does to the world besides the injected call faults."""

    duplicate_rate: float = 0.0  # a batch handed to its consumer twice
    withhold_delete_rate: float = 0.0  # a processed batch not deleted (comes back after the visibility timeout)
    crash: bool = False  # kill one scheduler invocation mid-run
    scheduler_faults: float | None = None  # the scheduler's own fault rate, when not the world's
    fan_out_above: int | None = None  # fan a run out over the due-index shards above this many due invoices


@dataclass
class WorldLog:
    """What happened to the functions while the world ran."""

    scheduler_invocations: int = 0
    scheduler_failures: int = 0
    scheduler_crashes: int = 0
    consumer_batches: int = 0
    consumer_batch_errors: int = 0
    duplicated_batches: int = 0
    withheld_deletes: int = 0
    work_items: int = 0  # work-item deliveries to the scheduler's shard workers (a fanned-out run)
    bs_delivery_failures: int = 0
    redriven_invocations: int = 0
    redriven_dead_letters: int = 0
    batches_before_faults_stopped: int = 0
    scheduler_calls_by_day: dict[str, int] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class World:
    """What the outside world received, and what the engine left behind."""

    received: dict[str, Counter[Key]]
    key_of: dict[Key, str]  # an e-mail's or SMS's business key (from the engine's effects)
    unconfirmed: list[str]  # items that hold a send as unconfirmed (JSON text)
    ledger_found: bool
    in_dlq: dict[str, int]
    log: WorldLog
    injected: dict[str, int]
    calls: int
    seconds: float


class ChaosWorld:
    """One tenant on the in-process moto stack, run day by day under :class:`FaultInjector`."""

    def __init__(
        self,
        stack: LocalStack,
        injector: FaultInjector,
        clock: PassingTime,
        chaos: Chaos,
        settings: TenantSettings,
        crash_plan: dict[str, int] | None = None,
    ) -> None:
        self.stack = stack
        self.injector = injector
        self.clock = clock
        self.chaos = chaos
        self.settings = settings
        self.log = WorldLog()
        self.crash_plan = crash_plan or {}
        self.failed_events: list[tuple[str, dict[str, Any]]] = []
        self.sqs = boto3.client("sqs", region_name=REGION)

    # -- invocations -------------------------------------------------------------
    def _utc(self, day: date, at: dt.time) -> str:
        moment = datetime.combine(day, at, tzinfo=self.settings.zone).astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _invoke_async(self, name: str, event: dict[str, Any], crash_at: int | None = None) -> dict[str, Any] | None:
        """An asynchronous invocation: retried twice on failure, then kept for its on-failure destination."""
        handler = self.stack.handler(name)
        own_rate = self.chaos.scheduler_faults if name == "scheduler" else None
        for _ in range(LAMBDA_ASYNC_ATTEMPTS):
            context = FakeLambdaContext(f"{self.stack.tenant}-{name}")
            try:
                with self.injector.invocation(crash_at, own_rate):
                    before = self.injector.calls
                    if name == "scheduler":
                        self.log.scheduler_invocations += 1
                    result = dict(handler(event, context))
                    if name == "scheduler":
                        day = event["time"][:10]
                        calls = self.log.scheduler_calls_by_day
                        calls[day] = calls.get(day, 0) + self.injector.calls - before
                    return result
            except SimulatedCrash:
                self.log.scheduler_crashes += 1
                crash_at = None  # the retry runs in a fresh container
            except Exception as error:
                self.log.errors[f"{name}: {type(error).__name__}"] += 1
        if name == "scheduler":
            self.log.scheduler_failures += 1
        else:
            self.log.bs_delivery_failures += 1
        self.failed_events.append((name, event))
        return None

    def run_scheduler(self, event: dict[str, Any]) -> None:
        """One scheduled run; a run that continues is invoked again (as it invokes itself in AWS)."""
        crash_at = self.crash_plan.pop(event["time"][:10], None) if self.chaos.crash else None
        result = self._invoke_async("scheduler", event, crash_at)
        while result is not None and "continue_with" in result:
            result = self._invoke_async("scheduler", result["continue_with"])

    # -- the event-source mapping ------------------------------------------------
    def drain(self, max_rounds: int = 400) -> None:
        """Feed every queue to its consumer until all are empty, with duplicates and withheld deletes."""
        for _ in range(max_rounds):
            busy = False
            for action in self.queues:
                url = self.stack.queue_url(action)
                batch = 1 if action == "work" else 10  # the work queue's mapping: BatchSize 1 (template.yaml)
                received = self.sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=batch, AttributeNames=["All"]
                ).get("Messages", [])
                if not received:
                    continue
                busy = True
                failed = self._deliver(action, url, received)
                if self.chaos.duplicate_rate and self.injector.rng.random() < self.chaos.duplicate_rate:
                    self.log.duplicated_batches += 1
                    self._deliver(action, url, received)  # the second delivery's outcome is not awaited
                done = [m for m in received if m["MessageId"] not in failed]
                withhold = (
                    self.chaos.withhold_delete_rate and self.injector.rng.random() < self.chaos.withhold_delete_rate
                )
                if done and not withhold:
                    self.sqs.delete_message_batch(
                        QueueUrl=url,
                        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                    )
                elif done:
                    self.log.withheld_deletes += len(done)
                # The visibility timeout runs out: what was not deleted is visible again.
                for message in received:
                    if message["MessageId"] in failed or (withhold and message in done):
                        self.sqs.change_message_visibility(
                            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                        )
            self.clock.advance(VISIBILITY_TIMEOUT)
            if not busy:
                return

    @property
    def queues(self) -> list[str]:
        """The queues the poller feeds: the action queues, and the work queue of fanned-out runs."""
        return [queue for queue in QUEUE_CONSUMERS if f"{queue.upper()}_QUEUE_URL" in self.stack.env]

    def _deliver(self, action: str, url: str, received: list[dict[str, Any]]) -> set[str]:
        event = {"Records": [_sqs_record(message, url) for message in received]}
        function = QUEUE_CONSUMERS[action]
        context = FakeLambdaContext(f"{self.stack.tenant}-{function}", remaining_ms=CONSUMER_TIMEOUT_MS)
        own_rate = self.chaos.scheduler_faults if function == "scheduler" else None
        if action == "work":
            self.log.work_items += 1
        else:
            self.log.consumer_batches += 1
        try:
            with self.injector.invocation(None, own_rate):
                response = self.stack.handler(function)(event, context)
            return {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        except Exception as error:
            self.log.consumer_batch_errors += 1
            self.log.errors[f"{action}: {type(error).__name__}"] += 1
            return {message["MessageId"] for message in received}

    # -- the days, then the operator's recovery ---------------------------------------
    def run_day(self, day: date) -> None:
        self.run_scheduler({"source": "schedule", "time": self._utc(day, RUN_TIME)})
        self.drain()
        self._invoke_async("bs_delivery", {"time": self._utc(day, BS_DELIVERY_TIME)})

    def recover(self, days: list[date], storm_rounds: int = STORM_ROUNDS) -> None:
        """The operator's recovery: redrive failed invocations and dead letters, first while the
        faults go on (``storm_rounds`` times), then once they have stopped; at the end every
        day's BS delivery runs again, and the next day's (which takes the records that came late)."""
        for _ in range(storm_rounds):
            if not self._redrive():
                break
        self.injector.rate = 0.0
        self.chaos = Chaos()
        self.log.batches_before_faults_stopped = self.log.consumer_batches
        for _ in range(3):
            if not self._redrive():
                break
        # A BS record booked after its day's file was closed rolls into the next day's file, so
        # the recovery ends with the delivery of the day after the last.
        for day in [*days, days[-1] + timedelta(days=1)]:
            self._invoke_async("bs_delivery", {"time": self._utc(day, BS_DELIVERY_TIME)})

    def _redrive(self) -> int:
        """Invoke the failed invocations again and move dead letters back to their queues; drain."""
        failed, self.failed_events = self.failed_events, []
        for name, event in failed:
            self.log.redriven_invocations += 1
            if name == "scheduler":
                self.run_scheduler(event)
            else:
                self._invoke_async(name, event)
        moved = self._redrive_dead_letters()
        self.drain()
        return len(failed) + moved

    def _redrive_dead_letters(self) -> int:
        moved = 0
        for action in self.queues:
            source, dlq = self.stack.queue_url(action), self.stack.dead_letter_urls[action]
            for message in _receive_all(self.sqs, dlq):
                self.sqs.send_message(QueueUrl=source, MessageBody=message["Body"])
                moved += 1
        self.log.redriven_dead_letters += moved
        return moved

    def dead_letters_left(self) -> dict[str, int]:
        left = {}
        for action in self.queues:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=self.stack.dead_letter_urls[action], AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            left[action] = int(attributes["ApproximateNumberOfMessages"])
        return left


def _receive_all(sqs: Any, url: str) -> Iterator[dict[str, Any]]:
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        yield from messages
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        )


# ------------------------------------------------------------------ the outside world


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _items(
    channel: str,
    recipient: str,
    text: str,
    invoices: list[str] | None = None,
    step_in: str | None = None,
    references: dict[str, dict[str, Any]] | None = None,
) -> list[Key]:
    """One key per invoice a received item reminds of, at its step: (channel, recipient, step, invoice).

    Counting per invoice and step, not per message, keeps a reminder that went
    out a day late, consolidated differently, from counting as lost plus extra.
    The step is read from ``step_in`` (an e-mail's subject) or else the text; a
    message naming no step or no invoice (a report, a statement) is keyed by its text.
    """
    # A letter names its reminder by its payment reference: the step and invoices it stands for (a BS
    # slip may carry two reminders merged, and an English slip names no "Rykker N": every reference counts).
    by_reference: list[Key] = []
    for found in dict.fromkeys(REFERENCE.findall(text)) if references else ():
        if (reminder := (references or {}).get(found)) and (step := STEP.search(str(reminder["step"]))):
            by_reference += [(channel, recipient, f"step {step.group(1)}", i) for i in sorted(reminder["invoices"])]
    if by_reference:
        return by_reference
    step = STEP.search(text if step_in is None else step_in)
    named = sorted(set(invoices if invoices is not None else INVOICE_ID.findall(text)))
    if not named or step is None:
        return [(f"{channel}-other", recipient, _digest(text))]
    return [(channel, recipient, f"step {step.group(1)}", invoice) for invoice in named]


def email_keys(raw: bytes | str, references: dict[str, dict[str, Any]] | None = None) -> list[Key]:
    """An e-mail as its recipient sees it: to whom, which step, which invoices."""
    data = raw.encode() if isinstance(raw, str) else raw
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else data.decode(errors="replace")
    # The step from the subject only: a statement of account may mention "Rykkergebyr: Rykker 1" in its body.
    return _items("email", str(message["To"]), text, step_in=str(message["Subject"]), references=references)


def read_outside_world(stack: LocalStack) -> tuple[dict[str, Counter[Key]], dict[str, list[Key]]]:
    """What SES, SNS, the billing queue and the 0601 files hold; also provider message id -> keys."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    received: dict[str, Counter[Key]] = {channel: Counter() for channel in (*CHANNELS, "other")}
    by_message_id: dict[str, list[Key]] = {}

    def count(channel: str, keys: list[Key]) -> None:
        for key in keys:
            received[channel if key[0] == channel else "other"][key] += 1

    references = {
        item["sk"]["S"]: json.loads(item["data"]["S"])
        for item in _scan(stack.table_name)
        if item["pk"]["S"] == "REFERENCE" and "data" in item
    }

    for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is None:  # a simple (non-raw) message
            raw = f"To: {','.join(message.destinations['ToAddresses'])}\nSubject: {message.subject}\n\n{message.body}"
        by_message_id[message.id] = keys = email_keys(raw, references)
        count("email", keys)
    for message_id, entry in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.items():
        by_message_id[message_id] = keys = _items("sms", entry[0], entry[1], references=references)
        count("sms", keys)
    for item in _scan(stack.table_name):
        if item["sk"]["S"].startswith("BILLING#"):
            invoices = [value["S"] for value in item["invoice_ids"]["L"]]
            count("fee", _items("fee", item["customer_id"]["S"], item["reason"]["S"], invoices))
    s3 = boto3.client("s3", region_name=REGION)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=stack.delivery_bucket, Prefix="bs/"):
        for entry in page.get("Contents", []):
            body = s3.get_object(Bucket=stack.delivery_bucket, Key=entry["Key"])["Body"].read()
            for slip in parse_delivery(body).slips:
                count("bs", _items("bs", slip.customer_number, "\n".join(slip.text_lines), references=references))
    return received, by_message_id


def _scan(table: str) -> Iterator[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        yield from page["Items"]


def effect_keys(stack: LocalStack, by_message_id: dict[str, list[Key]]) -> dict[Key, str]:
    """Outside-world key -> the engine's business key, through the effects' provider message ids."""
    found: dict[Key, str] = {}
    for item in _scan(stack.table_name):
        if not item["pk"]["S"].startswith("EFFECTS#") or "data" not in item:
            continue
        data = json.loads(item["data"]["S"])
        message_id = data.get("_message_id")
        for key in by_message_id.get(message_id, []):
            found[key] = item["sk"]["S"].split("#", 1)[1]
    return found


def unconfirmed_items(stack: LocalStack) -> tuple[list[str], bool]:
    """The items that hold a send as "unconfirmed" (for an operator decision), as JSON text.

    Tolerant of the branch having no send ledger yet, and of its item layout: an
    item whose ``state`` is "unconfirmed" (or, without a ``state``, that says
    "unconfirmed" anywhere) counts, for every business key it names
    (:func:`compare` looks the keys up). Returns the items and whether any
    ledger-like item was seen at all.
    """
    found: list[str] = []
    seen = False
    for item in _scan(stack.table_name):
        text = json.dumps(item)
        if "ledger" in text.lower() or item["pk"]["S"].upper().startswith(("SEND#", "LEDGER")):
            seen = True
        state = item.get("state", {}).get("S")  # the ledger's own field, when the item has one
        if state == "unconfirmed" or (state is None and "unconfirmed" in text.lower()):
            seen = True
            found.append(text)
    return found, seen


def held_keys(unconfirmed: list[str]) -> set[Key]:
    """The outside-world keys (channel, recipient, step, invoice) the unconfirmed ledger items hold,
    read from each item's pending effect. Under faults a reminder may go out a day later,
    consolidated differently, under another business key than in the fault-free world: it is
    still the same letter to the same recipient for the same invoices and step."""
    keys: set[Key] = set()
    for text in unconfirmed:
        try:
            effect = json.loads(json.loads(text)["effect"]["S"])
            step = STEP.search(str(effect["step"]))
            channel, recipient, invoices = str(effect["kind"]), str(effect["to"]), list(effect["invoices"])
        except (KeyError, TypeError, ValueError):
            continue  # an item without a readable effect is matched by its business key only
        if step is not None:
            keys.update((channel, recipient, f"step {step.group(1)}", str(invoice)) for invoice in invoices)
    return keys


# ------------------------------------------------------------------ run and compare


def run_world(
    invoices: int,
    days: int,
    faults: float,
    seed_value: int,
    chaos: Chaos,
    crash_plan: dict[str, int] | None = None,
    extra: Callable[[ChaosWorld], None] | None = None,
) -> World:
    """Seed ``invoices``, run ``days`` days under ``faults``, recover, and read the outside world back.

    ``extra`` runs after the days and before the recovery (tests use it to break things on purpose).
    """
    tenant = "chaos"
    settings = tenant_settings(tenant)
    started = time.perf_counter()
    captured = io.StringIO()
    all_days = [RUN_DATE + timedelta(days=offset) for offset in range(days)]
    with contextlib.ExitStack() as stack_of:
        stack_of.enter_context(contextlib.redirect_stdout(captured))
        stack_of.enter_context(warnings.catch_warnings())
        warnings.filterwarnings("ignore")
        stack_of.enter_context(moto_patches(transactions=True, sqs_clock=True))
        if chaos.fan_out_above is not None:  # both worlds fan out alike: the same due sets, the same split
            fan_out = {"FAN_OUT_ABOVE": str(chaos.fan_out_above), "SHARDS_PER_ITEM": str(CHAOS_SHARDS_PER_ITEM)}
            stack_of.enter_context(mock.patch.dict(os.environ, fan_out))
        stack = stack_of.enter_context(LocalStack(tenant))
        repo = DunningRepository(stack.table_name)
        seed(repo, settings, invoices)
        for name in ("scheduler", "bs_delivery", *CHANNELS):
            stack.handler(name)
        clock = stack_of.enter_context(PassingTime())
        injector = stack_of.enter_context(FaultInjector(rate=faults, seed=seed_value))
        world = ChaosWorld(stack, injector, clock, chaos, settings, dict(crash_plan or {}))
        for day in all_days:
            world.run_day(day)
        if extra is not None:
            extra(world)
        world.recover(all_days)
        injected, calls = dict(injector.injected), injector.calls
        received, by_message_id = read_outside_world(stack)
        key_of = effect_keys(stack, by_message_id)
        unconfirmed, ledger_found = unconfirmed_items(stack)
        in_dlq = world.dead_letters_left()
    return World(
        received=received,
        key_of=key_of,
        unconfirmed=unconfirmed,
        ledger_found=ledger_found,
        in_dlq=in_dlq,
        log=world.log,
        injected=injected,
        calls=calls,
        seconds=round(time.perf_counter() - started, 1),
    )


@dataclass
class Verdict:
    expected: int = 0
    once: int = 0
    duplicated: int = 0
    extra_sends: int = 0
    lost: int = 0
    unconfirmed: int = 0
    unconfirmed_received: int = 0  # of those, how many did reach the recipient (once)
    in_dlq: int = 0
    duplicated_keys: list[str] = field(default_factory=list)
    lost_keys: list[str] = field(default_factory=list)


def compare(expected: World, actual: World) -> dict[str, Verdict]:
    """Per channel: each expected item received once, more often (duplicated) or less (lost/unconfirmed)."""
    verdicts: dict[str, Verdict] = {}
    held_outside = held_keys(actual.unconfirmed)
    for channel in CHANNELS:
        verdict = Verdict(in_dlq=actual.in_dlq.get(channel, 0))
        want, got = expected.received[channel], actual.received[channel]
        for key in sorted(set(want) | set(got)):
            wanted, count = want[key], got[key]
            verdict.expected += wanted
            business_key = expected.key_of.get(key) or actual.key_of.get(key)
            held = key in held_outside or (
                business_key is not None and any(business_key in item for item in actual.unconfirmed)
            )
            if held and count <= 1 and wanted == 1:
                verdict.unconfirmed += 1  # listed for the operator and never re-sent
                verdict.unconfirmed_received += count
            elif count == wanted:
                verdict.once += 1
            elif count > wanted:
                verdict.duplicated += 1
                verdict.extra_sends += count - wanted
                verdict.once += 1 if wanted else 0
                verdict.duplicated_keys.append("|".join(key))
            else:
                verdict.lost += wanted - count
                verdict.lost_keys.append("|".join(key))
        verdicts[channel] = verdict
    return verdicts


def report(verdicts: dict[str, Verdict], expected: World, actual: World, options: argparse.Namespace) -> dict[str, Any]:
    total = Verdict()
    for verdict in verdicts.values():
        for name in (
            "expected",
            "once",
            "duplicated",
            "extra_sends",
            "lost",
            "unconfirmed",
            "unconfirmed_received",
            "in_dlq",
        ):
            setattr(total, name, getattr(total, name) + getattr(verdict, name))
    log = actual.log
    return {
        "invoices": options.invoices,
        "days": options.days,
        "faults": options.faults,
        "seed": options.seed,
        "scheduler_faults": getattr(options, "scheduler_faults", None),
        "fan_out_above": getattr(options, "fan_out_above", None),
        "channels": {
            channel: {
                "expected": v.expected,
                "once": v.once,
                "duplicated": v.duplicated,
                "extra_sends": v.extra_sends,
                "lost": v.lost,
                "in_dlq": v.in_dlq,
                "unconfirmed": v.unconfirmed,
                "unconfirmed_received": v.unconfirmed_received,
                "duplicated_examples": v.duplicated_keys[:5],
                "lost_examples": v.lost_keys[:5],
            }
            for channel, v in verdicts.items()
        },
        "total": {
            "expected": total.expected,
            "once": total.once,
            "duplicated": total.duplicated,
            "extra_sends": total.extra_sends,
            "lost": total.lost,
            "in_dlq": total.in_dlq,
            "unconfirmed": total.unconfirmed,
            "unconfirmed_received": total.unconfirmed_received,
        },
        "send_ledger_found": actual.ledger_found,
        "other_emails": {
            "expected": sum(expected.received["other"].values()),
            "received": sum(actual.received["other"].values()),
        },
        "calls_under_faults": actual.calls,
        "faults_injected": dict(sorted(actual.injected.items())),
        "world": {
            "scheduler_invocations": log.scheduler_invocations,
            "scheduler_crashes": log.scheduler_crashes,
            "scheduler_invocations_failed_after_retries": log.scheduler_failures,
            "bs_delivery_invocations_failed_after_retries": log.bs_delivery_failures,
            "consumer_batches": log.consumer_batches,
            "consumer_batches_under_faults": log.batches_before_faults_stopped,
            "consumer_batch_errors": log.consumer_batch_errors,
            "duplicated_batches": log.duplicated_batches,
            "work_items_delivered": log.work_items,
            "work_items_in_dlq": actual.in_dlq.get("work", 0),
            "withheld_deletes": log.withheld_deletes,
            "redriven_invocations": log.redriven_invocations,
            "redriven_dead_letters": log.redriven_dead_letters,
            "errors": dict(sorted(log.errors.items())),
        },
        "seconds": {"fault_free": expected.seconds, "under_faults": actual.seconds},
    }


def table(result: dict[str, Any]) -> str:
    header = (
        f"{'channel':<8} {'expected':>8} {'once':>6} {'duplicated':>10} {'lost':>5} {'in DLQ':>6} {'unconfirmed':>11}"
    )
    title = (
        f"{result['invoices']} invoices, {result['days']} days, faults {result['faults']:.0%}, seed {result['seed']}"
    )
    if result.get("scheduler_faults") is not None:
        title += f" (scheduler {result['scheduler_faults']:.0%})"
    if result.get("fan_out_above") is not None:
        title += f", runs of more than {result['fan_out_above']} due invoices fanned out"
    lines = [
        f"chaos: {title} (counted per invoice, step and channel)",
        header,
        "-" * len(header),
    ]
    rows = [*result["channels"].items(), ("total", result["total"])]
    for name, row in rows:
        lines.append(
            f"{name:<8} {row['expected']:>8} {row['once']:>6} {row['duplicated']:>10} {row['lost']:>5} "
            f"{row['in_dlq']:>6} {row['unconfirmed']:>11}"
        )
    if not result["send_ledger_found"]:
        lines.append("(no send ledger on this branch: nothing can be unconfirmed)")
    if result["calls_under_faults"] and not result["world"]["consumer_batches_under_faults"]:
        lines.append("(no consumer ran while the faults lasted: the scheduler made no progress under them)")
    return "\n".join(lines)


def crash_plan(expected: World, seed_value: int, days: int) -> dict[str, int]:
    """Kill the scheduler on one day, at a call inside the fault-free run's span of that day."""
    import random

    rng = random.Random(seed_value * 7919 + days)
    day = (RUN_DATE + timedelta(days=rng.randrange(days))).isoformat()
    calls = expected.log.scheduler_calls_by_day.get(day, 2)
    return {day: rng.randint(1, max(1, calls - 1))}


def chaos_run(
    invoices: int,
    days: int,
    faults: float,
    seed_value: int,
    scheduler_faults: float | None = None,
    fan_out_above: int | None = None,
) -> tuple[dict[str, Any], World, World]:
    """The fault-free world and the world under faults, compared; returns the report and both worlds."""
    options = argparse.Namespace(
        invoices=invoices,
        days=days,
        faults=faults,
        seed=seed_value,
        scheduler_faults=scheduler_faults,
        fan_out_above=fan_out_above,
    )
    expected = run_world(invoices, days, 0.0, seed_value, Chaos(fan_out_above=fan_out_above))
    actual = run_world(
        invoices,
        days,
        faults,
        seed_value,
        Chaos(
            duplicate_rate=faults,
            withhold_delete_rate=faults,
            crash=True,
            scheduler_faults=scheduler_faults,
            fan_out_above=fan_out_above,
        ),
        crash_plan(expected, seed_value, days),
    )
    return report(compare(expected, actual), expected, actual, options), expected, actual


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--faults", type=float, action="append", help="fault rate(s), e.g. 0.05 (repeatable)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--scheduler-faults",
        type=float,
        help="a different fault rate for the scheduler's own calls (default: --faults); "
        "e.g. 0.05 lets runs get through while the consumers see 30 %%",
    )
    parser.add_argument(
        "--fan-out-above",
        type=int,
        help="fan a run out over the due-index shards when more invoices than this are due "
        "(its work items go through the same faulty poller to the scheduler's shard workers)",
    )
    parser.add_argument("--json", help="also write the results as JSON to this file")
    options = parser.parse_args(argv)
    results = []
    for rate in options.faults or [0.05]:
        print(f"chaos: {options.invoices} invoices x {options.days} days at {rate:.0%} faults ...", file=sys.stderr)
        result, _, _ = chaos_run(
            options.invoices, options.days, rate, options.seed, options.scheduler_faults, options.fan_out_above
        )
        results.append(result)
        print(table(result))
        print()
    document = json.dumps(results, indent=2)
    print(document)
    if options.json:
        path = Path(options.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document + "\n", encoding="utf-8")
    bad = any(
        r["total"]["duplicated"] or r["total"]["lost"] or r["total"]["in_dlq"] or r["world"]["work_items_in_dlq"]
        for r in results
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
