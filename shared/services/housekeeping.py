"""What a run does before it reminds (O7, O13): settle on-account money, write off
small remainders, reverse fees nobody will pay. Each step records its effects
under keys derived from the run, so repeating a run repeats nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.money import ZERO, money_text
from shared.domain.planning import InvoiceState
from shared.domain.run_control import settle, write_offs
from shared.storage.repository import DunningRepository


def _effect(day: date, kind: str, run_tag: str, customer: str, invoices: list[str], amount: Decimal) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "kind": kind,
        "customer": customer,
        "invoices": sorted(invoices),
        "amount": money_text(amount),
        "_run": run_tag,
    }


def set_balance(repo: DunningRepository, invoice: InvoiceState, new_open: Decimal, day: date) -> None:
    """Record a new open balance. When the invoice is cleared and its agreement has nothing else
    overdue, the agreement's unbroken arrears period ends (renteloven § 9 b, stk. 2): the next one
    counts its fees afresh."""
    repo.set_open_amount(invoice, new_open)
    if new_open > ZERO:
        return
    still_overdue = [
        other
        for other in repo.open_invoices(invoice.customer_id)
        if other.agreement_id == invoice.agreement_id and other.invoice_id != invoice.invoice_id and other.due < day
    ]
    if not still_overdue:
        repo.end_arrears_period(invoice.agreement_id)


def settle_open_items(repo: DunningRepository, day: date, run_tag: str) -> list[dict[str, Any]]:
    """O7: each customer's on-account payments and open credit notes, oldest first, against
    their open invoices, oldest due date first. One ``settlement`` effect per credit used."""
    by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for credit in repo.open_credits():
        by_customer[credit["customer"]].append(credit)
    effects = []
    for customer, credits in sorted(by_customer.items()):
        credits.sort(key=lambda credit: (credit["on"], credit["key"]))
        open_invoices = repo.open_invoices(customer)
        if not open_invoices:
            continue
        allocations = settle([(c["key"], Decimal(c["remaining"])) for c in credits], open_invoices)
        invoices = {invoice.invoice_id: invoice for invoice in open_invoices}
        for credit in credits:
            used = [a for a in allocations if a.credit_key == credit["key"]]
            if not used:
                continue
            for allocation in used:
                invoice = invoices[allocation.invoice_id]
                set_balance(repo, invoice, invoice.open_amount - allocation.amount, day)
                invoices[invoice.invoice_id] = replace(invoice, open_amount=invoice.open_amount - allocation.amount)
            applied = sum((a.amount for a in used), ZERO)
            repo.set_credit_remaining(credit["key"], Decimal(credit["remaining"]) - applied, credit["remaining"])
            effect = _effect(day, "settlement", run_tag, customer, [a.invoice_id for a in used], applied)
            if repo.record_effect(effect, f"{run_tag}#{credit['key']}"):
                effects.append(effect)
    return effects


def write_off_small_remainders(
    repo: DunningRepository, due: list[InvoiceState], below: Decimal | None, day: date, run_tag: str
) -> tuple[list[dict[str, Any]], set[str]]:
    """O13: remainders below the threshold on invoices about to be reminded are written off."""
    small = write_offs(due, below)
    by_customer: dict[str, list[InvoiceState]] = defaultdict(list)
    for invoice in small:
        set_balance(repo, invoice, ZERO, day)
        by_customer[invoice.customer_id].append(invoice)
    effects = []
    for customer, invoices in sorted(by_customer.items()):
        total = sum((invoice.open_amount for invoice in invoices), ZERO)
        effect = _effect(day, "write_off", run_tag, customer, [i.invoice_id for i in invoices], total)
        if repo.record_effect(effect, f"{run_tag}#{customer}"):
            effects.append(effect)
    return effects, {invoice.invoice_id for invoice in small}


def reverse_paid_fees(repo: DunningRepository, day: date, run_tag: str) -> list[dict[str, Any]]:
    """O13: a fee still on the billing queue is reversed once every invoice it was charged for is paid."""
    effects = []
    for fee in repo.pending_fees():
        invoices = [repo.get_invoice(invoice_id) for invoice_id in fee["invoices"]]
        if not all(invoice is not None and invoice.open_amount <= ZERO for invoice in invoices):
            continue
        effect = _effect(day, "fee_reversal", run_tag, fee["customer"], fee["invoices"], Decimal(fee["amount"]))
        if repo.reverse_fee(fee["key"], fee["customer"], effect):
            effects.append(effect)
    return effects
