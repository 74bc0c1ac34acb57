"""The send ledger in memory: the same states and conditions as :class:`shared.storage.ledger.SendLedger`
(claimed → sent, released, unconfirmed, failed), without retries (memory does not fail)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.storage import keys
from shared.storage.memory import MemoryStore
from shared.storage.memory.table import Condition, ConditionFailed, Item
from shared.storage.send_entries import (
    OPEN_STATES,
    Claim,
    LedgerConflict,
    LedgerReads,
    NothingToResolve,
    SendEntry,
    ledger_time,
    send_entry,
    send_id,
    with_provider_id,
)

NOT_OPEN = ["lease_until", "send_state", "send_at"]


def _holding(token: str | None, *states: str) -> Condition:
    """The entry is still held by ``token`` in one of ``states``."""
    return lambda item: item is not None and item.token == token and item.state in states


class MemorySendLedger(LedgerReads):
    def __init__(self, store: MemoryStore, lease: timedelta | None, clock: Callable[[], datetime]) -> None:
        self._table = store._table
        self._lease = lease
        self._clock = clock

    def _now(self) -> str:
        return ledger_time(self._clock())

    def get_by_id(self, sid: str) -> SendEntry | None:
        item = self._table.get(keys.send(sid))
        return send_entry(item) if item is not None else None

    def open_sends(self, state: str, before: datetime) -> list[SendEntry]:
        bound = ledger_time(before)
        return [send_entry(item) for item in self._table.index("send_state", state, "send_at", below=bound)]

    def claim(self, key: str, channel: str, body: str, pending: dict[str, Any]) -> Claim:
        if self._lease is None:
            raise ValueError("this send ledger was made without a lease and cannot claim")
        token = uuid.uuid4().hex
        now = self._clock()
        lease_until = int((now + self._lease).timestamp())

        def free(item: Item | None) -> bool:
            return (
                item is None
                or item.state == "released"
                or (item.state == "claimed" and (int(item.lease_until) < int(now.timestamp()) or item.token == token))
            )

        change = {
            "key": key,
            "channel": channel,
            "state": "claimed",
            "token": token,
            "lease_until": lease_until,
            "message": body,
            "effect": pending,
            "updated_at": ledger_time(now),
            "send_state": "claimed",
            "send_at": keys.send_at(datetime.fromtimestamp(lease_until, UTC).isoformat(), send_id(key)),
        }
        try:
            item = self._table.update(
                keys.send(send_id(key)), when=free, set_=change, remove=["reason", "provider_id"], add={"attempts": 1}
            )
        except ConditionFailed:
            entry = self.get(key)
            assert entry is not None
            return Claim("held" if entry.state == "claimed" else entry.state, token, entry)  # type: ignore[arg-type]
        return Claim("claimed", token, send_entry(item))

    def record_sent(self, claim: Claim, provider_id: str, effect: dict[str, Any]) -> dict[str, Any]:
        assert claim.entry is not None, "record_sent needs a claimed entry"
        return self._mark_sent(claim.entry.key, _holding(claim.token, "claimed", "unconfirmed"), provider_id, effect)

    def record_all_sent(self, sends: Sequence[tuple[Claim, str, dict[str, Any]]]) -> bool:
        now = self._now()

        def write() -> None:
            for claim, provider_id, effect in sends:
                assert claim.entry is not None, "record_all_sent needs claimed entries"
                change = {"state": "sent", "effect": effect, "updated_at": now}
                if provider_id:
                    change["provider_id"] = provider_id
                when = _holding(claim.token, "claimed", "unconfirmed")
                self._table.update(
                    keys.send(send_id(claim.entry.key)), when=when, set_=change, remove=[*NOT_OPEN, "reason"]
                )
                self._table.write_effect(effect, claim.entry.key)

        return self._table.transact(write)

    def mark_unconfirmed(self, claim: Claim, reason: str) -> None:
        assert claim.entry is not None
        self._set_open(claim.entry.key, "unconfirmed", reason, _holding(claim.token, "claimed", "unconfirmed"))

    def hold_unconfirmed(self, claim: Claim, reason: str) -> SendEntry | None:
        assert claim.entry is not None
        other = claim.entry
        with suppress(ConditionFailed):  # the other attempt finished meanwhile: the entry says how
            self._set_open(other.key, "unconfirmed", reason, _holding(other.token, "claimed", "unconfirmed"))
        return self.get(other.key)

    def release(self, claim: Claim, reason: str) -> None:
        assert claim.entry is not None
        with suppress(ConditionFailed):  # taken over (an expired lease, an operator): theirs now
            self._released(claim.entry.key, reason, _holding(claim.token, "claimed", "unconfirmed"))

    def resolve_from_provider(self, sid: str, provider_id: str | None, sent: bool, reason: str) -> str | None:
        entry = self.get_by_id(sid)
        if entry is None or entry.state not in OPEN_STATES:
            return None
        same = _holding(entry.token, entry.state)
        resolution = {"at": self._now(), "by": reason, "decision": "sent" if sent else "failed", "was": entry.state}
        if sent:
            self._mark_sent(entry.key, same, provider_id, with_provider_id(entry.effect or {}, provider_id), resolution)
            return "sent"
        if entry.state == "failed":
            return None
        try:
            self._set_open(entry.key, "failed", reason, same, resolution)
        except ConditionFailed:
            return None
        return "failed"

    def resolve_by_operator(self, key: str, decision: Literal["sent", "resend"], by: str) -> SendEntry:
        entry = self.get(key)
        resendable = ("released",) if decision == "resend" else ()
        if entry is None or (entry.state not in OPEN_STATES and entry.state not in resendable):
            state = entry.state if entry else "unknown"
            raise NothingToResolve(f"send {key!r} is {state}; only an open send can be resolved")
        resolution = {"at": self._now(), "by": by, "decision": decision, "was": entry.state}
        if decision == "sent":
            effect = with_provider_id(entry.effect or {}, None)
            self._mark_sent(key, _holding(entry.token, entry.state), entry.provider_id, effect, resolution)
        else:
            reason = f"operator decided to resend ({entry.state})"
            try:
                self._released(key, reason, _holding(entry.token, entry.state, "released"), resolution)
            except ConditionFailed as error:
                raise LedgerConflict(f"send {key!r} changed while the operator decided") from error
        found = self.get(key)
        assert found is not None
        return found

    # -- writes ---------------------------------------------------------------------------
    def _resolutions(self, key: str, resolution: dict[str, Any] | None) -> dict[str, Any]:
        if resolution is None:
            return {}
        current = self.get(key)
        return {"resolutions": [*(current.resolutions if current else []), resolution]}

    def _released(self, key: str, reason: str, when: Condition, resolution: dict[str, Any] | None = None) -> None:
        """Released: the next delivery may claim again. :class:`ConditionFailed` when taken over meanwhile."""
        change = {"state": "released", "reason": reason, "updated_at": self._now()} | self._resolutions(key, resolution)
        self._table.update(keys.send(send_id(key)), when=when, set_=change, remove=NOT_OPEN)

    def _set_open(
        self, key: str, state: str, reason: str, when: Condition, resolution: dict[str, Any] | None = None
    ) -> None:
        now = self._now()
        change = {"state": state, "reason": reason, "updated_at": now, "send_state": state}
        change |= {"send_at": keys.send_at(now, send_id(key))} | self._resolutions(key, resolution)
        self._table.update(keys.send(send_id(key)), when=when, set_=change)

    def _mark_sent(
        self,
        key: str,
        when: Condition,
        provider_id: str | None,
        effect: dict[str, Any],
        resolution: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        change = {"state": "sent", "effect": effect, "updated_at": self._now()} | self._resolutions(key, resolution)
        if provider_id:
            change["provider_id"] = provider_id

        def write(with_effect: bool) -> None:
            self._table.update(keys.send(send_id(key)), when=when, set_=change, remove=[*NOT_OPEN, "reason"])
            if with_effect:
                self._table.write_effect(effect, key)

        if self._table.transact(lambda: write(True)):
            return effect
        entry = self.get(key)
        if entry is not None and entry.state == "sent":
            return entry.effect or effect
        if self._table.get(keys.effect(effect, key)) is not None:  # recorded before the ledger
            self._table.transact(lambda: write(False))
            return effect
        raise LedgerConflict(f"send {key!r} changed while it was being recorded ({entry.state if entry else 'gone'})")
