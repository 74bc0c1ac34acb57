"""AWS adapters: lazy clients (created once per container, never at import) and the
small interfaces the services use — a queue sink, a mailer, an SMS gateway.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from shared.messages import QueueMessage

_RETRIES = Config(retries={"max_attempts": 8, "mode": "adaptive"})
SQS_BATCH_LIMIT = 10


@cache
def client(service: str) -> Any:
    """One boto3 client per service per container, built on first use."""
    return boto3.client(service, config=_RETRIES)


# Sends to SES and SNS are not idempotent: one attempt per call, so botocore never repeats a
# request that may have been accepted (shared/send_errors.py relies on it).
_ONE_ATTEMPT = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@cache
def send_client(service: str) -> Any:
    """A client for non-idempotent sends (SES, SNS): botocore makes exactly one attempt."""
    return boto3.client(service, config=_ONE_ATTEMPT)


def reset_clients() -> None:
    """Forget the cached clients (tests start a fresh moto between cases)."""
    client.cache_clear()
    send_client.cache_clear()


class SendFailed(RuntimeError):
    """SQS refused some messages even after retries."""


class SqsSink:
    """Sends action messages to their queues, at most 10 per call, retrying partial failures."""

    def __init__(self, queue_urls: dict[str, str], attempts: int = 5) -> None:
        self._queue_urls = queue_urls
        self._attempts = attempts

    def send(self, messages: Iterable[QueueMessage]) -> int:
        by_action: dict[str, list[QueueMessage]] = {}
        for message in messages:
            by_action.setdefault(message.action, []).append(message)
        calls = 0
        for action, batch in by_action.items():
            for start in range(0, len(batch), SQS_BATCH_LIMIT):
                calls += self._send_batch(self._queue_urls[action], batch[start : start + SQS_BATCH_LIMIT])
        return calls

    def _send_batch(self, queue_url: str, batch: Sequence[QueueMessage]) -> int:
        pending = {str(index): message for index, message in enumerate(batch)}
        for attempt in range(self._attempts):
            response = client("sqs").send_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": entry_id, "MessageBody": message.model_dump_json()} for entry_id, message in pending.items()
                ],
            )
            failed = {entry["Id"] for entry in response.get("Failed", [])}
            pending = {entry_id: pending[entry_id] for entry_id in failed}
            if not pending:
                return attempt + 1
            time.sleep(min(0.1 * 2**attempt, 2.0))
        raise SendFailed(f"SQS refused {len(pending)} message(s) for {queue_url} after {self._attempts} tries")


class SesMailer:
    """Sends a ready MIME message with SES v2 (raw, so HTML and plain text travel together).

    With a ``configuration_set``, SES publishes the message's events (send, delivery, bounce,
    reject) with its ``tags`` — the send ledger's id — so an unconfirmed send can be resolved
    from SES's own record (``functions/delivery_events``).
    """

    def __init__(self, configuration_set: str | None = None, single_attempt: bool = False) -> None:
        self._configuration_set = configuration_set
        # The consumers send once per attempt (the ledger decides about retries); the scheduler's
        # reports to the tenant keep botocore's retries.
        self._client = send_client if single_attempt else client

    def send(self, sender: str, recipient: str, raw_mime: bytes, tags: dict[str, str] | None = None) -> str:
        extra: dict[str, Any] = {}
        if tags:
            extra["EmailTags"] = [{"Name": name, "Value": value} for name, value in sorted(tags.items())]
        if self._configuration_set:
            extra["ConfigurationSetName"] = self._configuration_set
        response = self._client("sesv2").send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [recipient]},
            Content={"Raw": {"Data": raw_mime}},
            **extra,
        )
        return str(response["MessageId"])


class SnsSms:
    """Sends a transactional SMS with SNS to an E.164 number."""

    def send(self, phone_e164: str, text: str, sender_id: str | None) -> str:
        attributes: dict[str, Any] = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        }
        if sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
        response = send_client("sns").publish(PhoneNumber=phone_e164, Message=text, MessageAttributes=attributes)
        return str(response["MessageId"])


class S3DeliveryStore:
    """Betalingsservice delivery files in the tenant's delivery bucket (encrypted by the bucket's default)."""

    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    def put(self, key: str, body: bytes) -> None:
        client("s3").put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="text/plain; charset=iso-8859-1")

    def get(self, key: str) -> bytes | None:
        try:
            response = client("s3").get_object(Bucket=self._bucket, Key=key)
        except client("s3").exceptions.NoSuchKey:
            return None
        return bytes(response["Body"].read())


def continue_in_new_invocation(function_name: str, event: dict[str, Any]) -> None:
    """Invoke a function asynchronously with ``event`` (a run continuing where it stopped)."""
    client("lambda").invoke(FunctionName=function_name, InvocationType="Event", Payload=json.dumps(event).encode())
