"""Import as a sync: what the export says against what the engine has (read through the API's GET
routes), as a plan of changes — new customers, agreements and invoices, changed customer details,
payments where the export's remaining amount went down — and reports of what is not changed."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from dunning.api_client import Api
from dunning.imports.model import (
    AgreementItem,
    CustomerItem,
    EntryItem,
    ImportFailed,
    InvoiceItem,
    Items,
    NoDefaultTemplate,
    Plan,
    Problem,
    Write,
    few,
    money,
    shown,
)
from dunning.imports.reading import ExportFile, Record


def _get(api: Api, path: str, query: dict[str, str] | None = None) -> Any:
    status, answer = api.request("GET", path, None, query)
    if status != 200:
        reason = answer.get("reason") if isinstance(answer, dict) else answer
        raise ImportFailed(f"reading {path} from the engine failed: {reason}")
    return answer


def payment_id(export_digest: str, invoice: str, amount: Decimal) -> str:
    """The same file, invoice and amount give the same id: importing again records nothing twice."""
    return "imp-" + hashlib.sha256(f"{export_digest}:{invoice}:{amount:.2f}".encode()).hexdigest()[:24]


class _Engine:
    """What the engine has, read once per import."""

    def __init__(self, api: Api) -> None:
        self.api = api
        settings = _get(api, "/settings")
        self.default_template = settings.get("default_template") if isinstance(settings, dict) else None
        self.customers = {c["id"]: c for c in _get(api, "/customers")}
        self.agreements = {a["id"]: a for a in _get(api, "/agreements")}
        self._invoices: dict[str, dict[str, dict[str, Any]]] = {}

    def agreements_of(self, customer: str) -> list[str]:
        return sorted(a["id"] for a in self.agreements.values() if a["customer"] == customer)

    def invoices_of(self, customer: str) -> dict[str, dict[str, Any]]:
        if customer not in self._invoices:
            found = _get(self.api, "/invoices", {"customer": customer}) if customer in self.customers else []
            self._invoices[customer] = {invoice["id"]: invoice for invoice in found}
        return self._invoices[customer]

    def entry_ids(self, kind: str) -> set[str]:
        return {entry["id"] for entry in _get(self.api, f"/{kind}")}


def plan_sync(api: Api, items: Items, exports: list[ExportFile], today: date) -> Plan:
    """The changes that bring the engine to what the exports say (nothing is written)."""
    engine = _Engine(api)
    plan = Plan(default_template=engine.default_template)
    digests = {export.source: export.digest for export in exports}
    _customers(plan, engine, items.customers)
    _customers_by_name(plan, engine, items)
    known = set(engine.customers) | {c.id for c in items.customers}
    agreement_of = _agreements(plan, engine, items, known)
    _invoices(plan, engine, items.invoices, agreement_of, digests, today)
    _entries(plan, engine, items.entries, known)
    if items.invoices:
        customers = {c.id for c in items.customers} | {i.customer for i in items.invoices if i.customer}
        customers |= plan.invoice_customers
        _gone(plan, engine, {i.id for i in items.invoices}, customers)
    return plan


_CUSTOMER_FIELDS = ("name", "email", "phone", "language", "address", "business")


def _customers(plan: Plan, engine: _Engine, customers: list[CustomerItem]) -> None:
    for item in customers:
        stored = engine.customers.get(item.id)
        if stored is None:
            plan.writes.append(
                Write(
                    "customers",
                    {"id": item.id} | item.fields,
                    item.record,
                    item.columns,
                    f"+ customer {item.id} {item.fields['name']}",
                )
            )
            continue
        current = {name: stored.get(name) for name in _CUSTOMER_FIELDS}
        changed = {name: value for name, value in item.fields.items() if current.get(name) != value}
        if not changed:
            plan.unchanged["customers"] += 1
            continue
        body = {"id": item.id} | {k: v for k, v in current.items() if v is not None} | item.fields
        described = ", ".join(f"{name} {shown(current.get(name))} → {shown(value)}" for name, value in changed.items())
        plan.writes.append(Write("customers", body, item.record, item.columns, f"~ customer {item.id}: {described}"))


def _customers_by_name(plan: Plan, engine: _Engine, items: Items) -> None:
    """An invoice list with the customer's name and no number (Dinero's "Kontakt"): the one customer
    of that name in the import or the engine; none or several is a problem."""
    names: dict[str, set[str]] = {}
    for customer in [*engine.customers.values(), *({"id": c.id} | c.fields for c in items.customers)]:
        names.setdefault(" ".join(str(customer["name"]).lower().split()), set()).add(customer["id"])
    for item in items.invoices:
        if item.customer is None and item.agreement is None and item.customer_name:
            found = names.get(" ".join(item.customer_name.lower().split()), set())
            if len(found) == 1:
                item.customer = next(iter(found))
                continue
            plan.problems.append(
                Problem(
                    item.record.source,
                    item.record.line,
                    item.columns.get("customer", "customer"),
                    f"the name of one customer (add a customer number column); "
                    f"{'no customer' if not found else f'{len(found)} customers'} named {item.customer_name!r}",
                )
            )


def _agreements(plan: Plan, engine: _Engine, items: Items, known: set[str]) -> dict[str, str]:
    """Each customer's agreement for invoices that name none: the engine's, the import's, or a new one."""
    new: dict[str, AgreementItem] = {}
    for item in items.agreements:
        stored = engine.agreements.get(item.id)
        if stored is not None:
            if stored["customer"] != item.customer:
                plan.problems.append(
                    Problem(
                        item.record.source,
                        item.record.line,
                        item.columns.get("customer", "customer"),
                        f"customer {stored['customer']} (the engine's agreement {item.id} is theirs), "
                        f"not {item.customer}",
                    )
                )
            continue
        if item.customer not in known:
            plan.problems.append(_unknown_customer(item.record, item.columns, item.customer))
            continue
        new[item.id] = item
        body = {"id": item.id, "customer": item.customer} | ({"template": item.template} if item.template else {})
        on = f"on {item.template}" if item.template else "on the default template"
        plan.writes.append(
            Write("agreements", body, item.record, item.columns, f"+ agreement {item.id} for {item.customer} {on}")
        )
    agreement_of: dict[str, str] = {}
    for agreement in sorted(new.values(), key=lambda a: a.id, reverse=True):
        agreement_of[agreement.customer] = agreement.id
    first_record: dict[str, tuple[Record, dict[str, str]]] = {}
    for known_customer in items.customers:
        first_record.setdefault(known_customer.id, (known_customer.record, known_customer.columns))
    for invoice in items.invoices:
        if invoice.customer and invoice.agreement is None:
            first_record.setdefault(invoice.customer, (invoice.record, invoice.columns))
    for customer, (record, columns) in first_record.items():
        existing = engine.agreements_of(customer)
        if existing:
            agreement_of[customer] = existing[0]
        elif customer not in agreement_of and customer in known:
            taken = engine.agreements.get(customer)
            if taken is not None:
                plan.problems.append(
                    Problem(
                        record.source,
                        record.line,
                        columns.get("id", columns.get("customer", "customer")),
                        f"a customer without an agreement gets one named as the customer, but agreement "
                        f"{customer} belongs to customer {taken['customer']}",
                    )
                )
                continue
            agreement_of[customer] = customer
            plan.default_agreements.append(customer)
            plan.writes.append(
                Write(
                    "agreements",
                    {"id": customer, "customer": customer},
                    record,
                    columns,
                    f"+ agreement {customer} for {customer} on the default template "
                    f"({engine.default_template or 'none set'})",
                )
            )
    if plan.default_agreements and not engine.default_template:
        raise NoDefaultTemplate(
            f"{len(plan.default_agreements)} customer(s) have no agreement and the tenant has no default_template "
            f"to give them one ({few(plan.default_agreements)}); set it first: "
            "`dunning settings set default_template=<template name>`"
        )
    return agreement_of


