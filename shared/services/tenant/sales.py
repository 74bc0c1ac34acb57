"""Sales not yet a customer (C11): they carry their own template choice until won."""

from __future__ import annotations

from typing import Any

from shared.domain.settings import TenantSettings
from shared.errors import Conflict, NotFound
from shared.services.tenant.agreements import create_agreement
from shared.services.tenant.common import template_or_default
from shared.storage.protocols import Store
from shared.storage.repository import Agreement


def create_sale(
    repo: Store, settings: TenantSettings, sale_id: str, name: str, template: str | None, state: str
) -> dict[str, Any]:
    """A sale with its template choice resolved to a version now."""
    if repo.get_sale(sale_id) is not None:
        raise Conflict(f"sale {sale_id!r} exists already", "id")
    sale = {"id": sale_id, "name": name, "state": state, "template": template_or_default(repo, template, settings)}
    repo.put_sale(sale | {"customer": None, "agreement": None})
    return get_sale(repo, sale_id)


def get_sale(repo: Store, sale_id: str) -> dict[str, Any]:
    """One sale (404 when unknown)."""
    sale = repo.get_sale(sale_id)
    if sale is None:
        raise NotFound(f"sale {sale_id!r} does not exist", "sale_id")
    return sale


def list_sales(repo: Store) -> list[dict[str, Any]]:
    """Every sale, by id."""
    return sorted(repo.list_sales(), key=lambda s: s["id"])


def patch_sale(repo: Store, settings: TenantSettings, sale_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a sale's name, state or template (a won sale is its agreement now: change that)."""
    sale = get_sale(repo, sale_id)
    if sale["state"] == "won":
        raise Conflict(f"sale {sale_id!r} is already agreement {sale['agreement']!r}; change that instead", "state")
    if changes.get("template") is not None:
        changes = changes | {"template": template_or_default(repo, changes["template"], settings)}
    updated = sale | {k: v for k, v in changes.items() if v is not None}
    repo.put_sale(updated)
    return updated


def win_sale(repo: Store, settings: TenantSettings, sale_id: str, customer_id: str, agreement_id: str) -> Agreement:
    """The sale became a customer: its agreement gets the template the sale carried (C11)."""
    sale = get_sale(repo, sale_id)
    if sale["state"] == "won":
        raise Conflict(f"sale {sale_id!r} was won before (agreement {sale['agreement']!r})", "sale_id")
    agreement = create_agreement(repo, settings, agreement_id, customer_id, sale["template"])
    repo.put_sale(sale | {"state": "won", "customer": customer_id, "agreement": agreement_id})
    return agreement
