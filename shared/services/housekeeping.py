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
from shared.storage.protocols import Store


def _effect(day: date, kind: str, run_tag: str, customer: str, invoices: list[str], amount: Decimal) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "kind": kind,
        "customer": customer,
        "invoices": sorted(invoices),
        "amount": money_text(amount),
        "_run": run_tag,
    }


def set_balance(repo: Store, invoice: InvoiceState, new_open: Decimal, day: date) -> None:
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


# One settlement is one transaction (100 items): the credit, the effect, the customer's fee-check mark
# (O13), and per invoice its balance and perhaps its agreement. A credit that would touch more invoices
# is used on the oldest ones this run and on the rest in the next.
MAX_INVOICES_PER_SETTLEMENT = 48


def settle_open_items(repo: Store, day: date, run_tag: str) -> list[dict[str, Any]]:
    """O7: each customer's on-account payments and open credit notes, oldest first, against
    their open invoices, oldest due date first. One ``settlement`` effect per credit used,
    written with the credit and the balances in one transaction (a retry applies nothing twice)."""
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
            used = [a for a in allocations if a.credit_key == credit["key"]][:MAX_INVOICES_PER_SETTLEMENT]
            if not used:
                continue
            balances = [(invoices[a.invoice_id], invoices[a.invoice_id].open_amount - a.amount) for a in used]
            after = dict(invoices) | {
                invoice.invoice_id: replace(invoice, open_amount=new_open) for invoice, new_open in balances
            }
            applied = sum((a.amount for a in used), ZERO)
            effect = _effect(day, "settlement", run_tag, customer, [a.invoice_id for a in used], applied)
            ended = _periods_ended([invoice for invoice, new_open in balances if new_open <= ZERO], after, day)
            remaining = Decimal(credit["remaining"]) - applied
            if repo.apply_settlement(credit, remaining, balances, ended, effect, f"{run_tag}#{credit['key']}"):
                effects.append(effect)
                invoices = after
    return effects


def _periods_ended(cleared: list[InvoiceState], invoices: dict[str, InvoiceState], day: date) -> list[str]:
    """The agreements of the cleared invoices that have nothing else overdue (renteloven § 9 b, stk. 2)."""
    ended = set()
    for invoice in cleared:
        still_overdue = [
            other
            for other in invoices.values()
            if other.agreement_id == invoice.agreement_id and other.open_amount > ZERO and other.due < day
        ]
        if not still_overdue:
            ended.add(invoice.agreement_id)
    return sorted(ended)


def overdue_small_remainders(repo: Store, below: Decimal | None, day: date, excluded: set[str]) -> list[InvoiceState]:
    """O13 "open balances below this are written off before reminding": every invoice still in the
    reminder process, overdue on ``day`` (due before it), not in dispute and not of an excluded
    customer, whose open balance is above 0 and below ``below`` — whether or not a step is due today."""
    if below is None:
        return []
    overdue = [
        invoice
        for invoice in repo.overdue_in_process(day)
        if invoice.customer_id not in excluded
        and not (invoice.disputed_until is not None and invoice.disputed_until >= day)
    ]
    return write_offs(overdue, below)


def write_off_small_remainders(
    repo: Store, due: list[InvoiceState], below: Decimal | None, day: date, run_tag: str
) -> tuple[list[dict[str, Any]], set[str]]:
    """O13: the remainders below the threshold among ``due`` (see :func:`overdue_small_remainders`)
    are written off; one ``write_off`` effect per customer, written with the balances in one
    transaction (a retry writes nothing twice; an invoice paid meanwhile is left to the next run)."""
    small = write_offs(due, below)
    by_customer: dict[str, list[InvoiceState]] = defaultdict(list)
    for invoice in small:
        by_customer[invoice.customer_id].append(invoice)
    effects = []
    written: set[str] = set()
    for customer, invoices in sorted(by_customer.items()):
        for number, start in enumerate(range(0, len(invoices), MAX_INVOICES_PER_SETTLEMENT)):
            part = invoices[start : start + MAX_INVOICES_PER_SETTLEMENT]
            total = sum((invoice.open_amount for invoice in part), ZERO)
            effect = _effect(day, "write_off", run_tag, customer, [i.invoice_id for i in part], total)
            cleared = [replace(invoice, open_amount=ZERO) for invoice in part]
            others = {other.invoice_id: other for other in repo.open_invoices(customer)}
            ended = _periods_ended(cleared, others | {i.invoice_id: i for i in cleared}, day)
            key = f"{run_tag}#{customer}" + (f"#{number + 1}" if number else "")
            if repo.write_off(part, ended, effect, key):
                effects.append(effect)
                written |= {invoice.invoice_id for invoice in part}
    return effects, written


def reverse_paid_fees(repo: Store, day: date, run_tag: str) -> list[dict[str, Any]]:
    """O13: a fee still on the billing queue is reversed once every invoice it was charged for is paid.

    Only the customers whose fees may have become reversible since the last check are read: each
    write that may make one reversible (a balance reaching 0, a reversible fee booked) marks its
    customer in the same transaction (``FEE_CHECK``). The marks are read first, then the marked
    customers' pending fees and their invoices; a mark is deleted only if it still holds the count
    read, so a payment that lands while the run checks is checked by the next run. The first run
    (no sweep mark yet) checks every pending fee, after re-filing those filed before fees were filed
    by customer, and then notes the sweep.
    """
    marks = repo.fee_checks()
    sweep = not repo.pending_fees_swept()
    if sweep:
        left_unfiled = repo.refile_legacy_pending_fees()
        fees = repo.pending_fees()
    else:
        left_unfiled = 0
        fees = [fee for customer in sorted(marks) for fee in repo.customer_pending_fees(customer)]
    invoices = repo.get_invoices({invoice_id for fee in fees for invoice_id in fee["invoices"]})
    effects = []
    for fee in sorted(fees, key=lambda fee: str(fee["key"])):  # by business key, as before
        if not all(
            (invoice := invoices.get(invoice_id)) is not None and invoice.open_amount <= ZERO
            for invoice_id in fee["invoices"]
        ):
            continue
        effect = _effect(day, "fee_reversal", run_tag, fee["customer"], fee["invoices"], Decimal(fee["amount"]))
        if repo.reverse_fee(fee["key"], fee["customer"], effect):
            effects.append(effect)
    if sweep and left_unfiled == 0:  # one left where it was is swept again by the next run
        repo.mark_pending_fees_swept()
    for customer, count in sorted(marks.items()):
        repo.clear_fee_check(customer, count)
    return effects
