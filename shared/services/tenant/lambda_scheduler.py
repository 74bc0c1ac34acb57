"""The :class:`~shared.services.tenant.common.SchedulerGateway` in AWS: the tenant's scheduler function,
invoked by the operator API and the console alike (locally the handler runs in-process instead)."""

from __future__ import annotations

import json
from typing import Any

from shared.aws import client
from shared.errors import Conflict


class LambdaScheduler:
    """The tenant's scheduler function: a run starts asynchronously (InvocationType Event),
    a decision on proposals is a synchronous call whose result is returned."""

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