def _unknown_customer(record: Record, columns: dict[str, str], customer: str) -> Problem:
    return Problem(
        record.source,
        record.line,
        columns.get("customer", "customer"),
        f"a customer in this import or in the engine; {customer!r} is neither",
    )


def _invoices(
    plan: Plan,
    engine: _Engine,
    invoices: list[InvoiceItem],
    agreement_of: dict[str, str],
    digests: dict[str, str],
    today: date,
) -> None:
    new_agreements = {w.body["id"]: w.body["customer"] for w in plan.of("agreements")}
    for item in invoices:
        agreement = item.agreement or (agreement_of.get(item.customer) if item.customer else None)
        owner = new_agreements.get(agreement or "") or (engine.agreements.get(agreement or "") or {}).get("customer")
        if agreement is None or owner is None:
            if item.agreement:
                plan.problems.append(
                    Problem(
                        item.record.source,
                        item.record.line,
                        item.columns.get("agreement", "agreement"),
                        f"an agreement in this import or in the engine; {item.agreement!r} is neither",
                    )
                )
            elif item.customer is not None and item.customer not in _plan_customers(plan, engine):
                plan.problems.append(_unknown_customer(item.record, item.columns, item.customer))
            continue
        if item.customer is not None and item.customer != owner:
            plan.problems.append(
                Problem(
                    item.record.source,
                    item.record.line,
                    item.columns.get("customer", "customer"),
                    f"customer {owner} (the agreement {agreement}'s), not {item.customer}",
                )
            )
            continue
        plan.invoice_customers.add(owner)
        stored = engine.invoices_of(owner).get(item.id)
        digest = digests[item.record.source]
        if stored is None:
            _new_invoice(plan, item, agreement, owner, digest, today)
        else:
            _known_invoice(plan, item, stored, digest, today)


