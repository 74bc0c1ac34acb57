"""``/payments`` and ``/credit-notes`` (O7): against an invoice or on account; filed once under their id."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api import request
from shared.api.models.payments import EntryIn, EntryOut
from shared.services.tenant import payments as service

router = Router()
CustomerQuery = Annotated[str | None, Query(max_length=64)]


def _record(kind: service.EntryKind, body: EntryIn) -> Response[EntryOut]:
    entry, is_new = service.record_entry(
        request.repo(),
        kind,
        body.id,
        body.amount,
        body.on,
        body.invoice,
        body.customer,
        actor=request.actor(),
        source=body.source,
    )
    return request.created(EntryOut.model_validate(entry), is_new)


def _listed(kind: service.EntryKind, customer: str | None) -> list[EntryOut]:
    return [EntryOut.model_validate(e) for e in service.list_entries(request.repo(), kind, customer)]


@router.post("/payments", tags=["payments"])
def record_payment(body: EntryIn) -> Response[EntryOut]:
    """A payment against an invoice, or on the customer's account; sending it again changes nothing."""
    return _record("payment", body)


@router.get("/payments", tags=["payments"])
def list_payments(customer: CustomerQuery = None) -> list[EntryOut]:
    return _listed("payment", customer)


@router.post("/credit-notes", tags=["payments"])
def record_credit_note(body: EntryIn) -> Response[EntryOut]:
    return _record("credit_note", body)


@router.get("/credit-notes", tags=["payments"])
def list_credit_notes(customer: CustomerQuery = None) -> list[EntryOut]:
    return _listed("credit_note", customer)
