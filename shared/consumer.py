"""The wiring every action consumer shares: parse each SQS record into an
:class:`~shared.messages.ActionMessage`, run the action once per business key,
and report failed records alone (partial batch response).

The tenant settings are read at most once per :data:`shared.storage.bookings.SETTINGS_TTL_SECONDS`
per container (the cache's clock is ``time.monotonic``). A consumer may book a whole batch at
once (``book``: the fee and BS consumers, one transaction); what that did not settle is run
message by message, and only the records that failed then are reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared.config import ConsumerConfig
from shared.domain.metering import usage_increments
from shared.domain.settings import TenantSettings
from shared.messages import QUEUE_OF, ActionMessage, QueueMessage, parse_body
from shared.observability import logger, metrics
from shared.send_errors import clean_reason
from shared.services.delivery import BatchedRecords, PermanentFailure
from shared.storage.ledger import SendLedger
from shared.storage.repository import DunningRepository, repository_for

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


class InvalidMessage(ValueError):
    """An SQS body that is not an ActionMessage for this queue; the text names the field."""


def wall_clock() -> datetime:
    """The consumers' clock, read at the edge (tests replace it to move time past a lease)."""
    return datetime.now(UTC)


@dataclass
class ActionContext:
    """What a delivery function needs besides the message (one per batch)."""

    config: ConsumerConfig
    repo: DunningRepository
    settings: TenantSettings
    sends: BatchedRecords | None = None  # the batch's send ledger, made on first use

    @property
    def ledger(self) -> BatchedRecords:
        """The send ledger (e-mail, SMS) of this batch: claims last ``config.send_lease``; what was
        sent is recorded in one transaction when the batch is done (:class:`BatchedRecords`)."""
        if self.sends is None:
            self.sends = BatchedRecords(SendLedger(self.repo, self.config.send_lease, lambda: wall_clock()))
        return self.sends


Deliver = Callable[..., dict[str, Any]]
# A whole batch at once, given (record id, message) pairs: the effects by record id of the messages it
# settled (booked now or found booked before).
BookBatch = Callable[[Sequence[tuple[str, ActionMessage]], ActionContext], dict[str, dict[str, Any]]]


def _metric_name(counter: str) -> str:
    """'sms_segments' -> 'UsageSmsSegments'."""
    return "Usage" + "".join(part.capitalize() for part in counter.split("_"))


def parse_message(body: str, action: str) -> QueueMessage:
    """One SQS body as a message for this queue (the e-mail queue also carries collection cases and
    statements of account)."""
    try:
        message = parse_body(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'body'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise InvalidMessage(f"not an action message: {problems}") from None
    if QUEUE_OF[message.action] != action:
        raise InvalidMessage(f"action: expected {action!r} on this queue, got {message.action!r}")
    return message


def _book_batch(event: dict[str, Any], action: str, book: BookBatch, ctx: ActionContext) -> dict[str, dict[str, Any]]:
    """The effects of the batch's messages that ``book`` settled together; empty when it could not
    (then every message is run on its own, which finds whatever a failed attempt wrote)."""
    messages: list[tuple[str, ActionMessage]] = []
    for record in event.get("Records") or []:
        try:
            message = parse_message(str(record.get("body")), action)
        except InvalidMessage:
            continue  # rejected by its own record handler
        if isinstance(message, ActionMessage):
            messages.append((str(record.get("messageId")), message))
    if not messages:
        return {}
    try:
        return book(messages, ctx)
    except Exception as error:  # unclear (a conflict, a fault): each message is booked on its own
        logger.warning("batch not booked together", extra={"size": len(messages), "error": clean_reason(error)})
        return {}


def handle_action_batch(
    event: dict[str, Any], context: LambdaContext, action: str, deliver: Deliver, book: BookBatch | None = None
) -> dict[str, Any]:
    """Process one SQS batch for ``action``. Each action is once per business key by its own means:
    e-mail and SMS through the send ledger (:func:`shared.services.delivery.send_once`), fee and
    BS records by a conditional transaction with their effect — with ``book``, one for the batch,
    and ``deliver`` for each message it did not settle."""
    config = ConsumerConfig.from_env()
    repo = repository_for(config.table_name)
    settings = repo.cached_settings(time.monotonic())
    if settings is None:
        raise RuntimeError("no tenant settings stored; every message of this batch is retried")
    ctx = ActionContext(config=config, repo=repo, settings=settings)
    run = deliver
    booked = _book_batch(event, action, book, ctx) if book is not None else {}

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        try:
            message = parse_message(record.body, action)
        except InvalidMessage as error:
            logger.error("rejected message", extra={"message_id": record.message_id, "error": str(error)})
            raise
        try:
            effect = booked.get(record.message_id) or run(message=message, ctx=ctx)
        except PermanentFailure as error:  # names the field and what was expected; no personal data
            logger.error("permanent failure", extra={"key": message.idempotency_key, "error": str(error)})
            raise
        except Exception as error:
            # SQS delivers it again. The reason is the error's type and the provider's code only: a
            # provider's or library's message can quote an address or a phone number.
            logger.warning("action failed", extra={"key": message.idempotency_key, "error": clean_reason(error)})
            raise
        # Usage as CloudWatch metrics (O15); the exact monthly counters are in the table (shared/domain/metering.py).
        for counter, value in usage_increments(effect).items():
            metrics.add_metric(name=_metric_name(counter), unit="Count", value=value)
        metrics.add_metric(name=f"{effect['kind'].capitalize()}Effects", unit="Count", value=1)
        logger.info("action done", extra={"key": message.idempotency_key, "kind": effect["kind"]})
        return effect

    # Powertools' batch utility brings asyncio and its parser: loaded here, where it is used.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    try:
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:  # even when every record failed: what was sent before that is recorded
        if ctx.sends is not None:
            ctx.sends.flush()
    return dict(response)
