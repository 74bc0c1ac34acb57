"""Runs (O1, O2, O6), proposals (O9) and unconfirmed sends."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
)

from shared.api.models.common import (
    Identifier,
    RequestModel,
    ResponseModel,
)

# A run's id is its ISO start time, a manual run's with ``~manual`` after it.
RunId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9][0-9TZ:.+-]*(~[a-z]+)?$")]


class StartRunIn(RequestModel):
    resume: RunId | None = Field(default=None, description="the id of a paused run to resume (O6)")


class StartRunOut(ResponseModel):
    run_id: str
    event: dict[str, Any]


class ProposalOut(ResponseModel):
    """A reminder or a collection case waiting for approval (O9, O14)."""

    key: str
    kind: Literal["reminder", "collection"]
    customer: str
    invoices: list[str]
    step: str
    template: str
    proposed_on: str
    amount: str


class ProposalDecisionIn(RequestModel):
    keys: Annotated[list[Annotated[str, Field(min_length=1, max_length=300)]], Field(max_length=1000)] | None = None
    customers: Annotated[list[Identifier], Field(max_length=1000)] | None = None


class SendOut(ResponseModel):
    """An e-mail or SMS whose outcome is not known (or that the provider did not deliver)."""

    key: str = Field(description="The message's business key")
    send_id: str = Field(description="The send ledger's id of the key (the SES tag; use it in /sends/{id}/resolve)")
    channel: str
    state: Literal["claimed", "unconfirmed", "failed", "sent", "released"]
    reason: str | None = None
    since: str | None = None
    customer: str | None = None
    invoices: list[str] | None = None
    step: str | None = None
    date: str | None = None
    provider_id: str | None = None
    resolutions: list[dict[str, Any]] = Field(default_factory=list)


class ResolveSendIn(RequestModel):
    decision: Literal["sent", "resend"] = Field(
        description="sent: it reached the customer, record it; resend: it did not, queue it again"
    )
