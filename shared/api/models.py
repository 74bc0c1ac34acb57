"""Request and response models of the operator API (validated by Powertools, published in its OpenAPI).

Money is a string with two places ("1250.00"), bounded so that no amount can overflow
the arithmetic; dates are ISO dates. Ids are short printable strings.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator

from shared.domain.money import money_text, parse_money

MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{2})?$"


def _bounded_money(value: object) -> Decimal:
    if isinstance(value, str) and len(value.strip()) > 15:
        raise ValueError(f"amount {value!r} is too large")
    return parse_money(value)


Amount = Annotated[
    Decimal,
    BeforeValidator(_bounded_money),
    PlainSerializer(money_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1250.00"]}),
]
"""A non-negative DKK amount as text with two places."""

PositiveAmount = Annotated[Amount, Field(gt=0)]

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")]
TemplateRef = Annotated[str, Field(min_length=1, max_length=70, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------- errors


class ErrorBody(BaseModel):
    """Every refusal: what kind, which field, and why (``errors`` lists each bad row of a bulk request)."""

    error: str
    field: str | None = None
    reason: str
    errors: list[dict[str, Any]] | None = None


# ----------------------------------------------------------------- settings


class BsSettingsPatch(_In):
    enabled: bool | None = None
    creditor_number: Annotated[str, Field(pattern=r"^[0-9]{8}$")] | None = None
    cvr: Annotated[str, Field(pattern=r"^[0-9]{8}$")] | None = None
    debtor_group: Annotated[str, Field(pattern=r"^[0-9]{5}$")] | None = None


class SettingsPatch(_In):
    """Only the fields given change; the result is validated as a whole."""

    tenant_name: Annotated[str, Field(max_length=120)] | None = None
    reminders_enabled: bool | None = Field(default=None, description="C1: the switch")
    default_template: TemplateRef | None = Field(default=None, description="C2: a name (its latest version) or name_vN")
    min_overdue_amount: Amount | None = Field(default=None, description="O12: de-minimis")
    min_days_between_reminders: Annotated[int, Field(ge=0, le=365)] | None = Field(
        default=None, description="O11: respite"
    )
    approval_required: bool | None = Field(default=None, description="O9")
    status_report_to: Email | None = None
    notify_to: Email | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    bs: BsSettingsPatch | None = Field(default=None, description="C3: Betalingsservice")
    excluded_customers: list[Identifier] | None = None
    check_bank_connections: bool | None = None
    check_journals: list[Identifier] | None = None
    settle_open_items: bool | None = None
    write_off_below: PositiveAmount | None = None
    reverse_fees_when_paid: bool | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the request set (an explicit null clears an optional setting)."""
        return self.model_dump(mode="json", exclude_unset=True)


# ----------------------------------------------------------------- templates


class FeeIn(_In):
    fee: PositiveAmount


class StepIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    days: Annotated[int, Field(ge=0, le=3650)]
    actions: Annotated[list[Literal["email", "sms", "bs"] | FeeIn], Field(min_length=1, max_length=4)]


class StepsIn(_In):
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=20)]


