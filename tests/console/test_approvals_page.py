"""Godkendelse: a decided proposal reads as the customer, step, template and run it was, not as its key."""

from __future__ import annotations

from datetime import date

from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition
from shared.services.tenant.templates import define_template
from shared.storage.memory import MemoryStore
from shared.storage.repository import Customer
from tests.console.harness import ConsoleClient

KEY = "jensen/K100/standard_v1/2/proposal/0643335fff27e209@2026-03-02T05:00:00Z~manual"


def test_a_decided_proposal_names_its_customer_step_template_and_run() -> None:
    # Given a proposal the bookkeeper approved
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    repo.put_customer(Customer(customer_id="K100", name="Hansen Tømrer ApS"))
    steps = [
        {"name": "Påmindelse", "days": 5, "actions": ["email"]},
        {"name": "Rykker 1", "days": 10, "actions": ["email"]},
    ]
    definition = TemplateDefinition.model_validate({"name": "standard", "steps": steps})
    define_template(repo, definition, date(2026, 3, 1), actor="test")
    repo.note_actor("proposal", KEY, "approved_by", "bo@jensen.example")
    # When the approvals page is shown
    status, body = ConsoleClient(repo).get("/approvals")
    # Then its row names the customer, the step (by its name), the template version and the run, not the key's digest
    assert status == 200
    row = body[body.index(f'<tr data-key="{KEY}">') :]
    row = row[: row.index("</tr>")]
    assert "Hansen Tømrer ApS" in row and "K100" in row and "standard_v1" in row and "<td>Rykker 1</td>" in row
    assert "02.03.2026 kl. 06:00" in row  # the run, in the tenant's time
    assert "0643335fff27e209" not in row.split(">", 1)[1]
    assert "Godkendt" in row and "bo@jensen.example" in row
