"""``/references`` and ``/usage``: a payment reference's reminder, and metered robot work (O15)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from functions.api import request
from shared.services.tenant import references, usage

router = Router()
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


@router.get("/references/<reference>", tags=["references"])
def read_reference(reference: Annotated[str, Path(max_length=15)]) -> dict[str, Any]:
    """The reminder a payment reference belongs to: customer, invoices (open now), step, date."""
    return references.lookup_reference(request.repo(), reference)


@router.get("/usage/<month>", tags=["usage"])
def read_usage(month: Annotated[str, Path(pattern=MONTH_PATTERN)]) -> dict[str, Any]:
    """Metered robot work of one month, YYYY-MM (O15)."""
    return usage.month_usage(request.repo(), month)
