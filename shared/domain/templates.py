"""Reminder templates: ordered steps of actions, and their versions (C5–C8).

A template is identified by name; each definition is a numbered version with
the id ``<name>_v<n>``. A version on which a step has run is immutable: a
new definition under the same name then becomes the next version. A version
no step has run on yet is replaced in place, and a definition equal to the
latest version changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.domain.money import Money

VERSION_ID = re.compile(r"^(?P<name>.+)_v(?P<number>[1-9][0-9]*)$")
TEMPLATE_NAME = r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$"

# statement: the customer's statement of account (kontoudtog), one per customer per run (O16)
SimpleAction = Literal["email", "sms", "bs", "statement"]


class FeeAction(BaseModel):
    """A reminder fee put on the customer's billing queue (C7, O10)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    fee: Annotated[Money, Field(gt=0)]


class InterestAction(BaseModel):
    """Statutory late-payment interest onto the billing queue (renteloven § 5)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    interest: Literal[True]


class CompensationAction(BaseModel):
    """The B2B fixed compensation of 310 kr onto the billing queue (renteloven § 9 a, stk. 3)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    compensation: Literal[True]


StepAction = SimpleAction | FeeAction | InterestAction | CompensationAction


class StepTexts(BaseModel):
    """A tenant's own wording for one step in one language (Jinja2 sources, rendered in a sandbox).

    Each part is optional; a missing part uses the product's own text. The mandatory parts of a
    letter (sender, ways to pay, the fee statement, the warning's deadline) are added by the
    product around them, whatever they say.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    subject: str | None = Field(default=None, min_length=1, max_length=2_000)
    body: str | None = Field(default=None, min_length=1, max_length=20_000)
    sms: str | None = Field(default=None, min_length=1, max_length=2_000)


class Step(BaseModel):
    """One step: ``days`` after the due date (step 1) or after the previous step."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = Field(min_length=1, max_length=60)
    days: int = Field(ge=0, le=3650)
    actions: list[StepAction] = Field(min_length=1)
    inkassovarsel: bool = Field(default=False, description="the collection warning (inkassoloven § 10)")
    texts: dict[Literal["da", "en"], StepTexts] | None = Field(
        default=None, description="the tenant's own wording per language; missing parts use the product's"
    )

    @field_validator("actions")
    @classmethod
    def _one_of_each(cls, actions: list[StepAction]) -> list[StepAction]:
        kinds = [action_kind(action) for action in actions]
        duplicates = sorted({kind for kind in kinds if kinds.count(kind) > 1})
        if duplicates:
            raise ValueError(f"an action may appear once per step; repeated: {', '.join(duplicates)}")
        return actions

    @property
    def action_kinds(self) -> list[str]:
        return [action_kind(action) for action in self.actions]

    @property
    def fee(self) -> Decimal | None:
        for action in self.actions:
            if isinstance(action, FeeAction):
                return action.fee
        return None


def action_kind(action: StepAction) -> str:
    if isinstance(action, FeeAction):
        return "fee"
    if isinstance(action, InterestAction):
        return "interest"
    if isinstance(action, CompensationAction):
        return "compensation"
    return action


class TemplateDefinition(BaseModel):
    """What a user defines: a name and its ordered steps."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = Field(pattern=TEMPLATE_NAME, max_length=60)
    steps: list[Step] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique_step_names(self) -> TemplateDefinition:
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise ValueError("step names must be unique within a template")
        return self


@dataclass(frozen=True)
class TemplateVersion:
    """One stored version of a template."""

    name: str
    number: int
    steps: tuple[Step, ...]
    used: bool = False

    @property
    def version_id(self) -> str:
        return version_id(self.name, self.number)

    def step(self, number: int) -> Step:
        """The 1-based step ``number``."""
        return self.steps[number - 1]

    @property
    def step_count(self) -> int:
        return len(self.steps)

    @property
    def warning_step(self) -> int:
        """The step that is the collection warning (inkassoloven § 10): the marked one, else the last."""
        marked = [number for number, step in enumerate(self.steps, 1) if step.inkassovarsel]
        return marked[-1] if marked else self.step_count

    def follows_warning(self, step_number: int) -> bool:
        """Does the step come after the step marked ``inkassovarsel``? Its letters then say the debtor
        has been warned, not that collection is still only being considered."""
        return step_number > self.warning_step and self.step(self.warning_step).inkassovarsel


def version_id(name: str, number: int) -> str:
    return f"{name}_v{number}"


def split_version_id(value: str) -> tuple[str, int] | None:
    """``standard_v2`` -> ("standard", 2); a bare name -> None."""
    match = VERSION_ID.match(value)
    if not match:
        return None
    return match["name"], int(match["number"])


@dataclass(frozen=True)
class VersionDecision:
    """What defining a template does: which version number it writes, and whether it is new."""

    number: int
    creates_new_version: bool
    unchanged: bool


def decide_version(definition: TemplateDefinition, latest: TemplateVersion | None) -> VersionDecision:
    """C8: a used version never changes; a new definition becomes the next version."""
    if latest is None:
        return VersionDecision(number=1, creates_new_version=True, unchanged=False)
    if tuple(definition.steps) == latest.steps:
        return VersionDecision(number=latest.number, creates_new_version=False, unchanged=True)
    if latest.used:
        return VersionDecision(number=latest.number + 1, creates_new_version=True, unchanged=False)
    return VersionDecision(number=latest.number, creates_new_version=False, unchanged=False)
