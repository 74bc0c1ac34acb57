"""What each action consumer does with one message: e-mail, SMS, fee, BS record.

Each function is idempotent on ``message.idempotency_key``: the fee and BS
record are written together with their effect in one conditional
transaction; e-mail and SMS sit behind Powertools Idempotency in the
handlers and record their effect conditionally as well. Each returns the
effect it recorded (or found), so a duplicate is visible in the logs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol

from shared.domain.channels import unreachable
from shared.domain.effects import CASE_STEP_NUMBER, reminder_effect, skipped_effect
from shared.domain.money import money_text
from shared.domain.settings import TenantSettings
from shared.messages import ActionMessage, reminder_key
from shared.rendering.collection import CollectionCase, case_attachment, render_collection_case
from shared.rendering.content import ClaimLine
from shared.rendering.email import RenderedEmail
from shared.rendering.letters import RenderedReminder, render_reminder
from shared.rendering.sms import normalize_phone
from shared.storage.models import BillingLineModel, BsRecordModel
from shared.storage.repository import Customer, DunningRepository


class Mailer(Protocol):
    def send(self, sender: str, recipient: str, raw_mime: bytes) -> str: ...


class SmsGateway(Protocol):
    def send(self, phone_e164: str, text: str, sender_id: str | None) -> str: ...


class PermanentFailure(RuntimeError):
    """The message can never succeed as it is (unknown customer, wrong tenant); goes to the DLQ."""


def _customer(repo: DunningRepository, message: ActionMessage, settings: TenantSettings) -> Customer:
    if message.tenant != settings.tenant:
        raise PermanentFailure(f"message for tenant {message.tenant!r} reached tenant {settings.tenant!r}")
    customer = repo.get_customer(message.customer_id)
    if customer is None:
        raise PermanentFailure(f"customer {message.customer_id!r} does not exist")
    return customer


def _letters(
    repo: DunningRepository, message: ActionMessage, customer: Customer, settings: TenantSettings
) -> RenderedReminder:
    """The reminder's letters with the step's own texts (template versions are immutable once
    used, and cached per container by the repository) and, for a collection warning, the
    charges already on the billing queue for its invoices."""
    texts = repo.get_template(message.template_version).step(message.step_number).texts
    charged = charged_before(repo, message) if message.warning_deadline is not None else None
    return render_reminder(message, customer, settings, texts, charged)


def charged_before(repo: DunningRepository, message: ActionMessage) -> list[ClaimLine]:
    """Fees, interest and compensation charged earlier for the reminder's invoices and still on the
    billing queue (a reversed fee is not); this reminder's own charges are stated on their own."""

    def key(action: str) -> str:
        return reminder_key(
            message.tenant,
            message.customer_id,
            message.template_version,
            message.step_number,
            message.invoice_ids,
            action,
        )

    own = {f"BILLING#{key(action)}" for action in ("fee", "interest", "compensation")}
    invoices = set(message.invoice_ids)
    return [
        ClaimLine(kind=line.kind, amount=Decimal(line.amount), created_on=date.fromisoformat(line.created_on))
        for line in repo.billing_lines(message.customer_id)
        if line.kind in ("fee", "interest", "compensation") and line.sk not in own and invoices & set(line.invoice_ids)
    ]


def mime_message(
    sender_name: str,
    sender: str,
    recipient: str,
    rendered: RenderedEmail,
    attachment: tuple[str, bytes, str] | None = None,
) -> bytes:
    """A multipart/alternative message, the plain-text part first, then the HTML; with an
    ``attachment`` (filename, bytes, media type) wrapped in multipart/mixed, the e-mail first.
    A reminder's replies go to the sender's own inbox (``rendered.reply_to``)."""
    mime = EmailMessage()
    mime["Subject"] = rendered.subject
    mime["From"] = formataddr((sender_name, sender))
    mime["To"] = recipient
    if rendered.reply_to:
        mime["Reply-To"] = rendered.reply_to
    mime.set_content(rendered.text)
    mime.add_alternative(rendered.html, subtype="html")
    if attachment is not None:
        filename, data, media_type = attachment
        maintype, _, subtype = media_type.partition("/")
        mime.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mime.as_bytes()


