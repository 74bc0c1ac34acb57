"""Request and response models of the operator API (validated by Powertools, published in its OpenAPI).

Money is a string with two places ("1250.00"), bounded so that no amount can overflow
the arithmetic; dates are ISO dates. Ids are short printable strings.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from shared.betalingsservice.records import printable_latin1_problem
from shared.domain.money import money_text, parse_money
from shared.domain.settings import InterestRateEntry, PaymentSettings, SenderSettings
from shared.domain.templates import StepTexts

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
# Dates the engine computes with (due + step days, + respite, + 14 days to pay): bounded so that
# no sum overflows Python's date (year 9999), refused naming the field instead of failing with a 500.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)
BusinessDate = Annotated[
    date,
    Field(ge=FIRST_DATE, le=LAST_DATE, description="an ISO date from 1900-01-01 to 2999-12-31"),
]
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


StepName = Annotated[str, Field(min_length=1, max_length=60)]


class CollectionIn(_In):
    """Debt collection (O14): both fields; ``null`` instead of the object switches collection off."""

    after_days: Annotated[int, Field(ge=0, le=3650)] = Field(
        description="days after the last step before a collection case is proposed"
    )
    partner_email: Email = Field(description="the debt-collection partner's inbox")


# The domain's own entry: the same checks (1 January / 1 July, 0–100 %) and the alias "from".
InterestRateIn = InterestRateEntry


class SettingsPatch(_In):
    """Only the fields given change; the result is validated as a whole."""

    tenant_name: Annotated[str, Field(max_length=120)] | None = None
    reminders_enabled: bool | None = Field(default=None, description="C1: the switch")
    default_template: TemplateRef | None = Field(default=None, description="C2: a name (its latest version) or name_vN")
    min_overdue_amount: Amount | None = Field(default=None, description="O12: de-minimis")
    min_days_between_reminders: Annotated[int, Field(ge=0, le=365)] | None = Field(
        default=None, description="O11: respite"
    )
    approval_required: bool | Annotated[list[StepName], Field(max_length=20)] | None = Field(
        default=None, description="O9: true, false, or the names of the steps whose reminders wait for approval"
    )
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
    collection: CollectionIn | None = Field(default=None, description="O14: debt collection; null switches it off")
    b2b_contractual_fees: bool | None = Field(
        default=None, description="reminder fees above 100.00 are agreed with business customers (renteloven § 9 b)"
    )
    interest_rates: Annotated[list[InterestRateIn], Field(max_length=200)] | None = Field(
        default=None, description="the tenant's own entries in the late-payment rate table (renteloven § 5)"
    )
    interest_day_count: Literal["30E/360", "actual/365"] | None = None
    sender: SenderSettings | None = Field(
        default=None, description="who the debtor hears from: name, CVR, address, phone, e-mail (Reply-To)"
    )
    payment: PaymentSettings | None = Field(
        default=None, description="how the debtor pays: bank, IBAN/BIC, FI +71, MobilePay, pay link"
    )

    @field_validator("approval_required")
    @classmethod
    def _step_names(cls, value: bool | list[str] | None) -> bool | list[str] | None:
        if isinstance(value, list) and any(not name.strip() for name in value):
            raise ValueError("a step name is not blank")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the request set (an explicit null clears an optional setting)."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


# ----------------------------------------------------------------- templates


class FeeIn(_In):
    """A reminder fee (at most 100.00 and on at most 3 steps, renteloven § 9 b)."""

    fee: PositiveAmount


class InterestIn(_In):
    """Statutory late-payment interest (renteloven § 5)."""

    interest: Literal[True]


class CompensationIn(_In):
    """The fixed B2B compensation of 310.00 (renteloven § 9 a, stk. 3)."""

    compensation: Literal[True]


Action = Literal["email", "sms", "bs", "statement"] | FeeIn | InterestIn | CompensationIn


class StepIn(_In):
    name: StepName
    days: Annotated[int, Field(ge=0, le=3650)]
    actions: Annotated[list[Action], Field(min_length=1, max_length=6)]
    inkassovarsel: bool = Field(default=False, description="this step is the collection warning (inkassoloven § 10)")
    texts: dict[Literal["da", "en"], StepTexts] | None = Field(
        default=None,
        description="the tenant's own subject, body and SMS per language (Jinja2, sandboxed; docs/texts.md); "
        "missing parts use the product's own",
    )


class StepsIn(_In):
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=20)]


class TemplateIn(StepsIn):
    name: Annotated[str, Field(max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")]


class StepOut(BaseModel):
    name: str
    days: int
    actions: list[Action]
    inkassovarsel: bool = False
    texts: dict[Literal["da", "en"], StepTexts] | None = None


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


class SmsSegmentsOut(BaseModel):
    """What a step's own SMS text costs in one language, rendered with the sample values."""

    step: int
    step_name: str
    language: Literal["da", "en"]
    encoding: Literal["GSM-7", "UCS-2"]
    characters: int
    segments: int


class DefineOut(BaseModel):
    outcome: Literal["created", "replaced", "unchanged"]
    version: VersionOut
    sms: list[SmsSegmentsOut] = Field(
        default_factory=list, description="each step's own SMS text per language: its segment count"
    )


class EmailPreviewOut(BaseModel):
    subject: str
    html: str
    text: str


class SmsPreviewOut(BaseModel):
    text: str
    encoding: Literal["GSM-7", "UCS-2"]
    characters: int
    segments: int


