"""The shape of a scenario file for ``dunning simulate``: its types, field by field.

Cross-references (unknown customers, templates, duplicate ids) are checked afterwards, in
timeline order, by :func:`dunning.scenario.load_scenario`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.domain.money import Money
from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition

ID = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_hhmm(value: object) -> dt.time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 06:00 as the sexagesimal number 360.
        value = f"{value // 60:02d}:{value % 60:02d}"
    if not isinstance(value, str) or not HHMM.match(value):
        raise ValueError(f'expected a time "HH:MM" (quoted), got {value!r}')
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


class Address(_Strict):
    lines: list[str] = Field(min_length=1, max_length=4)
    postcode: str = Field(min_length=1, max_length=10)
    city: str = Field(min_length=1, max_length=60)
    country: str = Field(default="DK", pattern=r"^[A-Z]{2}$")


class CustomerIn(_Strict):
    id: ID
    name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, min_length=3, max_length=20)
    language: Literal["da", "en"] = "da"
    address: Address | None = None
    business: bool = False


class AgreementIn(_Strict):
    id: ID
    customer: ID
    template: str | None = None


class InvoiceIn(_Strict):
    id: ID
    agreement: ID
    amount: Annotated[Money, Field(gt=0)]
    issued: dt.date
    due: dt.date

    @model_validator(mode="after")
    def _due_after_issue(self) -> InvoiceIn:
        if self.due < self.issued:
            raise ValueError(f"due {self.due} is before issued {self.issued}")
        return self


class InvoiceAmount(_Strict):
    """A payment or credit note: against one invoice, or on account for a customer (O7)."""

    invoice: ID | None = None
    customer: ID | None = None
    amount: Annotated[Money, Field(gt=0)]

    @model_validator(mode="after")
    def _one_target(self) -> InvoiceAmount:
        if (self.invoice is None) == (self.customer is None):
            raise ValueError("expected exactly one of invoice (against an invoice) or customer (on account)")
        return self


class BankConnectionIn(_Strict):
    name: str = Field(min_length=1, max_length=80)
    active: bool = True


class JournalIn(_Strict):
    name: str = Field(min_length=1, max_length=80)


class JournalEntryIn(_Strict):
    journal: str = Field(min_length=1)
    customer: ID
    amount: Annotated[Money, Field(gt=0)]
    text: str = Field(default="", max_length=200)


class DisputeIn(_Strict):
    invoice: ID
    until: dt.date | None = None


class DisputeResolvedIn(_Strict):
    invoice: ID


class AssignTemplate(_Strict):
    template: str = Field(min_length=1)
    agreements: Literal["all"] | list[ID]


class CustomersChoice(_Strict):
    """Which customers' pending proposals an approve or reject names."""

    customers: list[ID] = Field(min_length=1)


Decision = Literal["all"] | CustomersChoice


TIMELINE_KINDS = (
    "payment",
    "credit_note",
    "invoice",
    "customer",
    "agreement",
    "template",
    "assign_template",
    "settings",
    "bank_connection",
    "journal_entry",
    "post_journal",
    "resume",
    "run_now",
    "approve",
    "reject",
    "dispute",
    "dispute_resolved",
)


class TimelineEntry(_Strict):
    date: dt.date
    time: dt.time | None = None
    payment: InvoiceAmount | None = None
    credit_note: InvoiceAmount | None = None
    invoice: InvoiceIn | None = None
    customer: CustomerIn | None = None
    agreement: AgreementIn | None = None
    template: TemplateDefinition | None = None
    assign_template: AssignTemplate | None = None
    settings: dict[str, Any] | None = None
    bank_connection: BankConnectionIn | None = None
    journal_entry: JournalEntryIn | None = None
    post_journal: str | None = None
    resume: Literal[True] | None = None
    run_now: Literal[True] | None = None
    approve: Decision | None = None
    reject: Decision | None = None
    dispute: DisputeIn | None = None
    dispute_resolved: DisputeResolvedIn | None = None

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: object) -> dt.time | None:
        return None if value is None else _parse_hhmm(value)

    @model_validator(mode="after")
    def _exactly_one(self) -> TimelineEntry:
        given = [kind for kind in TIMELINE_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(
                f"expected exactly one of {', '.join(TIMELINE_KINDS)}; got {', '.join(given) if given else 'none'}"
            )
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in TIMELINE_KINDS if getattr(self, kind) is not None)


class SimulateIn(_Strict):
    start: dt.date
    end: dt.date
    run_time: dt.time = dt.time(6, 0)

    @field_validator("run_time", mode="before")
    @classmethod
    def _run_time(cls, value: object) -> dt.time:
        return _parse_hhmm(value)

    @model_validator(mode="after")
    def _ordered(self) -> SimulateIn:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if (self.end - self.start).days > 3660:
            raise ValueError("at most ten years can be simulated at once")
        return self


class Scenario(_Strict):
    tenant: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    settings: dict[str, Any] = Field(default_factory=dict)
    templates: list[TemplateDefinition] = Field(default_factory=list)
    customers: list[CustomerIn] = Field(default_factory=list)
    agreements: list[AgreementIn] = Field(default_factory=list)
    invoices: list[InvoiceIn] = Field(default_factory=list)
    bank_connections: list[BankConnectionIn] = Field(default_factory=list)
    journals: list[JournalIn] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    simulate: SimulateIn

    def tenant_settings(self) -> TenantSettings:
        return TenantSettings.model_validate({**self.settings, "tenant": self.tenant})
