"""Agreements (C2, C4, C9) and sales in draft (C11)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
)

from shared.api.models.common import (
    BulkIn,
    Identifier,
    RequestModel,
    ResponseModel,
    TemplateRef,
)


class AgreementIn(RequestModel):
    id: Identifier
    customer: Identifier
    template: TemplateRef | None = Field(default=None, description="its own template; else the tenant default")


class AgreementPatch(RequestModel):
    template: TemplateRef


class AgreementOut(ResponseModel):
    id: str
    customer: str
    template: str


class MoveAgreementsIn(RequestModel):
    """C9: move all (agreements omitted) or the chosen agreements to a version."""

    template: TemplateRef
    agreements: Annotated[list[Identifier], Field(min_length=1, max_length=1000)] | None = None
    include_sales: bool = Field(default=False, description="also move sales in draft/ready (C11)")


class MoveAgreementsOut(ResponseModel):
    template: str
    moved: int
    agreements: list[str]
    sales: list[str]


class SaleIn(RequestModel):
    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200)]
    state: Literal["draft", "ready"] = "draft"
    template: TemplateRef | None = None


class SalePatch(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    state: Literal["draft", "ready"] | None = None
    template: TemplateRef | None = None


class WinSaleIn(RequestModel):
    customer: Identifier
    agreement: Identifier


class SaleOut(ResponseModel):
    id: str
    name: str
    state: str
    template: str
    customer: str | None = None
    agreement: str | None = None


class AgreementsBulkIn(BulkIn):
    items: Annotated[list[AgreementIn], Field(min_length=1, max_length=1000)]
    also_importing_customers: Annotated[list[Identifier], Field(max_length=100_000)] = Field(
        default_factory=list, description="dry run: customers another part of the same import creates"
    )
