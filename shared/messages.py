"""The contract between the scheduler and the action consumers.

Every SQS body is one :class:`ActionMessage`. The producer (the scheduler)
sets ``idempotency_key`` from the business facts — customer, template
version, step and the invoices covered — never from the SQS message id, so a
re-run of the scheduler or a redelivered message maps to the same key and the
consumer does the work once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Action = Literal["email", "sms", "fee", "bs", "collection", "interest", "compensation"]
# The actions with a queue and consumer of their own. A collection case and a statement of account
# (a StatementMessage) travel on the e-mail queue; interest and the B2B compensation go onto the
# billing queue with the fees.
ACTIONS: tuple[Action, ...] = ("email", "sms", "fee", "bs")
QUEUE_OF: dict[str, str] = {str(action): str(action) for action in ACTIONS} | {
    "collection": "email",
    "statement": "email",
    "interest": "fee",
    "compensation": "fee",
}


class InvoiceLine(BaseModel):
    """One invoice a reminder covers, as the scheduler saw it."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    invoice_id: str = Field(min_length=1)
    amount: Decimal = Field(description="The invoice's original amount, DKK")
    open_amount: Decimal = Field(description="What is still unpaid, DKK")
    issued: date
    due: date


class Contact(BaseModel):
    """The customer as the scheduler saw it when it committed the reminder: what a consumer needs to
    reach them (and to tell a business customer), so it does not read the customer item again."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "da"
    address: dict[str, Any] | None = None
    business: bool = False


class ActionMessage(BaseModel):
    """One action of one consolidated reminder: (customer, template version, step, action)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    idempotency_key: str = Field(min_length=8)
    tenant: str = Field(min_length=1)
    run_id: str = Field(min_length=1)
    run_date: date = Field(description="The run's business date in the tenant's time zone")
    action: Action
    customer_id: str = Field(min_length=1)
    template_version: str = Field(pattern=r"^.+_v[0-9]+$")
    step_name: str = Field(min_length=1)
    step_number: int = Field(ge=1, description="1-based position of the step in its template")
    step_count: int = Field(ge=1, description="How many steps the template version has")
    invoices: list[InvoiceLine] = Field(min_length=1)
    step_fee: Decimal | None = Field(default=None, description="The step's fee, if it carries one")
    case_key: str | None = Field(default=None, description="A collection case: the key of its stored case")
    warning_deadline: date | None = Field(
        default=None, description="The step is the collection warning (inkassoloven § 10): pay by this date"
    )
    after_warning: bool = Field(
        default=False, description="The step comes after the collection warning (inkassoloven § 10) was sent"
    )
    charge_amount: Decimal | None = Field(default=None, description="Interest or compensation to bill, DKK")
    step_interest: Decimal | None = Field(
        default=None, description="The interest this step bills (its letters say so), DKK; on every action of it"
    )
    step_compensation: Decimal | None = Field(
        default=None, description="The B2B compensation this step bills (its letters say so), DKK; on every action"
    )
    interest_rate: Decimal | None = Field(default=None, description="The annual late-payment rate in force, %")
    currency: Literal["DKK"] = "DKK"
    reference: str | None = Field(
        default=None,
        pattern=r"^[0-9]{15}$",
        description="The reminder's payment reference (15-digit FI +71 payment id); the same on every action of it",
    )
    contact: Contact | None = Field(
        default=None, description="The customer at commit time; None in messages queued before it was carried"
    )

    @field_validator("invoices")
    @classmethod
    def _sorted_unique(cls, invoices: list[InvoiceLine]) -> list[InvoiceLine]:
        ids = [line.invoice_id for line in invoices]
        if len(set(ids)) != len(ids):
            raise ValueError("invoice ids must be unique")
        return sorted(invoices, key=lambda line: line.invoice_id)

    @property
    def invoice_ids(self) -> list[str]:
        return [line.invoice_id for line in self.invoices]

    @property
    def open_total(self) -> Decimal:
        return sum((line.open_amount for line in self.invoices), Decimal("0"))


def reminder_key(
    tenant: str,
    customer_id: str,
    template_version: str,
    step_number: int,
    invoice_ids: list[str],
    action: str,
) -> str:
    """The business key of one action of one reminder.

    An invoice reaches a given step of its pinned template version once, so
    (customer, version, step, invoices, action) names the effect for ever:
    a scheduler re-run or a redelivery produces the same key.
    """
    digest = hashlib.sha256("\x1f".join(sorted(invoice_ids)).encode()).hexdigest()[:16]
    return f"{tenant}/{customer_id}/{template_version}/{step_number}/{action}/{digest}"


class ChargeLine(BaseModel):
    """A fee, interest or compensation a run put on the customer's billing queue (its business key)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    key: str = Field(min_length=8, description="The charge's business key: its billing line is BILLING#<key>")
    kind: Literal["fee", "interest", "compensation"]
    amount: Decimal
    invoice_ids: list[str]
    on: date


class StatementMessage(BaseModel):
    """One statement of account (kontoudtog, O16) for one customer: every open item and the balance.

    The consumer reads the open items when it sends; ``charges`` are what the same run put on the
    billing queue, so the statement lists them whether or not the fee consumer got there first.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    idempotency_key: str = Field(min_length=8)
    tenant: str = Field(min_length=1)
    run_id: str = Field(min_length=1)
    run_date: date = Field(description="The run's business date in the tenant's time zone")
    action: Literal["statement"] = "statement"
    customer_id: str = Field(min_length=1)
    charges: list[ChargeLine] = Field(default_factory=list)
    currency: Literal["DKK"] = "DKK"
    contact: Contact | None = Field(
        default=None, description="The customer at commit time; None in messages queued before it was carried"
    )


QueueMessage = ActionMessage | StatementMessage


def parse_body(body: str) -> QueueMessage:
    """An SQS body (or outbox entry) as the message it is: a statement, or one action of a reminder."""
    try:
        action = json.loads(body).get("action")
    except (ValueError, AttributeError):
        action = None  # not JSON, or not an object: ActionMessage says what is wrong
    if action == "statement":
        return StatementMessage.model_validate_json(body)
    return ActionMessage.model_validate_json(body)


def statement_key(tenant: str, customer_id: str, run_id: str) -> str:
    """The business key of a customer's statement in one run (or one request): however many of the
    run's reminders carry it, a re-run or a redelivery, it is this key — one statement."""
    return f"{tenant}/{customer_id}/statement/{run_id}"
