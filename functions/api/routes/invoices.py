"""``/invoices``: invoices (C10), their bulk import, disputes and the timeline."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api import request
from functions.api.mappers.invoices import invoice_out
from functions.api.routes.params import IdPath
from shared.api.models.common import BulkOut
from shared.api.models.invoices import DisputeIn, InvoiceIn, InvoiceOut, InvoicesBulkIn, TimelineOut
from shared.services.tenant import invoices as service

router = Router()


@router.get("/invoices", tags=["invoices"])
def list_invoices(
    customer: Annotated[str, Query(min_length=1, max_length=64)],
    agreement: Annotated[str | None, Query(max_length=64)] = None,
) -> list[InvoiceOut]:
    """A customer's invoices of every status (optionally of one agreement)."""
    return [invoice_out(i) for i in service.list_invoices(request.repo(), customer, agreement)]


@router.post("/invoices", tags=["invoices"])
def create_invoice(body: InvoiceIn) -> Response[InvoiceOut]:
    """An invoice pins its agreement's template version for its whole process (C10)."""
    invoice = service.create_invoice(
        request.repo(), request.settings(), body.id, body.agreement, body.amount, body.issued, body.due
    )
    return request.created(invoice_out(invoice))


@router.post("/invoices/bulk", tags=["invoices", "import"])
def import_invoices(body: InvoicesBulkIn) -> BulkOut:
    rows = [service.InvoiceRow(i.id, i.agreement, i.amount, i.issued, i.due) for i in body.items]
    count = service.import_invoices(
        request.repo(), request.settings(), rows, body.dry_run, body.also_importing_agreements
    )
    return BulkOut(dry_run=body.dry_run, count=count)


@router.get("/invoices/<invoice_id>", tags=["invoices"])
def read_invoice(invoice_id: IdPath) -> InvoiceOut:
    return invoice_out(service.get_invoice(request.repo(), invoice_id))


@router.post("/invoices/<invoice_id>/dispute", tags=["invoices"])
def dispute_invoice(invoice_id: IdPath, body: DisputeIn) -> InvoiceOut:
    """The customer disputes the invoice: no reminders until ``until`` (omitted: until resolved),
    and no fee on its reminders afterwards (renteloven § 9 b, stk. 1)."""
    invoice = service.set_dispute(request.repo(), request.settings(), invoice_id, body.until, actor=request.actor())
    return invoice_out(invoice)


@router.post("/invoices/<invoice_id>/dispute/resolve", tags=["invoices"])
def resolve_dispute(invoice_id: IdPath) -> InvoiceOut:
    """The dispute is resolved: the invoice's next step is due again (still without a fee)."""
    invoice = service.resolve_dispute(request.repo(), request.settings(), invoice_id, actor=request.actor())
    return invoice_out(invoice)


@router.get("/invoices/<invoice_id>/timeline", tags=["invoices"])
def invoice_timeline(invoice_id: IdPath) -> TimelineOut:
    """The pinned template version and every effect, payment and credit note on the invoice."""
    timeline = service.invoice_timeline(request.repo(), invoice_id, request.now())
    return TimelineOut(
        invoice=invoice_out(timeline["invoice"]),
        status=timeline["status"],
        template=timeline["template"],
        events=timeline["events"],
    )
