"""What a reminder says, independent of the channel it is sent on.

:class:`ReminderContent` is the one input of :func:`~shared.rendering.email.render_email`
and :func:`~shared.rendering.sms.render_sms`. It holds facts only (names, step, dates,
amounts); wording and formatting belong to the templates.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.settings import PaymentSettings, SenderSettings
from shared.domain.templates import StepTexts
from shared.messages import ActionMessage, InvoiceLine
from shared.rendering.formatting import Language

PAY_DAYS = 10
"""An ordinary reminder asks for payment within this many days of sending: the same as the
Betalingsservice slip's term (``bs_delivery.PAYMENT_DAYS``) and the collection warning's
minimum (inkassoloven § 10), so every letter of one reminder names one date."""


class ClaimLine(BaseModel):
    """A charge already on the customer's billing queue for the reminder's invoices (the
    collection warning lists every item of the claim)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: str = Field(description="fee, interest or compensation")
    amount: Decimal
    created_on: date


class ReminderContent(BaseModel):
    """Everything one consolidated reminder (one customer, one step) tells the customer.

    Invoices are shown in the order given; :class:`~shared.messages.ActionMessage` already
    sorts them by invoice id.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    tenant_name: str = Field(min_length=1, description="The creditor, used to sign off")
    customer_name: str = Field(min_length=1)
    language: Language
    step_name: str = Field(min_length=1, description="The tenant's own name for the step, e.g. 'Rykker 2'")
    step_number: int = Field(ge=1, description="1-based position of the step in its template")
    step_count: int = Field(ge=1, description="How many steps the template has")
    reminder_date: date = Field(description="The run date the reminder is sent on")
    invoices: list[InvoiceLine] = Field(min_length=1)
    fee: Decimal | None = Field(
        default=None, ge=0, description="The reminder fee this step adds to the customer's next invoice"
    )
    interest: Decimal | None = Field(default=None, ge=0, description="Interest this step adds to the next invoice")
    compensation: Decimal | None = Field(
        default=None, ge=0, description="The B2B compensation this step adds to the next invoice"
    )
    currency: str = Field(default="DKK", pattern=r"^[A-Z]{3}$")
    warning_deadline: date | None = Field(
        default=None, description="The collection warning (inkassoloven § 10): pay by this date or collection follows"
    )
    after_warning: bool = Field(
        default=False, description="A step after the collection warning: the debtor has been warned already"
    )
    customer_id: str | None = None
    reference: str | None = Field(default=None, description="The reminder's payment reference (15 digits)")
    sender: SenderSettings | None = None
    payment: PaymentSettings | None = None
    texts: StepTexts | None = Field(default=None, description="The tenant's own wording in this language")
    charged_before: list[ClaimLine] = Field(
        default_factory=list, description="Fees, interest, compensation charged earlier for these invoices"
    )

    @model_validator(mode="after")
    def _step_within_template(self) -> ReminderContent:
        if self.step_number > self.step_count:
            raise ValueError(f"step_number {self.step_number} is past step_count {self.step_count}")
        return self

    @property
    def is_last_step(self) -> bool:
        """True on the template's final step, after which collection may follow."""
        return self.step_number == self.step_count

    @property
    def open_total(self) -> Decimal:
        """What is still unpaid across all invoices of the reminder."""
        return sum((line.open_amount for line in self.invoices), Decimal("0"))

    @property
    def pay_by(self) -> date:
        """The date the letter asks payment by: the warning's deadline, else :data:`PAY_DAYS` on."""
        return self.warning_deadline or self.reminder_date + timedelta(days=PAY_DAYS)

    @property
    def is_warning(self) -> bool:
        return self.warning_deadline is not None

    @property
    def has_fee(self) -> bool:
        """Whether the reminder announces a fee; a fee of zero is no fee to announce."""
        return self.fee is not None and self.fee > 0

    @property
    def step_charges(self) -> list[tuple[str, Decimal]]:
        """What this step adds to the next invoice besides the fee: ``("interest", amount)``,
        ``("compensation", amount)``; amounts of zero are left out."""
        charges = (("interest", self.interest), ("compensation", self.compensation))
        return [(kind, amount) for kind, amount in charges if amount is not None and amount > 0]

    @classmethod
    def from_action(
        cls,
        message: ActionMessage,
        *,
        tenant_name: str,
        customer_name: str,
        language: Language,
        sender: SenderSettings | None = None,
        payment: PaymentSettings | None = None,
        texts: StepTexts | None = None,
        charged_before: list[ClaimLine] | None = None,
    ) -> ReminderContent:
        """Build the content of the reminder an action message stands for.

        The message carries the step and invoice facts; names and language come from the
        tenant and customer records, which the message deliberately does not carry.
        """
        return cls(
            tenant_name=tenant_name,
            customer_name=customer_name,
            language=language,
            step_name=message.step_name,
            step_number=message.step_number,
            step_count=message.step_count,
            reminder_date=message.run_date,
            invoices=list(message.invoices),
            fee=message.step_fee,
            interest=message.step_interest,
            compensation=message.step_compensation,
            currency=message.currency,
            warning_deadline=message.warning_deadline,
            after_warning=message.after_warning,
            customer_id=message.customer_id,
            reference=message.reference,
            sender=sender,
            payment=payment,
            texts=texts,
            charged_before=charged_before or [],
        )
