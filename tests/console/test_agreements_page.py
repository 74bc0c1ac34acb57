"""Aftaler, the mass move (C9): its target is the default template's newest version, and the versions
are listed newest first by number (standard_v10 before standard_v9), not as text."""

from __future__ import annotations

import re
from datetime import date

from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition
from shared.services.tenant.templates import define_template
from shared.storage.memory import MemoryStore
from shared.storage.repository import Agreement, Customer
from tests.console.harness import ConsoleClient


def test_the_move_offers_the_newest_version_first_and_chooses_it() -> None:
    # Given the default template "standard" in ten versions, and an agreement on its first
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen", default_template="standard"))
    for days in range(1, 11):  # each definition differs, so each is a new version once the last is used
        steps = [{"name": "Rykker 1", "days": days, "actions": ["email"]}]
        result = define_template(
            repo, TemplateDefinition.model_validate({"name": "standard", "steps": steps}), date(2026, 3, 1), actor="t"
        )
        repo.mark_template_used(result.version.version_id)
    repo.put_customer(Customer(customer_id="K100", name="Hansen Tømrer ApS"))
    repo.create_agreement(Agreement("A100", "K100", "standard_v1"))
    # When the agreements page is shown
    status, body = ConsoleClient(repo).get("/agreements")
    # Then the move's versions run newest first, and the newest is the one chosen
    assert status == 200
    options = re.findall(r"<option( selected)?>([^<]+)</option>", body)
    assert [name for _, name in options][:3] == ["standard_v10", "standard_v9", "standard_v8"]
    assert [name for selected, name in options if selected] == ["standard_v10"]
