"""Stored items to the domain's values, for both stores (PynamoDB models and in-memory items
read alike: by attribute). No PynamoDB here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.money import money_text
from shared.domain.planning import CustomerSeen, InvoiceState, PeriodSeen
from shared.domain.templates import Step, TemplateVersion
from shared.storage import keys
from shared.storage.records import Agreement, BillingLine, BsRecord, Customer, seen_customer


def invoice_state(item: Any) -> InvoiceState:
    return InvoiceState(
        invoice_id=item.invoice_id,
        customer_id=item.customer_id,
        agreement_id=item.agreement_id,
        template_version=item.template_version,
        amount=Decimal(item.amount),
        open_amount=Decimal(item.open_amount),
        issued=date.fromisoformat(item.issued),
        due=date.fromisoformat(item.due),
        steps_done=int(item.steps_done),
        last_step_on=date.fromisoformat(item.last_step_on) if item.last_step_on else None,
        warned_on=date.fromisoformat(item.warned_on) if item.warned_on else None,
        fee_dates=tuple(date.fromisoformat(str(day)) for day in item.fee_dates or ()),
        disputed_until=date.fromisoformat(item.disputed_until) if item.disputed_until else None,
        disputed_ever=bool(item.disputed_ever),
        interest_to=date.fromisoformat(item.interest_to) if item.interest_to else None,
        compensated=bool(item.compensated),
        customer_seen=customer_seen(item.seen_customer),
        period_seen=period_seen(item.seen_period),
    )


def customer_seen(data: Any) -> CustomerSeen | None:
    """An invoice's stored snapshot of its customer (None when it carries none)."""
    if not data:
        return None
    return CustomerSeen(
        rev=data.get("rev"),
        name=str(data["name"]),
        email=data.get("email"),
        phone=data.get("phone"),
        language=data.get("language") or "da",
        address=data.get("address"),
        business=bool(data.get("business", False)),
    )


def customer_seen_data(seen: CustomerSeen) -> dict[str, Any]:
    return {
        "rev": seen.rev,
        "name": seen.name,
        "email": seen.email,
        "phone": seen.phone,
        "language": seen.language,
        "address": seen.address,
        "business": seen.business,
    }


def period_seen(data: Any) -> PeriodSeen | None:
    """An invoice's stored snapshot of its agreement's arrears period (None when it carries none)."""
    if not data:
        return None
    last = data.get("last_fee_on")
    return PeriodSeen(
        int(data.get("fees") or 0), date.fromisoformat(last) if last else None, bool(data.get("compensated"))
    )


def period_seen_data(seen: PeriodSeen) -> dict[str, Any]:
    last = seen.last_fee_on.isoformat() if seen.last_fee_on else None
    return {"fees": seen.fees, "last_fee_on": last, "compensated": seen.compensated}


def customer(item: Any) -> Customer:
    """A customer item (its profile and revision) as the customer."""
    return Customer.from_data(str(item.customer_id), dict(item.data), item.rev)


def with_snapshots(
    invoices: list[InvoiceState], customers: dict[str, Any], agreements: dict[str, Any]
) -> list[InvoiceState]:
    """New invoices with the snapshots of their customer and arrears period, from the items read
    (by id); a snapshot an invoice carries already is kept, an unknown customer gives none."""
    done = []
    for invoice in invoices:
        customer_item = customers.get(invoice.customer_id)
        seen = invoice.customer_seen or (seen_customer(customer(customer_item)) if customer_item is not None else None)
        period = invoice.period_seen or period_seen_of(agreements.get(invoice.agreement_id))
        done.append(replace(invoice, customer_seen=seen, period_seen=period))
    return done


def period_seen_of(item: Any) -> PeriodSeen:
    """An agreement item's current arrears period (an absent item: an empty period)."""
    if item is None:
        return PeriodSeen()
    return PeriodSeen(*agreement_period(item))


def template_version(item: Any) -> TemplateVersion:
    return TemplateVersion(
        name=item.name,
        number=int(item.number),
        steps=tuple(Step.model_validate(step) for step in item.steps),
        used=bool(item.used),
    )


def agreement(item: Any) -> Agreement:
    return Agreement(item.agreement_id, item.customer_id, item.template_version)


def agreement_period(item: Any) -> tuple[int, date | None, bool]:
    """(fees charged, last fee date, compensated) of the agreement's current arrears period."""
    last = date.fromisoformat(item.period_last_fee_on) if item.period_last_fee_on else None
    return int(item.period_fees or 0), last, bool(item.period_compensated)


def billing_line(item: Any) -> BillingLine:
    return BillingLine(
        customer_id=str(item.customer_id),
        key=str(item.sk).removeprefix(keys.BILLING_PREFIX),
        kind=str(item.kind),
        amount=Decimal(item.amount),
        currency=str(item.currency),
        reason=str(item.reason),
        invoice_ids=tuple(str(invoice_id) for invoice_id in item.invoice_ids),
        due=date.fromisoformat(item.due),
        created_on=date.fromisoformat(item.created_on),
    )


def bs_record(item: Any, due: date, business_key: str) -> BsRecord:
    return BsRecord(
        key=business_key,
        due=due,
        customer_id=str(item.customer_id),
        creditor_number=str(item.creditor_number),
        data=dict(item.data),
    )


def dated_bs_record(item: Any) -> BsRecord:
    """A waiting or filed record (sk ``<due>#<business key>``)."""
    return bs_record(item, *keys.bs_due_and_key(str(item.sk)))


def billing_attributes(line: BillingLine) -> dict[str, Any]:
    """A billing line's stored attributes (besides its key)."""
    return {
        "customer_id": line.customer_id,
        "kind": line.kind,
        "amount": money_text(line.amount),
        "currency": line.currency,
        "reason": line.reason,
        "invoice_ids": list(line.invoice_ids),
        "due": line.due.isoformat(),
        "created_on": line.created_on.isoformat(),
    }


def invoice_attributes(invoice: InvoiceState, first_step_on: date | None) -> dict[str, Any]:
    """A new invoice's stored attributes: in the due-index while a step waits, in the open-index
    while money is owed; with the snapshots of its customer and arrears period it carries."""
    attributes: dict[str, Any] = {
        "invoice_id": invoice.invoice_id,
        "customer_id": invoice.customer_id,
        "agreement_id": invoice.agreement_id,
        "template_version": invoice.template_version,
        "amount": money_text(invoice.amount),
        "open_amount": money_text(invoice.open_amount),
        "issued": invoice.issued.isoformat(),
        "due": invoice.due.isoformat(),
        "steps_done": invoice.steps_done,
        "status": "open" if first_step_on else "paid",
    }
    if first_step_on is not None:
        attributes["due_shard"] = keys.due_shard(invoice.customer_id)
        attributes["due_key"] = keys.dated(first_step_on, invoice.invoice_id)
    if invoice.open_amount > 0:
        attributes["open_customer"] = invoice.customer_id
        attributes["open_key"] = keys.dated(invoice.due, invoice.invoice_id)
    if invoice.customer_seen is not None:
        attributes["seen_customer"] = customer_seen_data(invoice.customer_seen)
    if invoice.period_seen is not None:
        attributes["seen_period"] = period_seen_data(invoice.period_seen)
    return attributes
