"""The large run on the in-memory store: the bench's data set at 1,000,000 invoices (1 % due),
run by the real services shard by shard, counted and checked.

Nothing here is AWS: the store is :class:`shared.storage.memory.MemoryStore` (the contract
tests keep it equal to the DynamoDB store) and the queues are a list. What it shows is that
the work divides by shard — each shard's due invoices, reminders and store calls — and that
the division is sound:

* every due invoice is reminded exactly once (one e-mail message names it, and it advanced);
* no customer is in two shards (a customer's invoices are all in its shard, so consolidating
  per shard is consolidating per customer);
* nothing is left due after the run.

The wall time of a 1,000,000-due run on AWS is projected in :mod:`bench.cost_model` from the
requests measured on moto; this run gives the shard sizes that projection divides by.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.seed import (
    INVOICES_PER_CUSTOMER,
    RUN_DATE,
    RUN_TIME,
    TEMPLATE,
    customer_profile,
    invoice_state,
    layout,
    tenant_settings,
)
from shared.messages import QueueMessage
from shared.services.scheduling import schedule_due_reminders
from shared.services.tenant.settings import store_settings
from shared.services.tenant.templates import define_template
from shared.storage import keys
from shared.storage.memory import MemoryStore
from shared.storage.records import Agreement

CHUNK = 5_000


class ShardSink:
    """The queues, as a list per shard: which shard's work sent each message."""

    def __init__(self) -> None:
        self.by_shard: dict[str, list[QueueMessage]] = defaultdict(list)
        self.shard = "all"

    def send(self, messages: Iterable[QueueMessage]) -> int:
        batch = list(messages)
        self.by_shard[self.shard].extend(batch)
        return len(batch)


class CountingStore:
    """The store, counting calls by method (each is about one DynamoDB request in the DynamoDB
    store; a query or batch read pages by 1 MB / 100 keys)."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attribute(*args, **kwargs)

        return counted


def _progress(text: str) -> None:
    print(f"bench:   {text}", file=sys.stderr, flush=True)


def seed_memory(n: int) -> tuple[MemoryStore, Any, set[str]]:
    """The bench's data set on a fresh in-memory store; returns it, the settings and the due ids."""
    store = MemoryStore()
    settings = tenant_settings(f"bench-memory-{n}")
    store_settings(store, settings, actor="bench")
    version = define_template(store, TEMPLATE, RUN_DATE - timedelta(days=365), actor="bench").version
    _due, customer_of, due_customers, _pairs = layout(n)
    customers = max(n // INVOICES_PER_CUSTOMER, due_customers)
    profiles = [customer_profile(number) for number in range(customers)]
    store.put_customers(profiles)
    store.create_agreements([Agreement(f"A{i:06d}", p.customer_id, version.version_id) for i, p in enumerate(profiles)])
    respite = settings.min_days_between_reminders
    due_ids: set[str] = set()
    for start in range(0, n, CHUNK):
        chunk = []
        for index in range(start, min(n, start + CHUNK)):
            due_now = index in customer_of
            state, first = invoice_state(
                index, customer_of[index] if due_now else index % customers, version, respite, due_now
            )
            chunk.append((state, first))
            if due_now:
                due_ids.add(state.invoice_id)
        store.load_invoices(chunk)
    return store, settings, due_ids


def _checks(
    store: MemoryStore, due_ids: set[str], shard_of_customer: dict[str, str], sink: ShardSink
) -> tuple[list[str], dict[str, Any]]:
    problems: list[str] = []
    named: Counter[str] = Counter()
    customers_seen: dict[str, set[str]] = defaultdict(set)
    for shard, messages in sink.by_shard.items():
        for message in messages:
            customers_seen[message.customer_id].add(shard)
            if message.action == "email":
                named.update(getattr(message, "invoice_ids", []))
    twice = [invoice_id for invoice_id, count in named.items() if count > 1]
    never = due_ids - set(named)
    if twice:
        problems.append(f"{len(twice)} due invoice(s) in two e-mail messages, e.g. {twice[0]}")
    if never:
        problems.append(f"{len(never)} due invoice(s) never reminded, e.g. {sorted(never)[0]}")
    split = [c for c, shards in customers_seen.items() if len(shards) > 1]
    if split:
        problems.append(f"{len(split)} customer(s) sent from two shards' work, e.g. {split[0]}")
    moved = [c for c, shard in shard_of_customer.items() if keys.due_shard(c) != shard]
    if moved:
        problems.append(f"{len(moved)} customer(s) found in a shard not their own")
    not_advanced = [i for i in due_ids if store.get_invoice(i).steps_done != 1]  # type: ignore[union-attr]
    if not_advanced:
        problems.append(f"{len(not_advanced)} due invoice(s) did not advance exactly one step")
    left = sum(1 for _ in store.due_invoices(RUN_DATE))
    if left:
        problems.append(f"{left} invoice(s) still due after the run")
    facts = {
        "due_invoices_reminded_once": len(due_ids) - len(never) - len(twice),
        "customers_in_two_shards": len(split),
        "still_due_after_run": left,
    }
    return problems, facts


RunShards = Callable[[CountingStore, ShardSink, Any, datetime], dict[str, Any]]


def _run_whole(store: CountingStore, sink: ShardSink, settings: Any, now: datetime) -> dict[str, Any]:
    summary = schedule_due_reminders(store, sink, now)  # type: ignore[arg-type]
    return {"status": summary.status, "reminders": summary.reminders, "messages": summary.messages, "work_items": 1}


def measure_memory(n: int, run: RunShards = _run_whole) -> dict[str, Any]:
    """Seed ``n`` invoices in memory, run once, check and count per shard."""
    started = time.perf_counter()
    _progress(f"in memory: seeding {n:,} invoices")
    store, settings, due_ids = seed_memory(n)
    seeded = time.perf_counter() - started
    shard_sizes: dict[str, int] = {}
    shard_of_customer: dict[str, str] = {}
    for shard in keys.due_shards():
        found = list(store.due_invoices(RUN_DATE, shards=[shard]))
        shard_sizes[shard] = len(found)
        for invoice in found:
            if shard_of_customer.setdefault(invoice.customer_id, shard) != shard:
                shard_of_customer[invoice.customer_id] = "two shards"
    counting = CountingStore(store)
    sink = ShardSink()
    now = datetime.combine(RUN_DATE, RUN_TIME, tzinfo=settings.zone).astimezone(UTC)
    _progress(f"in memory: running {len(due_ids):,} due invoices over {len(shard_sizes)} shards")
    run_started = time.perf_counter()
    outcome = run(counting, sink, settings, now)
    run_seconds = time.perf_counter() - run_started
    problems, facts = _checks(store, due_ids, shard_of_customer, sink)
    sizes = sorted(shard_sizes.values())
    messages = sum(len(m) for m in sink.by_shard.values())
    return {
        "invoices": n,
        "due_invoices": len(due_ids),
        "shards": len(shard_sizes),
        "due_per_shard": {"min": sizes[0], "median": sizes[len(sizes) // 2], "max": sizes[-1]},
        "run": outcome,
        "messages": messages,
        "store_calls": dict(sorted(counting.calls.items())),
        "store_calls_per_due_invoice": round(sum(counting.calls.values()) / max(1, len(due_ids)), 3),
        "checks": facts,
        "problems": problems,
        "seed_seconds": round(seeded, 1),
        "run_seconds": round(run_seconds, 1),
        "ms_per_due_invoice": round(run_seconds * 1000 / max(1, len(due_ids)), 3),
    }
