"""What the operator API does: settings, templates, customers, agreements, sales, invoices,
payments and credit notes, bank connections, journals, bulk imports, runs and timelines.

Plain functions over :class:`DunningRepository`; the rules live in ``shared.domain`` and
``shared.services.admin``. Refusals are :class:`OperatorError` subclasses that name the
field and the reason, so any caller (the HTTP handler, a test) can show them as they are.
Every bulk operation validates the whole request before it writes anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from shared.domain.danish_rules import MAX_REMINDER_FEE
from shared.domain.money import money_text
from shared.domain.planning import InvoiceState, next_step_on
from shared.domain.reference import is_valid_payment_id
from shared.domain.settings import TenantSettings
from shared.domain.templates import Step, TemplateDefinition, TemplateVersion, decide_version
from shared.errors import AlreadyExists, BulkRefused, Conflict, DunningError, Invalid, NotFound, RefusedByLaw, RowError
from shared.rendering.tenant_texts import SmsSegments, TextError, template_sms_segments
from shared.services import admin
from shared.services.scheduling import run_id_for
from shared.storage.repository import Customer, DunningRepository

EntryKind = Literal["payment", "credit_note"]


OperatorError = DunningError
Missing = NotFound


def validation_errors(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """(field path, reason) of every pydantic error, e.g. ``("steps[0].days", "...")``."""
    found = []
    for item in error.errors():
        path = prefix
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        found.append((path or "body", str(item["msg"])))
    return found


def _invalid_from(error: ValidationError, prefix: str = "") -> Invalid:
    field_path, reason = validation_errors(error, prefix)[0]
    return Invalid(reason, field_path)


# ----------------------------------------------------------------- settings (C1–C3, O4–O13)


def current_settings(repo: DunningRepository, tenant: str) -> TenantSettings:
    """The stored settings, or the defaults of a tenant that has none yet."""
    return repo.get_settings() or TenantSettings(tenant=tenant)


def change_settings(repo: DunningRepository, tenant: str, changes: dict[str, Any]) -> TenantSettings:
    """A partial update, validated as a whole; the default template must exist."""
    if "tenant" in changes and changes["tenant"] != tenant:
        raise Invalid(f"this stack belongs to tenant {tenant!r}; the tenant id cannot change", "tenant")
    current = current_settings(repo, tenant)
    if "bs" in changes and isinstance(changes["bs"], dict):
        changes = changes | {"bs": current.bs.model_dump(mode="json") | changes["bs"]}
    try:
        merged = current.updated(changes)
    except ValidationError as error:
        raise _invalid_from(error) from error
    if merged.default_template is not None and merged.default_template != current.default_template:
        try:
            admin.resolve_template(repo, merged.default_template)
        except (admin.InvalidReference, NotFound) as error:
            raise Invalid(str(error), "default_template") from error
    admin.update_settings(repo, merged)
    return merged


# ----------------------------------------------------------------- templates (C5, C8)


@dataclass(frozen=True)
class VersionView:
    version: TemplateVersion
    created_on: str


@dataclass(frozen=True)
class DefineResult:
    version: TemplateVersion
    outcome: Literal["created", "replaced", "unchanged"]
    sms: list[SmsSegments] = field(default_factory=list)
    """Each step's own SMS text per language: what it costs, rendered with the sample values."""


def list_templates(repo: DunningRepository) -> dict[str, list[VersionView]]:
    """Every template with all its versions (oldest first)."""
    templates: dict[str, list[VersionView]] = {}
    for version, created_on in repo.all_template_versions():
        templates.setdefault(version.name, []).append(VersionView(version, created_on))
    return templates


def get_template(repo: DunningRepository, name: str) -> list[VersionView]:
    versions = [VersionView(v, created) for v, created in repo.template_versions(name)]
    if not versions:
        raise Missing(f"template {name!r} does not exist", "name")
    return versions


def get_version(repo: DunningRepository, name: str, number: int) -> VersionView:
    for view in get_template(repo, name):
        if view.version.number == number:
            return view
    raise Missing(f"template {name!r} has no version {number}", "number")


def _fee_field(definition: TemplateDefinition, b2b_contractual_fees: bool) -> str:
    """Which part of a definition breaks the fee caps: the step with a fee above the cap, else all steps."""
    if not b2b_contractual_fees:
        for index, step in enumerate(definition.steps):
            if step.fee is not None and step.fee > MAX_REMINDER_FEE:
                return f"steps[{index}].actions"
    return "steps"