class TemplateIn(StepsIn):
    name: Annotated[str, Field(max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")]


class StepOut(BaseModel):
    name: str
    days: int
    actions: list[str | dict[str, str]]


class VersionOut(BaseModel):
    version_id: str
    name: str
    number: int
    used: bool
    created_on: str
    steps: list[StepOut]


class TemplateOut(BaseModel):
    name: str
    latest: str
    versions: list[VersionOut]


class DefineOut(BaseModel):
    outcome: Literal["created", "replaced", "unchanged"]
    version: VersionOut


class VersionUsageOut(BaseModel):
    version_id: str
    used: bool
    default: bool
    agreements: list[str]
    sales: list[str]
    invoices_in_process: list[str]


# ----------------------------------------------------------------- customers


class CustomerFields(_In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Email | None = None
    phone: Annotated[str, Field(max_length=20, pattern=r"^\+?[0-9 ]{4,19}$")] | None = None
    language: Literal["da", "en"] = "da"
    address: dict[str, Any] | None = None


class CustomerIn(CustomerFields):
    id: Identifier


class CustomerPatch(_In):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Email | None = None
    phone: Annotated[str, Field(max_length=20, pattern=r"^\+?[0-9 ]{4,19}$")] | None = None
    language: Literal["da", "en"] | None = None
    address: dict[str, Any] | None = None


class CustomerOut(BaseModel):
    id: str
    name: str
    email: str | None
    phone: str | None
    language: str
    address: dict[str, Any] | None


# ----------------------------------------------------------------- agreements and sales


class AgreementIn(_In):
    id: Identifier
    customer: Identifier
    template: TemplateRef | None = Field(default=None, description="its own template; else the tenant default")


class AgreementPatch(_In):
    template: TemplateRef


class AgreementOut(BaseModel):
    id: str
    customer: str
    template: str


class MoveAgreementsIn(_In):
    """C9: move all (agreements omitted) or the chosen agreements to a version."""

    template: TemplateRef
    agreements: Annotated[list[Identifier], Field(min_length=1, max_length=1000)] | None = None
    include_sales: bool = Field(default=False, description="also move sales in draft/ready (C11)")


class MoveAgreementsOut(BaseModel):
    template: str
    moved: int
    agreements: list[str]
    sales: list[str]


class SaleIn(_In):
    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200)]
    state: Literal["draft", "ready"] = "draft"
    template: TemplateRef | None = None


class SalePatch(_In):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    state: Literal["draft", "ready"] | None = None
    template: TemplateRef | None = None


class WinSaleIn(_In):
    customer: Identifier
    agreement: Identifier


class SaleOut(BaseModel):
    id: str
    name: str
    state: str
    template: str
    customer: str | None = None
    agreement: str | None = None


# ----------------------------------------------------------------- invoices


class InvoiceIn(_In):
    id: Identifier
    agreement: Identifier
    amount: PositiveAmount
    issued: date
    due: date

    @model_validator(mode="after")
    def _due_after_issue(self) -> InvoiceIn:
        if self.due < self.issued:
            raise ValueError("due must not be before issued")
        return self


class InvoiceOut(BaseModel):
    id: str
    customer: str
    agreement: str
    template: str
    amount: Amount
    open_amount: Amount
    issued: date
    due: date
    steps_done: int
    last_step_on: date | None


class TimelineOut(BaseModel):
    invoice: InvoiceOut
    status: str
    template: str
    events: list[dict[str, Any]]


# ----------------------------------------------------------------- payments, credit notes, journals, banks


class EntryIn(_In):
    """A payment or credit note: against an invoice, or (customer only) on the customer's account."""

    id: Identifier
    amount: PositiveAmount
    on: date
    invoice: Identifier | None = None
    customer: Identifier | None = None

    @model_validator(mode="after")
    def _names_a_target(self) -> EntryIn:
        if self.invoice is None and self.customer is None:
            raise ValueError("name the invoice, or the customer for money on account")
        return self


class EntryOut(BaseModel):
    id: str
    amount: str
    on: str
    invoice: str | None
    customer: str | None
    applied: str | None = None
    on_account: str | None = None


class BankConnectionIn(_In):
    active: bool


class BankConnectionOut(BaseModel):
    name: str
    active: bool


class JournalEntryIn(_In):
    id: Identifier
    customer: Identifier
    amount: PositiveAmount
    text: Annotated[str, Field(max_length=200)] | None = None


class JournalEntryOut(BaseModel):
    id: str
    customer: str
    amount: str
    text: str | None = None


class PostJournalIn(_In):
    on: date


class CountOut(BaseModel):
    count: int


# ----------------------------------------------------------------- bulk


class _BulkIn(_In):
    dry_run: bool = Field(default=False, description="validate every row, write nothing")


class CustomersBulkIn(_BulkIn):
    items: Annotated[list[CustomerIn], Field(min_length=1, max_length=1000)]


class AgreementsBulkIn(_BulkIn):
    items: Annotated[list[AgreementIn], Field(min_length=1, max_length=1000)]
    also_importing_customers: Annotated[list[Identifier], Field(max_length=100_000)] = Field(
        default_factory=list, description="dry run: customers another part of the same import creates"
    )


class InvoicesBulkIn(_BulkIn):
    items: Annotated[list[InvoiceIn], Field(min_length=1, max_length=1000)]
    also_importing_agreements: Annotated[list[Identifier], Field(max_length=100_000)] = Field(
        default_factory=list, description="dry run: agreements another part of the same import creates"
    )


class BulkOut(BaseModel):
    dry_run: bool
    count: int


# ----------------------------------------------------------------- runs, proposals, usage


class StartRunIn(_In):
    resume: Identifier | None = Field(default=None, description="the id of a paused run to resume (O6)")


class StartRunOut(BaseModel):
    run_id: str
    event: dict[str, Any]


class ProposalDecisionIn(_In):
    keys: Annotated[list[Annotated[str, Field(min_length=1, max_length=300)]], Field(max_length=1000)] | None = None
    customers: Annotated[list[Identifier], Field(max_length=1000)] | None = None
