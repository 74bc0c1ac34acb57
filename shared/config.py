"""Each function's configuration as a typed model, read from the environment at handler entry.

Logic never reads ``os.environ``; handlers call ``*.from_env()`` once per
invocation (cheap) and pass the model down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.messages import ACTIONS, QUEUE_OF


class ConfigError(RuntimeError):
    """The function's environment is incomplete; names the variable."""


class _EnvModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SchedulerConfig:
        env = os.environ if env is None else env
        names = {
            "tenant_id": "TENANT_ID",
            "table_name": "TABLE_NAME",
            "sender_email": "SENDER_EMAIL",
            "function_name": "AWS_LAMBDA_FUNCTION_NAME",
        }
        names |= {f"{action}_queue_url": f"{action.upper()}_QUEUE_URL" for action in ACTIONS}
        return cls._from(env, names)

    @property
    def queue_urls(self) -> dict[str, str]:
        """action -> SQS queue URL (a collection case goes to the e-mail consumer)"""
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsumerConfig:
        env = os.environ if env is None else env
        return cls._from(
            env,
            {
                "tenant_id": "TENANT_ID",
                "table_name": "TABLE_NAME",
                "sender_email": "SENDER_EMAIL",
                "sms_sender_id": "SMS_SENDER_ID",
                "bs_creditor_number": "BS_CREDITOR_NUMBER",
                "queue_visibility_timeout": "QUEUE_VISIBILITY_TIMEOUT",
                "ses_configuration_set": "SES_CONFIGURATION_SET",
            },
        )


class BsDeliveryConfig(_EnvModel):
    tenant_id: str
    table_name: str
    delivery_bucket_name: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BsDeliveryConfig:
        env = os.environ if env is None else env
        return cls._from(
            env,
            {
                "tenant_id": "TENANT_ID",
                "table_name": "TABLE_NAME",
                "delivery_bucket_name": "DELIVERY_BUCKET_NAME",
            },
        )


class DeliveryEventsConfig(_EnvModel):
    """The delivery-events function: SES events and SNS SMS delivery status into the send ledger."""

    tenant_id: str
    table_name: str
    queue_visibility_timeout: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DeliveryEventsConfig:
        env = os.environ if env is None else env
        return cls._from(
            env,
            {
                "tenant_id": "TENANT_ID",
                "table_name": "TABLE_NAME",
                "queue_visibility_timeout": "QUEUE_VISIBILITY_TIMEOUT",
            },
        )

    @property
    def send_lease(self) -> timedelta:
        """The consumers' claim lease (see :class:`ConsumerConfig`)."""
        return timedelta(seconds=LEASE_PER_VISIBILITY_TIMEOUT * self.queue_visibility_timeout)
