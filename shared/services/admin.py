"""Tenant data operations: settings, templates, customers, agreements, invoices,
payments and credit notes — what a billing system pushes in. ``dunning simulate``
drives these today; the operator API will call the same functions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from shared.domain.danish_rules import template_fee_problem
from shared.domain.money import ZERO
from shared.domain.planning import InvoiceState, next_step_on
from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition, TemplateVersion, decide_version, split_version_id
from shared.rendering.tenant_texts import validate_template_texts
from shared.services.housekeeping import set_balance
from shared.storage.repository import PARKED, Agreement, Customer, DunningRepository, NotFound


class InvalidReference(ValueError):
    """An operation names something that does not exist."""


def _collection_days(settings: TenantSettings) -> int | None:
    return settings.collection.after_days if settings.collection else None


def update_settings(repo: DunningRepository, settings: TenantSettings) -> None:
    """Store new settings; a changed respite or collection delay re-files every waiting invoice
    (parked ones too) under its real date."""
    previous = repo.get_settings()
    repo.put_settings(settings)
    if previous is not None and (
        previous.min_days_between_reminders != settings.min_days_between_reminders
        or _collection_days(previous) != _collection_days(settings)
    ):
        refile_waiting_invoices(repo, settings)


def refile_waiting_invoices(repo: DunningRepository, settings: TenantSettings) -> int:
    moved = 0
    for invoice in repo.waiting_invoices():
        template = repo.get_template(invoice.template_version)
        next_on = next_step_on(invoice, template, settings.min_days_between_reminders, _collection_days(settings))
        repo.refile_invoice(invoice, next_on)
        moved += 1
    return moved


class RefusedByLaw(ValueError):
    """A definition Danish law does not allow (renteloven § 9 b: fee caps)."""


def define_template(
    repo: DunningRepository, definition: TemplateDefinition, today: date, b2b_contractual_fees: bool = False
) -> TemplateVersion:
    """C8: create version 1, replace an unused latest version, or add the next version.

    Refused when a fee exceeds 100.00 (unless the tenant has agreed higher fees with businesses)
    or more than 3 steps carry a fee; and (:class:`~shared.rendering.tenant_texts.TextError`, naming
    ``steps[j].texts.da.body``) when a step's own text does not compile, reads an unknown variable
    or passes a limit.
    """
    problem = template_fee_problem([(step.name, step.fee) for step in definition.steps], b2b_contractual_fees)
    if problem:
        raise RefusedByLaw(f"template {definition.name!r}: {problem}")
    validate_template_texts(definition.steps)
    latest = repo.latest_template(definition.name)
    decision = decide_version(definition, latest)
    if decision.unchanged and latest is not None:
        return latest
    version = TemplateVersion(name=definition.name, number=decision.number, steps=tuple(definition.steps))
    repo.save_template_version(version, created_on=today, replace=not decision.creates_new_version)
    return version


def resolve_template(repo: DunningRepository, reference: str) -> str:
    """A bare name means its latest version now; a versioned id must exist."""
    if split_version_id(reference) is not None:
        repo.get_template(reference)
        return reference
    latest = repo.latest_template(reference)
    if latest is None:
        raise InvalidReference(f"template {reference!r} does not exist")
    return latest.version_id


def create_agreement(
    repo: DunningRepository,
    agreement_id: str,
    customer_id: str,
    template: str | None,
    settings: TenantSettings,
) -> Agreement:
    """C2/C4: an agreement gets its own template, else the tenant default resolved now."""
    if repo.get_customer(customer_id) is None:
        raise InvalidReference(f"customer {customer_id!r} does not exist")
    reference = template or settings.default_template
    if reference is None:
        raise InvalidReference(f"agreement {agreement_id!r} has no template and the tenant has no default_template")
    agreement = Agreement(agreement_id, customer_id, resolve_template(repo, reference))
    repo.create_agreement(agreement)
    return agreement


def assign_template(repo: DunningRepository, template: str, agreement_ids: list[str] | None) -> int:
    """C9: move all (None) or the chosen agreements to a version; their *next* invoices use it."""
    version_id = resolve_template(repo, template)
    targets = agreement_ids if agreement_ids is not None else [a.agreement_id for a in repo.list_agreements()]
    for agreement_id in targets:
        try:
            repo.set_agreement_template(agreement_id, version_id)
        except NotFound as error:
            raise InvalidReference(str(error)) from error
    return len(targets)


def create_invoice(
    repo: DunningRepository,
    invoice_id: str,
    agreement_id: str,
    amount: Decimal,
    issued: date,
    due: date,
    settings: TenantSettings,
) -> InvoiceState:
    """C10: the invoice pins its agreement's template version now, for its whole process."""
    agreement = repo.get_agreement(agreement_id)
    if agreement is None:
        raise InvalidReference(f"agreement {agreement_id!r} does not exist")
    invoice = InvoiceState(
        invoice_id=invoice_id,
        customer_id=agreement.customer_id,
        agreement_id=agreement_id,
        template_version=agreement.template_version,
        amount=amount,
        open_amount=amount,
        issued=issued,
        due=due,
    )
    template = repo.get_template(agreement.template_version)
    repo.create_invoice(invoice, next_step_on(invoice, template, settings.min_days_between_reminders))
    return invoice


