import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from shared.rendering.email import RenderedEmail
from shared.rendering.reports import (
    ExcludedLine,
    FailureLine,
    HeldBackLine,
    JournalEntryLine,
    MoneyLine,
    ProposalLine,
    ReportedReminder,
    RunNotification,
    SkippedAction,
    StatusReport,
    render_notification,
    render_status_report,
)
from tests.unit.html_check import parsed
from tests.unit.rendering_support import section

TAG = re.compile(r"</?[a-zA-Z!][^>]*>")
RUN_DATE = date(2026, 1, 29)


def reminder(customer_id: str = "C-1001", customer_name: str = "Jens Jensen", **overrides: Any) -> ReportedReminder:
    fields: dict[str, Any] = {
        "customer_id": customer_id,
        "customer_name": customer_name,
        "step_name": "Rykker 2",
        "template_version": "standard_v3",
        "invoice_ids": ["10231", "10245"],
        "open_total": Decimal("1250.00"),
        "channels": ["email", "fee"],
    }
    fields.update(overrides)
    return ReportedReminder(**fields)


def money(customer_id: str, customer_name: str, amount: str) -> MoneyLine:
    return MoneyLine(customer_id=customer_id, customer_name=customer_name, invoice_ids=["9800"], amount=Decimal(amount))


def report(**overrides: Any) -> StatusReport:
    fields: dict[str, Any] = {
        "tenant_name": "Hansen & Søn ApS",
        "run_id": "run-2026-01-29-0500",
        "run_date": RUN_DATE,
        "run_kind": "scheduled",
        "reminders": [
            reminder(),
            reminder("C-1017", "Bager Olsen I/S", invoice_ids=["10190"], open_total=Decimal("18450.75")),
            reminder("C-1042", "Købmand Ærø ApS", invoice_ids=["10011"], open_total=Decimal("3999.95")),
        ],
    }
    fields.update(overrides)
    return StatusReport(**fields)


def full_report(**overrides: Any) -> StatusReport:
    """A report with one or more lines in every section."""
    fields: dict[str, Any] = {
        "reminders": [
            reminder(skipped=[SkippedAction(action="sms", reason="intet mobilnummer")]),
            reminder("C-1017", "Bager Olsen I/S", invoice_ids=["10190"], open_total=Decimal("18450.75")),
        ],
        "held_back": [
            HeldBackLine(
                customer_id="C-1100",
                customer_name="Lille Kunde",
                step_name="Rykker 1",
                invoice_ids=["10300"],
                reason="45,00 kr. er under bagatelgrænsen",
            )
        ],
        "excluded": [ExcludedLine(customer_id="C-1200", customer_name="Kommunen", invoice_ids=["10400", "10401"])],
        "settlements": [money("C-1005", "Frisør Hansen", "2500")],
        "write_offs": [money("C-1300", "Konkursbo Petersen", "12000"), money("C-1301", "Lukket ApS", "500.50")],
        "fee_reversals": [money("C-1001", "Jens Jensen", "100")],
        "failures": [FailureLine(what="E-mail til C-1050", detail="Mailserveren afviste adressen")],
    }
    fields.update(overrides)
    return report(**fields)


def notification(**overrides: Any) -> RunNotification:
    fields: dict[str, Any] = {
        "tenant_name": "Hansen & Søn ApS",
        "run_id": "run-2026-01-29-0500",
        "run_date": RUN_DATE,
        "kind": "paused",
        "reason": "2 posteringer er ikke bogført",
        "journal_entries": [
            JournalEntryLine(
                journal="Kassekladde 1", customer_id="C-1001", amount=Decimal("1250"), text="Indbetaling 10231"
            ),
            JournalEntryLine(
                journal="Kassekladde 3", customer_id="C-1017", amount=Decimal("-99.5"), text="Kredit 10190"
            ),
        ],
        "resume_hint": "dunning resume 2026-01-29T05:00:00Z",
    }
    fields.update(overrides)
    return RunNotification(**fields)


def abort(**overrides: Any) -> RunNotification:
    fields: dict[str, Any] = {
        "kind": "aborted",
        "reason": "ukendte kunde-id'er",
        "problems": ["Kunde C-9 findes ikke i e-conomic", "Bankforbindelsen til Danske Bank er inaktiv"],
        "journal_entries": [],
        "resume_hint": None,
    }
    fields.update(overrides)
    return notification(**fields)


