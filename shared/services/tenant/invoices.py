"""Invoices (C10): create and import (each pins its agreement's version), disputes, and the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.money import money_text
from shared.domain.planning import InvoiceState, next_step_on
from shared.domain.settings import TenantSettings
from shared.errors import BulkRefused, Invalid, NotFound, RowError
from shared.services.tenant.common import creating
from shared.services.tenant.customers import duplicates
from shared.services.tenant.settings import collection_days
from shared.storage.protocols import Store
from shared.storage.repository import PARKED, Agreement


def _pinned(invoice_id: str, agreement: Agreement, amount: Decimal, issued: date, due: date) -> InvoiceState:
    """A new invoice on its agreement's template version, for its whole process (C10)."""
    return InvoiceState(
        invoice_id=invoice_id,
        customer_id=agreement.customer_id,
        agreement_id=agreement.agreement_id,
        template_version=agreement.template_version,
        amount=amount,
        open_amount=amount,
        issued=issued,
        due=due,
    )


def _first_step_on(repo: Store, invoice: InvoiceState, settings: TenantSettings) -> date | None:
    template = repo.get_template(invoice.template_version)
    return next_step_on(invoice, template, settings.min_days_between_reminders)


def create_invoice(
    repo: Store,
    settings: TenantSettings,
    invoice_id: str,
    agreement_id: str,
    amount: Decimal,
    issued: date,
    due: date,
) -> InvoiceState:
    """An invoice pins its agreement's template version now, for its whole process (C10)."""
    agreement = repo.get_agreement(agreement_id)
    if agreement is None:
        raise Invalid(f"agreement {agreement_id!r} does not exist", "agreement")
    invoice = _pinned(invoice_id, agreement, amount, issued, due)
    with creating("id"):
        repo.create_invoice(invoice, _first_step_on(repo, invoice, settings))
    return invoice


def get_invoice(repo: Store, invoice_id: str) -> InvoiceState:
    """One invoice (404 when unknown)."""
    invoice = repo.get_invoice(invoice_id)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id!r} does not exist", "invoice_id")
    return invoice


def list_invoices(repo: Store, customer: str, agreement: str | None = None) -> list[InvoiceState]:
    """A customer's invoices (every status), optionally of one agreement."""
    return [i for i in repo.customer_invoices(customer) if agreement is None or i.agreement_id == agreement]


def set_dispute(
    repo: Store, settings: TenantSettings, invoice_id: str, until: date | None, *, actor: str
) -> InvoiceState:
    """The customer disputes the invoice: no reminders until ``until`` (open-ended: until resolved),
    and its reminders carry no fee afterwards (renteloven § 9 b, stk. 1). Returns the invoice now."""
    return _dispute(repo, settings, invoice_id, until or PARKED, "disputed_by", actor)


def resolve_dispute(repo: Store, settings: TenantSettings, invoice_id: str, *, actor: str) -> InvoiceState:
    """The dispute is resolved: the next step is due again (still without a fee). Returns the invoice now."""
    return _dispute(repo, settings, invoice_id, None, "dispute_resolved_by", actor)


def _dispute(
    repo: Store, settings: TenantSettings, invoice_id: str, end: date | None, role: str, actor: str
) -> InvoiceState:
    invoice = get_invoice(repo, invoice_id)
    template = repo.get_template(invoice.template_version)
    updated = replace(invoice, disputed_until=end, disputed_ever=invoice.disputed_ever or end is not None)
    next_on = next_step_on(updated, template, settings.min_days_between_reminders, collection_days(settings))
    repo.set_dispute(invoice, end, next_on)
    repo.note_actor("invoice", invoice_id, role, actor)
    return get_invoice(repo, invoice_id)


@dataclass(frozen=True)
class InvoiceRow:
    id: str
    agreement: str
    amount: Decimal
    issued: date
    due: date


def import_invoices(
    repo: Store,
    settings: TenantSettings,
    rows: list[InvoiceRow],
    dry_run: bool,
    also_importing_agreements: Iterable[str] = (),
) -> int:
    """Create invoices, each pinned to its agreement's version (C10); nothing written if a row is refused."""
    errors = [
        RowError(index, "id", f"invoice {iid!r} appears twice in the request")
        for index, iid in duplicates(r.id for r in rows).items()
    ]
    agreements = repo.existing_agreements({r.agreement for r in rows})
    pending = set(also_importing_agreements) if dry_run else set()
    taken = repo.existing_invoices({r.id for r in rows})
    invoices: list[tuple[InvoiceState, date | None]] = []
    for index, row in enumerate(rows):
        if row.id in taken:
            errors.append(RowError(index, "id", f"invoice {row.id!r} exists already"))
        agreement = agreements.get(row.agreement)
        if agreement is None:
            if row.agreement not in pending:
                errors.append(RowError(index, "agreement", f"agreement {row.agreement!r} does not exist"))
            continue
        invoice = _pinned(row.id, agreement, row.amount, row.issued, row.due)
        invoices.append((invoice, _first_step_on(repo, invoice, settings)))
    if errors:
        raise BulkRefused(sorted(errors, key=lambda e: e.index))
    if not dry_run:
        with creating("items"):
            repo.create_invoices(invoices)
    return len(rows)


def _mentions(effect: dict[str, Any], invoice_id: str) -> bool:
    return invoice_id in effect.get("invoices", []) or effect.get("invoice") == invoice_id


def invoice_timeline(repo: Store, invoice_id: str, now: datetime) -> dict[str, Any]:
    """The invoice, its pinned template version, and everything that happened to it, in order.

    Effects are read per run date (the runs since the invoice was issued), payments and
    credit notes from the invoice's own entries — both are queries, never a Scan.
    """
    invoice = get_invoice(repo, invoice_id)
    events: list[dict[str, Any]] = [
        {"date": invoice.issued.isoformat(), "kind": "issued", "amount": money_text(invoice.amount)},
        {"date": invoice.due.isoformat(), "kind": "due", "template": invoice.template_version},
    ]
    for entry in repo.invoice_entries(invoice_id):
        events.append(
            {"date": entry["on"], "kind": entry["kind"], "amount": entry["amount"], "id": entry["id"]}
            | ({"applied": entry["applied"]} if "applied" in entry else {})
            | ({"source": entry["source"]} if "source" in entry else {})
        )
    from shared.services.runs.summary import run_id_for  # the run code: only the timeline reads runs

    run_dates = sorted(
        {run["run_date"] for run in repo.runs_between(invoice.issued.isoformat(), run_id_for(now)) if "run_date" in run}
    )
    for run_date in run_dates:
        for effect in repo.effects_on(date.fromisoformat(run_date)):
            if _mentions(effect, invoice_id):
                events.append({k: v for k, v in effect.items() if not k.startswith("_")})
    from shared.domain.effects import KIND_ORDER

    # A day's events in the order they happen (O16: a proposal before the e-mail its approval sent);
    # payments and credit notes first.
    events.sort(key=lambda event: (event["date"], KIND_ORDER.get(event["kind"], -1)))
    status = repo.invoice_status(invoice_id) or "open"
    return {"invoice": invoice, "status": status, "template": invoice.template_version, "events": events}
