"""Operator API: one Powertools REST resolver behind API Gateway (IAM-authorised).

Thin: each resource's ``Router`` (``functions/api/routes``) validates its input with the
models of ``shared.api.models``, calls one function of ``shared.services.tenant`` — the
functions the simulator and the console call — and shapes the answer (``mappers``).
Refusals are mapped in ``errors``; the OpenAPI document is served at ``/openapi.json``.

Route groups are included lazily: every route's path starts with a fixed segment that belongs
to exactly one group (``GROUP_OF_SEGMENT``, pinned against the routers by
``tests/unit/test_cold_imports_http.py``), so before resolving a request the handler includes
the one router that can match it — with its models and services — and a cold start pays for
that group only. A later request for another group includes that one then; ``/openapi.json``
includes them all. A path of no group matches no route either way (the same 404).
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api import adapter, errors
from functions.api.adapter import LambdaScheduler
from functions.api.request import resolver as app
from shared.observability import logger, tracer
from shared.services.tenant.common import SchedulerGateway

__all__ = ["GROUPS", "LambdaScheduler", "app", "handler", "include_routes", "lambda_handler"]

GROUPS = (
    "openapi",
    "settings",
    "templates",
    "customers",
    "agreements",
    "sales",
    "invoices",
    "payments",
    "accounting",
    "runs",
    "approvals",
    "lookups",
    "sends",
    "operators",
)
"""Every route group: a module of ``functions/api/routes`` with a ``router``, in the order included."""

GROUP_OF_SEGMENT = {
    "openapi.json": "openapi",
    "settings": "settings",
    "templates": "templates",
    "customers": "customers",
    "agreements": "agreements",
    "sales": "sales",
    "invoices": "invoices",
    "payments": "payments",
    "credit-notes": "payments",
    "bank-connections": "accounting",
    "journals": "accounting",
    "runs": "runs",
    "proposals": "approvals",
    "collection-cases": "approvals",
    "references": "lookups",
    "usage": "lookups",
    "sends": "sends",
    "operators": "operators",
}
"""The group whose routes start with each first path segment (``/credit-notes/…`` → ``payments``)."""

errors.install(app)
_included: set[str] = set()
_including = threading.Lock()  # the local stack serves requests from threads


def groups_for(path: str) -> tuple[str, ...]:
    """The route groups that can match ``path``: its segment's one, every group for the document."""
    segment = path.split("/", 2)[1] if path.startswith("/") else ""
    group = GROUP_OF_SEGMENT.get(segment)
    if group == "openapi":
        return GROUPS
    return (group,) if group else ()


def include_routes(groups: tuple[str, ...] = GROUPS) -> None:
    """Include the routers of ``groups`` not included yet (each once, in ``GROUPS`` order)."""
    missing = [group for group in GROUPS if group in groups and group not in _included]
    if not missing:
        return
    with _including:
        for group in missing:
            if group not in _included:
                app.include_router(importlib.import_module(f"functions.api.routes.{group}").router)
                _included.add(group)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext, scheduler: SchedulerGateway | None = None) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out. ``scheduler`` replaces the Lambda one locally."""
    include_routes(groups_for(str(event.get("path") or "/")))
    return adapter.resolve(app, event, context, scheduler)


lambda_handler = handler
