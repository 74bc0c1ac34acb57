"""A sample tenant, customer and reminder messages for the letter tests (and golden files)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.settings import TenantSettings
from shared.messages import ActionMessage, InvoiceLine

SETTINGS = TenantSettings.model_validate(
    {
        "tenant": "fjernvarme",
        "sender": {
            "name": "Fjernvarme Demo A/S",
            "cvr": "12345678",
            "address": {"lines": ["Industrivej 4"], "postcode": "7100", "city": "Vejle"},
            "phone": "+4570101010",
            "email": "bogholderi@fjernvarme.example",
        },
        "payment": {
            "bank": {"reg": "1234", "account": "0001234567"},
            "iban": "DK5000400440116243",
            "bic": "DABADKKK",
            "fi": {"type": "71", "creditor": "87654321"},
            "mobilepay": "12345",
            "link": "https://betal.example/{customer}/{reference}",
        },
    }
)
BARE = TenantSettings(tenant="acme", tenant_name="Acme ApS")


@dataclass(frozen=True)
class Addressee:
    name: str
    language: str


def message(step_number: int, **changes: Any) -> ActionMessage:
    """The email message of step ``step_number`` of a three-step template (Påmindelse, Rykker 2,
    Inkassovarsel); steps 2 and 3 charge 100.00, step 3 is the collection warning."""
    fields: dict[str, Any] = {
        "idempotency_key": f"fjernvarme/K001/standard_v1/{step_number}/email/0123456789abcdef",
        "tenant": "fjernvarme",
        "run_id": "2026-03-16T05:00:00Z",
        "run_date": date(2026, 3, 16),
        "action": "email",
        "customer_id": "K001",
        "template_version": "standard_v1",
        "step_name": {1: "Påmindelse", 2: "Rykker 2", 3: "Inkassovarsel"}[step_number],
        "step_number": step_number,
        "step_count": 3,
        "invoices": [
            InvoiceLine(
                invoice_id="F1001",
                amount=Decimal("1000.00"),
                open_amount=Decimal("750.00"),
                issued=date(2026, 2, 1),
                due=date(2026, 2, 15),
            ),
            InvoiceLine(
                invoice_id="F1002",
                amount=Decimal("500.00"),
                open_amount=Decimal("500.00"),
                issued=date(2026, 2, 5),
                due=date(2026, 2, 19),
            ),
        ],
        "step_fee": Decimal("100.00") if step_number > 1 else None,
        "warning_deadline": date(2026, 3, 26) if step_number == 3 else None,
        "reference": "000000000000026",
    }
    return ActionMessage.model_validate(fields | changes)
