"""``/bank-connections`` and ``/journals``: what a run checks before it sends (O5, O6), and posting."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from functions.api import request
from functions.api.routes.params import JournalName
from shared.api.models.common import CountOut
from shared.api.models.payments import (
    BankConnectionIn,
    BankConnectionOut,
    JournalEntryIn,
    JournalEntryOut,
    PostJournalIn,
)
from shared.services.tenant import accounting as service

router = Router()


@router.get("/bank-connections", tags=["accounting"])
def list_bank_connections() -> list[BankConnectionOut]:
    return [BankConnectionOut.model_validate(c) for c in service.list_bank_connections(request.repo())]


@router.put("/bank-connections/<name>", tags=["accounting"])
def put_bank_connection(name: Annotated[str, Path(min_length=1, max_length=100)], body: BankConnectionIn) -> Any:
    """Record a bank connection's state (checked before a run when check_bank_connections is on, O5)."""
    stored = service.put_bank_connection(request.repo(), name, body.active, actor=request.actor())
    return BankConnectionOut.model_validate(stored)


@router.put("/journals/<journal>", tags=["accounting"])
def put_journal(journal: JournalName) -> Any:
    """Create a cash journal (kassekladde) a run may check for unposted payments (O6)."""
    return service.create_journal(request.repo(), journal)


@router.get("/journals/<journal>/entries", tags=["accounting"])
def list_journal_entries(journal: JournalName) -> list[JournalEntryOut]:
    return [JournalEntryOut.model_validate(e) for e in service.journal_entries(request.repo(), journal)]


@router.post("/journals/<journal>/entries", tags=["accounting"])
def add_journal_entry(journal: JournalName, body: JournalEntryIn) -> Response[JournalEntryOut]:
    entry = {"customer": body.customer, "amount": f"{body.amount:.2f}", "text": body.text}
    added = service.add_journal_entry(request.repo(), journal, body.id, entry)
    return request.created(JournalEntryOut.model_validate(added))


@router.post("/journals/<journal>/post", tags=["accounting"])
def post_journal(journal: JournalName, body: PostJournalIn) -> CountOut:
    """Post every unposted entry: each becomes a payment on its customer's account."""
    return CountOut(count=service.post_journal(request.repo(), journal, body.on, actor=request.actor()))