def _plan_customers(plan: Plan, engine: _Engine) -> set[str]:
    return set(engine.customers) | {w.body["id"] for w in plan.of("customers")}


def _payment(plan: Plan, item: InvoiceItem, amount: Decimal, digest: str, today: date, text: str) -> None:
    name = Path(item.record.source).name
    body = {
        "id": payment_id(digest, item.id, amount),
        "amount": f"{amount:.2f}",
        "on": today.isoformat(),
        "invoice": item.id,
        "source": f"import {name} line {item.record.line} (sha256 {digest[:12]})",
    }
    plan.writes.append(Write("payments", body, item.record, item.columns, text))


def _new_invoice(plan: Plan, item: InvoiceItem, agreement: str, owner: str, digest: str, today: date) -> None:
    if item.open_amount is not None and item.open_amount == 0:
        plan.paid.append(item.id)  # nothing to remind of: a full invoice list's paid invoices stay out
        return
    body = {
        "id": item.id,
        "agreement": agreement,
        "amount": f"{item.amount:.2f}",
        "issued": item.issued.isoformat(),
        "due": item.due.isoformat(),
    }
    plan.writes.append(
        Write(
            "invoices",
            body,
            item.record,
            item.columns,
            f"+ invoice {item.id} for {owner}: {money(item.amount)} due {item.due:%d-%m-%Y}",
        )
    )
    if item.open_amount is not None and item.open_amount < item.amount:
        paid = item.amount - item.open_amount
        _payment(
            plan,
            item,
            paid,
            digest,
            today,
            f"- payment {money(paid)} on invoice {item.id} (remaining {money(item.open_amount)})",
        )


def _known_invoice(plan: Plan, item: InvoiceItem, stored: dict[str, Any], digest: str, today: date) -> None:
    where = f"{item.record.source}:{item.record.line}: invoice {item.id}"
    changed = False
    if Decimal(stored["amount"]) != item.amount:
        plan.reports.append(
            f"{where}: amount {money(item.amount)} in the export, {money(stored['amount'])} in the engine (not changed)"
        )
        changed = True
    if stored["due"] != item.due.isoformat():
        plan.reports.append(
            f"{where}: due {item.due:%d-%m-%Y} in the export, {stored['due']} in the engine (not changed)"
        )
        changed = True
    engine_open = Decimal(stored["open_amount"])
    remaining = item.open_amount
    if remaining is not None and remaining < engine_open:
        paid = engine_open - remaining
        _payment(
            plan,
            item,
            paid,
            digest,
            today,
            f"- payment {money(paid)} on invoice {item.id}: remaining {money(engine_open)} → {money(remaining)}",
        )
        return
    if remaining is not None and remaining > engine_open:
        plan.reports.append(
            f"{where}: remaining {money(remaining)} in the export is more than the "
            f"{money(engine_open)} open in the engine "
            "(a payment the accounting system has not booked, or a reversed one?); not changed"
        )
        return
    if not changed:
        plan.unchanged["invoices"] += 1


def _entries(plan: Plan, engine: _Engine, entries: list[EntryItem], known: set[str]) -> None:
    if not entries:
        return
    taken = {"credit_note": engine.entry_ids("credit-notes"), "payment": engine.entry_ids("payments")}
    for item in entries:
        if item.id in taken[item.kind]:
            plan.unchanged["credit notes or payments"] += 1
            continue
        if item.customer not in known:
            plan.problems.append(_unknown_customer(item.record, item.columns, item.customer))
            continue
        body = {"id": item.id, "amount": f"{item.amount:.2f}", "on": item.on.isoformat(), "customer": item.customer}
        name = "credit note" if item.kind == "credit_note" else "payment"
        kind = "credit-notes" if item.kind == "credit_note" else "payments"
        body["source"] = f"import {Path(item.record.source).name} line {item.record.line}"
        plan.writes.append(
            Write(
                kind,
                body,
                item.record,
                item.columns,
                f"- {name} {item.id} {money(item.amount)} on {item.customer}'s account",
            )
        )


def _gone(plan: Plan, engine: _Engine, in_export: set[str], customers: set[str]) -> None:
    """Open invoices of the export's customers that the engine has and the export does not:
    reported, never guessed at (another export's customers are not this one's business)."""
    for customer in sorted(customers & set(engine.customers)):
        for invoice in engine.invoices_of(customer).values():
            if invoice["id"] not in in_export and Decimal(invoice["open_amount"]) > 0:
                plan.reports.append(
                    f"invoice {invoice['id']} ({customer}, {money(invoice['open_amount'])} open) is not in the export: "
                    "paid or credited in the accounting system? record it with `dunning payments add`; not changed"
                )
