"""Settings (C1–C3, O4–O13): the partial update."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
)

from shared.api.models.common import (
    Amount,
    Email,
    Identifier,
    PositiveAmount,
    RequestModel,
    StepName,
    TemplateRef,
)
from shared.domain.settings import InterestRateEntry, PaymentSettings, SenderSettings


class BsSettingsPatch(RequestModel):
    enabled: bool | None = None
    creditor_number: Annotated[str, Field(pattern=r"^[0-9]{8}$")] | None = None
    cvr: Annotated[str, Field(pattern=r"^[0-9]{8}$")] | None = None
    debtor_group: Annotated[str, Field(pattern=r"^[0-9]{5}$")] | None = None


class CollectionIn(RequestModel):
    """Debt collection (O14): both fields; ``null`` instead of the object switches collection off."""

    after_days: Annotated[int, Field(ge=0, le=3650)] = Field(
        description="days after the last step before a collection case is proposed"
    )
    partner_email: Email = Field(description="the debt-collection partner's inbox")


# The domain's own entry: the same checks (1 January / 1 July, 0–100 %) and the alias "from".
InterestRateIn = InterestRateEntry


class SettingsPatch(RequestModel):
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
