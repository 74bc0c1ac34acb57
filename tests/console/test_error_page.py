"""The page a refusal ends on: the message once (not also as a "saved" notice), in the console's
language — a hand-typed or stale address is refused in Danish, without the field's programming name."""

from __future__ import annotations

from datetime import date

import pytest

from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition
from shared.services.tenant.templates import define_template
from shared.storage.memory import MemoryStore
from tests.console.harness import ConsoleClient

RUN = "2026-03-02T05:00:00Z~manual"


def client() -> ConsoleClient:
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    steps = [
        {"name": "Rykker 1", "days": 5, "actions": ["email"]},
        {"name": "Rykker 2", "days": 10, "actions": ["email"]},
    ]
    define_template(
        repo, TemplateDefinition.model_validate({"name": "standard", "steps": steps}), date(2026, 3, 1), actor="test"
    )
    repo.put_run(RUN, {"run_id": RUN, "run_date": "2026-03-02", "status": "completed", "kind": "manual"})
    return ConsoleClient(repo)


def alert(body: str) -> str:
    start = body.index('<p class="error" role="alert">') + len('<p class="error" role="alert">')
    return body[start : body.index("</p>", start)]


@pytest.mark.parametrize(
    ("path", "status", "danish"),
    [
        ("/invoices/nope", 404, "Fakturaen &#39;nope&#39; findes ikke."),
        ("/customers/9999", 404, "Kunden &#39;9999&#39; findes ikke."),
        ("/runs/nope", 404, "Kørslen &#39;nope&#39; findes ikke."),
        ("/templates/nope", 404, "Skabelonen &#39;nope&#39; findes ikke."),
        ("/usage?month=2026-13", 422, "Måned: skriv år og måned som ÅÅÅÅ-MM, fx 2026-03 (ikke &#39;2026-13&#39;)."),
        ("/templates/standard?step=9", 404, "standard_v1 har trin 1 til 2; der er intet trin 9."),
        ("/templates/standard?step=abc", 422, "Trin: skriv trinnets nummer, fx 1 (ikke &#39;abc&#39;)."),
        ("/templates/standard?step=1&version=standard_v7", 404, "Skabelonversionen &#39;standard_v7&#39; findes ikke."),
        ("/templates/standard?step=1&customer=K9", 404, "Kunden &#39;K9&#39; findes ikke."),
    ],
)
def test_a_hand_typed_address_is_refused_in_danish(path: str, status: int, danish: str) -> None:
    # When an operator types an address that names nothing (or a step that is not a number)
    found, body = client().get(path)
    # Then the page says so in Danish — no 500, no English reason, no field name
    assert found == status
    assert alert(body) == danish
    assert "does not exist" not in body and "expected" not in body and "_id:" not in body
    assert 'class="notice"' not in body


def test_the_english_console_keeps_the_reason_naming_its_field_once() -> None:
    status, body = client().get("/usage?month=2026-13&lang=en")
    assert status == 422
    assert alert(body) == "month: expected YYYY-MM, got &#39;2026-13&#39;"
    assert "month: month:" not in body


def test_approving_a_proposal_someone_already_decided_says_so_in_danish() -> None:
    # Given the approvals page was open while a colleague decided the proposal
    stale = "jensen/K1/standard_v1/1/proposal/0643335fff27e209@2026-03-02T05:00:00Z~manual"
    # When its "Godkend" is posted
    status, body = client().post("/approvals/approve", key=stale)
    # Then it is refused in Danish, without the proposal's key
    assert status == 404
    assert alert(body).startswith("Forslaget venter ikke længere på godkendelse")
    assert "0643335fff27e209" not in body and "pending proposal" not in body


def test_approving_a_customer_without_pending_proposals_says_so_in_danish() -> None:
    # Given the per-customer view was open while a colleague decided that customer's proposals
    status, body = client().post("/approvals/approve", customer="K1", view="customer")
    # Then nothing is decided, and the page says why (not "0 godkendt, 0 afvist")
    assert status == 404
    assert alert(body).startswith("Intet forslag venter på godkendelse for kunde K1")


def test_resuming_a_run_that_is_not_paused_says_why_in_danish() -> None:
    # Given a run that completed (a second "Genoptag", or the button of an old tab)
    status, body = client().post(f"/runs/{RUN}/resume")
    assert status == 409
    assert (
        alert(body) == "Kørslen er færdig og kan ikke genoptages: kun en kørsel, der er sat på pause, kan genoptages."
    )


def test_a_refusal_the_catalogue_does_not_know_keeps_its_reason_after_a_danish_lead() -> None:
    from shared.console.refusals import refusal_text
    from shared.errors import Conflict

    text = refusal_text(Conflict("something new went wrong", "thing"), "da")
    assert text == "Det strider mod det, der allerede er gemt (thing: something new went wrong)."


def test_a_broken_e_mail_link_says_what_to_do_not_the_title_again() -> None:
    status, body = client().get("/link?to=/runs&exp=1&sig=forged")
    assert status == 400
    assert "<h1>Linket er ugyldigt.</h1>" in body
    assert alert(body).startswith("Linket er ændret eller ikke kopieret helt.")


def test_a_buttons_address_opened_as_a_page_says_so_in_danish() -> None:
    # When the address of "Genoptag" is typed (or reloaded) in the browser
    status, body = client().get(f"/runs/{RUN}/resume")
    # Then a Danish page says it belongs to a button and nothing was done (was a bare "method not allowed")
    assert status == 405
    assert alert(body).startswith("Adressen hører til en knap i konsollen")
    assert "method not allowed" not in body


def test_a_button_pressed_after_the_session_ended_says_what_happened() -> None:
    # Given the operator's session ended (no cookie: expired, or "Log ud" on another device)
    from shared.console.app import handle
    from shared.console.http import Request

    console = client()
    # When they press "Godkend alle"
    answer = handle(console.console, Request("POST", "/approvals/approve", form={"all": ["true"]}, headers={}))
    body = answer.body if isinstance(answer.body, str) else answer.body.decode()
    # Then the page says the session ended and nothing was done (it said "Log ind" twice)
    assert answer.status == 401
    assert "<h1>Log ind igen</h1>" in body
    assert alert(body).startswith("Din session er udløbet eller afsluttet")


def test_an_address_the_console_does_not_have_says_so_in_danish() -> None:
    status, body = client().get("/kunder")
    assert status == 404
    assert "<h1>Siden findes ikke</h1>" in body
    assert alert(body) == "Konsollen har ingen side med adressen /kunder. Find siden i menuen ovenfor."
