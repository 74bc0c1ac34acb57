"""Hand committed reminders' messages to the queues, clearing each reminder's outbox item as
soon as all its messages were accepted, and retrying what failed with backoff while the
invocation has time.

A message that was accepted but whose answer was lost (a timeout after the call took effect)
is sent again: the queue then holds two copies with one business key, and the consumers do
the work once. What is not accepted stays in the outbox, so nothing is lost: the next
invocation (or run) sends it first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, TypeVar

from shared.faults import Refused, SendFailed, is_transient
from shared.messages import QueueMessage

T = TypeVar("T")


class MessageSink(Protocol):
    def send(self, messages: Iterable[QueueMessage]) -> int: ...


class OutboxStore(Protocol):
    def clear_outbox(self, keys: list[str]) -> None: ...

    def keep_in_outbox(self, key: str, messages: list[str]) -> None: ...


class SendRefused(RuntimeError):
    """A queue refused messages for a reason a retry cannot change; they stay in the outbox."""


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


@dataclass
class Backoff:
    """Exponential backoff between attempts; ``attempts`` None means: as long as the time budget allows."""

    first_s: float = 0.2
    limit_s: float = 5.0
    attempts: int | None = None
    sleep: Callable[[float], None] = field(default=_sleep)

    def delay(self, attempt: int) -> float:
        return min(self.limit_s, self.first_s * 2**attempt)


@dataclass
class Delivery:
    """What one delivery did: messages accepted, and the reminders whose messages are not all sent."""

    sent: int = 0
    left: dict[str, list[QueueMessage]] = field(default_factory=dict)


def with_retries(call: Callable[[], T], backoff: Backoff, time_left_ms: Callable[[], int], reserve_ms: int) -> T:
    """``call()``, retried with backoff after a transient failure while more than ``reserve_ms`` would be left."""
    attempt = 0
    while True:
        try:
            return call()
        except Exception as error:
            delay = backoff.delay(attempt)
            attempt += 1
            out_of_tries = backoff.attempts is not None and attempt >= backoff.attempts
            if not is_transient(error) or out_of_tries or time_left_ms() - delay * 1000 < reserve_ms:
                raise
            backoff.sleep(delay)


def deliver(
    store: OutboxStore,
    sink: MessageSink,
    reminders: dict[str, list[QueueMessage]],
    time_left_ms: Callable[[], int],
    backoff: Backoff,
    reserve_ms: int,
) -> Delivery:
    """Send the messages of ``reminders`` (outbox key → messages) and clear each key once all its
    messages were accepted; retry the rest after transient failures with backoff, while more than
    ``reserve_ms`` would be left. What is left is returned (and kept in the outbox, reduced to
    the messages not yet accepted). Raises :class:`SendRefused` on a definite refusal."""
    result = Delivery()
    outstanding = {key: list(messages) for key, messages in reminders.items()}
    attempt = 0
    while outstanding:
        batch = [message for messages in outstanding.values() for message in messages]
        refused = _send(sink, batch)
        result.sent += len(batch) - len(refused)
        done = [key for key, messages in outstanding.items() if not any(m.idempotency_key in refused for m in messages)]
        left = {
            key: [m for m in messages if m.idempotency_key in refused]
            for key, messages in outstanding.items()
            if key not in done
        }
        if done:
            with_retries(partial(store.clear_outbox, done), backoff, time_left_ms, reserve_ms)
        for key, messages in left.items():
            if len(messages) < len(outstanding[key]):  # partly accepted: only the rest is sent again
                bodies = [m.model_dump_json() for m in messages]
                with_retries(partial(store.keep_in_outbox, key, bodies), backoff, time_left_ms, reserve_ms)
        outstanding = left
        if not outstanding:
            break
        definite = [r for r in refused.values() if not r.transient]
        if definite:
            raise SendRefused(f"{len(definite)} message(s) refused by the queue: {definite[0].reason}")
        delay = backoff.delay(attempt)
        attempt += 1
        if (backoff.attempts is not None and attempt >= backoff.attempts) or time_left_ms() - delay * 1000 < reserve_ms:
            break
        backoff.sleep(delay)
    result.left = outstanding
    return result


def _send(sink: MessageSink, batch: list[QueueMessage]) -> dict[str, Refused]:
    """The messages the sink did not accept, by business key (empty when all went)."""
    try:
        sink.send(batch)
    except SendFailed as failed:
        return {refused.key: refused for refused in failed.refused}
    except Exception as error:
        if not is_transient(error):
            raise
        reason = f"{type(error).__name__}: {error}"
        return {m.idempotency_key: Refused(m.idempotency_key, True, reason) for m in batch}
    return {}
