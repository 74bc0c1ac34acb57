"""What every resource's models share: money, ids, dates, the strict request base and the error body.

Money is a string with two places ("1250.00"), bounded so that no amount can overflow
the arithmetic; dates are ISO dates. Ids are short printable strings.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from shared.domain.money import money_text, parse_money

MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{2})?$"


def _bounded_money(value: object) -> Decimal:
    if isinstance(value, str) and len(value.strip()) > 15:
        raise ValueError(f"amount {value!r} is too large")
    return parse_money(value)


Amount = Annotated[
    Decimal,
    BeforeValidator(_bounded_money),
    PlainSerializer(money_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1250.00"]}),
]
"""A non-negative DKK amount as text with two places."""

PositiveAmount = Annotated[Amount, Field(gt=0)]

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")]
# Dates the engine computes with (due + step days, + respite, + 14 days to pay): bounded so that
# no sum overflows Python's date (year 9999), refused naming the field instead of failing with a 500.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)
BusinessDate = Annotated[
    date,
    Field(ge=FIRST_DATE, le=LAST_DATE, description="an ISO date from 1900-01-01 to 2999-12-31"),
]
TemplateRef = Annotated[str, Field(min_length=1, max_length=70, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")]
StepName = Annotated[str, Field(min_length=1, max_length=60)]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class RequestModel(BaseModel):
    """The base of every request body: unknown fields refused; built on first use, not at import."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class ResponseModel(BaseModel):
    """The base of every answer: built on first use (``defer_build``), so that a cold start builds
    the models of the route it serves, not those of every route."""

    model_config = ConfigDict(defer_build=True)


class ErrorBody(ResponseModel):
    """Every refusal: what kind, which field, and why (``errors`` lists each bad row of a bulk request)."""

    error: str
    field: str | None = None
    reason: str
    errors: list[dict[str, Any]] | None = None


# ----------------------------------------------------------------- shared shapes


class BulkIn(RequestModel):
    dry_run: bool = Field(default=False, description="validate every row, write nothing")


class BulkOut(ResponseModel):
    dry_run: bool
    count: int


class CountOut(ResponseModel):
    count: int
