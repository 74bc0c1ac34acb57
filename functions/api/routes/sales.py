"""``/sales``: sales in draft or ready state with their own template choice (C11)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.api import request
from functions.api.mappers.agreements import agreement_out
from functions.api.routes.params import IdPath
from shared.api.models.agreements import AgreementOut, SaleIn, SaleOut, SalePatch, WinSaleIn
from shared.services.tenant import sales as service

router = Router()


@router.get("/sales", tags=["sales"])
def list_sales() -> list[SaleOut]:
    """Sales in draft or ready state, with their own template choice (C11)."""
    return [SaleOut.model_validate(s) for s in service.list_sales(request.repo())]


@router.post("/sales", tags=["sales"])
def create_sale(body: SaleIn) -> Response[SaleOut]:
    sale = service.create_sale(request.repo(), request.settings(), body.id, body.name, body.template, body.state)
    return request.created(SaleOut.model_validate(sale))


@router.get("/sales/<sale_id>", tags=["sales"])
def read_sale(sale_id: IdPath) -> SaleOut:
    return SaleOut.model_validate(service.get_sale(request.repo(), sale_id))


@router.patch("/sales/<sale_id>", tags=["sales"])
def patch_sale(sale_id: IdPath, body: SalePatch) -> SaleOut:
    changes = body.model_dump(exclude_unset=True)
    return SaleOut.model_validate(service.patch_sale(request.repo(), request.settings(), sale_id, changes))


@router.post("/sales/<sale_id>/win", tags=["sales"])
def win_sale(sale_id: IdPath, body: WinSaleIn) -> Response[AgreementOut]:
    """The sale became a customer: its agreement carries the sale's template."""
    agreement = service.win_sale(request.repo(), request.settings(), sale_id, body.customer, body.agreement)
    return request.created(agreement_out(agreement))