def _skip(repo: DunningRepository, message: ActionMessage, reason: str) -> dict[str, Any]:
    effect = skipped_effect(message, reason)
    repo.record_effect(effect, message.idempotency_key)
    return effect


def deliver_email(
    message: ActionMessage, repo: DunningRepository, settings: TenantSettings, mailer: Mailer, sender: str
) -> dict[str, Any]:
    """Render the reminder in the customer's language and send it with SES."""
    customer = _customer(repo, message, settings)
    if (reason := unreachable("email", customer, settings)) or not customer.email:
        return _skip(repo, message, reason or "the customer has no e-mail address")
    rendered = _letters(repo, message, customer, settings).email
    message_id = mailer.send(
        sender, customer.email, mime_message(settings.display_name, sender, customer.email, rendered)
    )
    effect = reminder_effect(message, "email", to=customer.email, subject=rendered.subject, _message_id=message_id)
    repo.record_effect(effect, message.idempotency_key)
    return effect


def deliver_sms(
    message: ActionMessage,
    repo: DunningRepository,
    settings: TenantSettings,
    gateway: SmsGateway,
    sender_id: str | None,
) -> dict[str, Any]:
    """Render a short reminder and send it to the customer's E.164 number."""
    customer = _customer(repo, message, settings)
    if (reason := unreachable("sms", customer, settings)) or not customer.phone:
        return _skip(repo, message, reason or "the customer has no phone number")
    try:
        phone = normalize_phone(customer.phone)
    except ValueError as error:
        return _skip(repo, message, f"the customer's phone number is not usable: {error}")
    rendered = _letters(repo, message, customer, settings).sms
    message_id = gateway.send(phone, rendered.text, sender_id)
    effect = reminder_effect(
        message,
        "sms",
        to=phone,
        segments=rendered.segments,
        encoding=rendered.encoding,
        _message_id=message_id,
    )
    repo.record_effect(effect, message.idempotency_key)
    return effect


def charge_fee(message: ActionMessage, repo: DunningRepository, settings: TenantSettings) -> dict[str, Any]:
    """Put the step's fee — or its late-payment interest, or the B2B compensation — on the
    customer's billing queue, due at once (O10), exactly once."""
    customer = _customer(repo, message, settings)
    if message.action == "fee":
        if message.step_fee is None:
            raise PermanentFailure("a fee message without step_fee")
        amount = money_text(message.step_fee)
        effect = reminder_effect(message, "fee", amount=amount, currency=message.currency)
        reason = f"Rykkergebyr: {message.step_name}"
    else:
        if message.charge_amount is None:
            raise PermanentFailure(f"an {message.action} message without charge_amount")
        amount = money_text(message.charge_amount)
        if message.action == "interest":
            rate = money_text(message.interest_rate) if message.interest_rate is not None else None
            effect = reminder_effect(message, "interest", amount=amount, rate=rate, currency=message.currency)
            reason = f"Morarente (renteloven § 5), {rate} % p.a.: {message.step_name}"
        else:
            effect = reminder_effect(message, "compensation", amount=amount, currency=message.currency)
            reason = f"Kompensationsbeløb (renteloven § 9 a): {message.step_name}"
    line = BillingLineModel(
        pk=f"CUSTOMER#{customer.customer_id}",
        sk=f"BILLING#{message.idempotency_key}",
        customer_id=customer.customer_id,
        kind=message.action,
        amount=amount,
        currency=message.currency,
        reason=f"{reason} ({', '.join(message.invoice_ids)})",
        invoice_ids=message.invoice_ids,
        due=message.run_date.isoformat(),
        created_on=message.run_date.isoformat(),
    )
    # Only reminder fees are reversed once their invoices are paid (O13).
    repo.add_fee_line(line, effect, message.idempotency_key, reversible=message.action == "fee")
    return effect


