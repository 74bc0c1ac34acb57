"""What each action consumer does with one message: e-mail, SMS, fee, BS record.

Each function is idempotent on ``message.idempotency_key``: the fee and BS
record are written together with their effect in one conditional
transaction; e-mail and SMS go through the send ledger (:func:`send_once`):
claim, send, then record "sent", the effect and the usage in one
transaction. Each returns the effect it recorded (or found), so a duplicate
is visible in the logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol

from shared.domain.channels import unreachable
from shared.domain.effects import (
    CASE_STEP_NUMBER,
    reminder_effect,
    skipped_effect,
    statement_effect,
    statement_skipped_effect,
)
from shared.domain.money import money_text
from shared.domain.settings import TenantSettings
from shared.messages import ActionMessage, QueueMessage, StatementMessage, reminder_key
from shared.observability import logger
from shared.rendering.collection import CollectionCase, case_attachment, render_collection_case
from shared.rendering.content import ClaimLine
from shared.rendering.email import RenderedEmail
from shared.rendering.letters import RenderedReminder, render_reminder
from shared.rendering.sms import normalize_phone
from shared.send_errors import classify, clean_reason
from shared.storage.ledger import PENDING_ID, send_id
from shared.storage.protocols import SendLedgerStore, Store
from shared.storage.records import BillingLine, BsRecord
from shared.storage.repository import Customer, NotFound

# A send that never reached the provider (throttled, no connection) is tried again in place this
# often, waiting NOT_SENT_BACKOFF, then twice that, before the claim is released for SQS to retry.
NOT_SENT_TRIES = 3
NOT_SENT_BACKOFF = 0.05


class Mailer(Protocol):
    def send(self, sender: str, recipient: str, raw_mime: bytes, tags: dict[str, str] | None = None) -> str: ...


class SmsGateway(Protocol):
    def send(self, phone_e164: str, text: str, sender_id: str | None) -> str: ...


class PermanentFailure(RuntimeError):
    """The message can never succeed as it is (unknown customer, wrong tenant); goes to the DLQ."""


class SendRefused(RuntimeError):
    """The provider said no (or could not be reached): nothing was sent, the claim is released and
    SQS delivers the message again."""


def send_tags(message: QueueMessage) -> dict[str, str]:
    """The SES message tags of a send: its ledger id, so SES's events name the ledger entry."""
    return {"send_id": send_id(message.idempotency_key)}


def _unconfirmed(message: QueueMessage, state: str) -> dict[str, Any]:
    """What a consumer reports for a send it did not make because its outcome is not known.

    Not an effect (nothing is recorded): the ledger holds the key until the provider's record
    or an operator resolves it.
    """
    return {
        "date": message.run_date.isoformat(),
        "kind": "unconfirmed",
        "action": message.action,
        "state": state,
        "customer": message.customer_id,
    }


def send_once(
    ledger: SendLedgerStore,
    message: QueueMessage,
    send: Callable[[], str],
    effect_of: Callable[[str], dict[str, Any]],
) -> dict[str, Any]:
    """Send at most once per business key: claim the key, ``send``, then record ``effect_of(id)``.

    Already sent: the recorded effect, nothing sent. Outcome unknown (an ambiguous error now or
    before, or another delivery's claim is live): nothing sent, the key stays unconfirmed, and
    the message is finished. The provider refused: the claim is released and
    :class:`SendRefused` raised, so SQS retries.
    """
    key = message.idempotency_key
    claim = ledger.claim(key, message.action, message.model_dump_json(), effect_of(PENDING_ID))
    if claim.outcome == "sent" and claim.entry is not None:
        return claim.entry.effect or effect_of(claim.entry.provider_id or "")
    if claim.outcome == "held":
        # Another attempt holds a live claim: it may be sending right now or may have died after
        # sending. Either way, sending again could send twice.
        entry = ledger.hold_unconfirmed(claim, "another delivery of this message held the claim")
        if entry is not None and entry.state == "sent":
            return entry.effect or effect_of(entry.provider_id or "")
        logger.warning("send held: another delivery holds the claim", extra={"key": key})
        return _unconfirmed(message, entry.state if entry else "unconfirmed")
    if claim.outcome != "claimed":
        logger.info("send not repeated", extra={"key": key, "state": claim.outcome})
        return _unconfirmed(message, claim.outcome)
    for attempt in range(NOT_SENT_TRIES):
        try:
            provider_id = send()
            break
        except Exception as error:
            verdict, reason = classify(error), clean_reason(error)
            if verdict == "ambiguous":
                try:
                    ledger.mark_unconfirmed(claim, reason)
                except Exception as ledger_error:  # the claim stays; it is listed once its lease runs out
                    logger.error("unconfirmed send not marked", extra={"key": key, "error": clean_reason(ledger_error)})
                logger.warning("send unconfirmed", extra={"key": key, "reason": reason})
                return _unconfirmed(message, "unconfirmed")
            if verdict == "not_sent" and attempt < NOT_SENT_TRIES - 1:
                time.sleep(NOT_SENT_BACKOFF * 2**attempt)
                continue
            ledger.release(claim, reason)
            raise SendRefused(f"{message.action} not sent: {reason}") from None
    try:
        return ledger.record_sent(claim, provider_id, effect_of(provider_id))
    except Exception as error:
        # Sent, and recording it failed after every retry: raising would have SQS deliver it again,
        # so the message is finished; the claim lists it for the provider's event or an operator.
        logger.error(
            "sent but not recorded", extra={"key": key, "provider_id": provider_id, "error": clean_reason(error)}
        )
        return _unconfirmed(message, "claimed")


