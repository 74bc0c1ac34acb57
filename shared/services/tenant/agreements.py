"""Agreements (C2, C4, C9): create, list, import, and the mass move to another template version."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.domain.settings import TenantSettings
from shared.errors import BulkRefused, DunningError, Invalid, NotFound, RowError
from shared.services.tenant.common import creating, template_or_default
from shared.services.tenant.customers import duplicates
from shared.storage.protocols import Store
from shared.storage.repository import Agreement


def create_agreement(
    repo: Store, settings: TenantSettings, agreement_id: str, customer_id: str, template: str | None
) -> Agreement:
    """An agreement gets its own template, else the tenant default resolved now (C2, C4)."""
    if repo.get_customer(customer_id) is None:
        raise Invalid(f"customer {customer_id!r} does not exist", "customer")
    agreement = Agreement(agreement_id, customer_id, template_or_default(repo, template, settings))
    with creating("id"):
        repo.create_agreement(agreement)
    return agreement


def get_agreement(repo: Store, agreement_id: str) -> Agreement:
    """One agreement (404 when unknown)."""
    agreement = repo.get_agreement(agreement_id)
    if agreement is None:
        raise NotFound(f"agreement {agreement_id!r} does not exist", "agreement_id")
    return agreement


def list_agreements(repo: Store, customer: str | None = None, template: str | None = None) -> list[Agreement]:
    """Every agreement, optionally of one customer or one template version."""
    return [
        a
        for a in repo.list_agreements()
        if (customer is None or a.customer_id == customer) and (template is None or a.template_version == template)
    ]


@dataclass(frozen=True)
class Moved:
    """What a mass move did: the version, and the agreements and sales now on it."""

    template: str
    agreements: list[str]
    sales: list[str]


def move_agreements(
    repo: Store,
    settings: TenantSettings,
    template: str,
    agreement_ids: list[str] | None,
    include_sales: bool = False,
    *,
    actor: str,
) -> Moved:
    """C9: move all (None) or the chosen agreements to a version; their next invoices use it.

    Every named agreement must exist, or nothing moves. Sales in draft or ready move too when asked.
    """
    version_id = template_or_default(repo, template, settings)
    if agreement_ids is None:
        targets = [a.agreement_id for a in repo.list_agreements()]
    else:
        found = repo.existing_agreements(set(agreement_ids))
        unknown = [a for a in agreement_ids if a not in found]
        if unknown:
            raise Invalid(f"unknown agreement(s): {', '.join(unknown)}; nothing was moved", "agreements")
        targets = list(dict.fromkeys(agreement_ids))
    for agreement_id in targets:
        repo.set_agreement_template(agreement_id, version_id)
        repo.note_actor("agreement", agreement_id, "moved_by", actor)
    moved_sales = []
    if include_sales:
        for sale in repo.list_sales():
            if sale["state"] in ("draft", "ready"):
                repo.put_sale(sale | {"template": version_id})
                moved_sales.append(sale["id"])
    return Moved(version_id, targets, moved_sales)


@dataclass(frozen=True)
class AgreementRow:
    id: str
    customer: str
    template: str | None


def import_agreements(
    repo: Store,
    settings: TenantSettings,
    rows: list[AgreementRow],
    dry_run: bool,
    also_importing_customers: Iterable[str] = (),
) -> int:
    """Create agreements; customers being imported by the same import count as existing (dry run)."""
    errors = [
        RowError(index, "id", f"agreement {aid!r} appears twice in the request")
        for index, aid in duplicates(r.id for r in rows).items()
    ]
    known_customers = repo.existing_customers({r.customer for r in rows}) | set(also_importing_customers)
    taken = repo.existing_agreements({r.id for r in rows})
    versions: dict[str | None, str | DunningError] = {}
    agreements = []
    for index, row in enumerate(rows):
        if row.id in taken:
            errors.append(RowError(index, "id", f"agreement {row.id!r} exists already"))
        if row.customer not in known_customers:
            errors.append(RowError(index, "customer", f"customer {row.customer!r} does not exist"))
        if row.template not in versions:
            try:
                versions[row.template] = template_or_default(repo, row.template, settings)
            except DunningError as error:
                versions[row.template] = error
        version = versions[row.template]
        if isinstance(version, DunningError):
            errors.append(RowError(index, "template", version.reason))
        else:
            agreements.append(Agreement(row.id, row.customer, version))
    if errors:
        raise BulkRefused(sorted(errors, key=lambda e: e.index))
    if not dry_run:
        with creating("items"):
            repo.create_agreements(agreements)
    return len(agreements)
