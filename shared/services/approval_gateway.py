"""The operator API's door to approval (O9), debt collection (O14) and metering (O15).

Listing is read straight from the table (``shared.services.approval``,
``shared.services.metering``). Deciding goes through the scheduler function, as
``dunning approve`` does on main: it holds the queues an approved reminder is
sent to, so the API needs no send rights of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from shared.services import approval, metering
from shared.services.operator import Invalid, Missing, SchedulerGateway
from shared.storage.repository import DunningRepository


def list_proposals(
    repo: DunningRepository, invoice: str | None = None, customer: str | None = None
) -> list[dict[str, Any]]:
    """Pending proposals (oldest first), optionally only those of one invoice or one customer."""
    return [
        vars(p) | {"invoices": list(p.invoices)}
        for p in approval.list_proposals(repo)
        if (customer is None or p.customer == customer) and (invoice is None or invoice in p.invoices)
    ]


def decide(
    repo: DunningRepository,
    scheduler: SchedulerGateway,
    decision: Literal["approve", "reject"],
    now: datetime,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
) -> dict[str, Any]:
    """Approve (send now; cases go to the partner) or reject the named proposals — all when none are named."""
    if keys:
        pending = {p.key for p in approval.list_proposals(repo)}
        unknown = [key for key in keys if key not in pending]
        if unknown:
            raise Missing(f"no pending proposal with key(s) {', '.join(unknown)}", "keys")
    event: dict[str, Any] = {
        "source": decision,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "customers": customers,
        "keys": keys,
    }
    return scheduler.call(event)


def list_cases(repo: DunningRepository) -> list[dict[str, Any]]:
    """Debt-collection cases handed to the partner (O14)."""
    return sorted(repo.cases(), key=lambda case: case["key"])


def usage(repo: DunningRepository, month: str) -> dict[str, Any]:
    """The month's metered usage (O15)."""
    try:
        return metering.usage(repo, month)
    except ValueError as error:
        raise Invalid(str(error), "month") from error