def proposal(customer_id: str = "C-1001", customer_name: str = "Jens Jensen", **overrides: Any) -> ProposalLine:
    fields: dict[str, Any] = {
        "customer_id": customer_id,
        "customer_name": customer_name,
        "step_name": "Rykker 2",
        "kind": "reminder",
        "template_version": "standard_v3",
        "invoice_ids": ["10231", "10245"],
        "open_total": Decimal("1250.00"),
    }
    fields.update(overrides)
    return ProposalLine(**fields)


def case(customer_id: str = "C-1017", customer_name: str = "Bager Olsen I/S", **overrides: Any) -> ProposalLine:
    fields: dict[str, Any] = {
        "step_name": "Inkasso",
        "kind": "collection",
        "invoice_ids": ["10190"],
        "open_total": Decimal("18450.75"),
    }
    fields.update(overrides)
    return proposal(customer_id, customer_name, **fields)


APPROVE = "dunning approve --all"
REJECT = "dunning reject --customer ID"


def approval(**overrides: Any) -> RunNotification:
    fields: dict[str, Any] = {
        "kind": "approval_pending",
        "reason": "2 forslag venter på godkendelse",
        "journal_entries": [],
        "proposals": [proposal(), case()],
        "resume_hint": APPROVE,
        "reject_hint": REJECT,
    }
    fields.update(overrides)
    return notification(**fields)


# --- status report: subject ----------------------------------------------------------


def test_danish_subject_names_the_date_and_reminders_sent() -> None:
    # Given a Danish report of a run that sent three reminders
    # When it is rendered
    email = render_status_report(report())
    # Then the subject names the run date and the count, in Danish
    assert email.subject == "Rykkerkørsel 29. januar 2026: 3 rykkere sendt"


def test_english_subject_names_the_date_and_reminders_sent() -> None:
    # Given the same report for an English-speaking tenant
    # When it is rendered
    email = render_status_report(report(language="en"))
    # Then the subject is English with a British date
    assert email.subject == "Reminder run 29 January 2026: 3 reminders sent"


def test_subject_uses_the_singular_and_counts_failures() -> None:
    # Given a run with one reminder and failures
    one = [reminder()]
    failures = [FailureLine(what="SMS", detail="timeout"), FailureLine(what="E-mail", detail="bounce")]
    # When it is rendered in both languages
    da = render_status_report(report(reminders=one, failures=failures))
    en = render_status_report(report(language="en", reminders=one, failures=failures[:1]))
    # Then the subjects use the singular and say that something failed
    assert da.subject == "Rykkerkørsel 29. januar 2026: 1 rykker sendt, 2 fejl"
    assert en.subject == "Reminder run 29 January 2026: 1 reminder sent, 1 failure"


# --- status report: sections ---------------------------------------------------------


def test_sections_without_lines_are_left_out() -> None:
    # Given a run that only sent reminders
    # When the report is rendered
    email = render_status_report(report())
    # Then only the reminders section appears, in both parts
    assert parsed(email.html).seen.count("table") == 1
    for part in (email.html, email.text):
        assert "Sendte rykkere (3)" in part
        for absent in ("Holdt tilbage", "Undtaget", "Afregnet", "Afskrevet", "Tilbageførte gebyrer", "Fejl ("):
            assert absent not in part
        assert "3 rykkere sendt · ingen fejl" in part


def test_a_run_without_reminders_has_no_reminders_table() -> None:
    # Given a run that sent nothing but saw a settlement
    # When the report is rendered
    email = render_status_report(report(reminders=[], settlements=[money("C-1005", "Frisør Hansen", "2500")]))
    # Then the reminders table is left out and the summary says none were sent
    assert email.subject == "Rykkerkørsel 29. januar 2026: 0 rykkere sendt"
    assert parsed(email.html).seen.count("table") == 1
    for part in (email.html, email.text):
        assert "Sendte rykkere" not in part
        assert "Afregnet (1)" in part
        assert "0 rykkere sendt · 1 afregnet · ingen fejl" in part


