"""Between Lambda and the resolver: the proxy event in (its body's nesting checked first), the
stack's configuration and the scheduler function (:class:`LambdaScheduler`) attached to the request."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api.errors import error_body
from functions.api.request import JSON
from shared.api.config import ApiConfig
from shared.api.limits import nesting_problem
from shared.aws import LambdaScheduler
from shared.services.tenant.common import SchedulerGateway

__all__ = ["LambdaScheduler", "resolve"]


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
