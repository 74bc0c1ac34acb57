"""The console's one door to the service layer (``shared/services/tenant/<resource>.py``).

The pages call the same service functions as the API and the simulator, through this module
only; every state change names the operator who did it (``actor``). A name is imported from its
service module when a page first asks for it (``__getattr__``), so the login page or the overview
loads the services it calls, not those of every page.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from shared.services.tenant.common import SchedulerGateway
from shared.services.tenant.operators import end_sessions, session_open  # every page checks its session
from shared.storage.protocols import Store
from shared.storage.repository import repository_for

if TYPE_CHECKING:
    from shared.services import preview, statements
    from shared.services.tenant.accounting import journal_entries, post_journal
    from shared.services.tenant.agreements import AgreementRow, list_agreements
    from shared.services.tenant.approvals import decisions, list_proposals
    from shared.services.tenant.collection import list_cases
    from shared.services.tenant.customers import get_customer
    from shared.services.tenant.invoices import InvoiceRow, get_invoice, invoice_timeline, list_invoices
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
    "post_journal",
    "preview",
    "repository_for",
    "session_open",
    "start_run",
    "statements",
    "template_usage",
    "usage",
]

_HOMES: dict[str, tuple[str, str | None]] = {
    "preview": ("shared.services.preview", None),
    "statements": ("shared.services.statements", None),
    "journal_entries": ("shared.services.tenant.accounting", "journal_entries"),
    "post_journal": ("shared.services.tenant.accounting", "post_journal"),
    "AgreementRow": ("shared.services.tenant.agreements", "AgreementRow"),
    "list_agreements": ("shared.services.tenant.agreements", "list_agreements"),
    "decisions": ("shared.services.tenant.approvals", "decisions"),
    "list_proposals": ("shared.services.tenant.approvals", "list_proposals"),
    "list_cases": ("shared.services.tenant.collection", "list_cases"),
    "get_customer": ("shared.services.tenant.customers", "get_customer"),
    "InvoiceRow": ("shared.services.tenant.invoices", "InvoiceRow"),
    "get_invoice": ("shared.services.tenant.invoices", "get_invoice"),
    "invoice_timeline": ("shared.services.tenant.invoices", "invoice_timeline"),
    "list_invoices": ("shared.services.tenant.invoices", "list_invoices"),
    "get_run": ("shared.services.tenant.runs", "get_run"),
    "current_settings": ("shared.services.tenant.settings", "current_settings"),
    "DefineResult": ("shared.services.tenant.templates", "DefineResult"),
    "VersionUsage": ("shared.services.tenant.templates", "VersionUsage"),
    "VersionView": ("shared.services.tenant.templates", "VersionView"),
    "define_template": ("shared.services.tenant.templates", "define_template"),
    "get_template": ("shared.services.tenant.templates", "get_template"),
    "list_templates": ("shared.services.tenant.templates", "list_templates"),
    "template_usage": ("shared.services.tenant.templates", "template_usage"),
    "usage": ("shared.services.tenant.usage", "month_usage"),
}
"""Where each name of ``__all__`` that is not defined here lives: (module, attribute; None: the module)."""


def __getattr__(name: str) -> Any:
    """A service module's name, imported on first use and kept (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, attribute = _HOMES[name]
    module = importlib.import_module(module_name)
    found = module if attribute is None else getattr(module, attribute)
    globals()[name] = found
    return found


def start_run(
    repo: Store, launcher: SchedulerGateway, now: datetime, actor: str, resume_run_id: str | None = None
) -> dict[str, Any]:
    """O1 "Start rykkerflow nu", or O6 "Genoptag" of a paused run."""
    from shared.services.tenant import runs

    if resume_run_id is not None:
        return runs.resume_run(repo, launcher, now, resume_run_id, actor=actor)
    return runs.start_run(repo, launcher, now, actor=actor)


def change_settings(repo: Store, tenant: str, changes: dict[str, Any], actor: str) -> Any:
    from shared.services.tenant import settings

    return settings.change_settings(repo, tenant, changes, actor=actor)


def move_agreements(
    repo: Store, tenant: str, template: str, agreement_ids: list[str] | None, actor: str
) -> tuple[str, list[str], list[str]]:
    """C9 the mass move (all agreements when ``agreement_ids`` is None)."""
    from shared.services.tenant import agreements, settings

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
    from shared.services.tenant import approvals

    return approvals.decide(repo, scheduler, decision, now, customers, keys, actor=actor)