def test_every_non_empty_section_is_shown_failures_first() -> None:
    # Given a report with lines in every section
    # When it is rendered
    email = render_status_report(full_report())
    # Then there is one table per section, failures first, and the summary counts them all
    assert parsed(email.html).seen.count("table") == 7
    titles = [
        "Fejl (1)",
        "Sendte rykkere (2)",
        "Holdt tilbage under bagatelgrænsen (1)",
        "Undtaget fra rykning (1)",
        "Afregnet (1)",
        "Afskrevet (2)",
        "Tilbageførte gebyrer (1)",
    ]
    summary = "2 rykkere sendt · 1 holdt tilbage · 1 undtaget · 1 afregnet · 2 afskrevet · 1 gebyr tilbageført · 1 fejl"
    for part in (email.html, email.text):
        positions = [part.index(title) for title in titles]
        assert positions == sorted(positions)
        assert summary in part
        assert "45,00 kr. er under bagatelgrænsen" in part
        assert "Mailserveren afviste adressen" in part
        assert "10400, 10401" in part


def test_amounts_are_danish_with_section_totals() -> None:
    # Given reminders over 1.250 kr. and 18.450,75 kr., and two write-offs
    # When the report is rendered
    email = render_status_report(full_report())
    # Then amounts and totals are written the Danish way in both parts
    for part in (email.html, email.text):
        assert "1.250,00 kr." in part
        assert "18.450,75 kr." in part
        assert "19.700,75 kr." in part  # open total of the reminders
        assert "12.000,00 kr." in part
        assert "12.500,50 kr." in part  # total written off
        assert "29. januar 2026" in part
    assert "I alt ubetalt: 19.700,75 kr." in email.text


def test_english_report_has_english_wording_and_amounts() -> None:
    # Given the full report in English
    # When it is rendered
    email = render_status_report(full_report(language="en"))
    # Then headings, labels and amounts are English throughout
    for part in (email.html, email.text):
        assert "Reminders sent (2)" in part
        assert "Written off (2)" in part
        assert "DKK 1,250.00" in part
        assert "Not done: SMS – intet mobilnummer" in part
        assert "2 reminders sent · 1 held back · 1 excluded" in part
        for danish in ("Sendte rykkere", "Fakturaer", "Kanaler", "Ubetalt", "I alt", "Ikke udført", "kørsel"):
            assert danish not in part


def test_reminder_rows_show_step_invoices_channels_and_skipped_actions() -> None:
    # Given a reminder sent by e-mail with a fee, whose SMS was skipped
    content = report(reminders=[reminder(skipped=[SkippedAction(action="sms", reason="intet mobilnummer")])])
    # When the report is rendered
    email = render_status_report(content)
    # Then its row names the step, template version, invoices and channels, and why SMS was not sent
    for part in (email.html, email.text):
        assert "Rykker 2" in part
        assert "standard_v3" in part
        assert "10231, 10245" in part
        assert "e-mail, gebyr" in part
        assert "Ikke udført: SMS – intet mobilnummer" in part


def test_text_tables_are_aligned_with_amounts_to_the_right() -> None:
    # Given reminders with amounts of different widths
    # When the report is rendered
    text = render_status_report(report()).text
    lines = section(text, "Sendte rykkere")
    # Then header, rule and rows share column positions: every amount ends where the header "Ubetalt" ends
    header, rule, *rows, total = lines[1:]
    assert total == "I alt ubetalt: 23.700,70 kr."
    end = header.index("Ubetalt") + len("Ubetalt")
    assert [row[:end].endswith(" kr.") for row in rows] == [True, True, True]
    assert [row[end] for row in rows] == [" ", " ", " "]
    assert set(rule[end - 3 : end]) == {"-"}
    # and the channels column starts at the same place on every line
    start = header.index("Kanaler")
    assert [row[start:].split("  ")[0] for row in rows] == ["e-mail, gebyr"] * 3


# --- status report: escaping and the plain part --------------------------------------


