"""An agreement as the API answers it (``/agreements`` and ``/sales``)."""

from __future__ import annotations

from shared.api.models.agreements import AgreementOut
from shared.storage.repository import Agreement


def agreement_out(agreement: Agreement) -> AgreementOut:
    return AgreementOut(id=agreement.agreement_id, customer=agreement.customer_id, template=agreement.template_version)
