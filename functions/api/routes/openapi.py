"""``/openapi.json``: the document generated from the routes (left out of itself).

Every route group is included first (``functions.api.app.include_routes``); the paths and the
schemas are listed in sorted order, so the document is the same whichever groups earlier
requests of the container happened to include first.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.compat import model_json

from functions.api import request
from functions.api.app import include_routes

router = Router()

TITLE = "Dunning operator API"
API_VERSION = "1.0.0"


@router.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[Any]:
    return Response(status_code=200, content_type=request.JSON, body=openapi_json())


def openapi_json() -> str:
    """The OpenAPI document of every route."""
    include_routes()
    document = request.resolver.get_openapi_schema(
        title=TITLE,
        version=API_VERSION,
        description="Settings, templates, tenant data, runs and approvals of one tenant's dunning stack. "
        "Every request is signed with AWS SigV4 (IAM).",
    )
    if document.paths:
        document.paths = dict(sorted(document.paths.items()))
    if document.components and document.components.schemas:
        document.components.schemas = dict(sorted(document.components.schemas.items()))
    return str(model_json(document, by_alias=True, exclude_none=True, indent=2))  # as get_openapi_json_schema
