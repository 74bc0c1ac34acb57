"""``/proposals`` (O9) and ``/collection-cases`` (O14): what waits for approval, and what went to the partner."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api import request
from shared.api.models.runs import ProposalDecisionIn, ProposalOut
from shared.services.tenant import approvals, collection

router = Router()


@router.get("/proposals", tags=["approval"])
def list_proposals(
    invoice: Annotated[str | None, Query(max_length=64)] = None,
    customer: Annotated[str | None, Query(max_length=64)] = None,
) -> list[ProposalOut]:
    """Reminders and collection cases (kind) waiting for approval (O9), by invoice or by customer."""
    return [ProposalOut.model_validate(p) for p in approvals.list_proposals(request.repo(), invoice, customer)]


def _decide(decision: Literal["approve", "reject"], body: ProposalDecisionIn) -> dict[str, Any]:
    repo, scheduler, now = request.repo(), request.scheduler(), request.now()
    return approvals.decide(repo, scheduler, decision, now, body.customers, body.keys, actor=request.actor())


@router.post("/proposals/approve", tags=["approval"])
def approve_proposals(body: ProposalDecisionIn) -> dict[str, Any]:
    """Approve the named proposals (keys), those of some customers, or all (neither): they are sent now."""
    return _decide("approve", body)


@router.post("/proposals/reject", tags=["approval"])
def reject_proposals(body: ProposalDecisionIn) -> dict[str, Any]:
    """Reject proposals: their invoices are due again, the next run proposes them anew."""
    return _decide("reject", body)


@router.get("/collection-cases", tags=["approval"])
def list_collection_cases() -> list[dict[str, Any]]:
    """Customers handed to debt collection (O14)."""
    return collection.list_cases(request.repo())
