"""Work-arounds for two places where moto's cost grows with the data, active only inside the bench.

Neither changes what is sent or answered, or how many requests there are; they
only take moto's own bookkeeping out of the timings.

* ``fast_transactions``: moto's ``TransactWriteItems`` deep-copies the whole
  table once per item of the transaction, to roll back on failure. With 100,000
  invoices that is seconds per transaction, and the fee and BS consumers write
  one transaction per message. The patch snapshots only the items the
  transaction touches and restores exactly those on failure (the same
  all-or-nothing result).
* ``fast_sqs_clock``: moto SQS reads the clock through ``unix_time_millis``
  (datetime arithmetic) for every message on every send/receive, which makes
  deep queues slow (quadratic overall). The patch reads ``time.time()``
  instead; same value, about 17x cheaper. Still quadratic: see tooling.md §5.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from types import SimpleNamespace
from typing import Any

import moto.dynamodb.models as dynamodb_models
import moto.sqs.models as sqs_models
from moto.dynamodb.models.table import Table


@contextmanager
def _patched(owner: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _no_table_copy(value: Any, memo: Any = None) -> Any:
    """``copy.deepcopy`` for moto's backend module, except that a whole table is not copied."""
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


_SHALLOW_TABLES = SimpleNamespace(deepcopy=_no_table_copy, copy=copy.copy)

Saved = list[tuple[Table, Any, Any, Any]]


def _snapshot(backend: Any, transact_items: list[dict[str, Any]]) -> Saved:
    saved: Saved = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.get_table(op["TableName"])
        if "Item" in op:
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        hash_value, range_value = backend.get_keys_value(table, key)
        saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
    return saved


def _restore(saved: Saved) -> None:
    for table, hash_value, range_value, item in reversed(saved):
        if item is None:
            table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item


@contextmanager
def fast_transactions() -> Iterator[None]:
    backend_class = dynamodb_models.DynamoDBBackend
    original: Callable[..., None] = backend_class.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        try:
            saved = _snapshot(self, transact_items)
        except Exception:  # malformed request: let moto answer it the usual (slow) way
            return original(self, transact_items)
        try:
            with _patched(dynamodb_models, "copy", _SHALLOW_TABLES):
                original(self, transact_items)
        except Exception:
            _restore(saved)
            raise

    with _patched(backend_class, "transact_write_items", transact_write_items):
        yield


def _clock_millis(dt: Any = None) -> float:
    return time.time() * 1000.0 if dt is None else float(_ORIGINAL_MILLIS(dt))


_ORIGINAL_MILLIS = sqs_models.unix_time_millis


@contextmanager
def fast_sqs_clock() -> Iterator[None]:
    with _patched(sqs_models, "unix_time_millis", _clock_millis):
        yield


@contextmanager
def moto_patches(transactions: bool, sqs_clock: bool) -> Iterator[list[str]]:
    """Apply the chosen patches; yields the notes that say which are on."""
    notes: list[str] = []
    with ExitStack() as stack:
        if transactions:
            stack.enter_context(fast_transactions())
            notes.append(
                "moto patched (bench only): TransactWriteItems snapshots the touched items instead "
                "of deep-copying the whole table per item (moto's copy is O(table size))."
            )
        if sqs_clock:
            stack.enter_context(fast_sqs_clock())
            notes.append(
                "moto patched (bench only): moto.sqs.models.unix_time_millis reads time.time() "
                "(moto SQS evaluates the clock per message per request; see tooling.md section 5)."
            )
        yield notes
