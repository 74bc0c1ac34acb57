"""Customers, their bulk import and their statement of account (O16)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    model_validator,
)

from shared.api.models.common import (
    BulkIn,
    Email,
    Identifier,
    RequestModel,
    ResponseModel,
)
from shared.betalingsservice.records import printable_latin1_problem

ADDRESS_WIDTH = 35  # what a Betalingsservice slip prints of a line


def _printable(value: str) -> str:
    problem = printable_latin1_problem(value)
    if problem is not None:
        raise ValueError(f"a postal address is printable ISO-8859-1 text: {problem}")
    if not value.strip():
        raise ValueError("an address line is not blank")
    return value


AddressText = Annotated[str, Field(min_length=1, max_length=ADDRESS_WIDTH), AfterValidator(_printable)]


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


# "dk" and " DK" are DK: an export's spelling is no reason to refuse a customer.
CountryCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z]{2}$")]


class AddressIn(RequestModel):
    """A postal address as the scenario format has it, checked so that a payment slip can carry it:
    1–4 street lines, a Danish postcode of 4 digits (abroad: at most 3 lines, as "postcode city"
    becomes the last line), and an ISO 3166 alpha-2 country."""

    lines: Annotated[list[AddressText], Field(min_length=1, max_length=4)]
    postcode: Annotated[str, Field(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")]
    city: AddressText
    country: CountryCode = "DK"

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


class AddressOut(ResponseModel):
    lines: list[str] = Field(default_factory=list)
    postcode: str | None = None
    city: str | None = None
    country: str = "DK"


class CustomerFields(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Email | None = None
    phone: Annotated[str, Field(max_length=20, pattern=r"^\+?[0-9 ]{4,19}$")] | None = None
    language: Literal["da", "en"] = "da"
    address: AddressIn | None = None
    business: bool = Field(default=False, description="a business customer (B2B: compensation, agreed fees)")


class CustomerIn(CustomerFields):
    id: Identifier


class CustomerPatch(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Email | None = None
    phone: Annotated[str, Field(max_length=20, pattern=r"^\+?[0-9 ]{4,19}$")] | None = None
    language: Literal["da", "en"] | None = None
    address: AddressIn | None = Field(default=None, description="the whole address; null removes it")
    business: bool | None = None


class CustomerOut(ResponseModel):
    id: str
    name: str
    email: str | None
    phone: str | None
    language: str
    address: AddressOut | None
    business: bool = False


class CustomersBulkIn(BulkIn):
    items: Annotated[list[CustomerIn], Field(min_length=1, max_length=1000)]


class StatementPreviewOut(ResponseModel):
    """A customer's statement of account as it would be e-mailed now (O16); nothing is sent."""

    customer: str
    to: str | None = Field(description="The customer's e-mail address; none: the statement cannot be sent")
    date: str
    items: int = Field(description="How many open items it lists")
    balance: str = Field(description="What the customer owes in all, DKK (negative: to the customer's credit)")
    subject: str
    text: str
    html: str


class StatementSentOut(ResponseModel):
    """A statement of account was queued for e-mailing; ``key`` names it."""

    customer: str
    key: str
    date: str
