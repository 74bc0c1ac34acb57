"""The send ledger: one entry per external send (e-mail, SMS, collection e-mail), by business key.

An entry moves ``claimed`` → ``sent`` in the normal case. A claim is a
conditional write that succeeds only when there is no entry, the previous
claim was ``released`` (the provider refused it), its lease ran out, or the
claim is this attempt's own (a retried write that took effect before it
raised). After the provider accepted, one transaction writes ``sent``, the
effect and the month's usage (:meth:`SendLedger.record_all_sent`: one for a
batch of sends). An ambiguous failure leaves the entry ``unconfirmed``; the
provider's own record (SES events, SNS delivery status) or an operator's
decision resolves it later. Every write here is retried in place a few times,
because giving up between "the provider accepted" and "it is recorded" is
exactly what the ledger exists to avoid.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.storage import keys
from shared.storage.bookings import summed_usage
from shared.storage.dynamo import conditional_failed
from shared.storage.models import EffectModel, RecordModel, SendLedgerModel, UsageModel
from shared.storage.repository import DunningRepository
from shared.storage.send_entries import (
    OPEN_STATES,
    PENDING_ID,
    Claim,
    LedgerConflict,
    LedgerReads,
    LedgerUnavailable,
    NothingToResolve,
    Outcome,
    SendEntry,
    State,
    ledger_time,
    send_entry,
    send_id,
    with_provider_id,
)

__all__ = [
    "OPEN_STATES",
    "PENDING_ID",
    "Claim",
    "LedgerConflict",
    "LedgerUnavailable",
    "NothingToResolve",
    "Outcome",
    "SendEntry",
    "SendLedger",
    "State",
    "send_id",
    "with_provider_id",
]

T = TypeVar("T")

SK = keys.SEND_SK
# In-place retries of one ledger write: under a 30 % fault rate ten tries all fail about once in 170,000.
WRITE_ATTEMPTS = 10


def _retry(write: Callable[[], T]) -> T:
    """Run ``write``; retry what failed for a reason other than a condition (throttling, timeouts, 5xx)."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return write()
        except Exception as error:
            if conditional_failed(error):
                raise
            if attempt == WRITE_ATTEMPTS - 1:
                raise LedgerUnavailable(f"the send ledger is unavailable: {type(error).__name__}") from error
            time.sleep(min(0.01 * 2**attempt, 0.25))
    raise AssertionError("unreachable")


def _sent_actions(effect: dict[str, Any], now: str, provider_id: str | None, by: dict[str, Any] | None) -> list[Action]:
    """An entry's update to ``sent``: its effect, no lease, out of the open-sends index."""
    model = SendLedgerModel
    actions: list[Action] = [
        model.state.set("sent"),
        model.effect.set(effect),
        model.updated_at.set(now),
        model.lease_until.remove(),
        model.send_state.remove(),
        model.send_at.remove(),
        model.reason.remove(),
    ]
    if provider_id:
        actions.append(model.provider_id.set(provider_id))
    if by is not None:
        actions.append(model.resolutions.set((model.resolutions | []).append([by])))
    return actions


