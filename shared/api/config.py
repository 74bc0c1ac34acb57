"""The API function's configuration, read from its environment at handler entry."""

from __future__ import annotations

from shared.config import _EnvModel


class ApiConfig(_EnvModel):
    tenant_id: str
    table_name: str
    scheduler_function_name: str | None = None  # runs start there; approvals are decided there
    email_queue_url: str | None = None  # an operator's "resend" of an unconfirmed send queues it again
    sms_queue_url: str | None = None
