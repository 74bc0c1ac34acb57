"""Preview: one step of one template version rendered as the debtor would get it — e-mail
(subject, HTML, text), SMS (with its encoding and segment count) and the Betalingsservice slip's
text lines — for a real customer and their open invoices, or for a sample customer.

Nothing is sent, queued or recorded: a preview reads the template, the customer and their open
invoices, and renders. It renders through the same function a real reminder is rendered with
(:func:`render_reminder`), so the operator sees exactly what the debtor will get.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.danish_rules import InvoiceFeeHistory, compensation_due
from shared.domain.money import ZERO
from shared.domain.planning import WARNING_DAYS, InvoiceState
from shared.domain.settings import TenantSettings
from shared.errors import Invalid, NotFound
from shared.messages import ActionMessage, InvoiceLine
from shared.rendering.email import RenderedEmail
from shared.rendering.formatting import Language
from shared.rendering.letters import render_reminder
from shared.rendering.sms import RenderedSms
from shared.services.charges import accrued_interest
from shared.services.tenant.common import resolve_template
from shared.storage.protocols import Store
from shared.storage.repository import Customer

SAMPLE_CUSTOMER = Customer(
    customer_id="K1001",
    name="Jensen & Søn ApS",
    email="bogholderi@jensen-soen.example",
    phone="+4520123456",
    address={"lines": ["Søndergade 12"], "postcode": "7100", "city": "Vejle", "country": "DK"},
    business=True,  # an ApS: a step's B2B compensation shows in its preview
)


@dataclass(frozen=True)
class StepPreview:
    """What the debtor would get for one step; ``sample_*`` say where samples stand in."""

    version_id: str
    step_number: int
    step_name: str
    actions: list[str]
    language: Language
    customer: Customer
    sample_customer: bool
    sample_invoices: bool
    message: ActionMessage
    email: RenderedEmail
    sms: RenderedSms
    slip_lines: list[str]


def sample_invoices(today: date) -> list[InvoiceLine]:
    """Two overdue invoices, one partly paid, dated before ``today``."""
    return [
        InvoiceLine(
            invoice_id="F-0117",
            amount=Decimal("1250.00"),
            open_amount=Decimal("1250.00"),
            issued=today - timedelta(days=44),
            due=today - timedelta(days=30),
        ),
        InvoiceLine(
            invoice_id="F-0142",
            amount=Decimal("3480.50"),
            open_amount=Decimal("2480.50"),
            issued=today - timedelta(days=37),
            due=today - timedelta(days=23),
        ),
    ]


def preview_step(
    repo: Store,
    settings: TenantSettings,
    version: str,
    step_number: int,
    today: date,
    customer_id: str | None = None,
    language: Language | None = None,
) -> StepPreview:
    """Render step ``step_number`` of ``version`` (``standard_v2``, or a name: its latest version)
    for ``customer_id`` and their open invoices — or a sample customer and sample invoices — in
    ``language`` (default: the customer's). Raises :class:`~shared.errors.NotFound`
    (404) naming ``version``, ``step`` or ``customer``, or :class:`~shared.errors.Invalid`
    when the step's own text cannot be rendered with this customer's values. Sends and records nothing."""
    try:
        version_id = resolve_template(repo, version, "version")
        template = repo.get_template(version_id)
    except (Invalid, NotFound) as error:
        raise NotFound(str(error), "version") from None
    if not 1 <= step_number <= template.step_count:
        raise NotFound(f"{version_id} has steps 1 to {template.step_count}, not {step_number}", "step")
    step = template.step(step_number)
    states: list[InvoiceState] = []
    if customer_id is None:
        customer, lines = SAMPLE_CUSTOMER, []
    else:
        found = repo.get_customer(customer_id)
        if found is None:
            raise NotFound(f"customer {customer_id!r} does not exist", "customer")
        customer = found
        states = repo.open_invoices(customer_id)
        lines = [
            InvoiceLine(invoice_id=i.invoice_id, amount=i.amount, open_amount=i.open_amount, issued=i.issued, due=i.due)
            for i in states
        ]
    chosen: Language = language or ("en" if customer.language == "en" else "da")
    customer = replace(customer, language=chosen)
    from shared.rendering.tenant_texts import TextRenderError, sample_variables  # Jinja2's sandbox, where used

    invoices = lines or sample_invoices(today)
    interest, compensation = preview_charges(step.action_kinds, states or invoices, customer.business, settings, today)
    warns = step_number == template.warning_step and (step.inkassovarsel or settings.collection is not None)
    fields: dict[str, Any] = {
        "idempotency_key": f"preview:{version_id}:{step_number}:{customer.customer_id}",
        "tenant": settings.tenant,
        "run_id": "preview",
        "run_date": today,
        "action": "email",
        "customer_id": customer.customer_id,
        "template_version": version_id,
        "step_name": step.name,
        "step_number": step_number,
        "step_count": template.step_count,
        "invoices": invoices,
        "step_fee": step.fee,
        "step_interest": interest,
        "step_compensation": compensation,
        "warning_deadline": today + timedelta(days=WARNING_DAYS) if warns else None,
        "after_warning": template.follows_warning(step_number),
    }
    if "reference" in ActionMessage.model_fields:
        # A real reminder is given its reference when it is sent (branch "letters" adds the field);
        # a preview shows the sample one.
        fields["reference"] = sample_variables(chosen)["reference"]
    message = ActionMessage.model_validate(fields)
    try:
        rendered = render_reminder(message, customer, settings, step.texts)
    except TextRenderError as error:  # checked with sample values at definition; real ones can still differ
        field = f"steps[{step_number - 1}].texts.{chosen}"
        raise Invalid(f"the step's own text cannot be rendered for {customer.customer_id}: {error}", field) from None
    return StepPreview(
        version_id=version_id,
        step_number=step_number,
        step_name=step.name,
        actions=step.action_kinds,
        language=chosen,
        customer=customer,
        sample_customer=customer_id is None,
        sample_invoices=not lines,
        message=message,
        email=rendered.email,
        sms=rendered.sms,
        slip_lines=rendered.slip_lines,
    )


def preview_charges(
    actions: Sequence[str],
    invoices: Sequence[InvoiceState | InvoiceLine],
    business: bool,
    settings: TenantSettings,
    today: date,
) -> tuple[Decimal | None, Decimal | None]:
    """The interest and compensation the step's letter announces, were it sent ``today``: the
    interest accrued on the open amounts since the due date (or the last interest charge), and
    a business customer's compensation for invoices never compensated. Like the preview's fee,
    it leaves out the arrears period's history (§ 9 a, § 9 b), which only a run decides."""
    interest: Decimal | None = None
    if "interest" in actions:
        total, _ = accrued_interest(invoices, today, settings)
        interest = total if total > ZERO else None
    compensation: Decimal | None = None
    if "compensation" in actions and business:
        history = [
            InvoiceFeeHistory(
                invoice_id=invoice.invoice_id,
                agreement_id=invoice.agreement_id if isinstance(invoice, InvoiceState) else "sample",
                compensated=isinstance(invoice, InvoiceState) and invoice.compensated,
            )
            for invoice in invoices
        ]
        due = compensation_due(True, history, {})
        compensation = due.amount if due.items else None
    return interest, compensation