def test_html_escapes_a_customer_name_with_markup() -> None:
    # Given a customer whose name looks like markup, and a tenant with an ampersand
    content = report(reminders=[reminder(customer_name="<b>Jens</b> Jensen")])
    # When the report is rendered
    email = render_status_report(content)
    # Then the HTML shows the name as text, never as an element
    assert "&lt;b&gt;Jens&lt;/b&gt; Jensen" in email.html
    assert "<b>" not in email.html
    assert "b" not in parsed(email.html).seen
    assert "Hansen &amp; Søn ApS" in email.html
    # And the text part shows it verbatim, unescaped
    assert "<b>Jens</b> Jensen (C-1001)" in email.text
    assert "&lt;" not in email.text


def test_text_part_and_subject_carry_no_markup() -> None:
    # Given a report with every section filled
    # When it is rendered
    email = render_status_report(full_report())
    # Then the plain parts have no tags and no HTML entities, and end in one newline
    assert TAG.search(email.text) is None
    assert TAG.search(email.subject) is None
    assert "&amp;" not in email.text
    assert "Hansen & Søn ApS" in email.text
    assert email.text.endswith("kr.\n")
    assert not email.text.endswith("\n\n")


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("build", [report, full_report])
def test_report_html_is_a_complete_balanced_document(language: str, build: Any) -> None:
    # Given a report
    # When its HTML part is parsed
    email = render_status_report(build(language=language))
    parser = parsed(email.html)
    # Then it is a full document in the tenant's language with every element closed
    assert email.html.startswith("<!doctype html>\n")
    assert f'<html lang="{language}">' in email.html
    assert parser.errors == []
    assert parser.stack == []
    assert parser.seen[:3] == ["html", "head", "meta"]
    assert f"<title>{email.subject}</title>" in email.html


# --- the models ----------------------------------------------------------------------


def test_models_are_frozen_and_refuse_unknown_fields_and_channels() -> None:
    # Given a report
    content = report()
    # When it is changed, or built with an unknown field or channel
    # Then validation refuses
    with pytest.raises(ValidationError):
        content.run_kind = "manual"
    with pytest.raises(ValidationError, match="extra"):
        report(unexpected=1)
    with pytest.raises(ValidationError):
        reminder(channels=["letter"])
    with pytest.raises(ValidationError):
        notification(kind="crashed")


# --- notifications -------------------------------------------------------------------


def test_pause_lists_every_journal_entry_and_the_resume_command() -> None:
    # Given a run paused over two unposted journal entries with a resume command
    # When the notification is rendered
    email = render_notification(notification())
    # Then the subject says the run is paused and why
    assert email.subject == "Rykkerkørslen er sat på pause: 2 posteringer er ikke bogført"
    # And both parts list each entry's journal, customer, amount and text, and the command
    for part in (email.html, email.text):
        for value in ("Kassekladde 1", "C-1001", "1.250,00 kr.", "Indbetaling 10231"):
            assert value in part
        for value in ("Kassekladde 3", "C-1017", "-99,50 kr.", "Kredit 10190"):
            assert value in part
        assert "Ikke-bogførte posteringer (2)" in part
        assert "dunning resume 2026-01-29T05:00:00Z" in part
        assert "genoptag derefter kørslen med" in part
    assert parsed(email.html).seen.count("tr") == 3  # header and one row per entry
    rows = section(email.text, "Ikke-bogførte posteringer")[3:]
    assert [row.split()[:3] for row in rows] == [["Kassekladde", "1", "C-1001"], ["Kassekladde", "3", "C-1017"]]


def test_pause_without_a_resume_hint_says_to_wait_for_the_next_run() -> None:
    # Given a pause with no resume command
    # When it is rendered in both languages
    da = render_notification(notification(resume_hint=None))
    en = render_notification(notification(language="en", resume_hint=None))
    # Then the tenant is told to post the entries and wait for the next run
    for part in (da.html, da.text):
        assert "Bogfør posteringerne ovenfor, og vent derefter på næste planlagte kørsel." in part
        assert "dunning resume" not in part
    for part in (en.html, en.text):
        assert "Post the entries above, then wait for the next scheduled run." in part
    assert en.subject == "Reminder run paused: 2 posteringer er ikke bogført"


