"""``/customers``: customers, their bulk import and their statement of account (O16)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.api import request
from functions.api.mappers.customers import customer_out
from functions.api.routes.params import IdPath
from shared.api.models.common import BulkOut
from shared.api.models.customers import (
    CustomerFields,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    CustomersBulkIn,
    StatementPreviewOut,
    StatementSentOut,
)
from shared.services import statements
from shared.services.tenant import customers as service

router = Router()


@router.get("/customers", tags=["customers"])
def list_customers() -> list[CustomerOut]:
    return [customer_out(c) for c in service.list_customers(request.repo())]


@router.post("/customers", tags=["customers"])
def create_customer(body: CustomerIn) -> Response[CustomerOut]:
    return request.created(customer_out(service.create_customer(request.repo(), service.customer_from(body.id, body))))


@router.post("/customers/bulk", tags=["customers", "import"])
def import_customers(body: CustomersBulkIn) -> BulkOut:
    """Create or replace many customers; nothing is written if any row is refused."""
    count = service.import_customers(request.repo(), [service.customer_from(c.id, c) for c in body.items], body.dry_run)
    return BulkOut(dry_run=body.dry_run, count=count)


@router.get("/customers/<customer_id>", tags=["customers"])
def read_customer(customer_id: IdPath) -> CustomerOut:
    return customer_out(service.get_customer(request.repo(), customer_id))


@router.put("/customers/<customer_id>", tags=["customers"])
def put_customer(customer_id: IdPath, body: CustomerFields) -> Response[CustomerOut]:
    """Create or replace a customer (201 when new)."""
    customer, is_new = service.put_customer(request.repo(), service.customer_from(customer_id, body))
    return request.created(customer_out(customer), is_new)


@router.patch("/customers/<customer_id>", tags=["customers"])
def patch_customer(customer_id: IdPath, body: CustomerPatch) -> CustomerOut:
    changes = body.model_dump(mode="json", exclude_unset=True)
    return customer_out(service.patch_customer(request.repo(), customer_id, changes))


@router.get("/customers/<customer_id>/statement", tags=["customers"])
def preview_statement(customer_id: IdPath) -> StatementPreviewOut:
    """The customer's statement of account (kontoudtog) as it would be e-mailed now; nothing is sent."""
    settings = request.settings()
    shown = statements.statement_preview(
        request.repo(), settings.display_name, customer_id, request.today(), settings.sender
    )
    return StatementPreviewOut.model_validate(shown)


@router.post("/customers/<customer_id>/statement", tags=["customers"])
def send_statement(customer_id: IdPath) -> Response[StatementSentOut]:
    """E-mail the customer's statement of account now: every open item and the balance, no fee (O16)."""
    sent = statements.send_statement(request.repo(), request.scheduler(), customer_id, request.now())
    return request.accepted(StatementSentOut.model_validate(sent))
