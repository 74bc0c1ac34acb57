"""Builders and readers the rendering tests share: an invoice line, a reminder's content, a
section of a plain-text e-mail."""

from datetime import date
from decimal import Decimal
from typing import Any

from shared.messages import InvoiceLine
from shared.rendering.content import ReminderContent


def invoice(invoice_id: str, amount: str, open_amount: str | None = None) -> InvoiceLine:
    """An invoice of ``amount`` (``open_amount`` of it unpaid, default all), issued 1 and due 15 December 2025."""
    return InvoiceLine(
        invoice_id=invoice_id,
        amount=Decimal(amount),
        open_amount=Decimal(open_amount if open_amount is not None else amount),
        issued=date(2025, 12, 1),
        due=date(2025, 12, 15),
    )


def reminder(**overrides: Any) -> ReminderContent:
    """Step 2 of 3 of a Danish reminder from Hansen & Søn ApS to Jens Jensen over two invoices, no fee."""
    fields: dict[str, Any] = {
        "tenant_name": "Hansen & Søn ApS",
        "customer_name": "Jens Jensen",
        "language": "da",
        "step_name": "Rykker 2",
        "step_number": 2,
        "step_count": 3,
        "reminder_date": date(2026, 1, 15),
        "invoices": [invoice("1001", "1000.00", "750.00"), invoice("1002", "500.00")],
        "fee": None,
    }
    fields.update(overrides)
    return ReminderContent(**fields)


def section(text: str, title: str) -> list[str]:
    """The lines of one plain-text section: from its title to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]
