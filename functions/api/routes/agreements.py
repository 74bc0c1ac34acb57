"""``/agreements``: agreements (C2, C4), their bulk import and the mass move (C9)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api import request
from functions.api.mappers.agreements import agreement_out
from functions.api.routes.params import IdPath
from shared.api.models.agreements import (
    AgreementIn,
    AgreementOut,
    AgreementPatch,
    AgreementsBulkIn,
    MoveAgreementsIn,
    MoveAgreementsOut,
)
from shared.api.models.common import BulkOut
from shared.services.tenant import agreements as service

router = Router()


@router.get("/agreements", tags=["agreements"])
def list_agreements(
    customer: Annotated[str | None, Query(max_length=64)] = None,
    template: Annotated[str | None, Query(max_length=70)] = None,
) -> list[AgreementOut]:
    return [agreement_out(a) for a in service.list_agreements(request.repo(), customer, template)]


@router.post("/agreements", tags=["agreements"])
def create_agreement(body: AgreementIn) -> Response[AgreementOut]:
    """An agreement with its own template, else the tenant default resolved now (C2, C4)."""
    agreement = service.create_agreement(request.repo(), request.settings(), body.id, body.customer, body.template)
    return request.created(agreement_out(agreement))


@router.post("/agreements/bulk", tags=["agreements", "import"])
def import_agreements(body: AgreementsBulkIn) -> BulkOut:
    rows = [service.AgreementRow(a.id, a.customer, a.template) for a in body.items]
    count = service.import_agreements(
        request.repo(), request.settings(), rows, body.dry_run, body.also_importing_customers
    )
    return BulkOut(dry_run=body.dry_run, count=count)


@router.post("/agreements/move", tags=["agreements"])
def move_agreements(body: MoveAgreementsIn) -> MoveAgreementsOut:
    """The mass action (C9): all or the chosen agreements to a version; their next invoices use it."""
    moved = service.move_agreements(
        request.repo(), request.settings(), body.template, body.agreements, body.include_sales, actor=request.actor()
    )
    return MoveAgreementsOut(
        template=moved.template, moved=len(moved.agreements), agreements=moved.agreements, sales=moved.sales
    )


@router.get("/agreements/<agreement_id>", tags=["agreements"])
def read_agreement(agreement_id: IdPath) -> AgreementOut:
    return agreement_out(service.get_agreement(request.repo(), agreement_id))


@router.patch("/agreements/<agreement_id>", tags=["agreements"])
def patch_agreement(agreement_id: IdPath, body: AgreementPatch) -> AgreementOut:
    """Point one agreement at another template version (its running invoices keep theirs, C10)."""
    repo = request.repo()
    service.get_agreement(repo, agreement_id)
    service.move_agreements(repo, request.settings(), body.template, [agreement_id], actor=request.actor())
    return agreement_out(service.get_agreement(repo, agreement_id))
