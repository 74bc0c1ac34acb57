"""Invoices (C10), disputes and the timeline."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    Field,
    model_validator,
)

from shared.api.models.common import (
    Amount,
    BulkIn,
    BusinessDate,
    Identifier,
    PositiveAmount,
    RequestModel,
    ResponseModel,
)


class InvoiceIn(RequestModel):
    id: Identifier
    agreement: Identifier
    amount: PositiveAmount
    issued: BusinessDate
    due: BusinessDate

    @model_validator(mode="after")
    def _due_after_issue(self) -> InvoiceIn:
        if self.due < self.issued:
            raise ValueError("due must not be before issued")
        return self


class InvoiceOut(ResponseModel):
    id: str
    customer: str
    agreement: str
    template: str
    amount: Amount
    open_amount: Amount
    issued: date
    due: date
    steps_done: int
    last_step_on: date | None
    disputed_until: date | None = Field(
        default=None, description="no reminders before this date while disputed (9999-12-31: until resolved)"
    )
    disputed_ever: bool = Field(default=False, description="once disputed, its reminders carry no fee")


class DisputeIn(RequestModel):
    until: BusinessDate | None = Field(default=None, description="the dispute's end; omitted: until resolved")


class TimelineOut(ResponseModel):
    invoice: InvoiceOut
    status: str
    template: str
    events: list[dict[str, Any]]


class InvoicesBulkIn(BulkIn):
    items: Annotated[list[InvoiceIn], Field(min_length=1, max_length=1000)]
    also_importing_agreements: Annotated[list[Identifier], Field(max_length=100_000)] = Field(
        default_factory=list, description="dry run: agreements another part of the same import creates"
    )
