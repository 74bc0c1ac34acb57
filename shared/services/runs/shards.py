"""A large run split over the due-index shards: the work item one shard worker gets, the queue
that carries work items, and the coordinator's split.

The due-index is sharded by customer (``keys.due_shards()``), so a customer is never in two
shards and consolidation per customer stays whole inside one shard. A run whose due set is
larger than :data:`FAN_OUT_ABOVE` opens a tally for the run and hands out one work item per
:data:`SHARDS_PER_ITEM` shards; each is done by :func:`shared.services.runs.fanout.run_shards`
in its own invocation (the work queue's event-source mapping bounds how many run at once).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.services.runs.summary import RunSummary
from shared.storage import keys
from shared.storage.protocols import Store

# A run with at most this many due invoices is done in one invocation, exactly as before fan-out
# (what a small tenant sees, and every `dunning simulate` scenario); above it the run fans out.
FAN_OUT_ABOVE = 2_000
# Shards per work item: the 16 shards make 16 work items, as many as the work queue's event-source
# mapping lets run at once by default (ShardConcurrency), each a few minutes at a million due invoices.
SHARDS_PER_ITEM = 1
# The run slot's lease once a run fans out (a run in one invocation has 15 minutes): a
# million due invoices take 5–8 minutes over 16 shards (make bench), so an hour leaves room for
# retries and throttling. The last part releases the slot; a run that dies frees it at the latest
# an hour after it started.
FANNED_OUT_LEASE_SECONDS = 60 * 60
# The coordinator's own part in the tally (what it resent from the outbox before the split).
COORDINATOR_PART = "coordinator"


class WorkItem(BaseModel):
    """One part of a fanned-out run, as the work queue carries it (the scheduler's SQS event).

    ``part`` is the part's id, recorded once in the run's tally: a duplicate delivery of the same
    item is the same part. A continuation's id extends its parent's with a checksum of the shards
    it carries, so two attempts of one item that stopped at different shards hand out different
    continuations, and the tally (a set of finished shards) counts each shard once."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    source: Literal["shards"] = "shards"
    run_id: str = Field(min_length=1)
    tag: str = Field(min_length=1)  # the run's effect tag; the tally's key
    kind: str
    run_date: date
    time: AwareDatetime  # the run's clock
    part: str = Field(min_length=1)
    shards: list[str] = Field(min_length=1)

    def continued(self, left: Sequence[str]) -> WorkItem:
        """The continuation of this item with the shards it has not finished."""
        checksum = zlib.crc32(",".join(sorted(left)).encode())
        return self.model_copy(update={"part": f"{self.part}.{checksum:08x}", "shards": list(left)})


class WorkQueue(Protocol):
    """Where work items go: the SQS work queue in AWS (``shared/aws.SqsWorkQueue``), a list in
    tests and the in-memory bench (:class:`ListWorkQueue`)."""

    def hand_out(self, items: Sequence[WorkItem]) -> None: ...


class ListWorkQueue:
    """A work queue in memory: the items in the order handed out (the bench drains it)."""

    def __init__(self) -> None:
        self.items: list[WorkItem] = []

    def hand_out(self, items: Sequence[WorkItem]) -> None:
        self.items.extend(items)

    def take(self) -> WorkItem | None:
        return self.items.pop(0) if self.items else None


def work_items(summary: RunSummary, time: AwareDatetime, shards: Sequence[str], per_item: int) -> list[WorkItem]:
    """The coordinator's split: the shards in groups of ``per_item``, one work item each."""
    return [
        WorkItem(
            run_id=summary.run_id,
            tag=summary.tag,
            kind=summary.kind,
            run_date=date.fromisoformat(summary.run_date),
            time=time,
            part=f"{start // per_item:04d}",
            shards=list(shards[start : start + per_item]),
        )
        for start in range(0, len(shards), per_item)
    ]


def fan_out(
    repo: Store,
    queue: WorkQueue,
    summary: RunSummary,
    time: AwareDatetime,
    per_item: int = SHARDS_PER_ITEM,
    shards: Sequence[str] | None = None,
) -> list[WorkItem]:
    """Open the run's tally and hand its shards out (status "fanned_out"); the run keeps its slot
    until the part that finishes the last shard ends it.

    Called again for the same run (a retried invocation of the coordinator) it hands the same
    items out again: a duplicate work item is harmless, and one that never left is sent now."""
    shards = keys.due_shards() if shards is None else list(shards)
    items = work_items(summary, time, shards, per_item)
    # The run keeps the slot while its shards run in parallel: its lease (the run's clock, as every
    # run's) now covers a fanned-out run, whose workers do not hold the slot themselves.
    repo.acquire_run_lock(summary.run_id, int(time.timestamp()), FANNED_OUT_LEASE_SECONDS)
    if repo.open_fan_out(summary.tag, shards):
        repo.record_run_part(summary.tag, COORDINATOR_PART, [], {"resent": summary.resent})
    summary.status = "fanned_out"
    summary.reason = f"{len(shards)} due-index shards handed out in {len(items)} work item(s)"
    # Saved before the items go: the part that ends the run finds it fanned out, and nothing after
    # this overwrites what that part records.
    repo.put_run(summary.run_id, asdict(summary) | {"time": time.isoformat()})
    queue.hand_out(items)
    return items


__all__ = [
    "COORDINATOR_PART",
    "FANNED_OUT_LEASE_SECONDS",
    "FAN_OUT_ABOVE",
    "SHARDS_PER_ITEM",
    "ListWorkQueue",
    "WorkItem",
    "WorkQueue",
    "fan_out",
    "work_items",
]
