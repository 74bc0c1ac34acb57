"""The embedded local AWS: moto in-process, with the tables, queues and bucket
created from ``template.yaml`` itself, and a poor man's event-source mapping
that feeds each queue to its consumer function.

Only the ``AWS::DynamoDB::Table``, ``AWS::SQS::Queue`` and ``AWS::S3::Bucket``
resources (and the Parameters) are taken from the template and created
with direct API calls (:mod:`dunning.local_resources`), so the local tables
have exactly the deployed keys, indexes and redrive policies. Lambda functions are called in-process:
moto cannot invoke them without Docker.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from dunning.local_resources import LOCAL_RESOURCE_TYPES, create_local_resources, local_resources  # noqa: F401 (re-exported)
from dunning.moto_patches import moto_patches
from shared.aws import reset_clients
from shared.storage.repository import reset_repositories

REGION = "eu-north-1"
# The environment every local stack (and the local API/console server) runs its handlers in.
BASE_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Dunning",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_DISABLED": "true",
}
TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "template.yaml"
ACTIONS = ("email", "sms", "fee", "bs")
# Every queue drain() feeds, and the function that consumes it: the action queues, and the work
# queue of fanned-out runs, which the scheduler itself consumes (its event-source mapping).
QUEUE_CONSUMERS = {action: action for action in ACTIONS} | {"work": "scheduler"}
HANDLER_MODULES = {
    "scheduler": "functions.scheduler.app",
    "bs_delivery": "functions.bs_delivery.app",
    "delivery_events": "functions.delivery_events.app",
}


@dataclass
class FakeLambdaContext:
    """Just enough of the Lambda context for Powertools."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 300_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class DeliveryStats:
    delivered: int = 0
    failed: int = 0
    dead_letters: list[dict[str, Any]] = field(default_factory=list)


