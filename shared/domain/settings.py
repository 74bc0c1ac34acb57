"""A tenant's reminder settings (C1–C3, O9, O11, O12) as a typed model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.domain.interest import DEFAULT_RATES, STATUTORY_MARKUP, RatePeriod, RateTable
from shared.domain.money import Money

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class BsSettings(BaseModel):
    """Betalingsservice (C3): off unless enabled *and* a creditor number is set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    creditor_number: str | None = Field(default=None, pattern=r"^[0-9]{8}$")
    cvr: str = Field(default="00000000", pattern=r"^[0-9]{8}$")
    debtor_group: str = Field(default="00001", pattern=r"^[0-9]{5}$")

    @property
    def usable(self) -> bool:
        return self.enabled and self.creditor_number is not None


class CollectionSettings(BaseModel):
    """Debt collection (O14): when an unpaid invoice becomes a proposed case, and who gets it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    after_days: int = Field(ge=0, le=3650, description="days after the last step before a case is proposed")
    partner_email: str = Field(pattern=EMAIL_PATTERN, description="the debt-collection partner's inbox")


class InterestRateEntry(BaseModel):
    """A tenant's entry in the late-payment rate table: the full annual rate from a 1 Jan / 1 Jul."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

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

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    tenant_name: str | None = Field(default=None, max_length=120)
    language: Literal["da", "en"] = Field(default="da", description="the tenant's language: status reports, notices")
    reminders_enabled: bool = True
    default_template: str | None = None
    min_overdue_amount: Annotated[Money, Field(ge=0)] = Decimal("0.00")
    min_days_between_reminders: int = Field(default=0, ge=0, le=365)
    approval_required: bool | list[str] = False
    status_report_to: str | None = Field(default=None, pattern=EMAIL_PATTERN)
    timezone: str = "Europe/Copenhagen"
    bs: BsSettings = BsSettings()
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

    @property
    def display_name(self) -> str:
        return self.tenant_name or self.tenant

    def rate_table(self) -> RateTable:
        """The statutory rate table with the tenant's own entries (corrections, later half-years)."""
        entries = [RatePeriod(e.effective_from, e.rate - STATUTORY_MARKUP, e.rate) for e in self.interest_rates]
        return DEFAULT_RATES.with_entries(entries)

    def updated(self, changes: dict[str, object]) -> TenantSettings:
        """A partial update, validated as a whole."""
        merged = self.model_dump(mode="json", by_alias=True) | changes
        return TenantSettings.model_validate(merged)