def _customer(repo: Store, message: ActionMessage, settings: TenantSettings) -> Customer:
    if message.tenant != settings.tenant:
        raise PermanentFailure(f"message for tenant {message.tenant!r} reached tenant {settings.tenant!r}")
    customer = repo.get_customer(message.customer_id)
    if customer is None:
        raise PermanentFailure(f"customer {message.customer_id!r} does not exist")
    return customer


def _letters(repo: Store, message: ActionMessage, customer: Customer, settings: TenantSettings) -> RenderedReminder:
    """The reminder's letters with the step's own texts (template versions are immutable once
    used, and cached per container by the repository) and, for a collection warning, the
    charges already on the billing queue for its invoices."""
    texts = repo.get_template(message.template_version).step(message.step_number).texts
    charged = charged_before(repo, message) if message.warning_deadline is not None else None
    return render_reminder(message, customer, settings, texts, charged)


def charged_before(repo: Store, message: ActionMessage) -> list[ClaimLine]:
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

    own = {key(action) for action in ("fee", "interest", "compensation")}
    invoices = set(message.invoice_ids)
    return [
        ClaimLine(kind=line.kind, amount=line.amount, created_on=line.created_on)
        for line in repo.billing_lines(message.customer_id)
        if line.kind in ("fee", "interest", "compensation") and line.key not in own and invoices & set(line.invoice_ids)
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


def _skip(repo: Store, message: ActionMessage, reason: str) -> dict[str, Any]:
    effect = skipped_effect(message, reason)
    repo.record_effect(effect, message.idempotency_key)
    return effect


def deliver_email(
    message: ActionMessage,
    repo: Store,
    settings: TenantSettings,
    mailer: Mailer,
    sender: str,
    ledger: SendLedgerStore,
) -> dict[str, Any]:
    """Render the reminder in the customer's language and send it with SES, once (the ledger)."""
    customer = _customer(repo, message, settings)
    if (reason := unreachable("email", customer, settings)) or not customer.email:
        return _skip(repo, message, reason or "the customer has no e-mail address")
    rendered = _letters(repo, message, customer, settings).email
    to = customer.email
    raw = mime_message(settings.display_name, sender, to, rendered)
    return send_once(
        ledger,
        message,
        lambda: mailer.send(sender, to, raw, tags=send_tags(message)),
        lambda message_id: reminder_effect(message, "email", to=to, subject=rendered.subject, _message_id=message_id),
    )


def deliver_sms(
    message: ActionMessage,
    repo: Store,
    settings: TenantSettings,
    gateway: SmsGateway,
    sender_id: str | None,
    ledger: SendLedgerStore,
) -> dict[str, Any]:
    """Render a short reminder and send it to the customer's E.164 number, once (the ledger)."""
    customer = _customer(repo, message, settings)
    # ``unreachable`` also refuses a number that cannot be dialled, so normalising it cannot fail here.
    if (reason := unreachable("sms", customer, settings)) or not customer.phone:
        return _skip(repo, message, reason or "the customer has no phone number")
    phone = normalize_phone(customer.phone)
    rendered = _letters(repo, message, customer, settings).sms
    return send_once(
        ledger,
        message,
        lambda: gateway.send(phone, rendered.text, sender_id),
        lambda message_id: reminder_effect(
            message,
            "sms",
            to=phone,
            segments=rendered.segments,
            encoding=rendered.encoding,
            _message_id=message_id,
        ),
    )


def _check_step_fee(repo: Store, message: ActionMessage) -> None:
    """A fee message books exactly its template version's step fee: the queue is not trusted with
    the amount (a forged or corrupted message cannot book -100 or 99,999,999,999.00)."""
    try:
        version = repo.get_template(message.template_version)  # cached: a used version never changes
    except NotFound as error:
        raise PermanentFailure(f"template_version: {error}") from None
    if not 1 <= message.step_number <= version.step_count:
        raise PermanentFailure(
            f"step_number: expected 1 to {version.step_count} for {message.template_version}, got {message.step_number}"
        )
    step = version.step(message.step_number)
    if step.name != message.step_name:
        raise PermanentFailure(f"step_name: does not match step {message.step_number} of {message.template_version}")
    if step.fee is None or message.step_fee != step.fee:
        expected = money_text(step.fee) if step.fee is not None else "no fee"
        raise PermanentFailure(
            f"step_fee: expected {expected} (step {message.step_number} of {message.template_version}), "
            f"got {money_text(message.step_fee) if message.step_fee is not None else None}"
        )


def charge_fee(message: ActionMessage, repo: Store, settings: TenantSettings) -> dict[str, Any]:
    """Put the step's fee — or its late-payment interest, or the B2B compensation — on the
    customer's billing queue, due at once (O10), exactly once."""
    customer = _customer(repo, message, settings)
    if message.action == "fee":
        if message.step_fee is None:
            raise PermanentFailure("a fee message without step_fee")
        _check_step_fee(repo, message)
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
    line = BillingLine(
        customer_id=customer.customer_id,
        key=message.idempotency_key,
        kind=message.action,
        amount=Decimal(amount),
        currency=message.currency,
        reason=f"{reason} ({', '.join(message.invoice_ids)})",
        invoice_ids=tuple(message.invoice_ids),
        due=message.run_date,
        created_on=message.run_date,
    )
    # Only reminder fees are reversed once their invoices are paid (O13).
    repo.add_fee_line(line, effect, message.idempotency_key, reversible=message.action == "fee")
    return effect


def record_bs_reminder(
    message: ActionMessage, repo: Store, settings: TenantSettings, stack_creditor_number: str | None = None
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
    record = BsRecord(
        key=message.idempotency_key,
        due=message.run_date,
        customer_id=customer.customer_id,
        creditor_number=creditor_number,
        data=data,
    )
    repo.add_bs_record(record, effect, message.idempotency_key)
    return effect


def deliver_collection_case(
    message: ActionMessage,
    repo: Store,
    settings: TenantSettings,
    mailer: Mailer,
    sender: str,
    ledger: SendLedgerStore,
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
    return send_once(
        ledger,
        message,
        lambda: mailer.send(sender, case.partner_email, raw, tags=send_tags(message)),
        lambda message_id: {
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
        },
    )


def deliver_statement(
    message: StatementMessage,
    repo: Store,
    settings: TenantSettings,
    mailer: Mailer,
    sender: str,
    ledger: SendLedgerStore,
) -> dict[str, Any]:
    """E-mail the customer's statement of account (O16): every open item as it stands now, and the
    balance; it charges nothing. Without an e-mail address it is a ``skipped`` effect."""
    from shared.services.statements import letter_for, statement_of

    if message.tenant != settings.tenant:
        raise PermanentFailure(f"message for tenant {message.tenant!r} reached tenant {settings.tenant!r}")
    customer = repo.get_customer(message.customer_id)
    if customer is None:
        raise PermanentFailure(f"customer {message.customer_id!r} does not exist")
    if (reason := unreachable("statement", customer, settings)) or not customer.email:
        effect = statement_skipped_effect(message, reason or "the customer has no e-mail address")
        repo.record_effect(effect, message.idempotency_key)
        return effect
    statement = statement_of(repo, customer.customer_id, message.run_date, message.charges)
    rendered = letter_for(statement, customer, settings.display_name, settings.sender)
    raw = mime_message(settings.display_name, sender, customer.email, rendered)
    to = customer.email

    def effect_of(message_id: str) -> dict[str, Any]:
        effect = statement_effect(message, to=to, balance=money_text(statement.balance), items=len(statement.items))
        effect["_message_id"] = message_id
        return effect

    return send_once(ledger, message, lambda: mailer.send(sender, to, raw, tags=send_tags(message)), effect_of)
