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


def two_step_tenant() -> MemoryStore:
    """Tenant jensen with customer K100 and a two-step template, standard_v1."""
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    repo.put_customer(Customer(customer_id="K100", name="Hansen Tømrer ApS"))
    steps = [
        {"name": "Påmindelse", "days": 5, "actions": ["email"]},
        {"name": "Rykker 1", "days": 10, "actions": ["email"]},
    ]
    definition = TemplateDefinition.model_validate({"name": "standard", "steps": steps})
    define_template(repo, definition, date(2026, 3, 1), actor="test")
    return repo


def test_a_decided_proposal_names_its_customer_step_template_and_run() -> None:
    # Given a proposal the bookkeeper approved
    repo = two_step_tenant()
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


def test_a_collection_case_waiting_for_approval_reads_as_one() -> None:
    # Given a run proposed handing customer C1's claim to the collection partner
    from tests.unit.services.fakes import Tenant

    tenant = Tenant()
    invoice = tenant.invoice("F1")
    repo = tenant.store
    case = {
        "kind": "collection",
        "customer": "C1",
        "invoices": [{"invoice_id": "F1"}],
        "step": "Inkasso",
        "template": "standard_v1",
        "proposed_on": "2026-03-02",
        "amount": "700.00",
    }
    effect = {"date": "2026-03-02", "kind": "proposal"}
    assert repo.commit_proposal("acme/C1/standard_v1/99/case/x@r", case, effect, [invoice])
    client = ConsoleClient(repo)
    # When the approvals page is shown, per entry and per customer
    _, entries = client.get("/approvals")
    _, customers = client.get("/approvals?view=customer")
    # Then the entry says "Inkassosag", not "Rykker" (approving it hands the claim to the partner),
    # and the customer's row carries the collection mark
    row = entries[entries.index('<tr data-key="acme/C1') :]
    assert row[: row.index("</tr>")].count("<td>Inkassosag</td>") == 1
    row = customers[customers.index('<tr data-customer="C1">') :]
    assert "Inkassosag" in row[: row.index("</tr>")]


def test_a_decided_collection_case_names_itself_not_a_step_number() -> None:
    # Given an approved debt-collection case of a two-step template (its key's step is 3: after the last)
    repo = two_step_tenant()
    key = "jensen/K100/standard_v1/3/proposal/0643335fff27e209@2026-03-02T05:00:00Z~manual"
    repo.note_actor("proposal", key, "approved_by", "bo@jensen.example")
    # When the approvals page is shown
    _, body = ConsoleClient(repo).get("/approvals")
    # Then the decided row says "Inkassosag" where a reminder says its step's name (it said "3")
    row = body[body.index(f'<tr data-key="{key}">') :]
    assert "<td>Inkassosag</td>" in row[: row.index("</tr>")]
