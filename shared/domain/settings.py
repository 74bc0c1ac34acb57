"""A tenant's reminder settings (C1–C3, O9, O11, O12) as a typed model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.domain.interest import DEFAULT_RATES, STATUTORY_MARKUP, RatePeriod, RateTable
from shared.domain.money import Money

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _one_line(value: str) -> str:
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in value):
        raise ValueError("expected one line of printable text (no control characters or line breaks)")
    if value != value.strip():
        raise ValueError("expected no leading or trailing spaces")
    return value


class PostalAddress(BaseModel):
    """A Danish (or foreign) postal address as printed on a letter."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    lines: list[Annotated[str, Field(min_length=1, max_length=70)]] = Field(min_length=1, max_length=3)
    postcode: str = Field(min_length=1, max_length=10, pattern=r"^[0-9A-Za-z -]+$")
    city: str = Field(min_length=1, max_length=60)
    country: str = Field(default="DK", pattern=r"^[A-Z]{2}$")

    @field_validator("lines", "city")
    @classmethod
    def _printable(cls, value: str | list[str]) -> str | list[str]:
        for line in [value] if isinstance(value, str) else value:
            _one_line(line)
        return value


class SenderSettings(BaseModel):
    """Who the debtor hears from: shown on every letter; ``email`` is every reminder's Reply-To."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = Field(min_length=1, max_length=120)
    cvr: str | None = Field(default=None, pattern=r"^[0-9]{8}$", description="8 digits")
    address: PostalAddress | None = None
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)

    @field_validator("name")
    @classmethod
    def _name_one_line(cls, value: str) -> str:
        return _one_line(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import phonenumbers

        try:
            number = phonenumbers.parse(value, "DK")
        except phonenumbers.NumberParseException:
            raise ValueError("expected a phone number, e.g. +4570101010") from None
        if not phonenumbers.is_valid_number(number):
            raise ValueError("expected a valid phone number, e.g. +4570101010")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class BankAccount(BaseModel):
    """A Danish bank account: reg. no. (4 digits) and account no. (up to 10 digits)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    reg: str = Field(pattern=r"^[0-9]{4}$", description="reg. no., 4 digits")
    account: str = Field(pattern=r"^[0-9]{1,10}$", description="account no., up to 10 digits")


class FiCard(BaseModel):
    """FI-kort (indbetalingskort) +71: a 15-digit payment id with a modulus-10 check digit, then
    the 8-digit FI creditor number."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    type: Literal["71"] = "71"
    creditor: str = Field(pattern=r"^8[0-9]{7}$", description="FI creditor number: 8 digits, the first 8")


class PaymentSettings(BaseModel):
    """How the debtor pays: each way given here is shown on every reminder, with its reference."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    bank: BankAccount | None = None
    iban: str | None = Field(default=None, description="checked (ISO 13616); needs bic")
    bic: str | None = None
    fi: FiCard | None = None
    mobilepay: str | None = Field(default=None, pattern=r"^[0-9]{4,10}$", description="MobilePay box number")
    link: str | None = Field(
        default=None, max_length=500, description="https pay link; {customer} and {reference} are filled in"
    )

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from schwifty import IBAN
        from schwifty.exceptions import SchwiftyException

        try:
            return str(IBAN(value).compact)
        except SchwiftyException as error:
            raise ValueError(f"expected an IBAN with valid check digits: {error}") from None

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from schwifty import BIC
        from schwifty.exceptions import SchwiftyException

        try:
            return str(BIC(value).compact)
        except SchwiftyException as error:
            raise ValueError(f"expected a BIC (8 or 11 characters): {error}") from None

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import string

        _one_line(value)
        if not value.startswith("https://"):
            raise ValueError("expected an https:// address")
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError:
            raise ValueError("expected balanced braces around {customer} or {reference}") from None
        if unknown := fields - {"customer", "reference"}:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; expected {{customer}} or {{reference}}")
        return value

    @model_validator(mode="after")
    def _iban_with_bic(self) -> PaymentSettings:
        if self.iban is not None and self.bic is None:
            raise ValueError("bic: expected a BIC with the IBAN (payers abroad need both)")
        return self


