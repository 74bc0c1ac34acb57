"""Capacity and cost model: the request counts ``make bench`` measures, priced at AWS list prices.

The prices are data (``PRICES``), one row per billing unit, so that updating
them is an edit of one table. The request counts come from one size of the
bench (``bench.scenario.measure``): exact counts of what the code sends,
turned into billing units under the assumptions in ``ASSUMPTIONS`` (stated,
because AWS bills by item size and duration, which the bench does not see).

Nothing here calls AWS or moto; ``tests/unit/test_cost_model.py`` checks the
arithmetic on hand-made counts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from shared.storage.keys import DUE_SHARDS

PRICES_AS_OF = "2025-11-30"
PRICE_SOURCES = (
    "AWS Lambda pricing",
    "Amazon SQS pricing",
    "Amazon DynamoDB pricing (on-demand)",
    "Amazon SES pricing",
    "AWS End User Messaging SMS pricing (Denmark, outbound, sender ID)",
    "Amazon S3 pricing",
    "Amazon EventBridge pricing (Scheduler)",
)


@dataclass(frozen=True)
class Price:
    """One list price: ``usd`` for ``per`` units of ``unit``."""

    service: str
    unit: str
    usd: Decimal
    per: int
    note: str = ""

    @property
    def per_unit(self) -> Decimal:
        return self.usd / self.per


# Region eu-north-1 (Stockholm) unless the note says otherwise. Free tiers are ignored (a tenant at scale is past
# them). Recorded from the pages named in PRICE_SOURCES on PRICES_AS_OF; not fetched by the bench.
PRICES: dict[str, Price] = {
    "lambda_request": Price("Lambda", "invocation", Decimal("0.20"), 1_000_000),
    "lambda_gb_second": Price("Lambda", "GB-second (x86)", Decimal("0.0000166667"), 1),
    "sqs_request": Price("SQS", "standard-queue request (a batch of 10 is one)", Decimal("0.40"), 1_000_000),
    "dynamodb_rru": Price("DynamoDB", "read request unit (on-demand)", Decimal("0.125"), 1_000_000, "us-east-1 list"),
    "dynamodb_wru": Price("DynamoDB", "write request unit (on-demand)", Decimal("0.625"), 1_000_000, "us-east-1 list"),
    "ses_email": Price("SES", "outbound e-mail", Decimal("0.10"), 1_000),
    "sms_dk_part": Price("SNS/End User Messaging", "SMS part to Denmark", Decimal("0.0581"), 1, "approximate; varies"),
    "s3_put": Price("S3", "PUT/POST request", Decimal("0.005"), 1_000),
    "s3_get": Price("S3", "GET request", Decimal("0.0004"), 1_000),
    "scheduler_invocation": Price("EventBridge Scheduler", "invocation", Decimal("1.00"), 1_000_000),
}

ASSUMPTIONS: dict[str, Any] = {
    "dynamodb_rru_per_item_read": Decimal(1),  # upper bound: ≤4 KB strongly consistent; eventually consistent is ½
    "dynamodb_wru_per_item_written": Decimal(1),  # items ≤1 KB; transactional items count twice (DynamoDB's rule)
    "sms_parts_per_message": 1,  # a reminder SMS fits 160 GSM-7 characters
    "lambda_memory_gb": Decimal("0.5"),  # template.yaml Globals MemorySize 512
    "lambda_ms_per_message": Decimal(40),  # assumed billed duration per consumer message (not measured on AWS)
    "lambda_ms_per_reminder_scheduler": Decimal(20),  # assumed billed scheduler duration per reminder
    "request_latency_ms": Decimal(8),  # assumed in-region DynamoDB/SQS round trip for the wall-time projection
}


@dataclass
class Usage:
    """Billing units of one thing (a message of an action, a reminder's share of the scheduler)."""

    lambda_invocations: Decimal = Decimal(0)
    lambda_gb_seconds: Decimal = Decimal(0)
    sqs_requests: Decimal = Decimal(0)
    dynamodb_rru: Decimal = Decimal(0)
    dynamodb_wru: Decimal = Decimal(0)
    ses_emails: Decimal = Decimal(0)
    sms_parts: Decimal = Decimal(0)
    s3_puts: Decimal = Decimal(0)
    s3_gets: Decimal = Decimal(0)
    scheduler_invocations: Decimal = Decimal(0)

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def scaled(self, factor: Decimal) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) * factor for f in fields(self)})

    def cost(self, prices: dict[str, Price] = PRICES) -> Decimal:
        """US dollars at ``prices``."""
        return (
            self.lambda_invocations * prices["lambda_request"].per_unit
            + self.lambda_gb_seconds * prices["lambda_gb_second"].per_unit
            + self.sqs_requests * prices["sqs_request"].per_unit
            + self.dynamodb_rru * prices["dynamodb_rru"].per_unit
            + self.dynamodb_wru * prices["dynamodb_wru"].per_unit
            + self.ses_emails * prices["ses_email"].per_unit
            + self.sms_parts * prices["sms_dk_part"].per_unit
            + self.s3_puts * prices["s3_put"].per_unit
            + self.s3_gets * prices["s3_get"].per_unit
            + self.scheduler_invocations * prices["scheduler_invocation"].per_unit
        )

    def as_json(self) -> dict[str, float]:
        return {f.name: round(float(getattr(self, f.name)), 4) for f in fields(self)}


