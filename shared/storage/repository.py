"""All data access of the engine through PynamoDB: :class:`DunningRepository`, one class made of
one store per aggregate (tenant, parties, invoices, reminders, runs, effects, accounting).

The services see it as :class:`shared.storage.protocols.Store`; it turns items into the domain's
types and back. State changes are conditional writes: an invoice advances only from the step it
was read at, a created item must not exist yet, and an effect is recorded once per business key.
The in-memory twin for fast tests is :mod:`shared.storage.memory`.
"""

from __future__ import annotations

from functools import cache

from shared.domain.templates import TemplateVersion
from shared.errors import AlreadyExists, NotFound
from shared.storage.accounting import DynamoAccountingStore
from shared.storage.dynamo import TRANSACTION_LIMIT, new_invoice_item
from shared.storage.effects import DynamoEffectStore
from shared.storage.invoices import DynamoInvoiceStore
from shared.storage.keys import PARKED, due_shard
from shared.storage.models import bind_table
from shared.storage.parties import DynamoPartyStore
from shared.storage.records import Advance, Agreement, BillingLine, BsRecord, Customer, PeriodCharge
from shared.storage.reminders import DynamoReminderStore
from shared.storage.runs import DynamoRunStore
from shared.storage.tenant import DynamoTenantStore, forget_cached_settings

__all__ = [
    "PARKED",
    "TRANSACTION_LIMIT",
    "Advance",
    "Agreement",
    "AlreadyExists",
    "BillingLine",
    "BsRecord",
    "Customer",
    "DunningRepository",
    "NotFound",
    "PeriodCharge",
    "due_shard",
    "new_invoice_item",
    "repository_for",
    "reset_repositories",
]


class DunningRepository(
    DynamoTenantStore,
    DynamoPartyStore,
    DynamoInvoiceStore,
    DynamoReminderStore,
    DynamoRunStore,
    DynamoEffectStore,
    DynamoAccountingStore,
):
    """The tenant's table, seen as the domain's objects."""

    def __init__(self, table_name: str) -> None:
        bind_table(table_name)
        self._templates: dict[str, TemplateVersion] = {}


@cache
def repository_for(table_name: str) -> DunningRepository:
    """One repository per table per container (it caches immutable template versions)."""
    return DunningRepository(table_name)


def reset_repositories() -> None:
    """Forget cached repositories and settings — for a fresh local stack in the same process."""
    repository_for.cache_clear()
    forget_cached_settings()
