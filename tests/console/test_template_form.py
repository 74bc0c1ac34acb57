"""Rykker > Konfiguration, "Definér ny version": a fee as a Danish bookkeeper types it is the fee
meant (never a hundred times it), and a refused version comes back as typed, naming the step and field."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition
from shared.services.tenant.templates import define_template
from shared.storage.memory import MemoryStore
from tests.console.harness import ConsoleClient

PATH = "/templates/standard"
ACTION = "/templates/standard/versions"


def store_with(b2b_contractual_fees: bool) -> MemoryStore:
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen", b2b_contractual_fees=b2b_contractual_fees))
    steps = [
        {"name": "Påmindelse", "days": 5, "actions": ["email"]},
        {"name": "Rykker 1", "days": 10, "actions": ["email", {"fee": "100.00"}]},
    ]
    definition = TemplateDefinition.model_validate({"name": "standard", "steps": steps})
    define_template(repo, definition, date(2026, 3, 1), b2b_contractual_fees, actor="test")
    return repo


def fees(repo: MemoryStore) -> list[Decimal | None]:
    latest = repo.latest_template("standard")
    assert latest is not None
    return [step.fee for step in latest.steps]


@pytest.mark.parametrize("typed", ["50,00", "50.00", "50"])
def test_a_fee_typed_either_way_is_the_fee_meant(typed: str) -> None:
    # Given a tenant whose business customers agreed to higher fees (no cap that would catch a slip)
    repo = store_with(b2b_contractual_fees=True)
    # When the bookkeeper changes step 2's fee to fifty kroner
    status, _ = ConsoleClient(repo).submit(PATH, ACTION, fee_1=typed)
    # Then the new version charges 50,00 kr., not 5.000,00 kr.
    assert status == 303
    assert fees(repo) == [None, Decimal("50.00")]


def test_a_fee_above_the_cap_is_refused_in_danish_naming_the_step_and_keeping_the_form() -> None:
    repo = store_with(b2b_contractual_fees=False)
    # When step 2's fee is set above the legal cap and its name changed in the same form
    status, body = ConsoleClient(repo).submit(PATH, ACTION, fee_1="150,00", name_1="Rykker 1 (ny)")
    # Then the page says which step and field, and why, in Danish
    assert status == 422
    problem = re.search(r'<p class="error" role="alert" id="template-problem">(.*?)</p>', body)
    assert problem is not None
    assert problem.group(1) == (
        "Trin 2, Gebyr (kr.): et rykkergebyr må højst være 100,00 kr. (renteloven § 9 b). "
        "Intet er gemt – ret feltet og prøv igen."
    )
    # And the form shows what was typed
    assert 'name="fee_1" value="150,00"' in body and 'name="name_1" value="Rykker 1 (ny)"' in body
    # And no version was defined
    assert fees(repo) == [None, Decimal("100.00")]
    assert repo.latest_template("standard").steps[1].name == "Rykker 1"  # type: ignore[union-attr]


def test_a_new_version_keeps_what_the_form_does_not_show() -> None:
    # Given a template whose last step is the collection warning with interest and the tenant's own
    # English texts and Danish SMS
    repo = store_with(b2b_contractual_fees=False)
    warning = {
        "name": "Inkassovarsel",
        "days": 10,
        "actions": ["email", {"fee": "100.00"}, {"interest": True}],
        "inkassovarsel": True,
        "texts": {"da": {"sms": "Betal {{ total }} nu"}, "en": {"subject": "Final notice"}},
    }
    steps = [
        {"name": "Påmindelse", "days": 5, "actions": ["email"]},
        {"name": "Rykker 1", "days": 10, "actions": ["email", {"fee": "100.00"}]},
        warning,
    ]
    define_template(
        repo, TemplateDefinition.model_validate({"name": "standard", "steps": steps}), date(2026, 3, 1), actor="t"
    )
    # When the bookkeeper changes only the first step's days in the console
    status, _ = ConsoleClient(repo).submit(PATH, ACTION, days_0="7", subject_2="Inkassovarsel fra os")
    # Then the new version has the change and the warning step is still the warning it was
    assert status == 303
    latest = repo.latest_template("standard")
    assert latest is not None
    assert latest.steps[0].days == 7
    kept = latest.steps[2]
    assert kept.inkassovarsel is True
    assert kept.action_kinds == ["email", "fee", "interest"]
    assert kept.texts is not None
    assert kept.texts["en"].subject == "Final notice"
    assert kept.texts["da"].sms == "Betal {{ total }} nu" and kept.texts["da"].subject == "Inkassovarsel fra os"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            {"email_0": ""},
            "Trin 1, Handlinger: vælg mindst én handling (e-mail, SMS, kontoudtog, Betalingsservice).",
        ),
        ({"name_0": "", "name_1": ""}, "Trin: udfyld mindst ét trin (navn, dage, handlinger)."),
    ],
    ids=["no-action", "no-step"],
)
def test_the_forms_own_refusals_name_the_step_and_field_in_danish(typed: dict[str, str], said: str) -> None:
    # Given the form with a step left without actions, or every step emptied
    repo = store_with(b2b_contractual_fees=False)
    status, body = ConsoleClient(repo).submit(PATH, ACTION, **typed)
    # Then the refusal names the step and field as the form shows them, in Danish
    assert status == 422
    problem = re.search(r'<p class="error" role="alert" id="template-problem">(.*?)</p>', body)
    assert problem is not None
    assert problem.group(1) == f"{said} Intet er gemt – ret feltet og prøv igen."
    assert "List should have" not in body


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            {"body_0": "Kære {{ kunde }}"},
            "Trin 1, Brødtekst (dansk): ukendt variabel &#39;kunde&#39; – en tekst kan bruge customer, deadline, "
            "fee, invoices, payment, reference, sender, step, total.",
        ),
        (
            {"subject_0": "Faktura {% for i in invoices %}"},
            "Trin 1, Emne (dansk): teksten kan ikke læses i linje 1 (Jinja2: »Unexpected end of template. Jinja was "
            "looking for the following tags: &#39;endfor&#39; or &#39;else&#39;. The innermost block that needs to "
            "be closed is &#39;for&#39;«); skriv fx &#39;Kære {{ customer.name }}&#39;.",
        ),
    ],
)
def test_a_refused_text_says_why_in_danish(typed: dict[str, str], said: str) -> None:
    # When the bookkeeper writes a text with a Danish variable name, or an unfinished loop
    status, body = ConsoleClient(store_with(b2b_contractual_fees=False)).submit(PATH, ACTION, **typed)
    # Then the page names the step and field and says why in Danish; nothing is saved
    assert status == 422
    problem = re.search(r'<p class="error" role="alert" id="template-problem">(.*?)</p>', body, re.S)
    assert problem is not None
    assert problem.group(1) == said + " Intet er gemt – ret feltet og prøv igen."
    assert "unknown variable" not in body and "does not compile" not in body


def test_each_steps_days_say_from_when_and_the_collection_warning_is_marked() -> None:
    # Given a template whose second step is the collection warning
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    steps = [
        {"name": "Påmindelse", "days": 1, "actions": ["email"]},
        {"name": "Rykker 1", "days": 10, "actions": ["email", {"fee": "100.00"}], "inkassovarsel": True},
    ]
    define_template(
        repo, TemplateDefinition.model_validate({"name": "standard", "steps": steps}), date(2026, 3, 1), actor="t"
    )
    # When its page is shown
    status, body = ConsoleClient(repo).get(PATH)
    # Then step 1 counts from the due date and step 2 from step 1, and step 2 says it is the collection warning
    assert status == 200
    row = re.sub(
        r"<[^>]+>",
        "",
        body[
            body.index('<tr data-version="standard_v1">') : body.index(
                "</tr>", body.index('<tr data-version="standard_v1">')
            )
        ],
    )
    assert "Påmindelse (1 dag efter forfald: e-mail)" in row
    assert "Rykker 1 (10 dage efter forrige trin: e-mail, gebyr, 100,00 kr., inkassovarsel)" in row
    # And the form's day fields say the same
    assert "Dage efter forfald<input" in body and "Dage efter forrige trin<input" in body
