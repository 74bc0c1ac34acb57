"""AWS adapters: lazy clients (created once per container, never at import) and the
small interfaces the services use — a queue sink, a mailer, an SMS gateway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from shared.errors import Conflict
from shared.faults import Refused, SendFailed, is_transient

if TYPE_CHECKING:
    from shared.messages import QueueMessage

_RETRIES = Config(retries={"max_attempts": 8, "mode": "adaptive"})
SQS_BATCH_LIMIT = 10


@cache
def _session() -> botocore.session.Session:
    """The container's botocore session (what ``boto3.client`` wraps). The functions make clients only:
    boto3's resources and S3 transfer manager are not imported, a fifth of a cold start."""
    return botocore.session.get_session()


@cache
def client(service: str) -> Any:
    """One client per service per container, built on first use."""
    return _session().create_client(service, config=_RETRIES)


# Sends to SES and SNS are not idempotent: one attempt per call, so botocore never repeats a
# request that may have been accepted (shared/send_errors.py relies on it).
_ONE_ATTEMPT = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@cache
def send_client(service: str) -> Any:
    """A client for non-idempotent sends (SES, SNS): botocore makes exactly one attempt."""
    return _session().create_client(service, config=_ONE_ATTEMPT)


def reset_clients() -> None:
    """Forget the cached clients (tests start a fresh moto between cases)."""
    client.cache_clear()
    send_client.cache_clear()
    _session.cache_clear()


class SqsSink:
    """Sends action messages to their queues, at most 10 per call.

    Each batch is tried once (botocore retries throttling underneath); what SQS did not
    accept — entries the batch answer lists as failed, or the whole batch when the call
    failed — is raised as :class:`~shared.faults.SendFailed`, each marked transient or not,
    while every other message went. The caller retries what is worth retrying
    (``shared/services/outbox.py``).
    """

    def __init__(self, queue_urls: dict[str, str]) -> None:
        self._queue_urls = queue_urls

    def send(self, messages: Iterable[QueueMessage]) -> int:
        by_action: dict[str, list[QueueMessage]] = {}
        for message in messages:
            by_action.setdefault(message.action, []).append(message)
        calls = 0
        refused: list[Refused] = []
        for action, batch in by_action.items():
            for start in range(0, len(batch), SQS_BATCH_LIMIT):
                calls += 1
                refused += self._send_batch(self._queue_urls[action], batch[start : start + SQS_BATCH_LIMIT])
        if refused:
            raise SendFailed(refused)
        return calls

    @staticmethod
    def _send_batch(queue_url: str, batch: Sequence[QueueMessage]) -> list[Refused]:
        entries = {str(index): message for index, message in enumerate(batch)}
        try:
            response = client("sqs").send_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": entry_id, "MessageBody": message.model_dump_json()} for entry_id, message in entries.items()
                ],
            )
        except Exception as error:  # the whole batch: it may or may not have gone, so it is sent again
            reason = f"{type(error).__name__}: {error}"
            return [Refused(m.idempotency_key, is_transient(error), reason) for m in batch]
        return [
            Refused(
                entries[entry["Id"]].idempotency_key,
                not entry.get("SenderFault", False),  # SQS' own fault: worth retrying
                f"SQS {entry.get('Code')}: {entry.get('Message', '')}",
            )
            for entry in response.get("Failed", [])
        ]


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

    def put_new(self, key: str, body: bytes) -> bool:
        """Write the object only if the key is free (``If-None-Match: *``); False when it exists."""
        try:
            client("s3").put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body,
                ContentType="text/plain; charset=iso-8859-1",
                IfNoneMatch="*",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True

    def get(self, key: str) -> bytes | None:
        try:
            response = client("s3").get_object(Bucket=self._bucket, Key=key)
        except client("s3").exceptions.NoSuchKey:
            return None
        return bytes(response["Body"].read())


class LambdaScheduler:
    """The tenant's scheduler function as the operator API and the console reach it
    (:class:`~shared.services.tenant.common.SchedulerGateway`; locally the handler runs in-process):
    a run starts asynchronously (InvocationType Event), a decision on proposals is a synchronous
    call whose result is returned."""

    def __init__(self, function_name: str | None) -> None:
        self.function_name = function_name

    def _name(self) -> str:
        if not self.function_name:
            raise Conflict("this stack has no scheduler function configured", "run")
        return self.function_name

    def start(self, event: dict[str, Any]) -> None:
        client("lambda").invoke(FunctionName=self._name(), InvocationType="Event", Payload=json.dumps(event).encode())

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        response = client("lambda").invoke(FunctionName=self._name(), Payload=json.dumps(event).encode())
        result = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            raise Conflict(f"the scheduler refused: {result.get('errorMessage', result)}", "proposals")
        return dict(result)


def continue_in_new_invocation(function_name: str, event: dict[str, Any]) -> None:
    """Invoke a function asynchronously with ``event`` (a run continuing where it stopped)."""
    client("lambda").invoke(FunctionName=function_name, InvocationType="Event", Payload=json.dumps(event).encode())


class SqsWorkQueue:
    """A fanned-out run's work items on the scheduler's work queue (``shared/services/runs/shards.py``),
    at most 10 per call; raises when SQS did not take one (the caller's invocation fails and is retried:
    a work item sent twice is harmless)."""

    def __init__(self, queue_url: str) -> None:
        self._queue_url = queue_url

    def hand_out(self, items: Sequence[Any]) -> None:
        bodies = [item.model_dump_json() for item in items]
        for start in range(0, len(bodies), SQS_BATCH_LIMIT):
            batch = bodies[start : start + SQS_BATCH_LIMIT]
            response = client("sqs").send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(index), "MessageBody": body} for index, body in enumerate(batch)],
            )
            if response.get("Failed"):
                failed = response["Failed"][0]
                raise RuntimeError(f"work queue refused {len(response['Failed'])} item(s): {failed.get('Code')}")
