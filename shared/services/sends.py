"""Resolving sends whose outcome is not known: from the provider's own record, or by an operator.

The send ledger (``shared/storage/ledger.py``) holds a key as ``unconfirmed`` when an e-mail or
SMS may or may not have left. Three things resolve it:

* an SES event (configuration set → EventBridge): every e-mail carries its ledger id as the
  message tag ``send_id``; "Send", "Delivery", "Bounce", "Complaint" mean SES accepted it
  (sent), "Reject" means SES did not send it (failed);
* an SNS SMS delivery-status log line (CloudWatch Logs subscription): SNS logs no tags, so the
  line is matched by destination number and publish time to the one open SMS send to that
  number whose claim was live at that time (none or several: left for the operator);
* an operator, once a send has been unconfirmed for a bounded time (``UNCONFIRMED_AFTER``):
  ``sent`` records the effect, ``resend`` releases the claim and queues the stored message again.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.storage.ledger import NothingToResolve, SendEntry
from shared.storage.protocols import SendLedgerStore

# How long a send may stay unconfirmed before it is put to the operator (status report, API, CLI).
UNCONFIRMED_AFTER = timedelta(hours=24)

SES_SENT = frozenset({"Send", "Delivery", "Bounce", "Complaint", "DeliveryDelay"})
SES_NOT_SENT = frozenset({"Reject", "Rendering Failure", "RenderingFailure"})
SEND_TAG = "send_id"

__all__ = [
    "UNCONFIRMED_AFTER",
    "NothingToResolve",
    "apply_ses_event",
    "apply_sms_status",
    "needing_decision",
    "resolve",
    "sms_statuses",
]


def apply_ses_event(ledger: SendLedgerStore, detail: dict[str, Any]) -> str | None:
    """One SES event (the ``detail`` of an EventBridge "Email …" event). Returns the entry's new state."""
    event_type = str(detail.get("eventType") or detail.get("notificationType") or "")
    mail = detail.get("mail") or {}
    tags = mail.get("tags") or {}
    values = tags.get(SEND_TAG) or []
    if not values:
        return None  # not a reminder of ours (a status report, a notification)
    sid = str(values[0])
    provider_id = mail.get("messageId")
    if event_type in SES_SENT:
        return ledger.resolve_from_provider(sid, provider_id, sent=True, reason=f"SES {event_type}")
    if event_type in SES_NOT_SENT:
        return ledger.resolve_from_provider(sid, provider_id, sent=False, reason=f"SES {event_type}")
    return None


def sms_statuses(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The delivery-status lines of a CloudWatch Logs subscription event (gzip, base64)."""
    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    for log_event in data.get("logEvents", []):
        try:
            yield json.loads(log_event["message"])
        except (KeyError, ValueError):
            continue


def _publish_time(status: dict[str, Any]) -> datetime | None:
    text = str((status.get("notification") or {}).get("timestamp") or "")
    try:  # "2016-06-28 00:40:34.558", UTC
        return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=UTC)
    except ValueError:
        return None


def apply_sms_status(ledger: SendLedgerStore, status: dict[str, Any], lease: timedelta) -> str | None:
    """One SNS SMS delivery-status line: resolve the one open SMS send it can only be."""
    destination = (status.get("delivery") or {}).get("destination")
    published = _publish_time(status)
    if not destination or published is None:
        return None
    stamp = int(published.timestamp())
    candidates = [
        entry
        for state in ("claimed", "unconfirmed")
        for entry in ledger.open_sends(state, datetime.max.replace(tzinfo=UTC))
        if entry.channel == "sms"
        and (entry.effect or {}).get("to") == destination
        and entry.lease_until is not None
        and entry.lease_until - lease.total_seconds() <= stamp <= entry.lease_until
    ]
    if len(candidates) != 1:
        return None
    delivered = str(status.get("status", "")).upper() == "SUCCESS"
    provider_id = (status.get("notification") or {}).get("messageId")
    reason = "SNS delivery status SUCCESS" if delivered else "SNS delivery status FAILURE"
    # An SMS SNS accepted and the carrier refused was still sent once: it is "failed" for the
    # operator to decide, never sent again by itself.
    return ledger.resolve_from_provider(candidates[0].send_id, provider_id, sent=delivered, reason=reason)


def needing_decision(
    ledger: SendLedgerStore, now: datetime, older_than: timedelta = UNCONFIRMED_AFTER
) -> list[SendEntry]:
    """Sends the operator must decide on: unconfirmed or failed for longer than ``older_than``, and
    claims whose lease ran out without an outcome."""
    return ledger.needing_decision(now, older_than)


def resolve(
    ledger: SendLedgerStore,
    key: str,
    decision: Literal["sent", "resend"],
    by: str,
    requeue: Callable[[str, str], None],
) -> SendEntry:
    """An operator's decision. ``resend`` releases the claim, then queues the stored message body
    (``requeue(action, body)``); if queuing fails, deciding "resend" again queues it again."""
    entry = ledger.resolve_by_operator(key, decision, by)
    if decision == "resend":
        if not entry.message:
            raise NothingToResolve(f"send {key!r} has no stored message to queue again")
        action = json.loads(entry.message)["action"]
        requeue(action, entry.message)
    return entry
