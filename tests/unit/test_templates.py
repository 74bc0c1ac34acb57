"""Template definitions and versioning (C6–C8)."""

import pytest
from pydantic import ValidationError

from shared.domain.templates import (
    TemplateDefinition,
    TemplateVersion,
    decide_version,
    split_version_id,
)


def definition(days: int = 4) -> TemplateDefinition:
    return TemplateDefinition.model_validate(
        {
            "name": "standard",
            "steps": [{"name": "Rykker 1", "days": days, "actions": ["email", {"fee": "100.00"}]}],
        }
    )


def stored(used: bool, days: int = 4) -> TemplateVersion:
    return TemplateVersion(name="standard", number=1, steps=tuple(definition(days).steps), used=used)


def test_the_first_definition_is_version_1():
    decision = decide_version(definition(), None)
    assert (decision.number, decision.creates_new_version) == (1, True)


def test_a_change_to_a_used_version_becomes_the_next_version():
    decision = decide_version(definition(days=7), stored(used=True))
    assert (decision.number, decision.creates_new_version) == (2, True)


def test_a_change_to_an_unused_version_replaces_it():
    decision = decide_version(definition(days=7), stored(used=False))
    assert (decision.number, decision.creates_new_version, decision.unchanged) == (1, False, False)


def test_the_same_definition_again_changes_nothing():
    assert decide_version(definition(), stored(used=True)).unchanged


def test_fee_and_actions_are_parsed():
    step = definition().steps[0]
    assert step.action_kinds == ["email", "fee"]
    assert str(step.fee) == "100.00"


@pytest.mark.parametrize("actions", [["letter"], [{"fee": 100.0}], [{"fee": "-1.00"}], ["email", "email"], []])
def test_bad_actions_are_refused(actions):
    with pytest.raises(ValidationError):
        TemplateDefinition.model_validate({"name": "t", "steps": [{"name": "R1", "days": 1, "actions": actions}]})


def test_version_ids_split():
    assert split_version_id("standard_v12") == ("standard", 12)
    assert split_version_id("standard") is None
