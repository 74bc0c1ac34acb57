"""The API function's configuration, read from its environment at handler entry."""

from __future__ import annotations

import os
from collections.abc import Mapping

from shared.config import _EnvModel
from shared.messages import ACTIONS


class ApiConfig(_EnvModel):
    tenant_id: str
    table_name: str
    scheduler_function_name: str | None = None
    email_queue_url: str | None = None
    sms_queue_url: str | None = None
    fee_queue_url: str | None = None
    bs_queue_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiConfig:
        env = os.environ if env is None else env
        names = {
            "tenant_id": "TENANT_ID",
            "table_name": "TABLE_NAME",
            "scheduler_function_name": "SCHEDULER_FUNCTION_NAME",
        }
        names |= {f"{action}_queue_url": f"{action.upper()}_QUEUE_URL" for action in ACTIONS}
        return cls._from(env, names)

    @property
    def queue_urls(self) -> dict[str, str]:
        """action -> SQS queue URL (approved reminders are sent from the API)"""
        return {action: url for action in ACTIONS if (url := getattr(self, f"{action}_queue_url"))}
