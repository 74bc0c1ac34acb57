"""The page a refusal ends on: the message once (not also as a "saved" notice), the field named once."""

from __future__ import annotations

from shared.domain.settings import TenantSettings
from shared.storage.memory import MemoryStore
from tests.console.harness import ConsoleClient


def client() -> ConsoleClient:
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    return ConsoleClient(repo)


def test_a_refusal_names_its_field_once() -> None:
    status, body = client().get("/usage?month=2026-13")
    assert status == 422
    assert '<p class="error" role="alert">month: expected YYYY-MM' in body
    assert "month: month:" not in body
    assert 'class="notice"' not in body


def test_a_missing_item_names_what_is_missing() -> None:
    status, body = client().get("/invoices/nope")
    assert status == 404
    assert "invoice_id: invoice &#39;nope&#39; does not exist" in body
    assert 'class="notice"' not in body
