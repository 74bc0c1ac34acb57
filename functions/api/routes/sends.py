"""``/sends``: e-mails and SMS whose outcome is not known, each waiting for an operator's decision."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api import request
from shared.api.models.runs import ResolveSendIn, SendOut
from shared.aws import client
from shared.errors import Conflict
from shared.messages import QUEUE_OF
from shared.observability import logger
from shared.services.tenant import sends as service
from shared.storage.ledger import SendLedger

router = Router()


def _ledger() -> SendLedger:
    return SendLedger(request.repo(), None, request.now)  # the API never claims; it reads and resolves


def _requeue(action: str, body: str) -> None:
    config = request.config()
    queue = {"email": config.email_queue_url, "sms": config.sms_queue_url}[QUEUE_OF[action]]
    if not queue:
        raise Conflict(f"this stack has no {QUEUE_OF[action]} queue configured", "decision")
    client("sqs").send_message(QueueUrl=queue, MessageBody=body)


@router.get("/sends/unconfirmed", tags=["sends"])
def list_unconfirmed_sends(older_than_hours: Annotated[int, Query(ge=0, le=24 * 90)] = 24) -> list[SendOut]:
    """E-mails and SMS that may or may not have gone out (unconfirmed, failed, or a claim whose lease ran
    out), open for longer than ``older_than_hours``: each waits for an operator's decision."""
    found = service.unconfirmed_sends(_ledger(), request.now(), timedelta(hours=older_than_hours))
    return [SendOut.model_validate(entry.as_data()) for entry in found]


@router.post("/sends/<send_ref>/resolve", tags=["sends"])
def resolve_send(send_ref: Annotated[str, Path(min_length=8, max_length=400)], body: ResolveSendIn) -> SendOut:
    """Decide an open send: ``sent`` records it as sent; ``resend`` releases it and queues its message
    again (the send ledger still sends it once). ``send_ref`` is the send id or the URL-encoded key."""
    entry = service.resolve_send(_ledger(), unquote(send_ref), body.decision, _requeue, actor=request.actor())
    logger.info("send resolved", extra={"send_id": entry.send_id, "decision": body.decision})
    return SendOut.model_validate(entry.as_data())
