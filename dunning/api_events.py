"""API Gateway (REST, proxy) events for calling the operator API's handler in-process.

The local CLI, the tests and the schemathesis run all go through these: the handler
sees exactly the event shape API Gateway would send it.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import unquote

API_STAGE = "Prod"


def api_event(
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
    request_time_ms: int | None = None,
) -> dict[str, Any]:
    """A REST API proxy event for ``method path`` (``path`` without the stage, e.g. ``/settings``)."""
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    all_headers = {"Content-Type": "application/json", "Accept": "application/json"} | (headers or {})
    epoch_ms = request_time_ms if request_time_ms is not None else int(time.time() * 1000)
    return {
        "resource": "/{proxy+}",
        "path": unquote(path),
        "httpMethod": method.upper(),
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": unquote(path).lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method.upper(),
            "path": f"/{API_STAGE}{unquote(path)}",
            "stage": API_STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": epoch_ms,
            "identity": {"sourceIp": "127.0.0.1", "userArn": "arn:aws:iam::123456789012:user/operator"},
            "accountId": "123456789012",
            "apiId": "local",
        },
        "body": text,
        "isBase64Encoded": False,
    }


def response_json(response: dict[str, Any]) -> Any:
    """The JSON body of a proxy response (None when empty)."""
    body = response.get("body")
    return json.loads(body) if body else None