class BsSettings(BaseModel):
    """Betalingsservice (C3): off unless enabled *and* a creditor number is set."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    enabled: bool = False
    creditor_number: str | None = Field(default=None, pattern=r"^[0-9]{8}$")
    cvr: str = Field(default="00000000", pattern=r"^[0-9]{8}$")
    debtor_group: str = Field(default="00001", pattern=r"^[0-9]{5}$")


class CollectionSettings(BaseModel):
    """Debt collection (O14): when an unpaid invoice becomes a proposed case, and who gets it."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    after_days: int = Field(ge=0, le=3650, description="days after the last step before a case is proposed")
    partner_email: str = Field(pattern=EMAIL_PATTERN, description="the debt-collection partner's inbox")


class InterestRateEntry(BaseModel):
    """A tenant's entry in the late-payment rate table: the full annual rate from a 1 Jan / 1 Jul."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)

    effective_from: date = Field(alias="from")
    rate: Annotated[Money, Field(ge=0, le=100)]

    @field_validator("effective_from")
    @classmethod
    def _half_year(cls, value: date) -> date:
        if (value.month, value.day) not in ((1, 1), (7, 1)):
            raise ValueError(f"a rate takes effect on 1 January or 1 July (renteloven § 5), not {value}")
        return value


class TenantSettings(BaseModel):
    """Everything a run needs to know about the tenant; stored as one item."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    tenant: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    tenant_name: str | None = Field(default=None, max_length=120)
    sender: SenderSettings | None = None
    payment: PaymentSettings | None = None
    language: Literal["da", "en"] = Field(default="da", description="the tenant's language: status reports, notices")
    reminders_enabled: bool = True
    default_template: str | None = None
    min_overdue_amount: Annotated[Money, Field(ge=0)] = Decimal("0.00")
    min_days_between_reminders: int = Field(default=0, ge=0, le=365)
    approval_required: bool | list[str] = False
    status_report_to: str | None = Field(default=None, pattern=EMAIL_PATTERN)
    timezone: str = "Europe/Copenhagen"
    # The defaults are valid as they stand: constructed, not validated, so that no model is built at import.
    bs: BsSettings = BsSettings.model_construct()
    # Run control (O4–O8, O13)
    notify_to: str | None = Field(default=None, pattern=EMAIL_PATTERN)
    excluded_customers: list[str] = Field(default_factory=list)
    check_bank_connections: bool = False
    check_journals: list[str] = Field(default_factory=list)
    settle_open_items: bool = False
    write_off_below: Annotated[Money, Field(gt=0)] | None = None
    reverse_fees_when_paid: bool = False
    collection: CollectionSettings | None = None
    # Danish rules (renteloven §§ 5, 9 a, 9 b)
    b2b_contractual_fees: bool = False
    interest_rates: list[InterestRateEntry] = Field(default_factory=list)
    interest_day_count: Literal["30E/360", "actual/365"] = "30E/360"

    @field_validator("approval_required")
    @classmethod
    def _step_names(cls, value: bool | list[str]) -> bool | list[str]:
        if isinstance(value, list) and any(not name.strip() for name in value):
            raise ValueError("expected true, false or a list of step names (non-empty)")
        return value

    def needs_approval(self, step_name: str) -> bool:
        """O9: does a reminder at this step wait for a person? (Collection cases always do.)"""
        if isinstance(self.approval_required, bool):
            return self.approval_required
        return step_name in self.approval_required

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("tenant_name")
    @classmethod
    def _tenant_name_one_line(cls, value: str | None) -> str | None:
        return None if value is None else _one_line(value)

    @property
    def display_name(self) -> str:
        """The name letters are signed with: the sender's, else the tenant's name, else its id."""
        if self.sender is not None:
            return self.sender.name
        return self.tenant_name or self.tenant

    def rate_table(self) -> RateTable:
        """The statutory rate table with the tenant's own entries (corrections, later half-years)."""
        entries = [RatePeriod(e.effective_from, e.rate - STATUTORY_MARKUP, e.rate) for e in self.interest_rates]
        return DEFAULT_RATES.with_entries(entries)

    def updated(self, changes: dict[str, object]) -> TenantSettings:
        """A partial update, validated as a whole."""
        merged = self.model_dump(mode="json", by_alias=True) | changes
        return TenantSettings.model_validate(merged)
