"""The console's one door to the service layer (``shared/services/tenant/<resource>.py``).

The pages call the same service functions as the API and the simulator, through this module
only; every state change names the operator who did it (``actor``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from shared.services import preview, statements
from shared.services.tenant import agreements, approvals, runs, settings
from shared.services.tenant.accounting import journal_entries
from shared.services.tenant.agreements import AgreementRow, list_agreements
from shared.services.tenant.approvals import decisions, list_proposals
from shared.services.tenant.collection import list_cases
from shared.services.tenant.common import SchedulerGateway
from shared.services.tenant.customers import get_customer
from shared.services.tenant.invoices import InvoiceRow, get_invoice, invoice_timeline, list_invoices
from shared.services.tenant.operators import end_sessions, session_open
from shared.services.tenant.runs import get_run
from shared.services.tenant.settings import current_settings
from shared.services.tenant.templates import (
    DefineResult,
    VersionUsage,
    VersionView,
    define_template,
    get_template,
    list_templates,
    template_usage,
)
from shared.services.tenant.usage import month_usage as usage
from shared.storage.protocols import Store
from shared.storage.repository import repository_for

__all__ = [
    "AgreementRow",
    "DefineResult",
    "InvoiceRow",
    "SchedulerGateway",
    "VersionUsage",
    "VersionView",
    "change_settings",
    "current_settings",
    "decide_proposals",
    "decisions",
    "define_template",
    "end_sessions",
    "get_customer",
    "get_invoice",
    "get_run",
    "get_template",
    "invoice_timeline",
    "journal_entries",
    "list_agreements",
    "list_cases",
    "list_invoices",
    "list_proposals",
    "list_templates",
    "move_agreements",
    "preview",
    "repository_for",
    "session_open",
    "start_run",
    "statements",
    "template_usage",
    "usage",
]


def start_run(
    repo: Store, launcher: SchedulerGateway, now: datetime, actor: str, resume_run_id: str | None = None
) -> dict[str, Any]:
    """O1 "Start rykkerflow nu", or O6 "Genoptag" of a paused run."""
    if resume_run_id is not None:
        return runs.resume_run(repo, launcher, now, resume_run_id, actor=actor)
    return runs.start_run(repo, launcher, now, actor=actor)


def change_settings(repo: Store, tenant: str, changes: dict[str, Any], actor: str) -> Any:
    return settings.change_settings(repo, tenant, changes, actor=actor)


def move_agreements(
    repo: Store, tenant: str, template: str, agreement_ids: list[str] | None, actor: str
) -> tuple[str, list[str], list[str]]:
    """C9 the mass move (all agreements when ``agreement_ids`` is None)."""
    moved = agreements.move_agreements(
        repo, settings.current_settings(repo, tenant), template, agreement_ids, actor=actor
    )
    return moved.template, moved.agreements, moved.sales


def decide_proposals(
    repo: Store,
    scheduler: SchedulerGateway,
    decision: Literal["approve", "reject"],
    now: datetime,
    actor: str,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
) -> dict[str, Any]:
    """Approve or reject the named proposals (all when none named); the decision names the operator."""
    return approvals.decide(repo, scheduler, decision, now, customers, keys, actor=actor)
