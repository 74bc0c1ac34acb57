"""A customer's page shows what decides how they can be reminded: e-mail, phone, postal address,
letter language and customer type — and says so when one is missing."""

from __future__ import annotations

import re

from shared.domain.settings import TenantSettings
from shared.storage.memory import MemoryStore
from shared.storage.records import Customer
from tests.console.harness import ConsoleClient


def facts(body: str) -> dict[str, str]:
    table = body[body.index('id="customer-facts"') : body.index("</table>", body.index('id="customer-facts"'))]
    return dict(re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', table))


def test_a_customer_shows_address_language_and_type() -> None:
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    address = {"lines": ["Åboulevarden 12, 3. tv."], "postcode": "8000", "city": "Aarhus C", "country": "DK"}
    repo.put_customer(
        Customer("K100", "Hansen Tømrer ApS", email="k@kunde.example", language="en", address=address, business=True)
    )
    status, body = ConsoleClient(repo).get("/customers/K100")
    assert status == 200
    assert facts(body) == {
        "E-mail": "k@kunde.example",
        "Telefon": "intet – ingen SMS",
        "Adresse": "Åboulevarden 12, 3. tv., 8000 Aarhus C",
        "Sprog i breve": "Engelsk",
        "Kundetype": "Erhverv",
    }
    assert 'id="no-invoices"' in body


def test_a_customer_without_an_address_says_what_that_means() -> None:
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    repo.put_customer(Customer("K200", "Sørensen & Co"))
    _, body = ConsoleClient(repo).get("/customers/K200")
    shown = facts(body)
    assert shown["Adresse"] == "ingen – rykkere kan ikke gå via Betalingsservice"
    assert shown["E-mail"] == "ingen – rykkere kan ikke sendes som e-mail"
    assert shown["Kundetype"] == "Privat" and shown["Sprog i breve"] == "Dansk"
