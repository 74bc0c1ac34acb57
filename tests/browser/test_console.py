"""The operator console in real headless Chromium against the local stack: what a bookkeeper does."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.browser.conftest import Stack, shot


def _states_until(page: Any, done: str, timeout: float = 30.0) -> list[str]:
    """Every "Robot status" state the page shows (htmx refreshes it) until the last run is ``done``."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = page.get_attribute("[data-state]", "data-state")
        if state and (not seen or seen[-1] != state):
            seen.append(state)
        last = page.query_selector("[data-last-status]")
        if state == "idle" and last is not None and last.get_attribute("data-last-status") == done:
            return seen
        page.wait_for_timeout(100)
    raise AssertionError(f"the run did not end {done}; states seen: {seen}")


def test_an_operator_logs_in_and_sees_the_robot_status(anonymous: Any, stack: Stack) -> None:
    # Given the console, not logged in
    anonymous.goto(stack.url + "/")
    # Then the login page is shown
    assert anonymous.url.startswith(stack.url + "/login")
    shot(anonymous, "01-login")
    # When a wrong password is tried
    anonymous.fill("input[name=user]", stack.user)
    anonymous.fill("input[name=password]", "forkert")
    anonymous.click("button.primary")
    # Then it is refused in Danish
    assert "Forkert brugernavn eller adgangskode" in anonymous.inner_text("main")
    # When the printed password is used
    anonymous.fill("input[name=password]", stack.password)
    anonymous.click("button.primary")
    # Then the overview shows the seeds' words
    text = anonymous.inner_text("main")
    for words in ("Robot status", "Start rykkerflow nu", "Afsend rykkere", "Næste planlagte kørsel"):
        assert words in text
    shot(anonymous, "02-overview")


def test_the_switch_turns_sending_off_and_on(page: Any, stack: Stack) -> None:
    # Given sending is on
    assert page.get_attribute("[data-enabled]", "data-enabled") == "true"
    # When the operator flips "Afsend rykkere"
    page.click("#switch")
    # Then it is off, on the page and in the settings
    assert page.get_attribute("[data-enabled]", "data-enabled") == "false"
    assert stack.api("GET", "/settings")["reminders_enabled"] is False
    shot(page, "03-switch-off")
    # And flipping it again turns it on
    page.click("#switch")
    assert stack.api("GET", "/settings")["reminders_enabled"] is True


def test_start_now_shows_waiting_running_completed(page: Any, stack: Stack) -> None:
    # When the operator presses the red button
    page.click("#start-now")
    # Then the status goes from "Venter på robot" through running to a completed run
    page.wait_for_selector("[data-state=waiting]")
    assert "Venter på robot" in page.inner_text("#robot-status")
    shot(page, "04-waiting-for-robot")
    seen = _states_until(page, "completed")
    assert seen[0] == "waiting" and "running" in seen and seen[-1] == "idle", seen
    # And the last run shows its counts and who started it
    runs = stack.api("GET", "/runs")
    assert runs[0]["status"] == "completed" and runs[0]["reminders"] >= 4
    shot(page, "05-run-completed")
    # And its status report e-mail links to the run's page
    reports = [m for m in stack.sent_emails() if "/link?to=%2Fruns%2F" in m["text"]]
    assert reports, "the status report links to the console"
    page.click("#robot-status a[href^='/runs/']")
    assert "Færdig" in page.inner_text("main")
    shot(page, "06-run")
    page.goto(stack.url + "/runs")
    assert page.locator("tbody tr").count() >= 1
    shot(page, "07-runs")


