"""The in-memory table's index maps and undo journal: a failed transaction leaves no trace, in the
items or in the indexes."""

from __future__ import annotations

import pytest

from shared.storage.memory.table import ConditionFailed, MemoryTable, absent


def test_an_index_query_sees_writes_moves_and_deletes():
    table = MemoryTable()
    table.put(("INVOICE#1", "INVOICE"), {"due_shard": "S1", "due_key": "2026-03-02#1"})
    table.put(("INVOICE#2", "INVOICE"), {"due_shard": "S1", "due_key": "2026-03-01#2"})
    assert [i.pk for i in table.index("due_shard", "S1", "due_key")] == ["INVOICE#2", "INVOICE#1"]
    table.update(("INVOICE#2", "INVOICE"), set_={"due_shard": "S2"})
    assert [i.pk for i in table.index("due_shard", "S1", "due_key")] == ["INVOICE#1"]
    assert [i.pk for i in table.index("due_shard", "S2", "due_key")] == ["INVOICE#2"]
    table.update(("INVOICE#1", "INVOICE"), remove=["due_shard"])
    table.delete(("INVOICE#2", "INVOICE"))
    assert table.index("due_shard", "S1", "due_key") == table.index("due_shard", "S2", "due_key") == []


def test_a_failed_transaction_undoes_items_and_indexes():
    table = MemoryTable()
    table.put(("INVOICE#1", "INVOICE"), {"due_shard": "S1", "due_key": "2026-03-02#1"})

    def write() -> None:
        table.update(("INVOICE#1", "INVOICE"), set_={"due_shard": "S2"})
        table.put(("INVOICE#3", "INVOICE"), {"due_shard": "S2", "due_key": "2026-03-03#3"})
        table.delete(("INVOICE#1", "INVOICE"))
        table.put(("INVOICE#1", "INVOICE"), {}, when=absent)  # absent now: allowed
        table.put(("INVOICE#1", "INVOICE"), {}, when=absent)  # present now: fails, all is undone

    assert table.transact(write) is False
    assert table.get(("INVOICE#3", "INVOICE")) is None
    assert table.get(("INVOICE#1", "INVOICE"))["due_shard"] == "S1"
    assert [i.pk for i in table.index("due_shard", "S1", "due_key")] == ["INVOICE#1"]
    assert table.index("due_shard", "S2", "due_key") == []
    with pytest.raises(ConditionFailed):
        table.put(("INVOICE#1", "INVOICE"), {}, when=absent)
