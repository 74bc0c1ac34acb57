"""A run's page: its status heads it, the report lists what the run did — not the run again as an empty row."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

from shared.domain.settings import TenantSettings
from shared.storage.memory import MemoryStore
from tests.console.harness import ConsoleClient

RUN = "2026-03-02T05:00:00Z~manual"


def test_the_report_lists_what_the_run_did_and_the_title_reads_as_a_date() -> None:
    # Given a completed run that sent one e-mail
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    repo.put_run(RUN, {"run_id": RUN, "run_date": "2026-03-02", "status": "completed", "kind": "manual"})
    email = {"date": "2026-03-02", "kind": "email", "customer": "K100", "invoices": ["F1"], "step": "Rykker 1"}
    repo.record_effect(email | {"to": "k100@kunde.example", "amount": "1250.00"}, "jensen/K100/standard_v1/1/email/x")
    repo.record_effect({"date": "2026-03-02", "kind": "run", "status": "completed", "reason": None}, "run/" + RUN)
    # When the page is shown
    status, body = ConsoleClient(repo).get(f"/runs/{RUN}")
    # Then the report has the e-mail and no row for the run itself
    assert status == 200
    report = body[body.index("<tbody>") : body.index("</tbody>")]
    assert report.count("<tr>") == 1 and "k100@kunde.example" in report
    assert "1.250,00" in report  # what the e-mail asked the debtor to pay
    # And the browser tab names the run by its local time, not its id
    assert re.search(r"<title>Kørsel 02\.03\.2026 kl\. 06:00", body)


def test_a_stopped_run_says_why_in_danish_each_part_set_apart() -> None:
    # Given a run aborted because the settings name a journal that does not exist, started by Bo
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    reason = "configuration: settings.check_journals names unknown journal 'Bank'"
    repo.put_run(
        RUN, {"run_id": RUN, "run_date": "2026-03-02", "status": "aborted", "kind": "manual", "reason": reason}
    )
    repo.note_actor("run", RUN, "started_by", "bo@jensen.example")
    # When its page is shown
    status, body = ConsoleClient(repo).get(f"/runs/{RUN}")
    # Then the reason reads in Danish, and status, reason and who started it are set apart by " · "
    assert status == 200
    line = re.sub(
        r"<[^>]+>", "", body[body.index('id="run-status"') : body.index("</p>", body.index('id="run-status"'))]
    )
    assert line.split(">", 1)[1] == (
        "Afbrudt · fejl i indstillingerne: kassekladden &#39;Bank&#39; under »Kassekladder der skal være bogført« "
        "findes ikke · Startet af: bo@jensen.example"
    )


class Launcher:
    """The scheduler as the console sees it: what it was asked to start."""

    def __init__(self) -> None:
        self.started: list[dict[str, object]] = []

    def start(self, event: dict[str, object]) -> None:
        self.started.append(event)


def test_a_paused_run_posts_its_journal_entries_and_resumes_from_its_page() -> None:
    # Given a run paused because journal "Bank" holds a payment not yet posted
    from decimal import Decimal

    from shared.storage.repository import Customer

    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen", check_journals=["Bank"]))
    repo.put_customer(Customer(customer_id="K100", name="Hansen Tømrer ApS"))
    repo.put_journal("Bank")
    repo.add_journal_entry("Bank", "B1", {"customer": "K100", "amount": "500.00", "text": "Indbetaling"})
    reason = "journal 'Bank' has 1 unposted entry"
    repo.put_run(RUN, {"run_id": RUN, "run_date": "2026-03-02", "status": "paused", "kind": "manual", "reason": reason})
    client = ConsoleClient(repo)
    launcher = Launcher()
    client.console.scheduler = launcher
    # When the page is shown, it offers to post the entries and resume, or to resume without posting
    _, body = client.get(f"/runs/{RUN}")
    assert "Bogfør posteringerne og genoptag" in body and "Genoptag uden at bogføre" in body
    # When the bookkeeper presses "Bogfør posteringerne og genoptag"
    assert 'action="/runs/2026-03-02T05%3A00%3A00Z~manual/post-and-resume"' in body
    status, _ = client.post(f"/runs/{RUN}/post-and-resume")
    # Then the entry is a payment on the customer's account dated the tenant's today, the journal is
    # empty, and the paused run is resumed
    assert status == 303
    assert repo.journal_entries("Bank") == []
    credits = repo.customer_credits("K100")
    assert [(Decimal(c["remaining"]), str(c["on"])[:10]) for c in credits] == [(Decimal("500.00"), "2026-03-02")]
    assert [event["source"] for event in launcher.started] == ["resume"]
    assert "1%20postering" in client.last_location or "1 postering" in client.last_location


def test_a_notice_row_names_whom_it_went_to_and_why() -> None:
    # Given a run that e-mailed the bookkeeper that proposals wait
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    repo.put_run(RUN, {"run_id": RUN, "run_date": "2026-03-02", "status": "completed", "kind": "manual"})
    notice = {
        "date": "2026-03-02",
        "kind": "notification",
        "to": "bo@jensen.example",
        "reason": "4 proposal(s) await approval",
    }
    repo.record_effect(notice, f"run/{RUN}#notification")
    # When the run's page is shown
    _, body = ConsoleClient(repo).get(f"/runs/{RUN}")
    # Then its row says both whom the notice went to and why (it said only why)
    report = body[body.index("<tbody>") : body.index("</tbody>")]
    assert "bo@jensen.example · 4 forslag venter på godkendelse" in report


def test_a_run_started_from_the_cli_names_the_operator_not_the_arn() -> None:
    # Given a run started through the IAM-authorised API (the CLI), by IAM user "operator"
    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    repo.put_run(RUN, {"run_id": RUN, "run_date": "2026-03-02", "status": "completed", "kind": "manual"})
    repo.note_actor("run", RUN, "started_by", "arn:aws:iam::123456789012:user/operator")
    # When its page is shown
    status, body = ConsoleClient(repo).get(f"/runs/{RUN}")
    # Then it says who by name and how, without the account number
    assert status == 200
    assert "Startet af: operator (CLI/API)" in body and "123456789012" not in body


def test_the_run_page_lists_what_the_run_held_back_and_why() -> None:
    from shared.services.scheduling import schedule_due_reminders
    from tests.unit.services.fakes import NO_WAIT, ListSink, Tenant, at

    # Given a run that held back a reminder below the de-minimis threshold and sent another
    tenant = Tenant(tenant="jensen", min_overdue_amount="101.00")
    tenant.invoice("F3", "K300", amount="55.50")
    tenant.invoice("F1", "K100", amount="100.00")
    tenant.invoice("F2", "K200", amount="700.00")
    summary = schedule_due_reminders(tenant.store, ListSink(), at(date(2026, 3, 6)), backoff=NO_WAIT)
    assert (summary.reminders, summary.held_back) == (1, 2)
    # When its page is shown
    status, body = ConsoleClient(tenant.store).get(f"/runs/{quote(summary.run_id, safe='')}")
    # Then the held-back reminder is listed with its amount and the reason in Danish
    assert status == 200
    held = body[body.index('id="held-back"') :]
    row = held[held.index("<tbody>") : held.index("</tbody>")]
    assert row.count("<tr>") == 2 and row.index("K100") < row.index("K300")  # by customer
    assert "F1" in row and "100,00" in row and "er under bagatelgrænsen på 101,00 kr." in row
