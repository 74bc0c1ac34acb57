"""The settings form as a Danish bookkeeper fills it in: Danish amounts are read as meant, and a
refused form comes back as it was typed, naming the field and what it expects, with nothing stored.

In-process (``shared.console.app.handle`` on the in-memory store): no browser, no stack."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from shared.console.forms import form_amount
from shared.domain.settings import TenantSettings
from shared.storage.memory import MemoryStore
from tests.console.harness import ConsoleClient


@pytest.fixture
def store() -> MemoryStore:
    repo = MemoryStore()
    repo.put_settings(
        TenantSettings.model_validate(
            {
                "tenant": "jensen",
                "min_overdue_amount": "100.00",
                "sender": {"name": "Jensen VVS ApS", "cvr": "12345678", "phone": "+4570101010"},
                "payment": {
                    "bank": {"reg": "1234", "account": "0012345678"},
                    "iban": "DK5000400440116243",
                    "bic": "DABADKKK",
                },
            }
        )
    )
    return repo


def post_settings(store: MemoryStore, **changed: str) -> tuple[int, str]:
    """Submit the settings form as the page shows it, with ``changed`` fields typed over."""
    return ConsoleClient(store).submit("/settings", "/settings", **changed)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("1.000,50", "1000.50"),
        ("250", "250.00"),
        ("99,5", "99.50"),
        ("100 kr.", "100.00"),
        ("100.50", "100.50"),
        ("", None),
    ],
)
def test_amounts_are_read_as_a_danish_bookkeeper_types_them(typed: str, meant: str | None) -> None:
    assert form_amount(typed) == meant


def test_a_danish_amount_with_a_thousands_separator_is_saved(store: MemoryStore) -> None:
    # When the bookkeeper types the de-minimis threshold the Danish way
    status, _ = post_settings(store, min_overdue_amount="1.000,50")
    # Then it is saved as meant
    assert status == 303
    assert store.get_settings().min_overdue_amount == Decimal("1000.50")


def test_a_refused_form_names_the_field_in_danish_keeps_what_was_typed_and_stores_nothing(store: MemoryStore) -> None:
    # When one field is wrong and another was changed in the same form
    status, body = post_settings(store, sender_cvr="1234", sender_name="Jensen & Søn VVS ApS")
    # Then the form is shown again: the field named as the page labels it, what it expects, in Danish
    assert status == 422
    problem = re.search(r'<p class="error" role="alert" id="settings-problem">(.*?)</p>', body)
    assert problem is not None
    assert problem.group(1) == "CVR-nr.: skriv 8 cifre. Intet er gemt – ret feltet og prøv igen."
    assert "Value error" not in body and "should match pattern" not in body
    # And once only, not also as a green "saved"-style notice
    assert 'class="notice"' not in body
    # And with what was typed, the refused input marked
    assert re.search(r'name="sender_cvr" [^>]*value="1234" aria-invalid="true"', body)
    assert 'value="Jensen &amp; Søn VVS ApS"' in body
    # And nothing of it was stored
    stored = store.get_settings()
    assert stored.sender is not None and stored.sender.name == "Jensen VVS ApS" and stored.sender.cvr == "12345678"


def test_an_unreadable_amount_is_refused_naming_the_field(store: MemoryStore) -> None:
    status, body = post_settings(store, min_overdue_amount="hundrede")
    assert status == 422
    assert "Bagatelgrænse (kr.): skriv et beløb i kroner, fx 100,00 eller 1.000,50." in body
    assert 'value="hundrede" aria-invalid="true"' in body
    assert store.get_settings().min_overdue_amount == Decimal("100.00")


def test_approval_for_some_steps_only_is_said_beside_the_box(store: MemoryStore) -> None:
    # Given approval is required for "Rykker 2" only (set through the API or the CLI)
    current = store.get_settings()
    assert current is not None
    store.put_settings(current.model_copy(update={"approval_required": ["Rykker 2"]}))
    # When the settings page is shown
    status, body = ConsoleClient(store).get("/settings")
    # Then the ticked box says which steps it covers (a bare tick read as "every reminder")
    assert status == 200
    assert 'name="approval_required" value="true" checked' in body
    assert "Gælder kun trinnene: Rykker 2. De andre trin sendes uden godkendelse." in body
    # And saving the form unchanged keeps it for those steps only
    assert post_settings(store)[0] == 303
    saved = store.get_settings()
    assert saved is not None and saved.approval_required == ["Rykker 2"]


def test_approval_for_every_step_says_nothing_more(store: MemoryStore) -> None:
    current = store.get_settings()
    assert current is not None
    store.put_settings(current.model_copy(update={"approval_required": True}))
    assert 'id="approval-steps"' not in ConsoleClient(store).get("/settings")[1]


def test_a_customer_or_journal_that_does_not_exist_is_refused_when_typed(store: MemoryStore) -> None:
    # Given no customer K99 and no journal "Kasse" (a typo here made every following run abort)
    # When the bookkeeper excludes K99
    status, body = post_settings(store, excluded_customers="K99")
    # Then the form is refused in Danish, naming the field by its label, and nothing is stored
    assert status == 422
    problem = re.search(r'<p class="error" role="alert" id="settings-problem">(.*?)</p>', body)
    assert problem is not None
    assert problem.group(1) == (
        "Kunder uden rykkere (kundenumre, komma): Kunden &#39;K99&#39; findes ikke. "
        "Intet er gemt – ret feltet og prøv igen."
    )
    saved = store.get_settings()
    assert saved is not None and saved.excluded_customers == []
    # And a journal the run would check is refused the same way
    status, body = post_settings(store, check_journals="Kasse")
    assert status == 422 and "Kassekladden &#39;Kasse&#39; findes ikke." in body
    # And once the journal exists, it is saved
    store.put_journal("Kasse")
    assert post_settings(store, check_journals="Kasse")[0] == 303
    saved = store.get_settings()
    assert saved is not None and saved.check_journals == ["Kasse"]
