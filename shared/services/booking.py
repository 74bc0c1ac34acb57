"""What the fee and BS consumers do with a message: book the fee line or the BS record.

Each booking is idempotent on ``message.idempotency_key``: the fee line or the BS record is
written together with its effect and the month's usage in one conditional transaction, and the
effect is returned (recorded now or found), so a duplicate is visible in the logs. A whole SQS
batch is booked in one transaction (:func:`book_fees`, :func:`book_bs_reminders`); a message the
batch did not book is booked on its own (:func:`charge_fee`, :func:`record_bs_reminder`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from shared.domain.channels import unreachable
from shared.domain.effects import reminder_effect, skipped_effect
from shared.domain.money import money_text
from shared.domain.settings import TenantSettings
from shared.messages import ActionMessage
from shared.observability import logger
from shared.services.delivery import PermanentFailure, message_customer
from shared.storage.bookings import Booking
from shared.storage.protocols import Store
from shared.storage.records import BillingLine, BsRecord
from shared.storage.repository import NotFound


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


def _book_one(repo: Store, booking: Booking) -> dict[str, Any]:
    """One message's booking in its own transaction; the effect whether booked now or before."""
    if booking.line is not None:
        repo.add_fee_line(booking.line, booking.effect, booking.key, reversible=booking.reversible)
    elif booking.record is not None:
        repo.add_bs_record(booking.record, booking.effect, booking.key)
    else:
        repo.record_effect(booking.effect, booking.key)
    return booking.effect


def book_batch(
    messages: Sequence[tuple[str, ActionMessage]], prepare: Callable[[ActionMessage], Booking], repo: Store
) -> dict[str, dict[str, Any]]:
    """Book a whole SQS batch — (record id, message) pairs — in one transaction; the effects by
    record id, booked now or found booked before (a duplicate delivery: its recorded effect is the
    answer). A message that cannot be prepared (a permanent failure, a refusal) is left out, and
    so is a second, different message with the same key: booked on its own, each fails or finds
    its effect alone. The same message twice is booked once. Raises what :meth:`Store.book_all`
    raises when the batch is unclear; then each message is booked on its own."""
    bookings: dict[str, tuple[ActionMessage, Booking]] = {}
    for _, message in messages:
        if message.idempotency_key in bookings:
            continue
        try:
            bookings[message.idempotency_key] = (message, prepare(message))
        except Exception as error:  # left to the message's own handling, which reports it
            logger.info("left out of the batch", extra={"key": message.idempotency_key, "error": type(error).__name__})
    before = repo.book_all([booking for _, booking in bookings.values()])
    if before:
        logger.info("booked before (duplicate deliveries)", extra={"keys": sorted(before)})
    effects: dict[str, dict[str, Any]] = {}
    for record_id, message in messages:
        prepared = bookings.get(message.idempotency_key)
        if prepared is not None and prepared[0] == message:
            effects[record_id] = prepared[1].effect
    return effects


def charge_fee(message: ActionMessage, repo: Store, settings: TenantSettings) -> dict[str, Any]:
    """Put the step's fee — or its late-payment interest, or the B2B compensation — on the
    customer's billing queue, due at once (O10), exactly once."""
    return _book_one(repo, fee_booking(message, repo, settings))


def book_fees(
    messages: Sequence[tuple[str, ActionMessage]], repo: Store, settings: TenantSettings
) -> dict[str, dict[str, Any]]:
    """:func:`charge_fee` for a whole batch in one transaction (:func:`book_batch`)."""
    return book_batch(messages, lambda message: fee_booking(message, repo, settings), repo)


def fee_booking(message: ActionMessage, repo: Store, settings: TenantSettings) -> Booking:
    """What a fee, interest or compensation message books (nothing written yet)."""
    customer = message_customer(repo, message, settings)
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
    return Booking(key=message.idempotency_key, effect=effect, line=line, reversible=message.action == "fee")


def record_bs_reminder(
    message: ActionMessage, repo: Store, settings: TenantSettings, stack_creditor_number: str | None = None
) -> dict[str, Any]:
    """Store a BS reminder for the tenant's Betalingsservice delivery of the day (C3), once
    (:func:`bs_booking` says what)."""
    return _book_one(repo, bs_booking(message, repo, settings, stack_creditor_number))


def book_bs_reminders(
    messages: Sequence[tuple[str, ActionMessage]],
    repo: Store,
    settings: TenantSettings,
    stack_creditor_number: str | None = None,
) -> dict[str, dict[str, Any]]:
    """:func:`record_bs_reminder` for a whole batch in one transaction (:func:`book_batch`)."""
    return book_batch(messages, lambda message: bs_booking(message, repo, settings, stack_creditor_number), repo)


def _skipped(message: ActionMessage, reason: str) -> Booking:
    return Booking(key=message.idempotency_key, effect=skipped_effect(message, reason))


def bs_booking(
    message: ActionMessage, repo: Store, settings: TenantSettings, stack_creditor_number: str | None = None
) -> Booking:
    """What a BS message books (nothing written yet): the BS reminder record for the tenant's
    Betalingsservice delivery, or a ``skipped`` effect.

    The creditor number comes from the tenant settings, else from the stack
    parameter ``BsCreditorNumber``; without one the reminder is refused.

    The record holds everything its payment slip needs — the slip's amount
    (the open total: the fee goes on the next invoice, never on the slip), its text lines
    in the customer's language and a reference — and the slip is built once here, so a customer whose
    name, number or address cannot go into a 0601 delivery gets a ``skipped``
    effect now instead of failing the whole day's delivery later
    (``shared/services/bs_delivery.py``).
    """
    from shared.betalingsservice import FieldError
    from shared.services.bs_delivery import slip_amount, slip_due_date, slip_from_record, slip_reference, slip_text
    from shared.services.delivery import charged_before

    customer = message_customer(repo, message, settings)
    if reason := unreachable("bs", customer, settings, stack_creditor_number):
        return _skipped(message, reason)
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
        # A collection warning lists the whole claim (one billing-queue read, as its e-mail does).
        "text_lines": slip_text(
            message,
            settings.display_name,
            charged_before(repo, message) if message.warning_deadline is not None else (),
            "en" if customer.language == "en" else "da",
        ),
        "payment_reference": message.reference,
        "reference": slip_reference(message.idempotency_key),
    }
    try:
        slip_from_record(customer.customer_id, message.idempotency_key, data, slip_due_date(message.run_date))
    except FieldError as error:  # the field and what it expects; not the customer's data
        return _skipped(message, f"does not fit a Betalingsservice slip: {error.field} must be {error.expected}")
    effect = reminder_effect(message, "bs", creditor_number=creditor_number, amount=money_text(slip_amount(message)))
    record = BsRecord(
        key=message.idempotency_key,
        due=message.run_date,
        customer_id=customer.customer_id,
        creditor_number=creditor_number,
        data=data,
    )
    return Booking(key=message.idempotency_key, effect=effect, record=record)
