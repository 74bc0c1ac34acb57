"""Operator API: one Powertools REST resolver behind API Gateway (IAM-authorised).

Thin: each resource's ``Router`` (``functions/api/routes``) validates its input with the
models of ``shared.api.models``, calls one function of ``shared.services.tenant`` — the
functions the simulator and the console call — and shapes the answer (``mappers``).
Refusals are mapped in ``errors``; the OpenAPI document is served at ``/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api import adapter, errors
from functions.api.adapter import LambdaScheduler
from functions.api.request import resolver as app
from functions.api.routes import (
    accounting,
    agreements,
    approvals,
    customers,
    invoices,
    lookups,
    openapi,
    payments,
    runs,
    sales,
    sends,
    settings,
    templates,
)
from shared.observability import logger, tracer
from shared.services.tenant.common import SchedulerGateway

__all__ = ["LambdaScheduler", "app", "handler", "lambda_handler"]

errors.install(app)
for resource in (openapi, settings, templates, customers, agreements, sales, invoices, payments, accounting, runs):
    app.include_router(resource.router)
for resource in (approvals, lookups, sends):
    app.include_router(resource.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext, scheduler: SchedulerGateway | None = None) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out. ``scheduler`` replaces the Lambda one locally."""
    return adapter.resolve(app, event, context, scheduler)


lambda_handler = handler