def test_a_paused_run_is_resumed_from_the_link_in_its_email(page: Any, stack: Stack) -> None:
    # Given a journal with an unposted entry the run checks, and a due invoice
    stack.api("PUT", "/journals/kasse", None)
    stack.api(
        "POST", "/journals/kasse/entries", {"id": "P1", "customer": "K100", "amount": "250.00", "text": "Indbetaling"}
    )
    stack.api("PATCH", "/settings", {"check_journals": ["kasse"]})
    stack.api(
        "POST",
        "/invoices",
        {"id": "F-2001", "agreement": "A100", "amount": "800.00", "issued": "2026-01-01", "due": "2026-01-15"},
    )
    before = len(stack.sent_emails())
    # When a run starts, it pauses and e-mails a notice
    started = stack.api("POST", "/runs", {})
    stack.wait_for_run(started["run_id"], "paused")
    notices = [m for m in stack.sent_emails()[before:] if "pause" in m["subject"]]
    assert notices, "a pause notice was sent"
    found = re.search(r"(http://127\.0\.0\.1:\d+/link\?\S+)", notices[-1]["text"])
    assert found is not None, notices[-1]["text"]
    link = found.group(1)
    assert "dunning resume" not in notices[-1]["text"]
    # Then the link opens the paused run with its unposted entries
    page.goto(link)
    assert "/runs/" in page.url
    text = page.inner_text("main")
    assert "Sat på pause" in text and "Indbetaling" in text and "250,00" in text
    shot(page, "08-paused-run")
    # When the entry is posted and the operator presses "Genoptag"
    stack.api("POST", "/journals/kasse/post", {"on": stack.api("GET", f"/runs/{started['run_id']}")["run_date"]})
    stack.api("PATCH", "/settings", {"check_journals": []})
    page.goto(link)
    page.click("#resume")
    # Then the run completes
    _states_until(page, "completed")
    assert stack.api("GET", f"/runs/{started['run_id']}")["status"] == "completed"


def test_proposals_are_approved_one_by_one_and_all_at_once(page: Any, stack: Stack) -> None:
    # Given approval before sending, and a run that proposes reminders for three customers
    stack.api("PATCH", "/settings", {"approval_required": True})
    for number, agreement in enumerate(("A200", "A300", "A400")):
        stack.api(
            "POST",
            "/invoices",
            {
                "id": f"F-30{number}",
                "agreement": agreement,
                "amount": "640.00",
                "issued": "2026-01-01",
                "due": "2026-01-10",
            },
        )
    stack.api("POST", "/runs", {})
    deadline = time.monotonic() + 30
    while len(stack.api("GET", "/proposals")) < 3:
        assert time.monotonic() < deadline, "no proposals"
        time.sleep(0.2)
    # And the notice e-mail links to the approval page instead of naming a CLI command (the run files
    # its proposals first, then e-mails the notice: wait for it as for the proposals)
    notices = [m for m in stack.sent_emails() if "/link?to=%2Fapprovals" in m["text"]]
    while not notices:
        assert time.monotonic() < deadline, "no notice e-mail"
        time.sleep(0.2)
        notices = [m for m in stack.sent_emails() if "/link?to=%2Fapprovals" in m["text"]]
    assert "dunning approve" not in notices[-1]["text"]
    page.goto(stack.url + "/approvals")
    shot(page, "09-approvals-per-entry")
    # When one is approved
    first = page.locator("tbody tr").first
    key = first.get_attribute("data-key")
    first.locator("button.primary").click()
    # Then it is gone and the rest wait
    assert key not in {p["key"] for p in stack.api("GET", "/proposals")}
    assert "1 godkendt" in page.inner_text(".notice")
    # When the rest are approved at once, one row per customer
    page.goto(stack.url + "/approvals?view=customer")
    shot(page, "10-approvals-per-customer")
    page.click("#approve-all")
    # Then none wait
    assert stack.api("GET", "/proposals") == []
    assert page.is_visible("#no-proposals")
    # And each decision names the operator who made it
    decided = page.inner_text(f"#decisions tr[data-key='{key}']")
    assert "Godkendt" in decided and stack.user in decided
    assert page.locator("#decisions tbody tr").count() >= 3
    stack.api("PATCH", "/settings", {"approval_required": False})