class PreviewOut(BaseModel):
    """One step of one template version as the debtor would get it; nothing is sent or recorded."""

    version_id: str
    step: int
    step_name: str
    actions: list[str]
    language: Literal["da", "en"]
    customer: str
    sample_customer: bool = Field(description="no customer was named: a sample one is shown")
    sample_invoices: bool = Field(description="the customer has no open invoices (or none was named): samples")
    invoices: list[str]
    email: EmailPreviewOut
    sms: SmsPreviewOut
    bs_text_lines: list[str] = Field(description="the Betalingsservice slip's text lines")


class VersionUsageOut(BaseModel):
    version_id: str
    used: bool
    default: bool
    agreements: list[str]
    sales: list[str]
    invoices_in_process: list[str]


# ----------------------------------------------------------------- customers


ADDRESS_WIDTH = 35  # what a Betalingsservice slip prints of a line


def _printable(value: str) -> str:
    problem = printable_latin1_problem(value)
    if problem is not None:
        raise ValueError(f"a postal address is printable ISO-8859-1 text: {problem}")
    if not value.strip():
        raise ValueError("an address line is not blank")
    return value


AddressText = Annotated[str, Field(min_length=1, max_length=ADDRESS_WIDTH), AfterValidator(_printable)]


class AddressIn(_In):
    """A postal address as the scenario format has it, checked so that a payment slip can carry it:
    1–4 street lines, a Danish postcode of 4 digits (abroad: at most 3 lines, as "postcode city"
    becomes the last line), and an ISO 3166 alpha-2 country."""

    lines: Annotated[list[AddressText], Field(min_length=1, max_length=4)]
    postcode: Annotated[str, Field(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")]
    city: AddressText
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "DK"

    @model_validator(mode="after")
    def _fits_a_slip(self) -> AddressIn:
        if self.country == "DK":
            if not (len(self.postcode) == 4 and self.postcode.isdigit()):
                raise ValueError(f"a Danish postcode has 4 digits, not {self.postcode!r}")
        else:
            if len(self.lines) > 3:
                raise ValueError("a foreign address has at most 3 lines (postcode and city make the 4th)")
            if len(f"{self.postcode} {self.city}") > ADDRESS_WIDTH:
                raise ValueError(f"postcode and city of a foreign address fit {ADDRESS_WIDTH} characters")
        return self


class AddressOut(BaseModel):
    lines: list[str] = Field(default_factory=list)
    postcode: str | None = None
    city: str | None = None
    country: str = "DK"


class CustomerFields(_In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Email | None = None
    phone: Annotated[str, Field(max_length=20, pattern=r"^\+?[0-9 ]{4,19}$")] | None = None
    language: Literal["da", "en"] = "da"
    address: AddressIn | None = None
    business: bool = Field(default=False, description="a business customer (B2B: compensation, agreed fees)")


class CustomerIn(CustomerFields):
    id: Identifier


class CustomerPatch(_In):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Email | None = None
    phone: Annotated[str, Field(max_length=20, pattern=r"^\+?[0-9 ]{4,19}$")] | None = None
    language: Literal["da", "en"] | None = None
    address: AddressIn | None = Field(default=None, description="the whole address; null removes it")
    business: bool | None = None


class CustomerOut(BaseModel):
    id: str
    name: str
    email: str | None
    phone: str | None
    language: str
    address: AddressOut | None
    business: bool = False


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
    issued: BusinessDate
    due: BusinessDate

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
    disputed_until: date | None = Field(
        default=None, description="no reminders before this date while disputed (9999-12-31: until resolved)"
    )
    disputed_ever: bool = Field(default=False, description="once disputed, its reminders carry no fee")


class DisputeIn(_In):
    until: BusinessDate | None = Field(default=None, description="the dispute's end; omitted: until resolved")


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
    on: BusinessDate
    invoice: Identifier | None = None
    customer: Identifier | None = None
    source: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="where the entry comes from (e.g. the import file it was derived from)"
    )

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
    source: str | None = None


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
    on: BusinessDate


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


class ProposalOut(BaseModel):
    """A reminder or a collection case waiting for approval (O9, O14)."""

    key: str
    kind: Literal["reminder", "collection"]
    customer: str
    invoices: list[str]
    step: str
    template: str
    proposed_on: str
    amount: str


class ProposalDecisionIn(_In):
    keys: Annotated[list[Annotated[str, Field(min_length=1, max_length=300)]], Field(max_length=1000)] | None = None
    customers: Annotated[list[Identifier], Field(max_length=1000)] | None = None


# ----------------------------------------------------------------- unconfirmed sends


class SendOut(BaseModel):
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


class ResolveSendIn(_In):
    decision: Literal["sent", "resend"] = Field(
        description="sent: it reached the customer, record it; resend: it did not, queue it again"
    )


class StatementPreviewOut(BaseModel):
    """A customer's statement of account as it would be e-mailed now (O16); nothing is sent."""

    customer: str
    to: str | None = Field(description="The customer's e-mail address; none: the statement cannot be sent")
    date: str
    items: int = Field(description="How many open items it lists")
    balance: str = Field(description="What the customer owes in all, DKK (negative: to the customer's credit)")
    subject: str
    text: str
    html: str


class StatementSentOut(BaseModel):
    """A statement of account was queued for e-mailing; ``key`` names it."""

    customer: str
    key: str
    date: str
