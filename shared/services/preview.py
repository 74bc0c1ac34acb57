"""Preview: one step of one template version rendered as the debtor would get it — e-mail
(subject, HTML, text), SMS (with its encoding and segment count) and the Betalingsservice slip's
text lines — for a real customer and their open invoices, or for a sample customer.

Nothing is sent, queued or recorded: a preview reads the template, the customer and their open
invoices, and renders. It renders through the same function a real reminder is rendered with
(:func:`render_reminder`), so the operator sees exactly what the debtor will get.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from shared.domain.planning import WARNING_DAYS
from shared.domain.reference import fi_code_line
from shared.domain.settings import TenantSettings
from shared.domain.templates import StepTexts
from shared.messages import ActionMessage, InvoiceLine
from shared.rendering.content import ReminderContent
from shared.rendering.email import RenderedEmail, render_email
from shared.rendering.formatting import Language, format_date, format_money
from shared.rendering.sms import RenderedSms, count_segments, render_sms
from shared.rendering.tenant_texts import TextRenderError, render_step_texts, sample_variables
from shared.services import admin
from shared.services.bs_delivery import slip_text
from shared.services.operator import Invalid, Missing
from shared.storage.repository import Customer, DunningRepository, NotFound

SAMPLE_CUSTOMER = Customer(
    customer_id="K1001",
    name="Jensen & Søn ApS",
    email="bogholderi@jensen-soen.example",
    phone="+4520123456",
    address={"lines": ["Søndergade 12"], "postcode": "7100", "city": "Vejle", "country": "DK"},
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
    repo: DunningRepository,
    settings: TenantSettings,
    version: str,
    step_number: int,
    today: date,
    customer_id: str | None = None,
    language: Language | None = None,
) -> StepPreview:
    """Render step ``step_number`` of ``version`` (``standard_v2``, or a name: its latest version)
    for ``customer_id`` and their open invoices — or a sample customer and sample invoices — in
    ``language`` (default: the customer's). Raises :class:`~shared.services.operator.Missing`
    (404) naming ``version``, ``step`` or ``customer``, or :class:`~shared.services.operator.Invalid`
    when the step's own text cannot be rendered with this customer's values. Sends and records nothing."""
    try:
        version_id = admin.resolve_template(repo, version)
        template = repo.get_template(version_id)
    except (admin.InvalidReference, NotFound) as error:
        raise Missing(str(error), "version") from None
    if not 1 <= step_number <= template.step_count:
        raise Missing(f"{version_id} has steps 1 to {template.step_count}, not {step_number}", "step")
    step = template.step(step_number)
    if customer_id is None:
        customer, lines = SAMPLE_CUSTOMER, []
    else:
        found = repo.get_customer(customer_id)
        if found is None:
            raise Missing(f"customer {customer_id!r} does not exist", "customer")
        customer = found
        lines = [
            InvoiceLine(invoice_id=i.invoice_id, amount=i.amount, open_amount=i.open_amount, issued=i.issued, due=i.due)
            for i in repo.open_invoices(customer_id)
        ]
    chosen: Language = language or ("en" if customer.language == "en" else "da")
    customer = replace(customer, language=chosen)
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
        "invoices": lines or sample_invoices(today),
        "step_fee": step.fee,
        "warning_deadline": today + timedelta(days=WARNING_DAYS) if warns else None,
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


# ======================================================================================
# ADAPTER — to be replaced when branch "letters" is merged.
#
# Helper "letters" writes the one function a reminder's letters are rendered with:
#     shared/rendering/letters.py: render_reminder(message, customer, settings, texts)
#         -> RenderedReminder(email, sms, slip_lines)
# with the sender, the ways to pay, the reference and the fee statement around the tenant's own
# texts, and text_variables(...) building the variables of docs/texts.md. Until it is merged,
# this thin adapter renders with today's render_email / render_sms / slip_text and puts the
# tenant's own texts (subject, body, SMS) in. When merging: delete everything below this banner
# and import instead:
#     from shared.rendering.letters import render_reminder
# ======================================================================================


@dataclass(frozen=True, slots=True)
class RenderedReminder:
    """ADAPTER (see the banner): the shape of letters' ``RenderedReminder``."""

    email: RenderedEmail
    sms: RenderedSms
    slip_lines: list[str]


def render_reminder(
    message: ActionMessage,
    customer: Customer,
    settings: TenantSettings,
    texts: Mapping[Language, StepTexts] | None = None,
) -> RenderedReminder:
    """ADAPTER (see the banner): the reminder's e-mail, SMS and BS slip lines in the customer's language."""
    language = cast(Language, customer.language)
    content = ReminderContent.from_action(
        message, tenant_name=settings.display_name, customer_name=customer.name, language=language
    )
    email, sms = render_email(content), render_sms(content)
    own = render_step_texts((texts or {}).get(language), _text_variables(message, customer, settings))
    if own.subject is not None:
        email = replace(email, subject=own.subject)
    if own.body_text is not None and own.body_html is not None:
        # The tenant's body first; the product's letter (invoices, amounts, fee, deadline) after it.
        at = email.html.find("<p ")
        html = email.html[:at] + own.body_html + "\n" + email.html[at:] if at >= 0 else email.html
        email = replace(email, html=html, text=f"{own.body_text.rstrip()}\n\n{email.text}")
    if own.sms is not None:
        counted = count_segments(own.sms)
        sms = RenderedSms(
            text=own.sms, encoding=counted.encoding, segments=counted.segments, characters=counted.characters
        )
    return RenderedReminder(email=email, sms=sms, slip_lines=slip_text(message))


def _text_variables(message: ActionMessage, customer: Customer, settings: TenantSettings) -> dict[str, Any]:
    """ADAPTER (see the banner): the variables of docs/texts.md from the message and settings.
    The reference is the sample one: a real reminder gets its own when it is sent."""
    language = cast(Language, customer.language)

    def money(amount: Decimal) -> str:
        return format_money(amount, language, message.currency)

    reference = str(sample_variables(language)["reference"])
    pay, sender = settings.payment, settings.sender
    address = sender.address if sender else None
    return {
        "customer": {"id": customer.customer_id, "name": customer.name},
        "invoices": [
            {
                "id": line.invoice_id,
                "issued": format_date(line.issued, language),
                "due": format_date(line.due, language),
                "amount": money(line.amount),
                "open_amount": money(line.open_amount),
            }
            for line in message.invoices
        ],
        "total": money(message.open_total),
        "fee": money(message.step_fee) if message.step_fee else None,
        "deadline": format_date(message.warning_deadline, language) if message.warning_deadline else None,
        "reference": reference,
        "payment": {
            "bank": f"reg. {pay.bank.reg} konto {pay.bank.account}" if pay and pay.bank else None,
            "iban": " ".join(pay.iban[i : i + 4] for i in range(0, len(pay.iban), 4)) if pay and pay.iban else None,
            "bic": pay.bic if pay else None,
            "fi": fi_code_line(reference, pay.fi.creditor) if pay and pay.fi else None,
            "mobilepay": pay.mobilepay if pay else None,
            "link": pay.link.format(customer=customer.customer_id, reference=reference) if pay and pay.link else None,
        },
        "sender": {
            "name": settings.display_name,
            "cvr": sender.cvr if sender else None,
            "address": f"{', '.join(address.lines)}, {address.postcode} {address.city}" if address else None,
            "phone": sender.phone if sender else None,
            "email": sender.email if sender else None,
        },
        "step": {"name": message.step_name, "number": message.step_number, "count": message.step_count},
    }