def define_template(
    repo: DunningRepository, definition: TemplateDefinition, today: date, b2b_contractual_fees: bool = False
) -> DefineResult:
    """C8: a used version is never changed — the definition becomes the next version.

    Refused (renteloven § 9 b) for a fee above 100.00 unless the tenant has agreed higher fees
    with business customers (``b2b_contractual_fees``), or for more than 3 steps with a fee.
    """
    decision = decide_version(definition, repo.latest_template(definition.name))
    try:
        version = admin.define_template(repo, definition, today, b2b_contractual_fees)
    except admin.RefusedByLaw as error:
        raise RefusedByLaw(str(error), _fee_field(definition, b2b_contractual_fees)) from error
    except AlreadyExists as error:  # a run used the version between our read and our write
        raise Conflict(f"{error}; send the definition again to create the next version", "steps") from error
    except TextError as error:
        raise Invalid(error.expected, error.field) from error
    outcome: Literal["created", "replaced", "unchanged"] = (
        "unchanged" if decision.unchanged else "created" if decision.creates_new_version else "replaced"
    )
    return DefineResult(version, outcome, template_sms_segments(version.steps))


def replace_version(
    repo: DunningRepository,
    name: str,
    number: int,
    steps: list[Step],
    today: date,
    b2b_contractual_fees: bool = False,
) -> DefineResult:
    """Edit one version in place: only the latest, and only while no reminder has used it."""
    view = get_version(repo, name, number)
    latest = get_template(repo, name)[-1].version
    if view.version.used:
        raise Conflict(
            f"{view.version.version_id} has been used by a reminder and never changes (C8); "
            f"define the template again (POST /templates) to create version {latest.number + 1}",
            "number",
        )
    if number != latest.number:
        raise Conflict(f"only the latest version ({latest.version_id}) can be replaced", "number")
    try:
        definition = TemplateDefinition(name=name, steps=steps)
    except ValidationError as error:
        raise _invalid_from(error) from error
    return define_template(repo, definition, today, b2b_contractual_fees)


@dataclass
class VersionUsage:
    version_id: str
    used: bool
    default: bool
    agreements: list[str] = field(default_factory=list)
    sales: list[str] = field(default_factory=list)
    invoices_in_process: list[str] = field(default_factory=list)


def template_usage(repo: DunningRepository, name: str) -> list[VersionUsage]:
    """Which agreements, sales and invoices (still waiting for a step) use each version.

    Invoices come from the sparse due-index (only invoices in process are in it), so
    this reads what is running, never the whole invoice history.
    """
    versions = get_template(repo, name)
    settings = repo.get_settings()
    default = settings.default_template if settings else None
    default_id = None
    if default is not None:
        try:
            default_id = admin.resolve_template(repo, default)
        except (admin.InvalidReference, NotFound):
            default_id = None
    usage = {
        v.version.version_id: VersionUsage(v.version.version_id, v.version.used, v.version.version_id == default_id)
        for v in versions
    }
    for agreement in repo.list_agreements():
        if agreement.template_version in usage:
            usage[agreement.template_version].agreements.append(agreement.agreement_id)
    for sale in repo.list_sales():
        if sale["template"] in usage:
            usage[sale["template"]].sales.append(sale["id"])
    for invoice in repo.waiting_invoices():
        if invoice.template_version in usage:
            usage[invoice.template_version].invoices_in_process.append(invoice.invoice_id)
    for entry in usage.values():
        entry.invoices_in_process.sort()
    return list(usage.values())


def _resolve(repo: DunningRepository, reference: str | None, settings: TenantSettings, field_name: str) -> str:
    reference = reference or settings.default_template
    if reference is None:
        raise Invalid("no template given and the tenant has no default_template", field_name)
    try:
        return admin.resolve_template(repo, reference)
    except (admin.InvalidReference, NotFound) as error:
        raise Invalid(str(error), field_name) from error


# ----------------------------------------------------------------- customers


def get_customer(repo: DunningRepository, customer_id: str) -> Customer:
    customer = repo.get_customer(customer_id)
    if customer is None:
        raise Missing(f"customer {customer_id!r} does not exist", "customer_id")
    return customer


