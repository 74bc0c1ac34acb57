"""Sends whose outcome is not known (unconfirmed, failed, or a lease run out): list them, decide each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from shared.errors import Conflict, NotFound
from shared.services import sends
from shared.storage.ledger import SendEntry, SendLedger


def unconfirmed_sends(ledger: SendLedger, now: datetime, older_than: timedelta) -> list[SendEntry]:
    """E-mails and SMS open for longer than ``older_than``: each waits for an operator's decision."""
    return sends.needing_decision(ledger, now, older_than)


def resolve_send(
    ledger: SendLedger,
    ref: str,
    decision: Literal["sent", "resend"],
    requeue: Callable[[str, str], None],
    *,
    actor: str,
) -> SendEntry:
    """``sent`` records the send as sent; ``resend`` releases it and queues its message again
    (``requeue(action, body)``; the send ledger still sends it once). ``ref`` is the send id or its key."""
    key = ref if "/" in ref else _key_of(ledger, ref)
    try:
        return sends.resolve(ledger, key, decision, actor, requeue)
    except sends.NothingToResolve as error:
        raise Conflict(str(error), "decision") from None


def _key_of(ledger: SendLedger, send_id: str) -> str:
    entry = ledger.get_by_id(send_id)
    if entry is None:
        raise NotFound(f"send {send_id!r} does not exist")
    return entry.key
