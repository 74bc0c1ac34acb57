"""Templates and their versions (C5, C8), previews and usage."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
)

from shared.api.models.common import (
    PositiveAmount,
    RequestModel,
    ResponseModel,
    StepName,
)
from shared.domain.templates import StepTexts


class FeeIn(RequestModel):
    """A reminder fee (at most 100.00 and on at most 3 steps, renteloven § 9 b)."""

    fee: PositiveAmount


class InterestIn(RequestModel):
    """Statutory late-payment interest (renteloven § 5)."""

    interest: Literal[True]


class CompensationIn(RequestModel):
    """The fixed B2B compensation of 310.00 (renteloven § 9 a, stk. 3)."""

    compensation: Literal[True]


Action = Literal["email", "sms", "bs", "statement"] | FeeIn | InterestIn | CompensationIn


class StepIn(RequestModel):
    name: StepName
    days: Annotated[int, Field(ge=0, le=3650)]
    actions: Annotated[list[Action], Field(min_length=1, max_length=6)]
    inkassovarsel: bool = Field(default=False, description="this step is the collection warning (inkassoloven § 10)")
    texts: dict[Literal["da", "en"], StepTexts] | None = Field(
        default=None,
        description="the tenant's own subject, body and SMS per language (Jinja2, sandboxed; docs/texts.md); "
        "missing parts use the product's own",
    )


class StepsIn(RequestModel):
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=20)]


class TemplateIn(StepsIn):
    name: Annotated[str, Field(max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")]


class StepOut(ResponseModel):
    name: str
    days: int
    actions: list[Action]
    inkassovarsel: bool = False
    texts: dict[Literal["da", "en"], StepTexts] | None = None


class VersionOut(ResponseModel):
    version_id: str
    name: str
    number: int
    used: bool
    created_on: str
    steps: list[StepOut]


class TemplateOut(ResponseModel):
    name: str
    latest: str
    versions: list[VersionOut]


class SmsSegmentsOut(ResponseModel):
    """What a step's own SMS text costs in one language, rendered with the sample values."""

    step: int
    step_name: str
    language: Literal["da", "en"]
    encoding: Literal["GSM-7", "UCS-2"]
    characters: int
    segments: int


class DefineOut(ResponseModel):
    outcome: Literal["created", "replaced", "unchanged"]
    version: VersionOut
    sms: list[SmsSegmentsOut] = Field(
        default_factory=list, description="each step's own SMS text per language: its segment count"
    )


class EmailPreviewOut(ResponseModel):
    subject: str
    html: str
    text: str


class SmsPreviewOut(ResponseModel):
    text: str
    encoding: Literal["GSM-7", "UCS-2"]
    characters: int
    segments: int


class PreviewOut(ResponseModel):
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


class VersionUsageOut(ResponseModel):
    version_id: str
    used: bool
    default: bool
    agreements: list[str]
    sales: list[str]
    invoices_in_process: list[str]