class SendLedger(LedgerReads):
    """The tenant's send ledger. ``lease`` must outlast the queue's visibility timeout (see README)."""

    def __init__(self, repo: DunningRepository, lease: timedelta | None, clock: Callable[[], datetime]) -> None:
        self._repo = repo
        self._lease = lease  # None: this process never claims (the API, the delivery events)
        self._clock = clock

    # -- reading ----------------------------------------------------------------
    def get_by_id(self, sid: str) -> SendEntry | None:
        """The entry of a send id (an SES tag, the operator API's path)."""

        def read() -> SendEntry | None:
            try:
                return send_entry(SendLedgerModel.get(*keys.send(sid), consistent_read=True))
            except SendLedgerModel.DoesNotExist:
                return None

        return _retry(read)

    def open_sends(self, state: str, before: datetime) -> list[SendEntry]:
        """Open entries of ``state`` whose time (lease end for claims) is before ``before``: one query."""
        bound = ledger_time(before)
        return [send_entry(item) for item in SendLedgerModel.send_index.query(state, SendLedgerModel.send_at < bound)]

    # -- the consumer's flow ----------------------------------------------------------
    def claim(self, key: str, channel: str, body: str, pending: dict[str, Any]) -> Claim:
        """Claim ``key`` for one send; the attempt's token lets a retried write recognise its own claim."""
        if self._lease is None:
            raise ValueError("this send ledger was made without a lease and cannot claim")
        token = uuid.uuid4().hex
        now = self._clock()
        lease_until = int((now + self._lease).timestamp())
        model = SendLedgerModel
        condition = (
            model.pk.does_not_exist()
            | (model.state == "released")
            | ((model.state == "claimed") & (model.lease_until < int(now.timestamp())))
            | ((model.state == "claimed") & (model.token == token))
        )
        item = SendLedgerModel(pk=keys.send(send_id(key))[0], sk=SK)
        actions: list[Action] = [
            model.key.set(key),
            model.channel.set(channel),
            model.state.set("claimed"),
            model.token.set(token),
            model.lease_until.set(lease_until),
            model.attempts.add(1),
            model.message.set(body),
            model.effect.set(pending),
            model.updated_at.set(ledger_time(now)),
            model.send_state.set("claimed"),
            model.send_at.set(keys.send_at(datetime.fromtimestamp(lease_until, UTC).isoformat(), send_id(key))),
            model.reason.remove(),
            model.provider_id.remove(),
        ]
        try:
            _retry(lambda: item.update(actions=actions, condition=condition))
        except UpdateError as error:
            if not conditional_failed(error):
                raise
            entry = self.get(key)
            if entry is None:  # vanished between the two calls: nothing holds it, try once more
                return self.claim(key, channel, body, pending)
            if entry.state == "claimed":
                return Claim("held", token, entry)
            return Claim(entry.state, token, entry)  # type: ignore[arg-type]
        return Claim("claimed", token, send_entry(item))  # update() refreshed the item from DynamoDB's answer

    def record_sent(self, claim: Claim, provider_id: str, effect: dict[str, Any]) -> dict[str, Any]:
        """One transaction: the ledger says ``sent`` (with the provider's id), the effect and its usage.

        Idempotent: when an earlier try (or the provider's event) already recorded it, the
        recorded effect is returned.
        """
        key = claim.entry.key if claim.entry else None
        assert key is not None, "record_sent needs a claimed entry"
        mine = (SendLedgerModel.token == claim.token) & SendLedgerModel.state.is_in("claimed", "unconfirmed")
        return self._mark_sent(key, mine, provider_id, effect, by=None)

    def mark_unconfirmed(self, claim: Claim, reason: str) -> None:
        """The provider may or may not have sent: hold the key, send nothing more until resolved."""
        assert claim.entry is not None
        # "unconfirmed" is allowed too: a retried write that took effect before it raised
        condition = (SendLedgerModel.token == claim.token) & SendLedgerModel.state.is_in("claimed", "unconfirmed")
        self._set_open(claim.entry.key, "unconfirmed", reason, condition)

    def hold_unconfirmed(self, claim: Claim, reason: str) -> SendEntry | None:
        """A delivery found another attempt's live claim: it may have sent already, so the key is
        held as unconfirmed instead of sent again. Returns the entry as it is now."""
        assert claim.entry is not None
        other = claim.entry
        condition = (SendLedgerModel.token == other.token) & SendLedgerModel.state.is_in("claimed", "unconfirmed")
        try:
            self._set_open(other.key, "unconfirmed", reason, condition)
        except UpdateError as error:
            if not conditional_failed(error):
                raise
        return self.get(other.key)

    def release(self, claim: Claim, reason: str) -> None:
        """The provider refused: nothing was sent, the next delivery may claim again."""
        assert claim.entry is not None
        model = SendLedgerModel
        item = SendLedgerModel(pk=keys.send(send_id(claim.entry.key))[0], sk=SK)
        condition = (model.token == claim.token) & model.state.is_in("claimed", "unconfirmed")
        actions: list[Action] = [
            model.state.set("released"),
            model.reason.set(reason),
            model.updated_at.set(ledger_time(self._clock())),
            model.lease_until.remove(),
            model.send_state.remove(),
            model.send_at.remove(),
        ]
        try:
            _retry(lambda: item.update(actions=actions, condition=condition))
        except UpdateError as error:
            if not conditional_failed(error):
                raise

    # -- resolution ---------------------------------------------------------------------
    def resolve_from_provider(self, sid: str, provider_id: str | None, sent: bool, reason: str) -> str | None:
        """The provider's own record for an open entry: it sent (record the effect) or it did not
        deliver (``failed``, for the operator). Returns the new state, None when nothing changed."""
        entry = self.get_by_id(sid)
        if entry is None or entry.state not in OPEN_STATES:
            return None
        same = (SendLedgerModel.token == entry.token) & (SendLedgerModel.state == entry.state)
        resolution = {
            "at": ledger_time(self._clock()),
            "by": reason,
            "decision": "sent" if sent else "failed",
            "was": entry.state,
        }
        if sent:
            effect = with_provider_id(entry.effect or {}, provider_id)
            self._mark_sent(entry.key, same, provider_id, effect, by=resolution)
            return "sent"
        if entry.state == "failed":
            return None
        try:
            self._set_open(entry.key, "failed", reason, same, resolution)
        except UpdateError as error:
            if not conditional_failed(error):
                raise
            return None
        return "failed"

    def resolve_by_operator(self, key: str, decision: Literal["sent", "resend"], by: str) -> SendEntry:
        """An operator's decision on an open send, recorded with who and when.

        ``sent``: the effect is recorded as sent. ``resend``: the claim is released; the caller
        queues the stored message again (a released entry may be resent again if queuing failed).
        """
        entry = self.get(key)
        resendable = ("released",) if decision == "resend" else ()
        if entry is None or (entry.state not in OPEN_STATES and entry.state not in resendable):
            state = entry.state if entry else "unknown"
            raise NothingToResolve(f"send {key!r} is {state}; only an open send can be resolved")
        now = ledger_time(self._clock())
        resolution = {"at": now, "by": by, "decision": decision, "was": entry.state}
        model = SendLedgerModel
        same = (model.token == entry.token) & (model.state == entry.state)
        if decision == "sent":
            self._mark_sent(key, same, entry.provider_id, with_provider_id(entry.effect or {}, None), by=resolution)
        else:
            # "released" too: a retried write that took effect before it raised
            same = (model.token == entry.token) & model.state.is_in(entry.state, "released")
            item = SendLedgerModel(pk=keys.send(send_id(key))[0], sk=SK)
            actions: list[Action] = [
                model.state.set("released"),
                model.reason.set(f"operator decided to resend ({entry.state})"),
                model.updated_at.set(now),
                model.lease_until.remove(),
                model.send_state.remove(),
                model.send_at.remove(),
                model.resolutions.set((model.resolutions | []).append([resolution])),
            ]
            try:
                _retry(lambda: item.update(actions=actions, condition=same))
            except UpdateError as error:
                if not conditional_failed(error):
                    raise
                raise LedgerConflict(f"send {key!r} changed while the operator decided") from error
        found = self.get(key)
        assert found is not None
        return found

    def record_all_sent(self, sends: Sequence[tuple[Claim, str, dict[str, Any]]]) -> bool:
        """One transaction for several sends the provider accepted (one SQS batch): each entry says
        ``sent`` — still held by its claim — with its effect, and each month's usage counter is
        added once with their sum. False when it was not written (a condition failed, a fault, an
        unknown outcome): the caller then records each with :meth:`record_sent`, which finds what
        was written."""
        now = ledger_time(self._clock())
        model = SendLedgerModel
        try:
            with TransactWrite(connection=RecordModel._get_connection().connection) as transaction:
                for claim, provider_id, effect in sends:
                    assert claim.entry is not None, "record_all_sent needs claimed entries"
                    key = claim.entry.key
                    mine = (model.token == claim.token) & model.state.is_in("claimed", "unconfirmed")
                    item = SendLedgerModel(pk=keys.send(send_id(key))[0], sk=SK)
                    transaction.update(item, actions=_sent_actions(effect, now, provider_id, None), condition=mine)
                    transaction.save(self._repo._effect_item(effect, key), condition=EffectModel.pk.does_not_exist())
                for month, increments in summed_usage(effect for _, _, effect in sends).items():
                    transaction.update(
                        UsageModel(pk=keys.USAGE, sk=month),
                        actions=[getattr(UsageModel, name).add(value) for name, value in increments.items()],
                    )
        except Exception:  # whatever it was, each send is recorded on its own next (with retries)
            return False
        return True

    # -- writes ---------------------------------------------------------------------------
    def _set_open(
        self, key: str, state: str, reason: str, condition: Any, resolution: dict[str, Any] | None = None
    ) -> None:
        now = ledger_time(self._clock())
        model = SendLedgerModel
        item = SendLedgerModel(pk=keys.send(send_id(key))[0], sk=SK)
        actions: list[Action] = [
            model.state.set(state),
            model.reason.set(reason),
            model.updated_at.set(now),
            model.send_state.set(state),
            model.send_at.set(keys.send_at(now, send_id(key))),
        ]
        if resolution is not None:
            actions.append(model.resolutions.set((model.resolutions | []).append([resolution])))
        _retry(lambda: item.update(actions=actions, condition=condition))

    def _mark_sent(
        self,
        key: str,
        condition: Any,
        provider_id: str | None,
        effect: dict[str, Any],
        by: dict[str, Any] | None,
    ) -> dict[str, Any]:
        item = SendLedgerModel(pk=keys.send(send_id(key))[0], sk=SK)
        actions = _sent_actions(effect, ledger_time(self._clock()), provider_id, by)

        def write(transaction: TransactWrite, with_effect: bool) -> None:
            transaction.update(item, actions=actions, condition=condition)
            if with_effect:
                self._repo._write_effect(transaction, effect, key)

        def once(with_effect: bool) -> None:
            with TransactWrite(connection=RecordModel._get_connection().connection) as transaction:
                write(transaction, with_effect)

        try:
            _retry(lambda: once(True))
            return effect
        except TransactWriteError as error:
            if not conditional_failed(error):
                raise
        # A condition failed: recorded already (an earlier try that took effect, or the provider's
        # event), or the effect exists from before the ledger. Look, and finish what is missing.
        entry = self.get(key)
        if entry is not None and entry.state == "sent":
            return entry.effect or effect
        if self._repo.has_effect(effect, key):
            try:
                _retry(lambda: once(False))
            except TransactWriteError as error:
                if not conditional_failed(error):
                    raise
            return effect
        raise LedgerConflict(f"send {key!r} changed while it was being recorded ({entry.state if entry else 'gone'})")