class LocalStack:
    """One tenant stack on moto. Use as a context manager."""

    # moto's per-request costs that grow with the data are patched away (dunning/moto_patches.py)
    fast_moto = True

    def __init__(
        self,
        tenant: str,
        sender_email: str | None = None,
        template_path: Path = TEMPLATE_PATH,
        endpoint_url: str | None = None,
    ) -> None:
        """``endpoint_url``: a moto server (e.g. ``ThreadedMotoServer``) to use instead of in-process moto;
        clients of several threads then share it as they would share AWS."""
        self.tenant = tenant
        self.endpoint_url = endpoint_url
        self.sender_email = sender_email or f"rykker@{tenant}.example"
        self.template_path = template_path
        self.env: dict[str, str] = {}
        self.dead_letter_urls: dict[str, str] = {}
        self._mock = mock_aws()
        self._saved_env: dict[str, str | None] = {}
        self._handlers: dict[str, ModuleType] = {}
        self._patches = ExitStack()
        self._sqs_client: Any = None

    # -- lifecycle --------------------------------------------------------------
    def __enter__(self) -> LocalStack:
        base_env = dict(BASE_ENV)
        if self.endpoint_url is not None:
            base_env["AWS_ENDPOINT_URL"] = self.endpoint_url
        self._set_env(base_env)
        if self.fast_moto:
            self._patches.enter_context(moto_patches())
        if self.endpoint_url is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)  # mock_aws ignores calls sent to a custom endpoint
            self._mock.start()
        _forget_connections()
        self._create_resources()
        boto3.client("sesv2", region_name=REGION).create_email_identity(
            EmailIdentity=self.sender_email.split("@", 1)[1]
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.endpoint_url is None:
            self._mock.stop()
        self._patches.close()
        self._sqs_client = None
        _forget_connections()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _set_env(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        self.env.update(values)

    def _create_resources(self) -> None:
        physical, parameters = create_local_resources(
            self.template_path,
            {"TenantId": self.tenant, "SenderEmail": self.sender_email},
            f"{self.tenant}-dunning",
            REGION,
        )
        env = {
            "TENANT_ID": self.tenant,
            "TABLE_NAME": physical["DunningTable"],
            "SENDER_EMAIL": self.sender_email,
            "SMS_SENDER_ID": "Rykker",
            "DELIVERY_BUCKET_NAME": physical["DeliveryBucket"],
            # The send ledger's lease follows the queues' visibility timeout, as deployed.
            "QUEUE_VISIBILITY_TIMEOUT": str(parameters["ConsumerVisibilityTimeout"]["Default"]),
        }
        for action in ACTIONS:
            env[f"{action.upper()}_QUEUE_URL"] = physical[f"{action.capitalize()}Queue"]
            self.dead_letter_urls[action] = physical[f"{action.capitalize()}DeadLetterQueue"]
        if "WorkQueue" in physical:  # a large run's shards (the template's work queue)
            env["WORK_QUEUE_URL"] = physical["WorkQueue"]
            self.dead_letter_urls["work"] = physical["WorkDeadLetterQueue"]
        self._set_env(env)

    @property
    def table_name(self) -> str:
        return self.env["TABLE_NAME"]

    def queue_url(self, action: str) -> str:
        return self.env[f"{action.upper()}_QUEUE_URL"]

    # -- functions --------------------------------------------------------------
    def handler(self, name: str) -> Callable[[dict[str, Any], Any], Any]:
        """Import a function's handler the way Lambda does (module path from template.yaml)."""
        if name not in self._handlers:
            import importlib

            module = HANDLER_MODULES.get(name, f"functions.actions.{name}.app")
            self._handlers[name] = importlib.import_module(module)
        return self._handlers[name].handler

    def run_scheduler(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """Invoke the scheduler; a run that continues is invoked again, as Lambda would (O3)."""
        result = dict(self.handler("scheduler")(event, context or FakeLambdaContext("scheduler")))
        while "continue_with" in result:
            result = dict(self.handler("scheduler")(result["continue_with"], context or FakeLambdaContext("scheduler")))
        return result

    def run_bs_delivery(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """Invoke the Betalingsservice delivery function (``{"time": …}``), as its daily schedule would."""
        return dict(self.handler("bs_delivery")(event, context or FakeLambdaContext(f"{self.tenant}-bs-delivery")))

    @property
    def delivery_bucket(self) -> str:
        return self.env["DELIVERY_BUCKET_NAME"]

    def delivery_object(self, key: str) -> bytes | None:
        """An object of the delivery bucket (e.g. ``bs/<date>/bs0601-<tenant>-<date>.txt``); None if absent."""
        from shared.aws import S3DeliveryStore

        return S3DeliveryStore(self.delivery_bucket).get(key)

    def drain(
        self, deliveries_per_message: int = 1, max_rounds: int = 1000, keep_dead_letters: bool = False
    ) -> DeliveryStats:
        """Feed every queue to its consumer until all are empty (like an SQS event-source mapping).

        A record the consumer reports as failed is made visible again at once and
        retried; after the queue's maxReceiveCount SQS moves it to the DLQ, where it
        is reported. ``deliveries_per_message=2`` hands every batch to the consumer
        twice, as an at-least-once transport may.
        """
        sqs = self._sqs()
        stats = DeliveryStats()
        for _ in range(max_rounds):
            busy = False
            for action in QUEUE_CONSUMERS:
                if f"{action.upper()}_QUEUE_URL" not in self.env:
                    continue
                url = self.queue_url(action)
                batch = 1 if action == "work" else 10  # the work queue's mapping: BatchSize 1
                received = self._receive(sqs, url, batch)
                if not received:
                    continue
                busy = True
                failed = self._deliver(action, url, received, deliveries_per_message)
                done = [m for m in received if m["MessageId"] not in failed]
                if done:
                    sqs.delete_message_batch(
                        QueueUrl=url,
                        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                    )
                for message in received:
                    if message["MessageId"] in failed:
                        sqs.change_message_visibility(
                            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                        )
                stats.delivered += len(done)
                stats.failed += len(failed)
            if not busy:
                break
        if stats.failed and not keep_dead_letters:  # only a failed delivery can have reached a DLQ
            stats.dead_letters = self._collect_dead_letters(sqs)
        return stats

    def _receive(self, sqs: Any, url: str, batch: int = 10) -> list[dict[str, Any]]:
        """Up to ``batch`` messages of a queue. An in-process queue that holds no message at all (most
        queues on most simulated days) answers empty without a request: the same answer, cheaper."""
        if self.endpoint_url is None and self._mock_holds_nothing(url):
            return []
        return list(
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        )

    @staticmethod
    def _mock_holds_nothing(url: str) -> bool:
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues.get(url.rsplit("/", 1)[-1])
        return queue is not None and not queue._messages

    def _sqs(self) -> Any:
        """The stack's own SQS client, built once (a client costs ~20 ms; ``drain`` runs once a simulated day)."""
        if self._sqs_client is None:
            self._sqs_client = boto3.client("sqs", region_name=REGION)
        return self._sqs_client

    def _deliver(self, action: str, url: str, received: list[dict[str, Any]], times: int) -> set[str]:
        event = {"Records": [_sqs_record(message, url) for message in received]}
        failed: set[str] = set()
        consumer = QUEUE_CONSUMERS[action]
        for _ in range(times):
            try:
                response = self.handler(consumer)(event, self._context(consumer))
                failed |= {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
            except Exception:  # the whole batch failed (Powertools raises when every record fails)
                failed |= {message["MessageId"] for message in received}
        return failed

    # The Lambda context a queue's consumer gets (a test may give the scheduler a shorter one).
    work_context: Callable[[], Any] | None = None

    def _context(self, consumer: str) -> Any:
        if consumer == "scheduler" and self.work_context is not None:
            return self.work_context()
        return FakeLambdaContext(f"{self.tenant}-{consumer}")

    def _collect_dead_letters(self, sqs: Any) -> list[dict[str, Any]]:
        found = []
        for action, url in self.dead_letter_urls.items():
            while True:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not messages:
                    break
                for message in messages:
                    found.append({"action": action, "body": message["Body"]})
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
                )
        return found

    # -- what was sent, for --out -------------------------------------------------
    @staticmethod
    def sent_email(message_id: str) -> str | None:
        from moto.ses.models import ses_backends

        for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
            if getattr(message, "id", None) == message_id:
                return getattr(message, "raw_data", None)
        return None

    @staticmethod
    def sent_sms(message_id: str) -> str | None:
        from moto.sns.models import sns_backends

        entry = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.get(message_id)
        return entry[1] if entry else None


def _forget_connections() -> None:
    """Drop every cached client, so the next call connects to the current endpoint.

    boto3 clients, PynamoDB's per-model connections and the Powertools
    connections each keep the endpoint they were built with; a stack on
    another moto server (or back on in-process moto) needs fresh ones.
    """
    from shared.storage.models import ALL_MODELS

    reset_clients()
    reset_repositories()
    for model in ALL_MODELS:
        model._connection = None


def _sqs_record(message: dict[str, Any], queue_url: str) -> dict[str, Any]:
    queue_name = queue_url.rsplit("/", 1)[-1]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:{queue_name}",
        "awsRegion": REGION,
    }
