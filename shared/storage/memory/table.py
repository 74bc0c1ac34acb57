"""An in-memory stand-in for the tenant's table: items under ``(pk, sk)`` keys, queried in sk
order and through the sparse indexes as DynamoDB answers, with conditional writes and
all-or-nothing transactions. Keys come from :mod:`shared.storage.keys`, so both stores order
their answers alike."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from shared.domain.metering import month_of, usage_increments
from shared.storage import keys


class Item(dict[str, Any]):
    """A stored item; its attributes read like a PynamoDB model's (a missing one is None)."""

    def __getattr__(self, name: str) -> Any:
        return self.get(name)


Condition = Callable[[Item | None], bool]


class ConditionFailed(Exception):
    """A conditional write found the item otherwise than it required."""


def absent(item: Item | None) -> bool:
    return item is None


def present(item: Item | None) -> bool:
    return item is not None


def where(**expected: Any) -> Condition:
    """The item exists and its attributes hold the values given."""
    return lambda item: item is not None and all(item.get(name) == value for name, value in expected.items())


# The hash attributes of the table's sparse indexes (models.py): each is kept as a map from its
# value to the items carrying it, so an index query reads its partition, not the whole table.
INDEXED = ("due_shard", "open_customer", "customer_id", "send_state")


class MemoryTable:
    """One tenant's items. A write replaces an item whole; a transaction keeps the items it
    replaced (an undo journal), so it costs what it touches, not the table's size."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, Item]] = {}
        self._by_index: dict[str, dict[str, dict[keys.Key, Item]]] = {name: {} for name in INDEXED}
        self._journal: list[tuple[keys.Key, Item | None]] | None = None

    # -- reading -----------------------------------------------------------------
    def get(self, key: keys.Key) -> Item | None:
        item = self._items.get(key[0], {}).get(key[1])
        return copy.deepcopy(item)

    def query(
        self,
        pk: str,
        *,
        prefix: str = "",
        below: str | None = None,
        between: tuple[str, str] | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[Item]:
        """The partition's items in sk order (reversed on request), as a key-condition query."""
        partition = self._items.get(pk, {})
        chosen = [
            partition[sk]
            for sk in sorted(partition, reverse=newest_first)
            if sk.startswith(prefix)
            and (below is None or sk < below)
            and (between is None or between[0] <= sk <= between[1])
        ]
        return copy.deepcopy(chosen[:limit] if limit is not None else chosen)

    def index(self, hash_name: str, hash_value: str, range_name: str, below: str | None = None) -> list[Item]:
        """A sparse index: the items carrying both attributes, the hash one equal to ``hash_value``,
        in range-attribute order."""
        candidates = (
            self._by_index[hash_name].get(hash_value, {}).values()
            if hash_name in self._by_index
            else (item for partition in self._items.values() for item in partition.values())
        )
        chosen = [
            item
            for item in candidates
            if item.get(hash_name) == hash_value
            and item.get(range_name) is not None
            and (below is None or item[range_name] < below)
        ]
        return copy.deepcopy(sorted(chosen, key=lambda item: str(item[range_name])))

    # -- writing -----------------------------------------------------------------
    def put(self, key: keys.Key, attributes: dict[str, Any], when: Condition | None = None) -> None:
        self._check(key, when)
        self._store(key, Item(attributes))

    def load(self, key: keys.Key, attributes: dict[str, Any]) -> None:
        """Store an item as it is (seeding; no condition, no JSON round trip: it must be JSON already)."""
        self._replace(key, Item(attributes, pk=key[0], sk=key[1]))

    def update(
        self,
        key: keys.Key,
        when: Condition | None = None,
        set_: dict[str, Any] | None = None,
        remove: Iterable[str] = (),
        add: dict[str, int] | None = None,
    ) -> Item:
        """Change some attributes (an item that does not exist is created, as DynamoDB does)."""
        current = self._check(key, when)
        changed = Item(copy.deepcopy(current) if current is not None else {})
        changed.update(set_ or {})
        for name in remove:
            changed.pop(name, None)
        for name, value in (add or {}).items():
            changed[name] = int(changed.get(name) or 0) + value
        self._store(key, changed)
        return copy.deepcopy(changed)

    def delete(self, key: keys.Key, when: Condition | None = None) -> None:
        self._check(key, when)
        self._replace(key, None)

    def check(self, key: keys.Key, when: Condition) -> None:
        """A transaction's condition on an item it does not write."""
        self._check(key, when)

    def _check(self, key: keys.Key, when: Condition | None) -> Item | None:
        current = self._items.get(key[0], {}).get(key[1])
        if when is not None and not when(current):
            raise ConditionFailed(f"{key[0]} {key[1]}")
        return current

    def _store(self, key: keys.Key, item: Item) -> None:
        # Through JSON, as DynamoDB stores it: what cannot be stored fails here too, and no caller
        # keeps a reference into the table.
        stored = Item(json.loads(json.dumps(item)))
        stored["pk"], stored["sk"] = key
        self._replace(key, stored)

    def _replace(self, key: keys.Key, item: Item | None) -> None:
        """Put ``item`` under ``key`` (None: remove it), keeping the index maps and the journal."""
        partition = self._items.setdefault(key[0], {})
        old = partition.get(key[1])
        if self._journal is not None:
            self._journal.append((key, old))
        for name, by_value in self._by_index.items():
            if old is not None and old.get(name) is not None:
                by_value.get(str(old[name]), {}).pop(key, None)
            if item is not None and item.get(name) is not None:
                by_value.setdefault(str(item[name]), {})[key] = item
        if item is None:
            partition.pop(key[1], None)
            if not partition:
                del self._items[key[0]]
        else:
            partition[key[1]] = item

    # -- transactions --------------------------------------------------------------
    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything written inside happens, or (on any exception) nothing does."""
        if self._journal is not None:
            yield
            return
        journal: list[tuple[keys.Key, Item | None]] = []
        self._journal = journal
        try:
            yield
        except BaseException:
            self._journal = None
            for key, old in reversed(journal):  # undo, newest first
                self._replace(key, old)
            raise
        finally:
            self._journal = None

    def transact(self, write: Callable[[], object]) -> bool:
        """Run ``write`` all or nothing; False when a condition failed (nothing was written)."""
        try:
            with self.atomic():
                write()
        except ConditionFailed:
            return False
        return True

    def attempt(self, write: Callable[[], object]) -> bool:
        """One conditional write: False when its condition failed."""
        return self.transact(write)

    # -- effects ---------------------------------------------------------------------
    def write_effect(self, effect: dict[str, Any], key: str) -> None:
        """The effect, once, and its month's usage counters (O15); inside a transaction."""
        self.put(keys.effect(effect, key), {"data": effect}, when=absent)
        increments = usage_increments(effect)
        if increments:
            self.update((keys.USAGE, month_of(effect)), add=dict(increments))


def mark_fee_check(table: MemoryTable, customer_id: str) -> None:
    """Inside the write that may make a customer's fee reversible: mark the customer (O13)."""
    table.update(keys.fee_check(customer_id), add={"value": 1})


class MemoryBase:
    """What every in-memory aggregate store shares: the table."""

    _table: MemoryTable
