"""``/openapi.json``: the document generated from the routes (left out of itself)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.api import request

router = Router()

TITLE = "Dunning operator API"
API_VERSION = "1.0.0"


@router.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[Any]:
    return Response(status_code=200, content_type=request.JSON, body=openapi_json())


def openapi_json() -> str:
    """The OpenAPI document of every included route."""
    return request.resolver.get_openapi_json_schema(
        title=TITLE,
        version=API_VERSION,
        description="Settings, templates, tenant data, runs and approvals of one tenant's dunning stack. "
        "Every request is signed with AWS SigV4 (IAM).",
    )
