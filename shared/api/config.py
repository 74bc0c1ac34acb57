"""The API function's configuration, read from its environment at handler entry."""

from __future__ import annotations

import os
from collections.abc import Mapping

from shared.config import _EnvModel


class ApiConfig(_EnvModel):
    tenant_id: str
    table_name: str
    scheduler_function_name: str | None = None  # runs start there; approvals are decided there
    email_queue_url: str | None = None  # an operator's "resend" of an unconfirmed send queues it again
    sms_queue_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiConfig:
        env = os.environ if env is None else env
        return cls._from(
            env,
            {
                "tenant_id": "TENANT_ID",
                "table_name": "TABLE_NAME",
                "scheduler_function_name": "SCHEDULER_FUNCTION_NAME",
                "email_queue_url": "EMAIL_QUEUE_URL",
                "sms_queue_url": "SMS_QUEUE_URL",
            },
        )
