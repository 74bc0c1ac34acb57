"""The send ledger's values, shared by its DynamoDB (:mod:`shared.storage.ledger`) and in-memory
(:mod:`shared.storage.memory.ledger`) implementations: entries, claims, ids, refusals. No PynamoDB."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.storage import keys


def ledger_time(moment: datetime) -> str:
    """How the send ledger stores a moment: ISO 8601 in UTC (so the text sorts as time does)."""
    return moment.astimezone(UTC).isoformat()


# What a claim's pending effect carries where the provider's message id will go.
PENDING_ID = "\u2060pending-provider-id"
OPEN_STATES = ("claimed", "unconfirmed", "failed")
State = Literal["claimed", "sent", "released", "unconfirmed", "failed"]
Outcome = Literal["claimed", "sent", "unconfirmed", "failed", "held"]


class LedgerUnavailable(RuntimeError):
    """The ledger could not be read or written after every retry."""


class LedgerConflict(RuntimeError):
    """The entry was taken over (an operator's decision, an expired lease) while this attempt recorded it."""


class NothingToResolve(LookupError):
    """An operator decision named a send that is not open (unknown, or already sent)."""


def send_id(key: str) -> str:
    """The entry's id: a hash of the business key, plain enough for an SES message tag ([A-Za-z0-9_-])."""
    return hashlib.sha256(key.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class SendEntry:
    """One ledger entry as the services see it."""

    key: str
    send_id: str
    channel: str
    state: str
    token: str | None
    lease_until: int | None
    attempts: int
    message: str | None
    effect: dict[str, Any] | None
    provider_id: str | None
    reason: str | None
    updated_at: str | None
    resolutions: list[dict[str, Any]]

    def as_data(self) -> dict[str, Any]:
        """The operator's view: no message body, the effect's public fields only."""
        effect = self.effect or {}
        return {
            "key": self.key,
            "send_id": self.send_id,
            "channel": self.channel,
            "state": self.state,
            "reason": self.reason,
            "since": self.updated_at,
            "customer": effect.get("customer"),
            "invoices": effect.get("invoices"),
            "step": effect.get("step"),
            "date": effect.get("date"),
            "provider_id": self.provider_id,
            "resolutions": self.resolutions,
        }


@dataclass(frozen=True)
class Claim:
    """The result of a claim: ``claimed`` (send now, with ``token``) or why not."""

    outcome: Outcome
    token: str
    entry: SendEntry | None


def send_entry(item: Any) -> SendEntry:
    """A stored entry (a PynamoDB model or an in-memory item: read by attribute) as the services see it."""
    return SendEntry(
        key=item.key,
        send_id=keys.send_id_of(str(item.pk)),
        channel=item.channel,
        state=item.state,
        token=item.token,
        lease_until=int(item.lease_until) if item.lease_until is not None else None,
        attempts=int(item.attempts or 0),
        message=item.message,
        effect=dict(item.effect) if item.effect is not None else None,
        provider_id=item.provider_id,
        reason=item.reason,
        updated_at=item.updated_at,
        resolutions=[dict(r) for r in (item.resolutions or [])],
    )


def with_provider_id(pending: dict[str, Any], provider_id: str | None) -> dict[str, Any]:
    """The pending effect stored with a claim, completed with the provider's message id."""
    return {name: (provider_id if value == PENDING_ID else value) for name, value in pending.items()}


class LedgerReads(ABC):
    """What both ledgers answer from :meth:`get_by_id` and :meth:`open_sends`, which each provides."""

    @abstractmethod
    def get_by_id(self, sid: str) -> SendEntry | None: ...

    @abstractmethod
    def open_sends(self, state: str, before: datetime) -> list[SendEntry]: ...

    def get(self, key: str) -> SendEntry | None:
        return self.get_by_id(send_id(key))

    def needing_decision(self, now: datetime, unconfirmed_for: timedelta) -> list[SendEntry]:
        """What the operator must decide: unconfirmed or failed for longer than ``unconfirmed_for``, and
        claims whose lease ran out without an outcome (the sender died after the provider may have sent)."""
        cutoff = now - unconfirmed_for
        found = self.open_sends("unconfirmed", cutoff) + self.open_sends("failed", cutoff)
        found += self.open_sends("claimed", now)
        return sorted(found, key=lambda e: (e.updated_at or "", e.key))