def record_bs_reminder(
    message: ActionMessage, repo: DunningRepository, settings: TenantSettings, stack_creditor_number: str | None = None
) -> dict[str, Any]:
    """Store a BS reminder for the tenant's Betalingsservice delivery of the day (C3).

    The creditor number comes from the tenant settings, else from the stack
    parameter ``BsCreditorNumber``; without one the reminder is refused.

    The record holds everything its payment slip needs — the slip's amount
    (the open total: the fee goes on the next invoice, never on the slip), its Danish text lines
    and a reference — and the slip is built once here, so a customer whose
    name, number or address cannot go into a 0601 delivery gets a ``skipped``
    effect now instead of failing the whole day's delivery later
    (``shared/services/bs_delivery.py``).
    """
    from shared.betalingsservice import FieldError
    from shared.services.bs_delivery import slip_amount, slip_due_date, slip_from_record, slip_reference, slip_text

    customer = _customer(repo, message, settings)
    if reason := unreachable("bs", customer, settings, stack_creditor_number):
        return _skip(repo, message, reason)
    creditor_number = str(settings.bs.creditor_number or stack_creditor_number)
    data = {
        "customer_name": customer.name,
        "address": customer.address,
        "amount": money_text(message.open_total),
        "invoices": message.invoice_ids,
        "step": message.step_name,
        "template": message.template_version,
        "cvr": settings.bs.cvr,
        "debtor_group": settings.bs.debtor_group,
        "due": message.run_date.isoformat(),
        "fee": money_text(message.step_fee) if message.step_fee is not None else None,
        "slip_amount": money_text(slip_amount(message)),
        "text_lines": slip_text(message, settings.display_name),
        "payment_reference": message.reference,
        "reference": slip_reference(message.idempotency_key),
    }
    try:
        slip_from_record(customer.customer_id, message.idempotency_key, data, slip_due_date(message.run_date))
    except FieldError as error:  # the field and what it expects; not the customer's data
        return _skip(repo, message, f"does not fit a Betalingsservice slip: {error.field} must be {error.expected}")
    effect = reminder_effect(message, "bs", creditor_number=creditor_number, amount=money_text(slip_amount(message)))
    record = BsRecordModel(
        pk=f"BS#{message.run_date.isoformat()}",
        sk=message.idempotency_key,
        customer_id=customer.customer_id,
        creditor_number=creditor_number,
        data=data,
    )
    repo.add_bs_record(record, effect, message.idempotency_key)
    return effect


def deliver_collection_case(
    message: ActionMessage, repo: DunningRepository, settings: TenantSettings, mailer: Mailer, sender: str
) -> dict[str, Any]:
    """O14: e-mail an approved case to the collection partner — a summary and the case as JSON."""
    if message.tenant != settings.tenant:
        raise PermanentFailure(f"message for tenant {message.tenant!r} reached tenant {settings.tenant!r}")
    stored = repo.get_case(message.case_key or "")
    if stored is None:
        raise PermanentFailure(f"collection case {message.case_key!r} does not exist")
    stored.pop("key", None)
    case = CollectionCase.model_validate(stored)
    rendered = render_collection_case(case, language="da")
    raw = mime_message(settings.display_name, sender, case.partner_email, rendered, case_attachment(case))
    message_id = mailer.send(sender, case.partner_email, raw)
    effect = {
        "date": message.run_date.isoformat(),
        "kind": "collection",
        "customer": message.customer_id,
        "invoices": message.invoice_ids,
        "to": case.partner_email,
        "amount": money_text(message.open_total),
        "template": message.template_version,
        "step": message.step_name,
        "_run": message.run_id,
        "_step_number": CASE_STEP_NUMBER,
        "_message_id": message_id,
    }
    repo.record_effect(effect, message.idempotency_key)
    return effect
