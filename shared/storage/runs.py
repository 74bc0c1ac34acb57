"""Runs in DynamoDB: their records, the single run slot (a lease), queued requests, the outbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.transactions import TransactWrite

from shared.errors import Conflict
from shared.storage import keys
from shared.storage.dynamo import DynamoBase, conditional_failed, record_item
from shared.storage.keys import OUTBOX
from shared.storage.models import OutboxModel, RecordModel, RunCommitsModel, RunFanOutModel, RunLockModel, RunModel
from shared.storage.records import ACTOR_NOTE_ATTEMPTS, COMMITTED, TALLIED


class DynamoRunStore(DynamoBase):
    # -- runs -------------------------------------------------------------------
    def put_run(self, run_id: str, data: dict[str, Any]) -> None:
        RunModel(pk=keys.RUN, sk=run_id, data=data).save()

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        try:
            return dict(RunModel.get(keys.RUN, run_id).data)
        except RunModel.DoesNotExist:
            return None

    def list_runs(self, newest_first: bool = True, limit: int = 50) -> list[dict[str, Any]]:
        items = RunModel.query(keys.RUN, scan_index_forward=not newest_first, limit=limit)
        return [dict(item.data) for item in items]

    def runs_between(self, first: str, last: str) -> list[dict[str, Any]]:
        """Runs whose id (their ISO start time) lies in [first, last], oldest first."""
        items = RunModel.query(keys.RUN, RunModel.sk.between(first, keys.run_between_upper(last)))
        return [dict(item.data) for item in items]

    # -- queued requests and the run slot -----------------------------------------
    def queue_run(self, run_id: str, data: dict[str, Any]) -> None:
        """A run request that arrived while another run held the slot (O2: "waiting for robot")."""
        record_item((keys.RUN_QUEUE, run_id), data).save()

    def queued_runs(self) -> list[dict[str, Any]]:
        """The waiting run requests, by run id (their time), each with its ``run_id``; they stay
        queued until :meth:`dequeue_run` says they ran."""
        items = RecordModel.query(keys.RUN_QUEUE, consistent_read=True)
        return [dict(item.data) | {"run_id": item.sk} for item in items]

    def dequeue_run(self, run_id: str) -> None:
        """A queued request has run: take it off the queue."""
        record_item((keys.RUN_QUEUE, run_id)).delete()

    def acquire_run_lock(self, run_id: str, now_epoch: int, lease_seconds: int) -> str | None:
        """Take the tenant's single run slot; returns the holder's run id when another run has it.

        The lock is a lease: a run that died without releasing it is taken over once it expires.
        """
        pk, sk = keys.RUN_LOCK
        lock = RunLockModel(pk=pk, sk=sk, run_id=run_id, expires=now_epoch + lease_seconds)
        free_or_mine_or_expired = (
            RunLockModel.pk.does_not_exist() | (RunLockModel.run_id == run_id) | (RunLockModel.expires < now_epoch)
        )
        try:
            lock.save(condition=free_or_mine_or_expired)
            return None
        except PutError as error:
            if not conditional_failed(error):
                raise
        try:
            return str(RunLockModel.get(pk, sk).run_id)
        except RunLockModel.DoesNotExist:  # released in between: try once more
            return self.acquire_run_lock(run_id, now_epoch, lease_seconds)

    def release_run_lock(self, run_id: str) -> None:
        pk, sk = keys.RUN_LOCK
        try:
            RunLockModel(pk=pk, sk=sk).delete(condition=RunLockModel.run_id == run_id)
        except DeleteError as error:
            if not conditional_failed(error):
                raise

    # -- a fanned-out run's tally (shared/services/runs/fanout.py) ----------------------
    def open_fan_out(self, run_id: str, shards: Sequence[str]) -> bool:
        """Start the tally of a run fanned out over ``shards``; False when it was started before."""
        pk, sk = keys.run_fan_out(run_id)
        try:
            RunFanOutModel(pk=pk, sk=sk, total=len(shards)).save(condition=RunFanOutModel.pk.does_not_exist())
        except PutError as error:
            if conditional_failed(error):
                return False
            raise
        return True

    def record_run_part(self, run_id: str, part: str, shards_done: Sequence[str], counts: Mapping[str, int]) -> bool:
        """One transaction: the part's record (once: False when it was recorded before, and then
        nothing is added) and its finished shards and counts added to the run's tally."""
        unknown = set(counts) - set(TALLIED)
        if unknown:
            raise ValueError(f"not tallied: {sorted(unknown)}")
        actions: list[Any] = [getattr(RunFanOutModel, name).add(value) for name, value in counts.items() if value]
        if shards_done:
            actions.append(RunFanOutModel.done.add(set(shards_done)))
        if not actions:
            actions.append(RunFanOutModel.reminders.add(0))  # an update needs an action
        pk, sk = keys.run_fan_out(run_id)
        record = record_item(keys.run_part(run_id, part), {"shards": sorted(shards_done), **counts})

        def write(transaction: TransactWrite) -> None:
            transaction.save(record, condition=RecordModel.pk.does_not_exist())
            transaction.update(RunFanOutModel(pk=pk, sk=sk), actions=actions, condition=RunFanOutModel.pk.exists())

        return self._transact(write)

    def fan_out_tally(self, run_id: str) -> dict[str, Any] | None:
        """The tally (``total``, ``done`` shards, ``ended`` by which part, ``counts``); None before it opened."""
        try:
            item = RunFanOutModel.get(*keys.run_fan_out(run_id), consistent_read=True)
        except RunFanOutModel.DoesNotExist:
            return None
        return {
            "total": int(item.total),
            "done": set(item.done or ()),
            "ended": item.ended,
            "counts": {name: int(getattr(item, name) or 0) for name in TALLIED},
        }

    def run_commit_counts(self, run_id: str) -> dict[str, int]:
        """What the run's commits added up (every name of ``COMMITTED``; 0 when none): one query of
        its few buckets, strongly consistent."""
        totals = dict.fromkeys(COMMITTED, 0)
        for item in RunCommitsModel.query(keys.run_commits(run_id)[0], consistent_read=True):
            for name in COMMITTED:
                totals[name] += int(getattr(item, name) or 0)
        return totals

    def claim_run_end(self, run_id: str, part: str) -> bool:
        """The one part that ends the run: True for the first to claim it (and for that part again)."""
        pk, sk = keys.run_fan_out(run_id)
        try:
            RunFanOutModel(pk=pk, sk=sk).update(
                actions=[RunFanOutModel.ended.set(part)],
                condition=RunFanOutModel.pk.exists()
                & (RunFanOutModel.ended.does_not_exist() | (RunFanOutModel.ended == part)),
            )
        except UpdateError as error:
            if conditional_failed(error):
                return False
            raise
        return True

    # -- the outbox: committed reminders whose messages are not yet confirmed sent ------
    def pending_outbox(self) -> list[tuple[str, list[str]]]:
        """Reminders committed by a run that stopped before confirming their messages were sent."""
        return [(item.sk, [str(body) for body in item.messages]) for item in OutboxModel.query(keys.OUTBOX)]

    def outbox_run(self, key: str) -> str | None:
        """The run that filed the outbox item ``key`` (None when there is none): tells a commit whose
        answer was lost apart from one another run made."""
        try:
            return str(OutboxModel.get(keys.OUTBOX, key, consistent_read=True).run_id)
        except OutboxModel.DoesNotExist:
            return None

    def keep_in_outbox(self, key: str, messages: list[str]) -> None:
        """Part of a reminder's messages went: only the rest stays to be sent."""
        try:
            OutboxModel(pk=keys.OUTBOX, sk=key).update(
                actions=[OutboxModel.messages.set(messages)],  # type: ignore[arg-type]
                condition=OutboxModel.pk.exists(),
            )
        except UpdateError as error:
            if not conditional_failed(error):
                raise

    def clear_outbox(self, keys: list[str]) -> None:
        with OutboxModel.batch_write() as batch:
            for key in keys:
                batch.delete(OutboxModel(pk=OUTBOX, sk=key))

    # -- who did it --------------------------------------------------------------
    def note_actor(self, subject: str, item_id: str, role: str, actor: str) -> None:
        """Record who did ``role`` (``started_by``, ``decided_by``, …) to ``subject`` ``item_id``:
        written only over the roles it read (another operator's note in between is read again and
        kept, never overwritten)."""
        key = keys.actor(subject, item_id)
        for _ in range(ACTOR_NOTE_ATTEMPTS):
            before = self.actors(subject, item_id)
            unchanged = RecordModel.data == before if before else RecordModel.pk.does_not_exist()
            try:
                record_item(key, before | {role: actor}).save(condition=unchanged)
                return
            except PutError as error:
                if not conditional_failed(error):
                    raise
        raise Conflict(f"{subject} {item_id!r}: who did what kept changing; {role} was not recorded")

    def actors(self, subject: str, item_id: str) -> dict[str, str]:
        """Who did what to one item, by role (empty when nobody is recorded); strongly consistent."""
        try:
            return dict(RecordModel.get(*keys.actor(subject, item_id), consistent_read=True).data)
        except RecordModel.DoesNotExist:
            return {}

    def all_actors(self, subject: str) -> dict[str, dict[str, str]]:
        """Who did what to every item of ``subject`` that has someone recorded, by item id (in id order)."""
        return {item.sk: dict(item.data) for item in RecordModel.query(keys.actor(subject, "")[0])}

    def actors_of(self, subject: str, item_ids: set[str]) -> dict[str, dict[str, str]]:
        """:meth:`actors` of many items in one batch read, by item id (items with nobody left out)."""
        if not item_ids:
            return {}  # a batch read of nothing is a request all the same
        found = RecordModel.batch_get([keys.actor(subject, item_id) for item_id in item_ids])
        return {item.sk: dict(item.data) for item in found}
