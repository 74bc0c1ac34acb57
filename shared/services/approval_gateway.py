"""The operator API's door to approval (O9), debt collection (O14) and metering (O15).

Those services are built on main (``shared.services.approval`` and
``shared.services.metering``). This gateway calls them with their planned
signatures when they are present; while they are not, it answers as a tenant
without approval does — no proposals, no collection cases — and meters from the
run records (O15: 1.00 billable hour for a month in which the robot ran).
"""

from __future__ import annotations

import dataclasses
import importlib
from datetime import datetime
from types import ModuleType
from typing import Any

from shared.domain.money import money_text
from shared.services.operator import Missing
from shared.services.scheduling import MessageSink
from shared.storage.repository import DunningRepository


def _service(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"shared.services.{name}")
    except ModuleNotFoundError:
        return None


def _plain(value: Any) -> Any:
    """A service result as JSON-ready data (dataclasses, pydantic models, dates, decimals)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if type(value).__name__ == "Decimal":
        return money_text(value)
    return value


def _invoice_ids(proposal: dict[str, Any]) -> list[str]:
    ids = []
    for invoice in proposal.get("invoices", []):
        ids.append(invoice if isinstance(invoice, str) else invoice.get("invoice_id") or invoice.get("id"))
    return [i for i in ids if i]


def list_proposals(
    repo: DunningRepository, invoice: str | None = None, customer: str | None = None
) -> list[dict[str, Any]]:
    """Proposed reminders and collections waiting for a person (O9), optionally of one invoice or customer."""
    approval = _service("approval")
    if approval is None:
        return []
    proposals = [_plain(p) for p in approval.list_proposals(repo)]
    return [
        p
        for p in proposals
        if (customer is None or p.get("customer") == customer) and (invoice is None or invoice in _invoice_ids(p))
    ]


def _check_keys(repo: DunningRepository, keys: list[str] | None) -> None:
    if keys:
        known = {p.get("key") for p in list_proposals(repo)}
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise Missing(f"no proposal with key(s) {', '.join(unknown)}", "keys")


def approve(
    repo: DunningRepository,
    sink: MessageSink,
    now: datetime,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
) -> dict[str, Any]:
    """Approve the named proposals (or every one of the customers, or all): they are sent."""
    _check_keys(repo, keys)
    approval = _service("approval")
    if approval is None:
        return {"approved": 0}
    result = _plain(approval.approve(repo, sink, now, customers=customers, keys=keys))
    return result if isinstance(result, dict) else {"approved": result}


def reject(
    repo: DunningRepository, now: datetime, customers: list[str] | None = None, keys: list[str] | None = None
) -> dict[str, Any]:
    _check_keys(repo, keys)
    approval = _service("approval")
    if approval is None:
        return {"rejected": 0}
    result = _plain(approval.reject(repo, now, customers=customers, keys=keys))
    return result if isinstance(result, dict) else {"rejected": result}


def list_cases(repo: DunningRepository) -> list[dict[str, Any]]:
    """Debt-collection cases (O14)."""
    approval = _service("approval")
    if approval is None or not hasattr(approval, "list_cases"):
        return []
    return [_plain(case) for case in approval.list_cases(repo)]


def usage(repo: DunningRepository, month: str) -> dict[str, Any]:
    """Metered robot work of one month (``YYYY-MM``), O15."""
    metering = _service("metering")
    if metering is not None:
        return dict(_plain(metering.usage(repo, month)))
    runs = repo.runs_between(f"{month}-01", f"{month}-31T99")
    worked = [run for run in runs if run.get("status") in ("completed", "paused", "aborted", "continuing")]
    return {
        "month": month,
        "runs": len(runs),
        "reminders": sum(int(run.get("reminders", 0)) for run in runs),
        "messages": sum(int(run.get("messages", 0)) for run in runs),
        "billable_hours": "1.00" if worked else "0.00",
        "source": "run records",
    }
