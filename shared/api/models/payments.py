"""Payments and credit notes (O7), bank connections and cash journals (O5, O6)."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    model_validator,
)

from shared.api.models.common import (
    BusinessDate,
    Identifier,
    PositiveAmount,
    RequestModel,
    ResponseModel,
)


class EntryIn(RequestModel):
    """A payment or credit note: against an invoice, or (customer only) on the customer's account."""

    id: Identifier
    amount: PositiveAmount
    on: BusinessDate
    invoice: Identifier | None = None
    customer: Identifier | None = None
    source: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="where the entry comes from (e.g. the import file it was derived from)"
    )

    @model_validator(mode="after")
    def _names_a_target(self) -> EntryIn:
        if self.invoice is None and self.customer is None:
            raise ValueError("name the invoice, or the customer for money on account")
        return self


class EntryOut(ResponseModel):
    id: str
    amount: str
    on: str
    invoice: str | None
    customer: str | None
    applied: str | None = None
    on_account: str | None = None
    source: str | None = None


class BankConnectionIn(RequestModel):
    active: bool


class BankConnectionOut(ResponseModel):
    name: str
    active: bool


class JournalEntryIn(RequestModel):
    id: Identifier
    customer: Identifier
    amount: PositiveAmount
    text: Annotated[str, Field(max_length=200)] | None = None


class JournalEntryOut(ResponseModel):
    id: str
    customer: str
    amount: str
    text: str | None = None


class PostJournalIn(RequestModel):
    on: BusinessDate
