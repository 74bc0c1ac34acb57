"""The console's one door to the service layer.

Every page calls the services through this module only, so when the operator services move
(``shared/services/operator.py`` → ``shared/services/tenant/<resource>.py``) the imports are
re-pointed here and nowhere else. Actions take the operator (``actor``); where a service
function has no ``actor`` parameter yet, it is carried in the scheduler event
(``requested_by``) or kept here, ready to be wired through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from shared.services import approval_gateway, metering, operator, preview, statements
from shared.services.operator import (
    AgreementRow,
    DefineResult,
    InvoiceRow,
    SchedulerGateway,
    VersionUsage,
    VersionView,
    current_settings,
    define_template,
    get_customer,
    get_invoice,
    get_run,
    get_template,
    invoice_timeline,
    journal_entries,
    list_agreements,
    list_invoices,
    list_templates,
    template_usage,
)
from shared.storage.repository import DunningRepository, repository_for

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
    "define_template",
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
    "metering",
    "move_agreements",
    "preview",
    "repository_for",
    "start_run",
    "statements",
    "template_usage",
    "usage",
]


def start_run(
    repo: DunningRepository, launcher: SchedulerGateway, now: datetime, actor: str, resume_run_id: str | None = None
) -> dict[str, Any]:
    """O1 "Start rykkerflow nu" or O6 "Genoptag"; the operator rides along in the scheduler event."""
    return operator.start_run(repo, _Attributed(launcher, actor), now, resume_run_id)


def change_settings(repo: DunningRepository, tenant: str, changes: dict[str, Any], actor: str) -> Any:
    # operator.change_settings has no actor yet: the lead wires ``actor`` through when tenant/settings.py takes one.
    del actor
    return operator.change_settings(repo, tenant, changes)


def move_agreements(
    repo: DunningRepository, tenant: str, template: str, agreement_ids: list[str] | None, actor: str
) -> tuple[str, list[str], list[str]]:
    """C9 the mass move (all agreements when ``agreement_ids`` is None)."""
    del actor  # no actor parameter in the service yet
    settings = operator.current_settings(repo, tenant)
    return operator.move_agreements(repo, settings, template, agreement_ids)


def list_proposals(repo: DunningRepository) -> list[dict[str, Any]]:
    return approval_gateway.list_proposals(repo)


def decide_proposals(
    repo: DunningRepository,
    scheduler: SchedulerGateway,
    decision: Literal["approve", "reject"],
    now: datetime,
    actor: str,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
) -> dict[str, Any]:
    """Approve or reject the named proposals (all when none named); the decision names the operator."""
    return approval_gateway.decide(repo, _Attributed(scheduler, actor), decision, now, customers, keys)


def list_cases(repo: DunningRepository) -> list[dict[str, Any]]:
    return approval_gateway.list_cases(repo)


def usage(repo: DunningRepository, month: str) -> dict[str, Any]:
    return approval_gateway.usage(repo, month)


class _Attributed:
    """A scheduler gateway that names the operator in every event it passes on (``requested_by``)."""

    def __init__(self, inner: SchedulerGateway, actor: str) -> None:
        self.inner = inner
        self.actor = actor

    def start(self, event: dict[str, Any]) -> None:
        self.inner.start(event | {"requested_by": self.actor})

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.inner.call(event | {"requested_by": self.actor})
