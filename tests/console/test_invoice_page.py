"""An invoice's page: its timeline in the order things happened, the template in its own column and
the recipient or reason in the last."""

from __future__ import annotations

import re

from shared.storage.memory import MemoryStore
from tests.console.harness import ConsoleClient
from tests.unit.services.fakes import Tenant

RUN = "2026-03-02T05:00:00Z~manual"


def rows(body: str) -> list[list[str]]:
    table = body[body.index('id="timeline"') : body.index("</table>", body.index('id="timeline"'))]
    found = [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table)
    ]
    return [cells for cells in found if cells]  # the header row has none


def test_a_proposal_comes_before_the_e_mail_its_approval_sent_and_the_columns_say_what_they_hold() -> None:
    # Given an invoice proposed by a run and sent the same day once approved
    tenant = Tenant()
    tenant.invoice("I1")
    store: MemoryStore = tenant.store
    store.put_run(RUN, {"run_id": RUN, "run_date": "2026-03-02", "status": "completed", "kind": "manual"})
    common = {
        "date": "2026-03-02",
        "customer": "C1",
        "invoices": ["I1"],
        "step": "Påmindelse",
        "template": "standard_v1",
    }
    store.record_effect(common | {"kind": "email", "to": "c1@example.dk"}, "acme/C1/standard_v1/1/email/x")
    store.record_effect(common | {"kind": "proposal", "amount": "700.00"}, "acme/C1/standard_v1/1/proposal/x")
    # When the invoice's page is shown
    status, body = ConsoleClient(store).get("/invoices/I1")
    assert status == 200
    shown = rows(body)
    # Then the proposal comes before the e-mail, the template is in its column, the recipient in the last
    kinds = [row[1] for row in shown]
    assert kinds.index("Forslag") < kinds.index("E-mail")
    due = next(row for row in shown if row[1] == "Forfald")
    assert due[4] == "standard_v1" and due[5] == ""
    email = next(row for row in shown if row[1] == "E-mail")
    assert email[5] == "c1@example.dk"


def why(body: str) -> str:
    start = body.index("<h2>Hvorfor (ikke) rykket?</h2>")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body[start : body.index("<h2>", start + 5)])).strip()


def test_an_invoice_waiting_for_approval_says_so_not_that_the_next_run_sends_it() -> None:
    # Given an overdue invoice whose first reminder a run proposed for approval
    tenant = Tenant()
    invoice = tenant.invoice("I1")
    store: MemoryStore = tenant.store
    key = "acme/C1/standard_v1/1/proposal/x@" + RUN
    proposal = {
        "kind": "reminder",
        "customer": "C1",
        "invoices": [{"invoice_id": "I1"}],
        "step": "Påmindelse",
        "template": "standard_v1",
        "proposed_on": "2026-03-02",
        "amount": "700.00",
    }
    assert store.commit_proposal(key, proposal, {"date": "2026-03-02", "kind": "proposal"}, [invoice])
    # When its page is shown
    status, body = ConsoleClient(store).get("/invoices/I1")
    # Then "why (not)" says it waits for approval (the next run does not send it)
    assert status == 200
    said = why(body)
    assert "Påmindelse er foreslået 2. marts 2026 og venter på godkendelse" in said
    assert "næste kørsel" not in said
