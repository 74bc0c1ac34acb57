"""What the e-mail and SMS consumers do with one message (the fee and BS record: ``booking.py``).

Each function is idempotent on ``message.idempotency_key``: e-mail and SMS go through the
send ledger (:func:`send_once`): claim, send, then record "sent", the effect and the usage in
one transaction — in a consumer, one transaction for the whole SQS batch (:class:`BatchedRecords`).
Each returns the effect it recorded (or found), so a duplicate is visible in the logs. The
customer comes with the message (``message.contact``); only a message queued without it reads
the customer item (:func:`message_customer`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from typing import TYPE_CHECKING, Any, Literal, Protocol

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
from shared.send_errors import classify, clean_reason
from shared.storage.protocols import SendLedgerStore, Store
from shared.storage.records import Customer
from shared.storage.send_entries import PENDING_ID, Claim, SendEntry, send_id

if TYPE_CHECKING:  # rendering (jinja2, babel, phonenumbers) is imported where used: fee and BS never render
    from shared.rendering.content import ClaimLine
    from shared.rendering.email import RenderedEmail
    from shared.rendering.letters import RenderedReminder

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


class BatchedRecords:
    """The send ledger of one SQS batch whose "sent" records wait for :meth:`flush`, so the whole
    batch is recorded in one transaction (each entry ``sent``, its effect, the month's usage once)
    instead of one per send. Claims are made one by one, before each send, as ever: a send is
    never made without its own claim. Until the flush a sent entry stays ``claimed``; if the
    invocation dies first, the provider's own record or an operator resolves it (as for a death
    between one send and its record). A second claim of a key that waits is preceded by a flush,
    so a duplicate in the batch finds it ``sent``.
    """

    def __init__(self, ledger: SendLedgerStore) -> None:
        self._ledger = ledger
        self._waiting: list[tuple[Claim, str, dict[str, Any]]] = []

    def flush(self) -> None:
        """Record every waiting send: together, else each on its own (with retries); a send whose
        record fails after every retry stays claimed (listed once its lease ran out), as in :func:`send_once`."""
        waiting, self._waiting = self._waiting, []
        if len(waiting) > 1 and self._ledger.record_all_sent(waiting):
            return
        if len(waiting) > 1:
            logger.warning("batch of sends not recorded together", extra={"size": len(waiting)})
        for claim, provider_id, effect in waiting:
            try:
                self._ledger.record_sent(claim, provider_id, effect)
            except Exception as error:
                key = claim.entry.key if claim.entry else None
                extra = {"key": key, "provider_id": provider_id, "error": clean_reason(error)}
                logger.error("sent but not recorded", extra=extra)

    def record_sent(self, claim: Claim, provider_id: str, effect: dict[str, Any]) -> dict[str, Any]:
        self._waiting.append((claim, provider_id, effect))
        return effect

    def record_all_sent(self, sends: Sequence[tuple[Claim, str, dict[str, Any]]]) -> bool:
        self._waiting.extend(sends)
        return True

    def claim(self, key: str, channel: str, body: str, pending: dict[str, Any]) -> Claim:
        if any(claim.entry is not None and claim.entry.key == key for claim, _, _ in self._waiting):
            self.flush()
        return self._ledger.claim(key, channel, body, pending)

    def mark_unconfirmed(self, claim: Claim, reason: str) -> None:
        self._ledger.mark_unconfirmed(claim, reason)

    def hold_unconfirmed(self, claim: Claim, reason: str) -> SendEntry | None:
        return self._ledger.hold_unconfirmed(claim, reason)

    def release(self, claim: Claim, reason: str) -> None:
        self._ledger.release(claim, reason)

    def get(self, key: str) -> SendEntry | None:
        return self._ledger.get(key)

    def get_by_id(self, sid: str) -> SendEntry | None:
        return self._ledger.get_by_id(sid)

    def open_sends(self, state: str, before: datetime) -> list[SendEntry]:
        return self._ledger.open_sends(state, before)

    def needing_decision(self, now: datetime, unconfirmed_for: timedelta) -> list[SendEntry]:
        return self._ledger.needing_decision(now, unconfirmed_for)

    def resolve_from_provider(self, sid: str, provider_id: str | None, sent: bool, reason: str) -> str | None:
        return self._ledger.resolve_from_provider(sid, provider_id, sent, reason)

    def resolve_by_operator(self, key: str, decision: Literal["sent", "resend"], by: str) -> SendEntry:
        return self._ledger.resolve_by_operator(key, decision, by)


def _same_tenant(message: QueueMessage, settings: TenantSettings) -> None:
    """A message for another tenant is refused for good."""
    if message.tenant != settings.tenant:
        raise PermanentFailure(f"message for tenant {message.tenant!r} reached tenant {settings.tenant!r}")


def message_customer(repo: Store, message: QueueMessage, settings: TenantSettings) -> Customer:
    """The message's customer as the scheduler saw it when it committed the reminder
    (``message.contact``), so no read; a message queued before contacts were carried reads the
    customer item. A message for another tenant or an unknown customer is refused for good."""
    _same_tenant(message, settings)
    if message.contact is not None:
        return Customer(customer_id=message.customer_id, **message.contact.model_dump())
    customer = repo.get_customer(message.customer_id)
    if customer is None:
        raise PermanentFailure(f"customer {message.customer_id!r} does not exist")
    return customer


def _letters(repo: Store, message: ActionMessage, customer: Customer, settings: TenantSettings) -> RenderedReminder:
    """The reminder's letters with the step's own texts (template versions are immutable once
    used, and cached per container by the repository) and, for a collection warning, the
    charges already on the billing queue for its invoices."""
    from shared.rendering.letters import render_reminder

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

    from shared.rendering.content import ClaimLine

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


def record_skipped(repo: Store, message: ActionMessage, reason: str) -> dict[str, Any]:
    """Record (once) and return a ``skipped`` effect for the message, with the reason."""
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
    customer = message_customer(repo, message, settings)
    if (reason := unreachable("email", customer, settings)) or not customer.email:
        return record_skipped(repo, message, reason or "the customer has no e-mail address")
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
    from shared.rendering.sms import normalize_phone

    customer = message_customer(repo, message, settings)
    # ``unreachable`` also refuses a number that cannot be dialled, so normalising it cannot fail here.
    if (reason := unreachable("sms", customer, settings)) or not customer.phone:
        return record_skipped(repo, message, reason or "the customer has no phone number")
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


def deliver_collection_case(
    message: ActionMessage,
    repo: Store,
    settings: TenantSettings,
    mailer: Mailer,
    sender: str,
    ledger: SendLedgerStore,
) -> dict[str, Any]:
    """O14: e-mail an approved case to the collection partner — a summary and the case as JSON."""
    from shared.rendering.collection import CollectionCase, case_attachment, render_collection_case

    _same_tenant(message, settings)
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

    customer = message_customer(repo, message, settings)
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
