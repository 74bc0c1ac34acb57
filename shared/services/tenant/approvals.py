"""Proposals waiting for approval (O9): list them, approve or reject — recording who decided.

Deciding goes through the scheduler function: it holds the queues an approved reminder is
sent to, so the API needs no send rights of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from shared.errors import NotFound
from shared.services import approval
from shared.services.tenant.common import SchedulerGateway, event_time
from shared.storage.protocols import Store

DECIDED_BY = {"approve": "approved_by", "reject": "rejected_by"}
"""Where a proposal's decision records who made it."""

DECIDED = {"approve": "approved", "reject": "rejected"}


def list_proposals(repo: Store, invoice: str | None = None, customer: str | None = None) -> list[dict[str, Any]]:
    """Pending proposals (oldest first), optionally only those of one invoice or one customer."""
    return [
        vars(p) | {"invoices": list(p.invoices)}
        for p in approval.list_proposals(repo)
        if (customer is None or p.customer == customer) and (invoice is None or invoice in p.invoices)
    ]


def decide(
    repo: Store,
    scheduler: SchedulerGateway,
    decision: Literal["approve", "reject"],
    now: datetime,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
    *,
    actor: str,
) -> dict[str, Any]:
    """Approve (send now; cases go to the partner) or reject (their invoices are due again) the
    named proposals — all when neither ``customers`` nor ``keys`` names any. Returns the
    scheduler's decision (``approved``, ``rejected``, ``dropped``, ``refused``). A named key, or a
    named customer, without a pending proposal is refused (:class:`NotFound`) and nothing is decided:
    a typo or a colleague's earlier decision is said, not answered with an empty success."""
    pending = approval.list_proposals(repo) if keys or customers else []
    if keys:
        unknown = [key for key in keys if key not in {p.key for p in pending}]
        if unknown:
            raise NotFound(f"no pending proposal with key(s) {', '.join(unknown)}", "keys")
    if customers:
        unknown = [customer for customer in customers if customer not in {p.customer for p in pending}]
        if unknown:
            raise NotFound(f"no pending proposal for customer(s) {', '.join(unknown)}", "customers")
    event: dict[str, Any] = {"source": decision, "time": event_time(now), "customers": customers, "keys": keys}
    result = scheduler.call(event)
    for key in [*result.get("approved", []), *result.get("rejected", [])]:
        repo.note_actor("proposal", key, DECIDED_BY[decision], actor)
    return result


def decisions(repo: Store) -> list[dict[str, str]]:
    """Every decided proposal: its key, ``approved`` or ``rejected``, and who decided (in key order)."""
    found = []
    for key, roles in repo.all_actors("proposal").items():
        for decision, role in DECIDED_BY.items():
            if role in roles:
                found.append({"key": key, "decision": DECIDED[decision], "by": roles[role]})
    return found


def decision_of(repo: Store, key: str) -> dict[str, str]:
    """Who decided a proposal: ``{"approved_by": …}`` or ``{"rejected_by": …}`` (empty while it waits)."""
    return repo.actors("proposal", key)
