"""The statement of account (kontoudtog, O16): read one customer's open items, render, request.

One path for all three uses: the e-mail consumer sends it (``delivery.deliver_statement``), the
API previews it without sending (:func:`preview_statement`) and requests it on demand
(:func:`request_statement`, through the scheduler function, which holds the e-mail queue).
Reading is three queries: the customer's open invoices (the sparse open-index), their
on-account credits and their billing-queue lines — never a Scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from shared.domain.settings import SenderSettings, TenantSettings
from shared.domain.statement import CHARGE_KINDS, OpenCredit, PendingCharge, Statement, build_statement
from shared.errors import Conflict, Invalid, NotFound
from shared.messages import ChargeLine, QueueMessage, StatementMessage, statement_key
from shared.rendering.email import RenderedEmail
from shared.rendering.formatting import Language
from shared.rendering.statement import StatementLetter, render_statement
from shared.services.tenant.common import SchedulerGateway, event_time
from shared.services.tenant.customers import get_customer
from shared.storage.protocols import Store
from shared.storage.repository import Customer


class Sink(Protocol):
    def send(self, messages: Iterable[QueueMessage]) -> int: ...


def statement_of(repo: Store, customer_id: str, on: date, charges: Iterable[ChargeLine] = ()) -> Statement:
    """The customer's open items now. ``charges`` are those a run has just put on the billing queue,
    listed even when the fee consumer has not written their billing lines yet (each key once)."""
    invoices = repo.open_invoices(customer_id)
    credits = [
        OpenCredit(
            kind="credit_note" if credit.get("kind") == "credit_note" else "payment",
            credit_id=str(credit.get("id") or credit["key"]),
            on=date.fromisoformat(credit["on"]),
            remaining=Decimal(credit["remaining"]),
        )
        for credit in repo.customer_credits(customer_id)
    ]
    pending = [
        PendingCharge(
            key=line.key,
            kind=line.kind,  # type: ignore[arg-type]
            amount=line.amount,
            invoice_ids=line.invoice_ids,
            on=line.created_on,
        )
        for line in repo.billing_lines(customer_id)
        if line.kind in CHARGE_KINDS  # a reversed fee ("fee_reversed") is no longer owed
    ]
    pending += [
        PendingCharge(key=c.key, kind=c.kind, amount=c.amount, invoice_ids=tuple(c.invoice_ids), on=c.on)
        for c in charges
    ]
    return build_statement(customer_id, on, invoices, credits, pending)


def letter_for(
    statement: Statement, customer: Customer, tenant_name: str, sender: SenderSettings | None = None
) -> RenderedEmail:
    """The statement as the customer reads it, in the customer's language, signed by the sender."""
    language: Language = "en" if customer.language == "en" else "da"
    return render_statement(StatementLetter(statement, tenant_name, customer.name, language, sender))


def preview_statement(
    repo: Store, tenant_name: str, customer: Customer, on: date, sender: SenderSettings | None = None
) -> dict[str, Any]:
    """What the customer would get now, without sending it."""
    statement = statement_of(repo, customer.customer_id, on)
    rendered = letter_for(statement, customer, tenant_name, sender)
    return {
        "customer": customer.customer_id,
        "to": customer.email,
        "date": on.isoformat(),
        "items": len(statement.items),
        "balance": f"{statement.balance:.2f}",
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
    }


def request_statement(sink: Sink, tenant: str, customer_id: str, now: datetime, zone: Any) -> StatementMessage:
    """Queue a statement for one customer on demand; the request's time names it, so a retried
    call with the same time is the same statement."""
    tag = f"statement@{event_time(now)}"
    message = StatementMessage(
        idempotency_key=statement_key(tenant, customer_id, tag),
        tenant=tenant,
        run_id=tag,
        run_date=now.astimezone(zone).date(),
        customer_id=customer_id,
    )
    sink.send([message])
    return message


def send_statement(repo: Store, scheduler: SchedulerGateway, customer_id: str, now: datetime) -> dict[str, Any]:
    """The operator's "send the statement now": through the scheduler function, which holds the
    e-mail queue. Refused when the customer does not exist or has no e-mail address."""
    customer = get_customer(repo, customer_id)
    if repo.get_settings() is None:
        raise Conflict("the tenant has no settings yet; PATCH /settings first", "settings")
    if not customer.email:
        raise Invalid(f"customer {customer_id!r} has no e-mail address to send a statement to", "email")
    event = {"source": "statement", "customer": customer_id, "time": event_time(now)}
    return scheduler.call(event)


def statement_preview(
    repo: Store, tenant_name: str, customer_id: str, on: date, sender: SenderSettings | None = None
) -> dict[str, Any]:
    """The operator's preview: the statement the customer would get now (404 for an unknown customer)."""
    return preview_statement(repo, tenant_name, get_customer(repo, customer_id), on, sender)


def queue_statement(
    repo: Store, sink: Sink, settings: TenantSettings, customer_id: str, now: datetime
) -> dict[str, Any]:
    """In the scheduler function: queue the statement an operator asked for."""
    if repo.get_customer(customer_id) is None:
        raise NotFound(f"customer {customer_id!r} does not exist", "customer_id")
    message = request_statement(sink, settings.tenant, customer_id, now, settings.zone)
    return {"customer": customer_id, "key": message.idempotency_key, "date": message.run_date.isoformat()}
