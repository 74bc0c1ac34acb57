"""Every refusal as an HTTP answer, in one place: ``{"error", "field", "reason"}`` (and ``errors``
for each bad row or field) with 400, 404, 409 or 422."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from shared.api.models.common import ErrorBody
from shared.errors import BulkRefused, DunningError
from shared.services.tenant.common import validation_errors

JSON = "application/json"
STATUS_OF_CODE = {"not_found": 404, "conflict": 409}
"""Every other refusal (invalid, refused_by_law, invalid_rows) is 422."""


def error_body(error: str, field: str | None, reason: str, errors: list[dict[str, Any]] | None = None) -> str:
    """The JSON body of a refusal."""
    return ErrorBody(error=error, field=field, reason=reason, errors=errors).model_dump_json(exclude_none=True)


def _answer(
    status: int, error: str, field: str | None, reason: str, errors: list[dict[str, Any]] | None = None
) -> Response[Any]:
    return Response(status_code=status, content_type=JSON, body=error_body(error, field, reason, errors))


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def install(resolver: APIGatewayRestResolver) -> None:
    """Map the request validator's errors, pydantic errors, the :mod:`shared.errors` family and
    unknown routes on ``resolver``."""

    @resolver.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[Any]:
        errors = [{"field": _field_path(e["loc"]), "reason": str(e["msg"])} for e in error.errors()]
        if not errors:
            return _answer(422, "validation_error", "body", "the request is not valid")
        if any(e.get("type") == "json_invalid" for e in error.errors()):
            return _answer(400, "bad_request", "body", "the body is not valid JSON")
        return _answer(422, "validation_error", errors[0]["field"], errors[0]["reason"], errors)

    @resolver.exception_handler(ValidationError)
    def _invalid_model(error: ValidationError) -> Response[Any]:
        found = validation_errors(error)
        errors = [{"field": f, "reason": r} for f, r in found]
        return _answer(422, "validation_error", found[0][0], found[0][1], errors)

    @resolver.exception_handler(DunningError)
    def _refused(error: DunningError) -> Response[Any]:
        rows = [asdict(e) for e in error.errors] if isinstance(error, BulkRefused) else None
        return _answer(STATUS_OF_CODE.get(error.code, 422), error.code, error.field, error.reason, rows)

    @resolver.not_found
    def _no_route(_: Exception) -> Response[Any]:
        event = resolver.current_event
        return _answer(404, "not_found", "path", f"no route {event.http_method} {event.path}")
