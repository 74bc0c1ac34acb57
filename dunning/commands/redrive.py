"""``dunning redrive``: move a dead-letter queue's messages back to their queue (SQS, AWS credentials
from the environment). The consumers are idempotent on each message's business key, so a message
delivered twice does nothing twice."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dunning.commands.common import EXIT_CODES, OK, REFUSED


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "redrive",
        help="move a DLQ's messages back to their queue (nothing happens twice)",
        epilog=EXIT_CODES,
    )
    parser.add_argument("dead_letter_queue_url")
    parser.add_argument("--to", required=True, metavar="QUEUE_URL")
    parser.set_defaults(run=_redrive)


def _redrive(args: argparse.Namespace) -> int:
    try:
        moved = redrive_queue(args.dead_letter_queue_url, args.to)
    except RuntimeError as error:
        print(f"dunning redrive: {error}", file=sys.stderr)
        return REFUSED
    print(f"moved {moved} message(s) back to {args.to}")
    return OK


def redrive_queue(dead_letter_url: str, target_url: str, limit: int = 100_000) -> int:
    """Move every message of a DLQ back to its queue (send first, then delete: nothing is lost;
    a message sent twice is harmless, the consumers are idempotent on its business key)."""
    import boto3

    sqs = boto3.client("sqs")
    moved = 0
    while moved < limit:
        messages = sqs.receive_message(QueueUrl=dead_letter_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
            "Messages", []
        )
        if not messages:
            break
        response = sqs.send_message_batch(
            QueueUrl=target_url, Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(messages)]
        )
        sent = {int(entry["Id"]) for entry in response.get("Successful", [])}
        done = [m for i, m in enumerate(messages) if i in sent]
        if done:
            sqs.delete_message_batch(
                QueueUrl=dead_letter_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        moved += len(done)
        if len(done) < len(messages):
            raise RuntimeError(
                f"SQS refused {len(messages) - len(done)} message(s) for {target_url}; "
                "they stay in the DLQ, run redrive again"
            )
    return moved