def put_customer(repo: DunningRepository, customer: Customer) -> tuple[Customer, bool]:
    """Create or replace a customer; True when it is new."""
    created = repo.get_customer(customer.customer_id) is None
    repo.put_customer(customer)
    return customer, created


def create_customer(repo: DunningRepository, customer: Customer) -> Customer:
    if repo.get_customer(customer.customer_id) is not None:
        raise Conflict(f"customer {customer.customer_id!r} exists already", "id")
    repo.put_customer(customer)
    return customer


def patch_customer(repo: DunningRepository, customer_id: str, changes: dict[str, Any]) -> Customer:
    current = get_customer(repo, customer_id)
    data = {"id": customer_id} | current.as_data() | changes
    updated = Customer(
        customer_id=customer_id,
        name=data["name"],
        email=data.get("email"),
        phone=data.get("phone"),
        language=data.get("language") or "da",
        address=data.get("address"),
        business=bool(data.get("business")),
    )
    repo.put_customer(updated)
    return updated


# ----------------------------------------------------------------- agreements (C2, C4, C9)


def create_agreement(
    repo: DunningRepository, settings: TenantSettings, agreement_id: str, customer_id: str, template: str | None
) -> admin.Agreement:
    if repo.get_customer(customer_id) is None:
        raise Invalid(f"customer {customer_id!r} does not exist", "customer")
    version_id = _resolve(repo, template, settings, "template")
    try:
        return admin.create_agreement(repo, agreement_id, customer_id, version_id, settings)
    except AlreadyExists as error:
        raise Conflict(str(error), "id") from error


def get_agreement(repo: DunningRepository, agreement_id: str) -> admin.Agreement:
    agreement = repo.get_agreement(agreement_id)
    if agreement is None:
        raise Missing(f"agreement {agreement_id!r} does not exist", "agreement_id")
    return agreement


def list_agreements(
    repo: DunningRepository, customer: str | None = None, template: str | None = None
) -> list[admin.Agreement]:
    return [
        a
        for a in repo.list_agreements()
        if (customer is None or a.customer_id == customer) and (template is None or a.template_version == template)
    ]


def move_agreements(
    repo: DunningRepository,
    settings: TenantSettings,
    template: str,
    agreement_ids: list[str] | None,
    include_sales: bool = False,
) -> tuple[str, list[str], list[str]]:
    """C9: move all (None) or the chosen agreements to a version; their next invoices use it.

    Every named agreement must exist, or nothing moves. Returns (version, agreements, sales).
    """
    version_id = _resolve(repo, template, settings, "template")
    if agreement_ids is None:
        targets = [a.agreement_id for a in repo.list_agreements()]
    else:
        found = repo.existing_agreements(set(agreement_ids))
        unknown = [a for a in agreement_ids if a not in found]
        if unknown:
            raise Invalid(f"unknown agreement(s): {', '.join(unknown)}; nothing was moved", "agreements")
        targets = list(dict.fromkeys(agreement_ids))
    admin.assign_template(repo, version_id, targets)
    moved_sales = []
    if include_sales:
        for sale in repo.list_sales():
            if sale["state"] in ("draft", "ready"):
                repo.put_sale(sale | {"template": version_id})
                moved_sales.append(sale["id"])
    return version_id, targets, moved_sales


# ----------------------------------------------------------------- sales in draft (C11)


def create_sale(
    repo: DunningRepository, settings: TenantSettings, sale_id: str, name: str, template: str | None, state: str
) -> dict[str, Any]:
    """A sale not yet a customer carries its own template choice (resolved to a version now)."""
    if repo.get_sale(sale_id) is not None:
        raise Conflict(f"sale {sale_id!r} exists already", "id")
    sale = {"id": sale_id, "name": name, "state": state, "template": _resolve(repo, template, settings, "template")}
    repo.put_sale(sale | {"customer": None, "agreement": None})
    return get_sale(repo, sale_id)


def get_sale(repo: DunningRepository, sale_id: str) -> dict[str, Any]:
    sale = repo.get_sale(sale_id)
    if sale is None:
        raise Missing(f"sale {sale_id!r} does not exist", "sale_id")
    return sale