def test_a_template_version_is_defined_and_previewed(page: Any, stack: Stack) -> None:
    # Given the template's latest version (a used one never changes, C8)
    latest = stack.api("GET", "/templates/standard")["versions"][-1]
    expected = f"standard_v{latest['number'] + 1}" if latest["used"] else latest["version_id"]
    page.goto(stack.url + "/templates")
    shot(page, "11-templates")
    page.click("a[href='/templates/standard']")
    # When the operator changes the first step's subject and defines a new version
    page.fill("input[name=subject_0]", "Venlig påmindelse om faktura")
    page.click("#define-version")
    # Then the next version exists (or the unused latest is replaced)
    assert expected in page.inner_text(".notice")
    versions = stack.api("GET", "/templates/standard")["versions"]
    assert versions[-1]["steps"][0]["texts"]["da"]["subject"] == "Venlig påmindelse om faktura"
    # When step 1 of v2 is previewed for a customer
    page.select_option("select[name=version]", expected)
    page.select_option("select[name=step]", "1")
    page.select_option("select[name=customer]", "K100")
    page.click("#show-preview")
    # Then the e-mail shows the new subject and the customer
    assert page.inner_text("#preview-subject") == "Venlig påmindelse om faktura"
    assert "Hansen Tømrer ApS" in page.inner_text("#preview")
    shot(page, "12-template-preview")


def test_agreements_are_moved_to_another_version(page: Any, stack: Stack) -> None:
    page.goto(stack.url + "/agreements")
    # When two agreements are chosen and moved to mild_v1
    page.check("input[value=A200]")
    page.check("input[value=A300]")
    page.select_option("select[name=template]", "mild_v1")
    page.click("#move-selected")
    # Then they use it and the others do not
    assert "2 aftale(r) flyttet til mild_v1" in page.inner_text(".notice")
    moved = {a["id"]: a["template"] for a in stack.api("GET", "/agreements")}
    assert moved["A200"] == moved["A300"] == "mild_v1" and moved["A100"] != "mild_v1"
    shot(page, "13-agreements")


def test_an_invoice_shows_why_it_is_not_reminded(page: Any, stack: Stack) -> None:
    # Given a disputed invoice
    stack.api("POST", "/invoices/F-1004/dispute", {"until": "2099-06-30"})
    page.goto(stack.url + "/customers")
    shot(page, "14-customers")
    page.click("text=K400")
    shot(page, "15-customer")
    page.click("text=F-1004")
    # Then its page says why it is not reminded
    why = page.inner_text("#why")
    assert "indsigelse" in why and "2099" in why
    shot(page, "16-invoice-why")


def test_settings_cases_and_usage_pages(page: Any, stack: Stack) -> None:
    page.goto(stack.url + "/settings")
    page.fill("input[name=min_days_between_reminders]", "7")
    page.click("#save-settings")
    assert "Indstillingerne er gemt" in page.inner_text(".notice")
    assert stack.api("GET", "/settings")["min_days_between_reminders"] == 7
    shot(page, "17-settings")
    page.goto(stack.url + "/cases")
    shot(page, "18-cases")
    page.goto(stack.url + "/usage")
    assert page.locator("table tr").count() > 1
    shot(page, "19-usage")
    page.goto(stack.url + "/?lang=en")
    assert "Start reminder flow now" in page.inner_text("main")
    shot(page, "20-overview-english")
    page.goto(stack.url + "/?lang=da")


def test_a_state_change_without_the_csrf_token_is_refused(page: Any, stack: Stack) -> None:
    # Given a logged-in operator's cookies
    runs_before = len(stack.api("GET", "/runs"))
    # When a POST carries the session but not the token
    status = page.evaluate(
        "fetch('/runs/start', {method: 'POST', body: new URLSearchParams({x: '1'}), redirect: 'manual'})"
        ".then(r => r.status)"
    )
    # Then it is refused and nothing started
    assert status == 403
    # And the same POST with the page's token is accepted (the token, not the request, was missing)
    token = page.get_attribute("input[name=csrf]", "value")
    accepted = page.evaluate(
        "t => fetch('/settings/switch', {method: 'POST', body: new URLSearchParams({csrf: t, enabled: 'true'}),"
        " redirect: 'manual'}).then(r => r.type === 'opaqueredirect' ? 303 : r.status)",
        token,
    )
    assert accepted == 303
    time.sleep(1.5)
    assert len(stack.api("GET", "/runs")) == runs_before