def test_abort_lists_every_problem_and_how_to_start_again() -> None:
    # Given a run aborted over two problems, with a hint how to fix them
    content = abort(fix_hint="Opret kunden i e-conomic, og aktivér bankforbindelsen.")
    # When the notification is rendered
    email = render_notification(content)
    # Then the subject says the run stopped and why
    assert email.subject == "Rykkerkørslen er stoppet: ukendte kunde-id'er"
    # And both parts list each problem, the fix and the command that starts the run again
    for part in (email.html, email.text):
        assert "Problemer (2)" in part
        assert "Kunde C-9 findes ikke i e-conomic" in part
        assert "Bankforbindelsen til Danske Bank er inaktiv" in part
        assert "aktivér bankforbindelsen" in part
        assert "start derefter kørslen igen manuelt med" in part
        assert "dunning run-now" in part
        assert "Ikke-bogførte" not in part
    assert parsed(email.html).seen.count("li") == 2
    assert "- Kunde C-9 findes ikke i e-conomic\n- Bankforbindelsen til Danske Bank er inaktiv\n" in email.text


def test_english_abort() -> None:
    # Given an aborted run for an English-speaking tenant
    # When the notification is rendered
    email = render_notification(abort(language="en"))
    # Then it is English and tells how to start again
    assert email.subject == "Reminder run stopped: ukendte kunde-id'er"
    for part in (email.html, email.text):
        assert "Problems (2)" in part
        assert "Fix the problems above, then start the run again manually with:" in part
        assert "dunning run-now" in part
        assert "29 January 2026" in part


def test_approval_url_becomes_a_link_but_other_schemes_do_not() -> None:
    # Given runs waiting for approval, one with a web address and one with a script URL
    web = render_notification(
        notification(kind="approval_pending", journal_entries=[], resume_hint="https://app.example/approve?run=1&x=2")
    )
    script = render_notification(notification(kind="approval_pending", resume_hint="javascript:alert(1)"))
    # When the HTML is inspected
    # Then only the web address is a link, with its ampersand escaped
    assert web.subject.startswith("Rykkerkørslen venter på godkendelse: ")
    assert '<a href="https://app.example/approve?run=1&amp;x=2"' in web.html
    assert "Godkend den her:" in web.text
    assert "https://app.example/approve?run=1&x=2" in web.text
    assert "<a " not in script.html
    assert "javascript:alert(1)</code>" in script.html


def test_notification_subject_is_one_line_and_html_escapes_values() -> None:
    # Given a reason with a line break and a problem that looks like markup
    content = abort(reason="ukendt id\r\nBcc: x@example.com", problems=["<b>C-9</b> findes ikke"])
    # When it is rendered
    email = render_notification(content)
    # Then the subject stays on one line and the markup is escaped
    assert email.subject == "Rykkerkørslen er stoppet: ukendt id Bcc: x@example.com"
    assert "&lt;b&gt;C-9&lt;/b&gt; findes ikke" in email.html
    assert "<b>" not in email.html


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", ["aborted", "paused", "approval_pending"])
def test_notification_html_is_balanced_and_text_has_no_tags(language: str, kind: str) -> None:
    # Given each kind of notification in each language, with problems and entries
    content = abort(language=language, kind=kind, journal_entries=notification().journal_entries)
    # When it is rendered
    email: RenderedEmail = render_notification(content)
    parser = parsed(email.html)
    # Then the HTML is a complete balanced document and the text part is plain
    assert email.html.startswith("<!doctype html>\n")
    assert f'<html lang="{language}">' in email.html
    assert parser.errors == []
    assert parser.stack == []
    assert TAG.search(email.text) is None
    assert email.text.endswith("\n")
    assert not email.text.endswith("\n\n")


# --- proposals awaiting approval (O9, O14) -------------------------------------------


def test_approval_lists_every_proposal_with_the_total_and_how_to_approve_and_reject() -> None:
    # Given a run waiting for approval of one reminder and one debt-collection case
    # When the notification is rendered
    email = render_notification(approval())
    # Then both parts list each proposal's customer, step, invoices and amount, and the total
    for part in (email.html, email.text):
        assert "Forslag til godkendelse (2)" in part
        for value in ("Jens Jensen", "C-1001", "Rykker 2", "10231, 10245", "1.250,00 kr."):
            assert value in part
        for value in ("Bager Olsen I/S", "C-1017", "Inkasso", "10190", "18.450,75 kr."):
            assert value in part
        assert "19.700,75 kr." in part
        # And say what approval does and give both commands
        assert "Der sendes intet, og ingen sag overdrages til inkasso, før forslagene er godkendt." in part
        assert "godkendte inkassosager overdrages til inkassopartneren" in part
        assert "Godkend forslagene med:" in part
        assert "Afvis forslagene med:" in part
        assert "Afviste forslag foreslås igen ved næste kørsel" in part
        assert part.index(APPROVE) < part.index(REJECT)
    assert f">{REJECT}</code>" in email.html
    assert parsed(email.html).seen.count("tr") == 4  # header, two proposals, total
    assert "I alt: 19.700,75 kr." in email.text


