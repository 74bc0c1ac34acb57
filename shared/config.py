"""Each function's configuration as a typed model, read from the environment at handler entry.

Logic never reads ``os.environ``; handlers call ``*.from_env()`` once per
invocation (cheap) and pass the model down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError


class ConfigError(RuntimeError):
    """The function's environment is incomplete; names the variable."""


class _EnvModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    # A field comes from the variable named like it in upper case, unless it is named here.
    ENV_NAMES: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The configuration from ``env`` (default: the process environment); raises
        :class:`ConfigError` naming each variable that is missing or invalid."""
        env = os.environ if env is None else env
        return cls._from(env, {field: cls.ENV_NAMES.get(field, field.upper()) for field in cls.model_fields})

    @classmethod
    def _from(cls, env: Mapping[str, str], names: Mapping[str, str]) -> Self:
        values = {field: env[var] for field, var in names.items() if env.get(var)}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            missing = [names[str(e["loc"][0])] for e in error.errors() if e["loc"]]
            raise ConfigError(f"environment variables missing or invalid: {', '.join(missing)}") from error


class SchedulerConfig(_EnvModel):
    tenant_id: str
    table_name: str
    email_queue_url: str
    sms_queue_url: str
    fee_queue_url: str
    bs_queue_url: str
    sender_email: str | None = None
    function_name: str | None = None  # set by Lambda; a long run continues by invoking it again
    work_queue_url: str | None = None  # a large run's shards go here (without it, a run never fans out)
    fan_out_above: int | None = None  # due invoices a run does in one invocation (default: runs/shards.py)
    shards_per_item: int | None = None  # due-index shards per work item (default: runs/shards.py)
    ENV_NAMES: ClassVar[Mapping[str, str]] = {"function_name": "AWS_LAMBDA_FUNCTION_NAME"}

    @property
    def queue_urls(self) -> dict[str, str]:
        """action -> SQS queue URL (a collection case goes to the e-mail consumer)"""
        from shared.messages import QUEUE_OF  # the scheduler's; the API and the console need no message model

        return {action: getattr(self, f"{queue}_queue_url") for action, queue in QUEUE_OF.items()}


# A send claim lives this many visibility timeouts: a message whose attempt died comes back after
# one visibility timeout and must still find the claim live (README, "Exactly once").
LEASE_PER_VISIBILITY_TIMEOUT = 2


class ConsumerConfig(_EnvModel):
    tenant_id: str
    table_name: str
    sender_email: str | None = None
    sms_sender_id: str | None = None
    bs_creditor_number: str | None = None
    queue_visibility_timeout: int | None = None  # seconds; the template's ConsumerVisibilityTimeout
    ses_configuration_set: str | None = None

    @property
    def send_lease(self) -> timedelta:
        """How long a send claim holds: longer than the queue's visibility timeout."""
        if self.queue_visibility_timeout is None:
            raise ConfigError("environment variable missing: QUEUE_VISIBILITY_TIMEOUT (the send ledger needs it)")
        return timedelta(seconds=LEASE_PER_VISIBILITY_TIMEOUT * self.queue_visibility_timeout)


class BsDeliveryConfig(_EnvModel):
    tenant_id: str
    table_name: str
    delivery_bucket_name: str


class DeliveryEventsConfig(_EnvModel):
    """The delivery-events function: SES events and SNS SMS delivery status into the send ledger."""

    tenant_id: str
    table_name: str
    queue_visibility_timeout: int

    @property
    def send_lease(self) -> timedelta:
        """The consumers' claim lease (see :class:`ConsumerConfig`)."""
        return timedelta(seconds=LEASE_PER_VISIBILITY_TIMEOUT * self.queue_visibility_timeout)
