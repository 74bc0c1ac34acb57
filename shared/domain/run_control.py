"""Run control rules (O4–O7, O13) as plain Python: the pre-run checks, settlement of
on-account money, and which small remainders are written off."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from shared.domain.money import ZERO
from shared.domain.planning import InvoiceState
from shared.domain.reasons import Reason
from shared.domain.settings import TenantSettings


@dataclass(frozen=True)
class CheckOutcome:
    """Why a run may not go ahead: ``status`` is "aborted" or "paused"."""

    status: str
    reason: str
    problems: tuple[str, ...]


def check_run(
    settings: TenantSettings,
    unknown_customers: Iterable[str],
    bank_connections: Iterable[Mapping[str, object]],
    unposted: Mapping[str, int],
    unknown_journals: Iterable[str] = (),
) -> CheckOutcome | None:
    """The checks before anything is sent, in the contract's order: configuration (O4),
    bank connections (O5), journals (O6). None when the run may go ahead."""
    problems = [
        Reason("check.unknown_customer", f"settings.excluded_customers names unknown customer {c!r}", customer=c)
        for c in unknown_customers
    ]
    problems += [
        Reason("check.unknown_journal", f"settings.check_journals names unknown journal {j!r}", journal=j)
        for j in unknown_journals
    ]
    if problems:
        reason = Reason("check.configuration", "configuration: " + "; ".join(problems), problems=tuple(problems))
        return CheckOutcome("aborted", reason, tuple(problems))
    if settings.check_bank_connections:
        inactive = [str(c["name"]) for c in bank_connections if not c.get("active")]
        if inactive:
            problems = [
                Reason("check.bank_inactive", f"bank connection {name!r} is inactive", name=name) for name in inactive
            ]
            return CheckOutcome("aborted", _all(problems), tuple(problems))
    waiting = {journal: count for journal, count in unposted.items() if count}
    if waiting:
        problems = [
            Reason(
                "check.unposted",
                f"journal {journal!r} has {count} unposted entr{'y' if count == 1 else 'ies'}",
                journal=journal,
                count=count,
            )
            for journal, count in waiting.items()
        ]
        return CheckOutcome("paused", _all(problems), tuple(problems))
    return None


def _all(problems: list[Reason]) -> Reason:
    """Several problems as one reason: their texts joined, each still with its own code."""
    return Reason("check.all", "; ".join(problems), problems=tuple(problems))


@dataclass(frozen=True)
class Allocation:
    """Part of one credit applied to one invoice."""

    credit_key: str
    invoice_id: str
    amount: Decimal


def settle(credits: list[tuple[str, Decimal]], open_invoices: list[InvoiceState]) -> list[Allocation]:
    """O7: apply a customer's credits (oldest first) to their open invoices, oldest due date first.

    ``credits`` are (key, remaining) in the order to use them; what no invoice
    takes stays on account.
    """
    balances = {invoice.invoice_id: invoice.open_amount for invoice in open_invoices}
    order = sorted(open_invoices, key=lambda invoice: (invoice.due, invoice.invoice_id))
    allocations: list[Allocation] = []
    for key, remaining in credits:
        for invoice in order:
            if remaining <= ZERO:
                break
            take = min(remaining, balances[invoice.invoice_id])
            if take <= ZERO:
                continue
            balances[invoice.invoice_id] -= take
            remaining -= take
            allocations.append(Allocation(key, invoice.invoice_id, take))
    return allocations


def write_offs(due: Iterable[InvoiceState], below: Decimal | None) -> list[InvoiceState]:
    """O13: invoices about to be reminded whose remainder is too small to chase."""
    if below is None:
        return []
    return [invoice for invoice in due if ZERO < invoice.open_amount < below]