def usage_of(tally: dict[str, Any], assumptions: dict[str, Any] = ASSUMPTIONS) -> Usage:
    """The billing units of a bench tally (``operations`` and DynamoDB item counts), AWS requests only."""
    operations: dict[str, int] = tally.get("operations", {})

    def count(prefix: str, names: tuple[str, ...] = ()) -> Decimal:
        return Decimal(
            sum(n for op, n in operations.items() if op.startswith(prefix) and (not names or op.split(".")[1] in names))
        )

    read = Decimal(tally.get("dynamodb_items_read", 0) + tally.get("dynamodb_items_read_in_transactions", 0))
    written = Decimal(tally.get("dynamodb_items_written", 0) + tally.get("dynamodb_items_written_in_transactions", 0))
    return Usage(
        lambda_invocations=count("lambda.", ("Invoke",)),
        sqs_requests=count("sqs."),
        dynamodb_rru=read * assumptions["dynamodb_rru_per_item_read"],
        dynamodb_wru=written * assumptions["dynamodb_wru_per_item_written"],
        ses_emails=count("sesv2.", ("SendEmail",)),
        sms_parts=count("sns.", ("Publish",)) * assumptions["sms_parts_per_message"],
        s3_puts=count("s3.", ("PutObject",)),
        s3_gets=count("s3.", ("GetObject",)),
    )


def _per(usage: Usage, denominator: int) -> Usage:
    return usage.scaled(Decimal(1) / denominator) if denominator else Usage()


def _money(value: Decimal) -> float:
    return round(float(value), 4)


