"""An invoice's state as the API answers it."""

from __future__ import annotations

from shared.api.models.invoices import InvoiceOut
from shared.domain.planning import InvoiceState


def invoice_out(invoice: InvoiceState) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.invoice_id,
        customer=invoice.customer_id,
        agreement=invoice.agreement_id,
        template=invoice.template_version,
        amount=invoice.amount,
        open_amount=invoice.open_amount,
        issued=invoice.issued,
        due=invoice.due,
        steps_done=invoice.steps_done,
        last_step_on=invoice.last_step_on,
        disputed_until=invoice.disputed_until,
        disputed_ever=invoice.disputed_ever,
    )