def test_a_debt_collection_case_is_marked_in_both_parts() -> None:
    # Given a reminder proposal and a case proposal
    # When the notification is rendered
    email = render_notification(approval())
    # Then only the case carries the debt-collection mark
    assert email.html.count(">Inkassosag</span>") == 1
    rows = section(email.text, "Forslag til godkendelse")[3:5]
    assert rows[0].startswith("Jens Jensen (C-1001)")
    assert "inkassosag" not in rows[0]
    assert "Inkasso (standard_v3) – inkassosag" in rows[1]


def test_english_approval() -> None:
    # Given the same approval for an English-speaking tenant
    # When it is rendered
    email = render_notification(approval(language="en"))
    # Then headings, wording and amounts are English
    for part in (email.html, email.text):
        assert "Proposals awaiting approval (2)" in part
        assert "DKK 18,450.75" in part
        assert "Total" in part
        assert (
            "Nothing is sent and no case is handed over for debt collection until the proposals are approved." in part
        )
        assert "Approve the proposals with:" in part
        assert "Reject the proposals with:" in part
        assert APPROVE in part
        assert REJECT in part
        for danish in ("Forslag", "Kunde", "Ubetalt", "I alt", "inkassosag", "Godkend", "Afvis"):
            assert danish not in part
    assert ">Debt collection</span>" in email.html
    assert "Inkasso (standard_v3) – debt collection" in email.text


def test_approval_wording_follows_what_is_proposed() -> None:
    # Given an approval of reminders only, and one of cases only, neither with a reject hint
    reminders = render_notification(approval(proposals=[proposal()], reject_hint=None))
    cases = render_notification(approval(proposals=[case()], reject_hint=None))
    # When the wording is read
    # Then it speaks only of what was proposed, and nothing of rejecting
    for part in (reminders.html, reminders.text):
        assert "Der sendes intet, før forslagene er godkendt. Godkendte rykkere sendes med det samme." in part
        assert "inkasso" not in part.lower()
        assert "Afvis" not in part
    for part in (cases.html, cases.text):
        assert "Godkendte inkassosager overdrages med det samme til inkassopartneren." in part
        assert "rykkere sendes" not in part


def test_proposal_table_is_aligned_with_amounts_to_the_right() -> None:
    # Given proposals with amounts of different widths
    # When the notification is rendered
    lines = section(render_notification(approval()).text, "Forslag til godkendelse")
    # Then every amount ends where the header "Ubetalt" ends, and the invoices start together
    header, rule, *rows, total = lines[1:]
    assert total == "I alt: 19.700,75 kr."
    end = header.index("Ubetalt") + len("Ubetalt")
    assert [row[:end].endswith(" kr.") for row in rows] == [True, True]
    assert set(rule[end - 7 : end]) == {"-"}
    start = header.index("Fakturaer")
    assert [row[start:] for row in rows] == ["10231, 10245", "10190"]


def test_approval_escapes_a_customer_name_with_a_script() -> None:
    # Given a proposal for a customer whose name is a script
    content = approval(proposals=[proposal(customer_name="<script>alert(1)</script>")])
    # When it is rendered
    email = render_notification(content)
    # Then the HTML shows it as text, and the text part verbatim
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "script" not in parsed(email.html).seen
    assert "<script>alert(1)</script> (C-1001)" in email.text


