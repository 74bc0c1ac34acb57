"""The in-memory store: the same Protocols as the DynamoDB one (:mod:`shared.storage.protocols`),
in plain Python, for tests that run in milliseconds. ``tests/contract`` holds both to one behaviour."""

from __future__ import annotations

from shared.storage.memory.accounting import MemoryAccountingStore
from shared.storage.memory.effects import MemoryEffectStore
from shared.storage.memory.invoices import MemoryInvoiceStore
from shared.storage.memory.parties import MemoryPartyStore
from shared.storage.memory.reminders import MemoryReminderStore
from shared.storage.memory.runs import MemoryRunStore
from shared.storage.memory.table import MemoryTable
from shared.storage.memory.tenant import MemoryTenantStore


class MemoryStore(
    MemoryTenantStore,
    MemoryPartyStore,
    MemoryInvoiceStore,
    MemoryReminderStore,
    MemoryRunStore,
    MemoryEffectStore,
    MemoryAccountingStore,
):
    """One tenant's storage in memory."""

    def __init__(self) -> None:
        self._table = MemoryTable()


__all__ = ["MemoryStore"]
