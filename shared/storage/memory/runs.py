"""Runs, the run slot, queued requests and the outbox, in memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.errors import Conflict
from shared.storage import keys
from shared.storage.keys import OUTBOX
from shared.storage.memory.table import Item, MemoryBase, absent, present
from shared.storage.records import ACTOR_NOTE_ATTEMPTS, COMMITTED, TALLIED


class MemoryRunStore(MemoryBase):
    def put_run(self, run_id: str, data: dict[str, Any]) -> None:
        self._table.put((keys.RUN, run_id), {"data": data})

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        item = self._table.get((keys.RUN, run_id))
        return dict(item.data) if item is not None else None

    def list_runs(self, newest_first: bool = True, limit: int = 50) -> list[dict[str, Any]]:
        return [dict(item.data) for item in self._table.query(keys.RUN, newest_first=newest_first, limit=limit)]

    def runs_between(self, first: str, last: str) -> list[dict[str, Any]]:
        items = self._table.query(keys.RUN, between=(first, keys.run_between_upper(last)))
        return [dict(item.data) for item in items]

    def queue_run(self, run_id: str, data: dict[str, Any]) -> None:
        self._table.put((keys.RUN_QUEUE, run_id), {"data": data})

    def queued_runs(self) -> list[dict[str, Any]]:
        return [dict(item.data) | {"run_id": item.sk} for item in self._table.query(keys.RUN_QUEUE)]

    def dequeue_run(self, run_id: str) -> None:
        self._table.delete((keys.RUN_QUEUE, run_id))

    def acquire_run_lock(self, run_id: str, now_epoch: int, lease_seconds: int) -> str | None:
        """Take the single run slot (free, already this run's, or its lease ran out); else the holder."""

        def free_or_mine_or_expired(item: Item | None) -> bool:
            return item is None or item.run_id == run_id or int(item.expires) < now_epoch

        lock = {"run_id": run_id, "expires": now_epoch + lease_seconds}
        if self._table.attempt(lambda: self._table.put(keys.RUN_LOCK, lock, when=free_or_mine_or_expired)):
            return None
        holder = self._table.get(keys.RUN_LOCK)
        return str(holder.run_id) if holder is not None else None

    def release_run_lock(self, run_id: str) -> None:
        self._table.attempt(
            lambda: self._table.delete(keys.RUN_LOCK, when=lambda item: (item or Item()).run_id == run_id)
        )

    def open_fan_out(self, run_id: str, shards: Sequence[str]) -> bool:
        tally = {"total": len(shards), "done": []} | {name: 0 for name in TALLIED}
        return self._table.attempt(lambda: self._table.put(keys.run_fan_out(run_id), tally, when=absent))

    def record_run_part(self, run_id: str, part: str, shards_done: Sequence[str], counts: Mapping[str, int]) -> bool:
        unknown = set(counts) - set(TALLIED)
        if unknown:
            raise ValueError(f"not tallied: {sorted(unknown)}")

        def write() -> None:
            self._table.put(
                keys.run_part(run_id, part), {"data": {"shards": sorted(shards_done), **counts}}, when=absent
            )
            tally = self._table.get(keys.run_fan_out(run_id))
            done = sorted(set((tally or Item()).done or ()) | set(shards_done))
            self._table.update(keys.run_fan_out(run_id), when=present, set_={"done": done}, add=dict(counts))

        return self._table.transact(write)

    def fan_out_tally(self, run_id: str) -> dict[str, Any] | None:
        item = self._table.get(keys.run_fan_out(run_id))
        if item is None:
            return None
        return {
            "total": int(item.total),
            "done": set(item.done or ()),
            "ended": item.ended,
            "counts": {name: int(item.get(name) or 0) for name in TALLIED},
        }

    def run_commit_counts(self, run_id: str) -> dict[str, int]:
        totals = dict.fromkeys(COMMITTED, 0)
        for item in self._table.query(keys.run_commits(run_id)[0]):
            for name in COMMITTED:
                totals[name] += int(item.get(name) or 0)
        return totals

    def claim_run_end(self, run_id: str, part: str) -> bool:
        def unclaimed_or_mine(item: Item | None) -> bool:
            return item is not None and item.ended in (None, part)

        key = keys.run_fan_out(run_id)
        return self._table.attempt(lambda: self._table.update(key, when=unclaimed_or_mine, set_={"ended": part}))

    def pending_outbox(self) -> list[tuple[str, list[str]]]:
        return [(str(item.sk), [str(body) for body in item.messages]) for item in self._table.query(keys.OUTBOX)]

    def outbox_run(self, key: str) -> str | None:
        item = self._table.get((keys.OUTBOX, key))
        return str(item.run_id) if item is not None else None

    def keep_in_outbox(self, key: str, messages: list[str]) -> None:
        self._table.attempt(lambda: self._table.update((keys.OUTBOX, key), when=present, set_={"messages": messages}))

    def clear_outbox(self, keys: list[str]) -> None:
        for key in keys:
            self._table.delete((OUTBOX, key))

    def note_actor(self, subject: str, item_id: str, role: str, actor: str) -> None:
        for _ in range(ACTOR_NOTE_ATTEMPTS):
            if self._note_over(keys.actor(subject, item_id), self.actors(subject, item_id), role, actor):
                return
        raise Conflict(f"{subject} {item_id!r}: who did what kept changing; {role} was not recorded")

    def _note_over(self, key: keys.Key, before: dict[str, str], role: str, actor: str) -> bool:
        """Write ``before`` plus the note, only if the item still holds ``before``."""

        def unchanged(item: Item | None) -> bool:
            return (dict(item.data) if item is not None else {}) == before

        return self._table.attempt(lambda: self._table.put(key, {"data": before | {role: actor}}, when=unchanged))

    def actors(self, subject: str, item_id: str) -> dict[str, str]:
        item = self._table.get(keys.actor(subject, item_id))
        return dict(item.data) if item is not None else {}

    def all_actors(self, subject: str) -> dict[str, dict[str, str]]:
        return {str(item.sk): dict(item.data) for item in self._table.query(keys.actor(subject, "")[0])}

    def actors_of(self, subject: str, item_ids: set[str]) -> dict[str, dict[str, str]]:
        found = {item_id: self.actors(subject, item_id) for item_id in item_ids}
        return {item_id: actors for item_id, actors in found.items() if actors}
