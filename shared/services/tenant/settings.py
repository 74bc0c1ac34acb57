"""The tenant's settings (C1–C3, O4–O13): read, change, and re-file what a changed delay moves."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shared.domain.planning import next_step_on
from shared.domain.settings import TenantSettings
from shared.errors import Invalid
from shared.services.tenant.common import invalid_from, resolve_template
from shared.storage.protocols import Store


def current_settings(repo: Store, tenant: str) -> TenantSettings:
    """The stored settings, or the defaults of a tenant that has none yet."""
    return repo.get_settings() or TenantSettings(tenant=tenant)


def change_settings(repo: Store, tenant: str, changes: dict[str, Any], *, actor: str) -> TenantSettings:
    """A partial update (``bs`` merged key by key), validated as a whole; the default template must exist."""
    if "tenant" in changes and changes["tenant"] != tenant:
        raise Invalid(f"this stack belongs to tenant {tenant!r}; the tenant id cannot change", "tenant")
    current = current_settings(repo, tenant)
    if "bs" in changes and isinstance(changes["bs"], dict):
        changes = changes | {"bs": current.bs.model_dump(mode="json") | changes["bs"]}
    try:
        merged = current.updated(changes)
    except ValidationError as error:
        raise invalid_from(error) from error
    if merged.default_template is not None and merged.default_template != current.default_template:
        resolve_template(repo, merged.default_template, "default_template")
    store_settings(repo, merged, actor=actor)
    return merged


def store_settings(repo: Store, settings: TenantSettings, *, actor: str) -> None:
    """Store whole settings (a tenant's first load); a changed respite or collection delay re-files
    every waiting invoice (parked ones too) under its real date."""
    previous = repo.get_settings()
    repo.put_settings(settings)
    repo.note_actor("settings", settings.tenant, "changed_by", actor)
    if previous is not None and (
        previous.min_days_between_reminders != settings.min_days_between_reminders
        or collection_days(previous) != collection_days(settings)
    ):
        refile_waiting_invoices(repo, settings)


def refile_waiting_invoices(repo: Store, settings: TenantSettings) -> int:
    """File every waiting invoice under the date its next step is due now; returns how many."""
    moved = 0
    for invoice in repo.waiting_invoices():
        template = repo.get_template(invoice.template_version)
        next_on = next_step_on(invoice, template, settings.min_days_between_reminders, collection_days(settings))
        repo.refile_invoice(invoice, next_on)
        moved += 1
    return moved


def collection_days(settings: TenantSettings) -> int | None:
    """Days after the last step a case goes to debt collection (None: collection is off)."""
    return settings.collection.after_days if settings.collection else None
