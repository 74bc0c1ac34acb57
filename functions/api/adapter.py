"""Between Lambda and the resolver: the scheduler function as a gateway, and the proxy event in."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api.errors import error_body
from functions.api.request import JSON
from shared.api.config import ApiConfig
from shared.api.limits import nesting_problem
from shared.aws import client
from shared.errors import Conflict
from shared.services.tenant.common import SchedulerGateway


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


def resolve(
    resolver: APIGatewayRestResolver,
    event: dict[str, Any],
    context: LambdaContext,
    scheduler: SchedulerGateway | None = None,
) -> dict[str, Any]:
    """A proxy event in, a proxy response out; ``scheduler`` replaces the Lambda one locally."""
    if (problem := nesting_problem(_body_text(event))) is not None:  # before json.loads can recurse too deep
        return {
            "statusCode": 400,
            "headers": {"Content-Type": JSON},
            "body": error_body("bad_request", "body", problem),
        }
    config = ApiConfig.from_env()
    resolver.append_context(config=config, scheduler=scheduler or LambdaScheduler(config.scheduler_function_name))
    return resolver.resolve(event, context)


def _body_text(event: dict[str, Any]) -> str | None:
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        return base64.b64decode(body).decode("utf-8", errors="replace")
    return body if isinstance(body, str) else None