def patch_sale(
    repo: DunningRepository, settings: TenantSettings, sale_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    sale = get_sale(repo, sale_id)
    if sale["state"] == "won":
        raise Conflict(f"sale {sale_id!r} is already agreement {sale['agreement']!r}; change that instead", "state")
    if changes.get("template") is not None:
        changes = changes | {"template": _resolve(repo, changes["template"], settings, "template")}
    updated = sale | {k: v for k, v in changes.items() if v is not None}
    repo.put_sale(updated)
    return updated


def win_sale(
    repo: DunningRepository, settings: TenantSettings, sale_id: str, customer_id: str, agreement_id: str
) -> admin.Agreement:
    """The sale became a customer: its agreement gets the template the sale carried (C11)."""
    sale = get_sale(repo, sale_id)
    if sale["state"] == "won":
        raise Conflict(f"sale {sale_id!r} was won before (agreement {sale['agreement']!r})", "sale_id")
    agreement = create_agreement(repo, settings, agreement_id, customer_id, sale["template"])
    repo.put_sale(sale | {"state": "won", "customer": customer_id, "agreement": agreement_id})
    return agreement


# ----------------------------------------------------------------- invoices (C10)


def create_invoice(
    repo: DunningRepository,
    settings: TenantSettings,
    invoice_id: str,
    agreement_id: str,
    amount: Decimal,
    issued: date,
    due: date,
) -> InvoiceState:
    if repo.get_agreement(agreement_id) is None:
        raise Invalid(f"agreement {agreement_id!r} does not exist", "agreement")
    try:
        return admin.create_invoice(repo, invoice_id, agreement_id, amount, issued, due, settings)
    except AlreadyExists as error:
        raise Conflict(str(error), "id") from error


def get_invoice(repo: DunningRepository, invoice_id: str) -> InvoiceState:
    invoice = repo.get_invoice(invoice_id)
    if invoice is None:
        raise Missing(f"invoice {invoice_id!r} does not exist", "invoice_id")
    return invoice


def lookup_reference(repo: DunningRepository, reference: str) -> dict[str, Any]:
    """The reminder a payment reference was given to: its customer, date, template and step, and
    each of its invoices with what is open on it now — to match an incoming payment."""
    if not is_valid_payment_id(reference):
        raise Invalid("expected a 15-digit payment reference with a valid check digit (FI modulus 10)", "reference")
    record = repo.get_reference(reference)
    if record is None:
        raise Missing(f"no reminder has the reference {reference}", "reference")
    invoices = []
    for invoice_id in record["invoices"]:
        invoice = repo.get_invoice(invoice_id)
        invoices.append(
            {
                "invoice_id": invoice_id,
                "open_amount": money_text(invoice.open_amount) if invoice else None,
                "status": repo.invoice_status(invoice_id) if invoice else "unknown",
            }
        )
    return {
        "reference": reference,
        "customer": record["customer"],
        "date": record["date"],
        "template": record["template"],
        "step": record["step"],
        "amount_at_reminder": record.get("open_total"),
        "invoices": invoices,
        "open_total": money_text(
            sum((Decimal(line["open_amount"]) for line in invoices if line["open_amount"]), Decimal("0"))
        ),
    }


def dispute_invoice(
    repo: DunningRepository,
    settings: TenantSettings,
    invoice_id: str,
    until: date | None,
    resolved: bool = False,
) -> InvoiceState:
    """Start a dispute (until a date, or until resolved) or resolve it; returns the invoice as it is now."""
    get_invoice(repo, invoice_id)
    admin.dispute_invoice(repo, invoice_id, until, settings, resolved=resolved)
    return get_invoice(repo, invoice_id)


def list_invoices(repo: DunningRepository, customer: str, agreement: str | None = None) -> list[InvoiceState]:
    """A customer's invoices (every status), optionally of one agreement."""
    return [i for i in repo.customer_invoices(customer) if agreement is None or i.agreement_id == agreement]


def _mentions(effect: dict[str, Any], invoice_id: str) -> bool:
    return invoice_id in effect.get("invoices", []) or effect.get("invoice") == invoice_id


def invoice_timeline(repo: DunningRepository, invoice_id: str, now: datetime) -> dict[str, Any]:
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
    run_dates = sorted(
        {run["run_date"] for run in repo.runs_between(invoice.issued.isoformat(), run_id_for(now)) if "run_date" in run}
    )
    for run_date in run_dates:
        for effect in repo.effects_on(date.fromisoformat(run_date)):
            if _mentions(effect, invoice_id):
                events.append({k: v for k, v in effect.items() if not k.startswith("_")})
    events.sort(key=lambda event: event["date"])
    status = repo.invoice_status(invoice_id) or "open"
    return {"invoice": invoice, "status": status, "template": invoice.template_version, "events": events}


# ----------------------------------------------------------------- payments and credit notes (O7)


def record_entry(
    repo: DunningRepository,
    kind: EntryKind,
    entry_id: str,
    amount: Decimal,
    on: date,
    invoice_id: str | None,
    customer_id: str | None,
    source: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """A payment or credit note, against an invoice or on the customer's account.

    Filed once under its id: sending the same entry again returns it unchanged
    (safe for a billing system that retries), a different one under a used id is refused.
    Returns (entry, created).
    """
    if invoice_id is not None:
        invoice = repo.get_invoice(invoice_id)
        if invoice is None:
            raise Invalid(f"invoice {invoice_id!r} does not exist", "invoice")
        if customer_id is not None and customer_id != invoice.customer_id:
            raise Invalid(f"invoice {invoice_id!r} belongs to customer {invoice.customer_id!r}", "customer")
        customer_id = invoice.customer_id
    elif customer_id is None:
        raise Invalid("name the invoice, or the customer for money on account", "invoice")
    elif repo.get_customer(customer_id) is None:
        raise Invalid(f"customer {customer_id!r} does not exist", "customer")
    entry = {
        "id": entry_id,
        "amount": money_text(amount),
        "on": on.isoformat(),
        "invoice": invoice_id,
        "customer": customer_id,
    } | ({"source": source} if source is not None else {})
    if not repo.add_ledger_entry(kind, entry):
        stored = repo.get_ledger_entry(kind, entry_id) or {}
        if {k: stored.get(k) for k in entry} == entry:
            return stored, False
        raise Conflict(f"{kind} {entry_id!r} exists already with other data", "id")
    if invoice_id is not None:
        excess = admin.reduce_invoice(repo, invoice_id, amount, kind, on, f"{kind}-{entry_id}")
        entry |= {"applied": money_text(amount - excess), "on_account": money_text(excess)}
    else:
        admin.add_on_account(repo, customer_id, kind, amount, on, f"{kind}-{entry_id}")
        entry |= {"applied": "0.00", "on_account": money_text(amount)}
    repo.add_ledger_result(kind, entry)
    return entry, True


def list_entries(repo: DunningRepository, kind: EntryKind, customer: str | None = None) -> list[dict[str, Any]]:
    return [e for e in repo.ledger_entries(kind) if customer is None or e.get("customer") == customer]


# ----------------------------------------------------------------- bank connections and journals (O5, O6)


def add_journal_entry(repo: DunningRepository, journal: str, entry_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    if not repo.journal_exists(journal):
        raise Missing(f"journal {journal!r} does not exist; create it first (PUT /journals/{journal})", "journal")
    if repo.get_customer(entry["customer"]) is None:
        raise Invalid(f"customer {entry['customer']!r} does not exist", "customer")
    if not repo.add_journal_entry_once(journal, entry_id, entry):
        raise Conflict(f"journal {journal!r} has an entry {entry_id!r} already", "id")
    return entry | {"id": entry_id}


def journal_entries(repo: DunningRepository, journal: str) -> list[dict[str, Any]]:
    if not repo.journal_exists(journal):
        raise Missing(f"journal {journal!r} does not exist", "journal")
    return repo.journal_entries(journal)


def post_journal(repo: DunningRepository, journal: str, on: date) -> int:
    if not repo.journal_exists(journal):
        raise Missing(f"journal {journal!r} does not exist", "journal")
    return admin.post_journal(repo, journal, on)


# ----------------------------------------------------------------- bulk imports


def _duplicates(ids: Iterable[str]) -> dict[int, str]:
    seen: set[str] = set()
    repeated = {}
    for index, identifier in enumerate(ids):
        if identifier in seen:
            repeated[index] = identifier
        seen.add(identifier)
    return repeated


def import_customers(repo: DunningRepository, customers: list[Customer], dry_run: bool) -> int:
    errors = [
        RowError(index, "id", f"customer {cid!r} appears twice in the request")
        for index, cid in _duplicates(c.customer_id for c in customers).items()
    ]
    if errors:
        raise BulkRefused(errors)
    if not dry_run:
        repo.put_customers(customers)
    return len(customers)


@dataclass(frozen=True)
class AgreementRow:
    id: str
    customer: str
    template: str | None


def import_agreements(
    repo: DunningRepository,
    settings: TenantSettings,
    rows: list[AgreementRow],
    dry_run: bool,
    also_importing_customers: Iterable[str] = (),
) -> int:
    """Create agreements; customers being imported by the same import count as existing (dry run)."""
    errors = [
        RowError(index, "id", f"agreement {aid!r} appears twice in the request")
        for index, aid in _duplicates(r.id for r in rows).items()
    ]
    known_customers = repo.existing_customers({r.customer for r in rows}) | set(also_importing_customers)
    taken = repo.existing_agreements({r.id for r in rows})
    versions: dict[str | None, str | OperatorError] = {}
    agreements = []
    for index, row in enumerate(rows):
        if row.id in taken:
            errors.append(RowError(index, "id", f"agreement {row.id!r} exists already"))
        if row.customer not in known_customers:
            errors.append(RowError(index, "customer", f"customer {row.customer!r} does not exist"))
        if row.template not in versions:
            try:
                versions[row.template] = _resolve(repo, row.template, settings, "template")
            except OperatorError as error:
                versions[row.template] = error
        version = versions[row.template]
        if isinstance(version, OperatorError):
            errors.append(RowError(index, "template", version.reason))
        else:
            agreements.append(admin.Agreement(row.id, row.customer, version))
    if errors:
        raise BulkRefused(sorted(errors, key=lambda e: e.index))
    if not dry_run:
        try:
            repo.create_agreements(agreements)
        except AlreadyExists as error:
            raise Conflict(str(error), "items") from error
    return len(agreements)


@dataclass(frozen=True)
class InvoiceRow:
    id: str
    agreement: str
    amount: Decimal
    issued: date
    due: date


def import_invoices(
    repo: DunningRepository,
    settings: TenantSettings,
    rows: list[InvoiceRow],
    dry_run: bool,
    also_importing_agreements: Iterable[str] = (),
) -> int:
    """Create invoices, each pinned to its agreement's version (C10)."""
    errors = [
        RowError(index, "id", f"invoice {iid!r} appears twice in the request")
        for index, iid in _duplicates(r.id for r in rows).items()
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
        invoice = InvoiceState(
            invoice_id=row.id,
            customer_id=agreement.customer_id,
            agreement_id=agreement.agreement_id,
            template_version=agreement.template_version,
            amount=row.amount,
            open_amount=row.amount,
            issued=row.issued,
            due=row.due,
        )
        template = repo.get_template(agreement.template_version)
        invoices.append((invoice, next_step_on(invoice, template, settings.min_days_between_reminders)))
    if errors:
        raise BulkRefused(sorted(errors, key=lambda e: e.index))
    if not dry_run:
        try:
            repo.create_invoices(invoices)
        except AlreadyExists as error:
            raise Conflict(str(error), "items") from error
    return len(rows)


# ----------------------------------------------------------------- runs (O1, O2, O6)


class SchedulerGateway(Protocol):
    """The scheduler function: started asynchronously for a run, called for a decision on proposals.

    In AWS a Lambda invoke; locally the handler in-process.
    """

    def start(self, event: dict[str, Any]) -> None: ...

    def call(self, event: dict[str, Any]) -> dict[str, Any]: ...


def start_run(
    repo: DunningRepository, launcher: SchedulerGateway, now: datetime, resume_run_id: str | None = None
) -> dict[str, Any]:
    """O1 "start the reminder flow now", or O6 "resume the paused run"; returns the run id and the event."""
    if repo.get_settings() is None:
        raise Conflict("the tenant has no settings yet; PATCH /settings first", "settings")
    time = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    if resume_run_id is not None:
        run = repo.get_run(resume_run_id)
        if run is None:
            raise Missing(f"run {resume_run_id!r} does not exist", "run_id")
        if run.get("status") != "paused":
            raise Conflict(f"run {resume_run_id!r} is {run.get('status')}; only a paused run can be resumed", "run_id")
        event: dict[str, Any] = {"source": "resume", "run_id": resume_run_id, "time": time}
        run_id = resume_run_id
    else:
        event = {"source": "manual", "time": time}
        run_id = f"{run_id_for(now)}~manual"
    launcher.start(event)
    return {"run_id": run_id, "event": event}


def get_run(repo: DunningRepository, run_id: str) -> dict[str, Any]:
    run = repo.get_run(run_id)
    if run is None:
        raise Missing(f"run {run_id!r} does not exist", "run_id")
    return run