def reduce_invoice(
    repo: DunningRepository, invoice_id: str, amount: Decimal, kind: str, on: date, entry_id: str
) -> Decimal:
    """A payment or a credit note against one invoice; at zero the invoice leaves the process.

    Money beyond the open balance is not lost: it stays on the customer's account
    (settled against other invoices when the tenant settles open items). Returns that excess.
    """
    invoice = repo.get_invoice(invoice_id)
    if invoice is None:
        raise InvalidReference(f"invoice {invoice_id!r} does not exist")
    new_open = max(invoice.open_amount - amount, ZERO)
    set_balance(repo, invoice, new_open, on)
    excess = amount - (invoice.open_amount - new_open)
    if excess > ZERO:
        repo.add_credit(invoice.customer_id, kind, excess, on, entry_id)
    return excess


def add_on_account(
    repo: DunningRepository, customer_id: str, kind: str, amount: Decimal, on: date, entry_id: str
) -> None:
    """A payment without an invoice, or an open credit note: waits on the customer's account (O7)."""
    if repo.get_customer(customer_id) is None:
        raise InvalidReference(f"customer {customer_id!r} does not exist")
    repo.add_credit(customer_id, kind, amount, on, entry_id)


def post_journal(repo: DunningRepository, journal: str, on: date) -> int:
    """Post every unposted entry of a cash journal: each becomes a payment on account."""
    entries = repo.journal_entries(journal)
    for entry in entries:
        repo.add_credit(entry["customer"], "payment", Decimal(entry["amount"]), on, f"{journal}-{entry['id']}")
        repo.remove_journal_entry(journal, entry["id"])
    return len(entries)


def put_customer(repo: DunningRepository, customer: Customer) -> None:
    repo.put_customer(customer)


def dispute_invoice(
    repo: DunningRepository, invoice_id: str, until: date | None, settings: TenantSettings, resolved: bool = False
) -> None:
    """An invoice the customer disputes gets no reminders until ``until`` (open-ended: until resolved),
    and its reminders carry no fee afterwards (renteloven § 9 b, stk. 1)."""
    invoice = repo.get_invoice(invoice_id)
    if invoice is None:
        raise InvalidReference(f"invoice {invoice_id!r} does not exist")
    end = None if resolved else (until or PARKED)
    template = repo.get_template(invoice.template_version)
    after_days = settings.collection.after_days if settings.collection else None
    updated = replace(invoice, disputed_until=end, disputed_ever=invoice.disputed_ever or not resolved)
    repo.set_dispute(invoice, end, next_step_on(updated, template, settings.min_days_between_reminders, after_days))