def test_a_reject_url_becomes_a_link() -> None:
    # Given an approval whose hints are web addresses
    email = render_notification(
        approval(resume_hint="https://app.example/approve?run=1", reject_hint="https://app.example/reject?run=1&x=2")
    )
    # When it is rendered
    # Then both are links, and the text part shows the addresses
    assert '<a href="https://app.example/approve?run=1"' in email.html
    assert '<a href="https://app.example/reject?run=1&amp;x=2"' in email.html
    assert "Afvis forslagene her:" in email.text
    assert "https://app.example/reject?run=1&x=2" in email.text


@pytest.mark.parametrize("language", ["da", "en"])
def test_one_console_page_for_approving_and_rejecting_is_given_once(language: str) -> None:
    # Given an approval whose approve and reject hints are the same console page (the scheduler's links)
    page = "https://console.example/link?to=%2Fapprovals&exp=1&sig=x"
    email = render_notification(approval(resume_hint=page, reject_hint=page, language=language))
    # Then each part gives the page once, saying it does both, and still says what a rejection does
    said = "Godkend eller afvis forslagene her:" if language == "da" else "Approve or reject the proposals here:"
    again = "Afviste forslag foreslås igen" if language == "da" else "Rejected proposals are proposed again"
    for part in (email.text, email.html):
        assert said in part and again in part
        assert "Afvis forslagene" not in part and "Reject the proposals" not in part
    assert email.text.count(page) == 1
    assert email.html.count('<a href="https://console.example/link?to=%2Fapprovals&amp;exp=1&amp;sig=x"') == 1


def test_only_an_approval_carries_proposals() -> None:
    # Given a paused and an aborted run
    # When either is built with proposals or a reject hint
    # Then validation refuses: there is nothing to approve
    with pytest.raises(ValidationError, match="approval_pending"):
        notification(proposals=[proposal()])
    with pytest.raises(ValidationError, match="approval_pending"):
        abort(reject_hint=REJECT)
    with pytest.raises(ValidationError):
        proposal(kind="letter")


def test_a_run_that_only_proposed_reads_sensibly() -> None:
    # Given a run that sent nothing and proposed a reminder and a case
    content = report(reminders=[], proposals=[proposal(), case()])
    # When the report is rendered
    email = render_status_report(content)
    # Then the subject and summary say so, and the proposals have a section of their own
    assert email.subject == "Rykkerkørsel 29. januar 2026: 0 rykkere sendt, 2 forslag venter på godkendelse"
    assert parsed(email.html).seen.count("table") == 1
    for part in (email.html, email.text):
        assert "0 rykkere sendt · 2 forslag venter på godkendelse · ingen fejl" in part
        assert "Venter på godkendelse (2)" in part
        assert "Sendte rykkere" not in part
        assert "19.700,75 kr." in part
    assert email.html.count(">Inkassosag</span>") == 1
    assert section(email.text, "Venter på godkendelse")[-1] == "I alt: 19.700,75 kr."
    assert "Inkasso (standard_v3) – inkassosag" in email.text


def test_english_report_counts_proposals_and_failures() -> None:
    # Given an English report with sent reminders, one proposal and a failure
    content = report(language="en", proposals=[case()], failures=[FailureLine(what="SMS", detail="timeout")])
    # When it is rendered
    email = render_status_report(content)
    # Then the subject counts all three, and the proposal section comes after failures, before reminders
    assert email.subject == "Reminder run 29 January 2026: 3 reminders sent, 1 proposal awaiting approval, 1 failure"
    for part in (email.html, email.text):
        assert "3 reminders sent · 1 proposal awaiting approval · 1 failure" in part
        positions = [part.index(title) for title in ("Failures (1)", "Awaiting approval (1)", "Reminders sent (3)")]
        assert positions == sorted(positions)
        assert "debt collection" in part.lower()


@pytest.mark.parametrize("language", ["da", "en"])
def test_proposal_html_is_balanced(language: str) -> None:
    # Given an approval and a report with proposals, in each language
    emails = [
        render_notification(approval(language=language)),
        render_status_report(full_report(language=language, proposals=[proposal(), case()])),
    ]
    # When their HTML is parsed
    # Then each is a complete balanced document, and the text part is plain
    for email in emails:
        parser = parsed(email.html)
        assert parser.errors == []
        assert parser.stack == []
        assert f'<html lang="{language}">' in email.html
        assert TAG.search(email.text) is None
        assert not email.text.endswith("\n\n")
