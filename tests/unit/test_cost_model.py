"""The cost model's arithmetic (bench/cost_model.py) on hand-made counts, with round prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bench.cost_model import ASSUMPTIONS, PRICES, Price, Usage, model, projected_run_seconds, projection, usage_of

ROUND_PRICES = {
    "lambda_request": Price("Lambda", "invocation", Decimal(1), 1),
    "lambda_gb_second": Price("Lambda", "GB-second", Decimal(10), 1),
    "sqs_request": Price("SQS", "request", Decimal(100), 1),
    "dynamodb_rru": Price("DynamoDB", "RRU", Decimal(1000), 1),
    "dynamodb_wru": Price("DynamoDB", "WRU", Decimal(10_000), 1),
    "ses_email": Price("SES", "e-mail", Decimal(100_000), 1),
    "sms_dk_part": Price("SMS", "part", Decimal(1_000_000), 1),
    "s3_put": Price("S3", "PUT", Decimal(10_000_000), 1),
    "s3_get": Price("S3", "GET", Decimal(100_000_000), 1),
    "scheduler_invocation": Price("Scheduler", "invocation", Decimal(1_000_000_000), 1),
}


def _tally(operations: dict[str, int], read: int = 0, written: int = 0, tx_read: int = 0, tx_written: int = 0) -> dict:
    return {
        "operations": operations,
        "dynamodb_items_read": read,
        "dynamodb_items_written": written,
        "dynamodb_items_read_in_transactions": tx_read,
        "dynamodb_items_written_in_transactions": tx_written,
    }


def test_each_unit_is_priced_once_at_its_own_price() -> None:
    # Given one of every billing unit, at prices that are distinct powers of ten
    usage = Usage(*(Decimal(1) for _ in range(10)))
    # When it is priced, Then every price appears exactly once in the sum
    assert usage.cost(ROUND_PRICES) == Decimal(1_111_111_111)


def test_transactional_items_count_twice_and_requests_map_to_their_service() -> None:
    # Given a tally with 3 items read (1 in a transaction) and 4 written (2 in a transaction)
    tally = _tally(
        {
            "dynamodb.TransactWriteItems": 1,
            "dynamodb.GetItem": 2,
            "sqs.SendMessageBatch": 2,
            "sqs.DeleteMessageBatch": 1,
            "sesv2.SendEmail": 5,
            "sns.Publish": 3,
            "s3.PutObject": 1,
            "s3.GetObject": 2,
            "lambda.Invoke": 1,
        },
        read=3,
        written=4,
        tx_read=1,
        tx_written=2,
    )
    # When it is turned into billing units
    usage = usage_of(tally)
    # Then transactional items bill twice, and each request lands on its own service
    assert (usage.dynamodb_rru, usage.dynamodb_wru) == (4, 6)
    assert (usage.sqs_requests, usage.ses_emails, usage.sms_parts) == (3, 5, 3)
    assert (usage.s3_puts, usage.s3_gets, usage.lambda_invocations) == (1, 2, 1)


def _size() -> dict:
    return {
        "invoices": 1000,
        "reminders": 10,
        "reminded_invoices": 20,
        "messages_by_action": {"email": 10, "fee": 10},
        "scheduler": {
            **_tally({"sqs.SendMessageBatch": 2}, read=20, written=10, tx_written=10),
            "invocations": 2,
            "requests": {"count": {"total": 40}},
            "seconds_outside_aws_calls": 0.2,
        },
        "polling": _tally({"sqs.ReceiveMessage": 4, "sqs.DeleteMessageBatch": 2}),
        "consumers": {
            "by_action": {
                "email": {**_tally({"sesv2.SendEmail": 10}, written=20), "batches": 1},
                "fee": {**_tally({}, written=10, tx_written=10), "batches": 1},
            }
        },
    }


def test_model_spreads_scheduler_over_reminders_and_polling_over_messages() -> None:
    # Given a run of 10 reminders, each an e-mail and a fee
    result = model(_size())
    # Then the scheduler's share per reminder is its units ÷ 10 (20 items read; 10 written twice)
    per_reminder = result["scheduler_per_reminder"]
    assert per_reminder["dynamodb_rru"] == 2.0
    assert per_reminder["dynamodb_wru"] == 2.0
    assert per_reminder["sqs_requests"] == 0.2
    assert per_reminder["lambda_invocations"] == 0.2
    assert per_reminder["scheduler_invocations"] == 0.1
    # And an e-mail message carries its own send, its batch's invocation and 6 polling requests ÷ 20 messages
    email = result["actions"]["email"]["per_message"]
    assert (email["ses_emails"], email["lambda_invocations"], email["sqs_requests"]) == (1.0, 0.1, 0.3)
    memory_ms = ASSUMPTIONS["lambda_memory_gb"] * ASSUMPTIONS["lambda_ms_per_message"] / 1000
    assert email["lambda_gb_seconds"] == round(float(memory_ms), 4)
    # And a statement is modelled as an e-mail
    assert result["actions"]["statement"]["modelled_as"] == "email"
    # And SES's own price per 1,000 e-mails is the table's
    assert result["ses_own_usd_per_1000_emails"] == float(PRICES["ses_email"].usd)


def test_an_email_reminder_costs_more_than_ses_alone_and_the_mix_adds_the_fee() -> None:
    # Given the model of a run whose reminders are an e-mail and a fee each
    per_1000 = model(_size())["usd_per_1000_reminders"]
    # Then an e-mail reminder costs SES's price plus the engine's requests, and the mix is e-mail plus fee
    assert per_1000["email"] > float(PRICES["ses_email"].usd)
    assert per_1000["as_measured_mix"] == per_1000["email_with_fee"]


def test_projected_wall_time_divides_by_shards() -> None:
    # Given 1,000,000 invoices at 2 requests of 10 ms and 1 ms of code each: 21,000 s in one chain
    assert projected_run_seconds(1_000_000, 2, 1, shards=1, latency_ms=10) == 21_000
    # When fanned out over 50 shards, Then it is 420 s
    assert projected_run_seconds(1_000_000, 2, 1, shards=50, latency_ms=10) == 420
    # And a shard count below one is refused, naming the field
    with pytest.raises(ValueError, match="shards"):
        projected_run_seconds(1, 1, 1, shards=0)


def test_projection_reads_requests_and_code_time_per_reminded_invoice() -> None:
    # Given the bench size: 40 scheduler requests and 0.2 s of code for 20 reminded invoices
    result = projection(_size(), due=1_000_000, shard_counts=(1, 10))
    # Then it uses 2 requests and 10 ms per invoice
    assert result["scheduler_requests_per_invoice"] == 2
    assert result["ms_outside_requests_per_invoice"] == 10
    expected = projected_run_seconds(1_000_000, 2, 10, 1) / 60
    assert result["minutes_by_shards"] == {"1": round(expected, 1), "10": round(expected / 10, 1)}
