"""Payment references: which reminder a reference was given to, to match an incoming payment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.domain.money import money_text
from shared.domain.reference import is_valid_payment_id
from shared.errors import Invalid, NotFound
from shared.storage.protocols import Store


def lookup_reference(repo: Store, reference: str) -> dict[str, Any]:
    """The reminder a payment reference was given to: its customer, date, template and step, and
    each of its invoices with what is open on it now."""
    if not is_valid_payment_id(reference):
        raise Invalid("expected a 15-digit payment reference with a valid check digit (FI modulus 10)", "reference")
    record = repo.get_reference(reference)
    if record is None:
        raise NotFound(f"no reminder has the reference {reference}", "reference")
    invoices = []
    for invoice_id in record["invoices"]:
        invoice = repo.get_invoice(invoice_id)
        invoices.append(
            {
                "invoice_id": invoice_id,
                "open_amount": money_text(invoice.open_amount) if invoice else None,
                "status": repo.invoice_status(invoice_id) if invoice else "unknown",
            }
        )
    return {
        "reference": reference,
        "customer": record["customer"],
        "date": record["date"],
        "template": record["template"],
        "step": record["step"],
        "amount_at_reminder": record.get("open_total"),
        "invoices": invoices,
        "open_total": money_text(
            sum((Decimal(line["open_amount"]) for line in invoices if line["open_amount"]), Decimal("0"))
        ),
    }
