"""The one resolver, and what a route knows about its request: the tenant's table and settings,
the request's own time (API Gateway's ``requestTimeEpoch``) and who is calling."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from shared.api.config import ApiConfig
from shared.domain.settings import TenantSettings
from shared.errors import Invalid
from shared.services.tenant.common import SchedulerGateway
from shared.services.tenant.settings import current_settings
from shared.storage.repository import DunningRepository, repository_for

JSON = "application/json"
ANONYMOUS = "api"
"""Who a change is recorded as when API Gateway names no IAM caller."""

resolver = APIGatewayRestResolver(enable_validation=True)


def config() -> ApiConfig:
    """The stack's configuration, attached to each request by the handler."""
    return resolver.context["config"]


def scheduler() -> SchedulerGateway:
    """The tenant's scheduler function (locally: the handler in-process)."""
    return resolver.context["scheduler"]


def repo() -> DunningRepository:
    """The tenant's table."""
    return repository_for(config().table_name)


def settings() -> TenantSettings:
    """The tenant's settings (defaults while none are stored)."""
    return current_settings(repo(), config().tenant_id)


def now() -> datetime:
    """The request's own time (API Gateway's ``requestTimeEpoch``): the clock is an input."""
    epoch_ms = (resolver.current_event.raw_event.get("requestContext") or {}).get("requestTimeEpoch")
    if not epoch_ms:
        raise Invalid("the request carries no requestContext.requestTimeEpoch", "requestContext.requestTimeEpoch")
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


def today() -> date:
    """The request's date in the tenant's time zone."""
    return now().astimezone(settings().zone).date()


def actor() -> str:
    """Who is calling: the IAM identity API Gateway verified (``userArn``, else ``caller``)."""
    identity = (resolver.current_event.raw_event.get("requestContext") or {}).get("identity") or {}
    return str(identity.get("userArn") or identity.get("caller") or ANONYMOUS)


def created(model: Any, is_new: bool = True) -> Response[Any]:
    """201 for something new, 200 for something that was there already."""
    return Response(status_code=201 if is_new else 200, content_type=JSON, body=model)


def accepted(model: Any) -> Response[Any]:
    """202: handed to the scheduler, which goes on after the answer."""
    return Response(status_code=202, content_type=JSON, body=model)
