"""Operator commands against a deployed tenant stack (or the local one): runs and dead letters.

They use the tenant's table and queues directly with the caller's AWS
credentials; the operator API (a later issue) will offer the same over HTTP.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3

from shared.storage.repository import DunningRepository


def redrive_queue(dead_letter_url: str, target_url: str, limit: int = 100_000) -> int:
    """Move every message of a DLQ back to its queue (send first, then delete: nothing is lost;
    a message sent twice is harmless, the consumers are idempotent on its business key)."""
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


def start_run(function_name: str, resume_run_id: str | None = None) -> dict[str, Any]:
    """Start the reminder flow now (O1), or resume a paused run (O6), through the scheduler function."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event: dict[str, Any] = {"source": "manual", "time": now}
    if resume_run_id is not None:
        event = {"source": "resume", "run_id": resume_run_id, "time": now}
    boto3.client("lambda").invoke(
        FunctionName=function_name, InvocationType="Event", Payload=json.dumps(event).encode()
    )
    return event


def decide_proposals(function_name: str, decision: str, customers: list[str] | None) -> dict[str, Any]:
    """Approve or reject pending proposals (O9) through the scheduler function, which holds the queues."""
    event = {
        "source": decision,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "customers": customers,
    }
    response = boto3.client("lambda").invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
    return dict(json.loads(response["Payload"].read()))


def list_runs(table: str, limit: int = 20) -> list[dict[str, Any]]:
    return DunningRepository(table).list_runs(limit=limit)


def get_run(table: str, run_id: str) -> dict[str, Any] | None:
    return DunningRepository(table).get_run(run_id)