def model(size: dict[str, Any], assumptions: dict[str, Any] = ASSUMPTIONS) -> dict[str, Any]:
    """Requests and cost per message of each action, per reminder, per 1,000 reminders by channel.

    ``size`` is one size's result of ``bench.scenario.measure``. SQS polling
    (receive/delete by the event-source mapping) is spread evenly over the
    messages; the scheduler's requests (reads, writes, SQS sends) over the
    reminders; the run's one EventBridge Scheduler invocation over the run.
    """
    reminders = size["reminders"]
    messages_by_action: dict[str, int] = size["messages_by_action"]
    messages = sum(messages_by_action.values())
    memory = assumptions["lambda_memory_gb"]

    scheduler = usage_of(size["scheduler"]) + Usage(
        lambda_invocations=Decimal(size["scheduler"].get("invocations", 1)),
        scheduler_invocations=Decimal(1),
        lambda_gb_seconds=memory * assumptions["lambda_ms_per_reminder_scheduler"] * reminders / 1000,
    )
    per_reminder = _per(scheduler, reminders)
    polling_per_message = _per(usage_of(size["polling"]), messages)

    actions: dict[str, Any] = {}
    per_message: dict[str, Usage] = {}
    for action, count in messages_by_action.items():
        measured = size["consumers"]["by_action"][action]
        consumer = usage_of(measured) + Usage(
            lambda_invocations=Decimal(measured["batches"]),
            lambda_gb_seconds=memory * assumptions["lambda_ms_per_message"] * count / 1000,
        )
        per_message[action] = _per(consumer, count) + polling_per_message
        actions[action] = {
            "messages": count,
            "per_message": per_message[action].as_json(),
            "usd_per_1000_messages": _money(per_message[action].cost() * 1000),
        }
    if "email" in per_message:  # a statement is sent by the e-mail consumer: same requests, not measured apart
        per_message["statement"] = per_message["email"]
        actions["statement"] = {**actions["email"], "messages": 0, "modelled_as": "email"}

    def per_1000(*parts: tuple[str, Decimal]) -> float:
        usage = per_reminder
        for action, share in parts:
            usage = usage + per_message[action].scaled(share)
        return _money(usage.cost() * 1000)

    mix = [(action, Decimal(count) / reminders) for action, count in messages_by_action.items() if reminders]
    by_channel = {
        channel: per_1000((channel, Decimal(1))) for channel in ("email", "sms", "statement") if channel in per_message
    }
    if "fee" in per_message and "email" in per_message:
        by_channel["email_with_fee"] = per_1000(("email", Decimal(1)), ("fee", Decimal(1)))
    if "bs" in per_message:
        by_channel["bs"] = per_1000(("bs", Decimal(1)))
    by_channel["as_measured_mix"] = per_1000(*mix)
    return {
        "prices_as_of": PRICES_AS_OF,
        "reminders": reminders,
        "scheduler_per_reminder": per_reminder.as_json(),
        "usd_scheduler_per_1000_reminders": _money(per_reminder.cost() * 1000),
        "actions": actions,
        "usd_per_1000_reminders": by_channel,
        "ses_own_usd_per_1000_emails": _money(PRICES["ses_email"].per_unit * 1000),
    }


def projected_run_seconds(
    due_invoices: int,
    requests_per_invoice: float,
    ms_outside_requests_per_invoice: float,
    shards: int = 1,
    latency_ms: float = float(ASSUMPTIONS["request_latency_ms"]),
) -> float:
    """Wall time of the scheduler over ``due_invoices``, its requests made one after another in each shard.

    Today a run is one sequential chain (``shards=1``): each invocation works
    until near its time limit and continues in the next. With fan-out, the
    shards run side by side and the wall time divides by ``shards`` (no
    throttling assumed: DynamoDB on-demand and SQS scale past these rates).
    """
    if shards < 1:
        raise ValueError(f"shards must be at least 1, got {shards}")
    per_invoice_ms = requests_per_invoice * latency_ms + ms_outside_requests_per_invoice
    return due_invoices * per_invoice_ms / 1000 / shards


def projection(size: dict[str, Any], due: int = 1_000_000, shard_counts: tuple[int, ...] = (1, DUE_SHARDS)) -> dict:
    """The projected wall time of a ``due``-invoice run from one bench size: one sequential chain
    (1 shard), and fanned out over the due index's shards, each worked by its own invocation."""
    reminded = size["reminded_invoices"]
    scheduler = size["scheduler"]
    requests = scheduler["requests"]["count"]["total"] / reminded if reminded else 0.0
    outside_ms = scheduler["seconds_outside_aws_calls"] * 1000 / reminded if reminded else 0.0
    latency = float(ASSUMPTIONS["request_latency_ms"])
    return {
        "due_invoices": due,
        "request_latency_ms": latency,
        "scheduler_requests_per_invoice": round(requests, 3),
        "ms_outside_requests_per_invoice": round(outside_ms, 3),
        "minutes_by_shards": {
            str(shards): round(projected_run_seconds(due, requests, outside_ms, shards, latency) / 60, 1)
            for shards in shard_counts
        },
        "fan_out_shards": DUE_SHARDS,
        "minutes_at_fan_out": round(projected_run_seconds(due, requests, outside_ms, DUE_SHARDS, latency) / 60, 1),
    }
