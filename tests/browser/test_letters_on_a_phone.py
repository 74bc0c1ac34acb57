"""The letters as a debtor reads them on a phone (390 px wide, headless Chromium): nothing is cut off
or pushed out of sight — what is owed, the total, every way to pay and the statement's balance;
and the run's status report as the tenant's bookkeeper reads it there."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.domain.planning import InvoiceState
from shared.domain.statement import OpenCredit, PendingCharge, build_statement
from shared.rendering.content import ClaimLine
from shared.rendering.letters import render_reminder
from shared.rendering.statement import StatementLetter, render_statement
from tests.unit.letter_samples import SETTINGS, Addressee, message

PHONE = {"width": 390, "height": 800}


def statement_html() -> str:
    invoices = [
        InvoiceState(
            invoice_id=f"F{n}",
            customer_id="C1",
            agreement_id="A1",
            template_version="standard_v1",
            amount=Decimal("12500.00"),
            open_amount=Decimal("12500.00"),
            issued=date(2026, 1, 21),
            due=date(2026, 2, 4),
        )
        for n in (20251, 20252)
    ]
    statement = build_statement(
        "C1",
        date(2026, 2, 28),
        invoices,
        [OpenCredit("credit_note", "credit_note-20253", date(2026, 1, 9), Decimal("750.00"))],
        [PendingCharge("k1", "fee", Decimal("100.00"), ("F20251",), date(2026, 2, 14))],
    )
    return render_statement(StatementLetter(statement, "Hansen & Søn ApS", "Møllers Maskinstation", "da")).html


def warning_html() -> str:
    charged = [ClaimLine(kind="fee", amount=Decimal("100.00"), created_on=date(2026, 3, 6))]
    return render_reminder(message(3), Addressee("Jens Hansen", "da"), SETTINGS, None, charged).email.html


def out_of_sight(tab: Any) -> list[str]:
    """Texts of table cells and links that end right of the page's visible width."""
    return tab.evaluate(
        """() => [...document.querySelectorAll('td, th, a, span')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.textContent.trim())"""
    )


@pytest.mark.parametrize("letter", [warning_html, statement_html], ids=["inkassovarsel", "kontoudtog"])
def test_a_letter_fits_a_phone(browser: Any, tmp_path: Path, letter: Any) -> None:
    # Given a letter opened on a phone-sized screen
    # Then nothing is wider than the screen
    text = fitted_text(browser, tmp_path, letter())
    # And what is owed is on it: the open amounts and the total (At betale / Saldo)
    assert ("At betale" in text) or ("Saldo" in text)


def fitted_text(browser: Any, tmp_path: Path, html: str) -> str:
    """The page's text once it is shown on a phone, after checking nothing is wider than the screen."""
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    tab = context.new_page()
    tab.goto(path.as_uri())
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert out_of_sight(tab) == []
    text = tab.inner_text("body")
    context.close()
    return str(text)


def status_report_html(language: str) -> str:
    from shared.rendering.reports import ReportedReminder, SkippedAction, StatusReport, render_status_report

    reasons = {
        "bs": "kunden har ingen postadresse, som et Betalingsservice-indbetalingskort kræver",
        "fee": "der er allerede opkrævet 3 gebyrer for aftale AFT011 i den sammenhængende periode med restance",
    }
    reminders = [
        ReportedReminder(
            customer_id=f"K0{n}",
            customer_name="Møllers Maskinstation",
            step_name="Rykker 3",
            template_version="standard_v1",
            invoice_ids=["F0059", "F0060"],
            open_total=Decimal("12395.00"),
            channels=["email", "sms", "bs"],
            skipped=[SkippedAction(action=action, reason=reason) for action, reason in reasons.items()],
        )
        for n in (11, 12)
    ]
    report = StatusReport(
        tenant_name="Fjernvarme Demo A/S",
        run_id="2026-03-14T05:00:00Z",
        run_date=date(2026, 3, 14),
        run_kind="scheduled",
        language=language,
        reminders=reminders,
    )
    return render_status_report(report).html


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_status_report_fits_a_phone(browser: Any, tmp_path: Path, language: str) -> None:
    # Given a run's status report with reminders on every channel and skipped actions, on a phone
    # Then nothing is wider than the screen, and the channels and why an action was skipped are there
    text = fitted_text(browser, tmp_path, status_report_html(language))
    assert "Betalingsservice" in text and "AFT011" in text


BROKEN_AMOUNTS = r"""() => {
    // Each amount ("1.250,00 kr.", "DKK 1,250.00"), long date ("26. marts 2026", "26 March 2026")
    // and BIC in the letter's sentences and ways to pay that is spread over more than one line.
    const pattern = /(DKK [0-9.,]+|[0-9.]+,[0-9]{2} kr\.|[0-9]{1,2}\.? [A-Za-zæøå]+ [0-9]{4}|BIC [A-Z0-9]+)/g;
    const broken = [];
    for (const p of document.querySelectorAll('p, .ways td')) {
        const text = p.textContent;
        for (const match of text.matchAll(pattern)) {
            // map the match back onto text nodes and measure it
            const range = document.createRange();
            let offset = 0, started = false;
            const nodes = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
            while (nodes.nextNode()) {
                const node = nodes.currentNode, end = offset + node.length;
                if (!started && match.index < end) { range.setStart(node, match.index - offset); started = true; }
                if (started && match.index + match[0].length <= end) {
                    range.setEnd(node, match.index + match[0].length - offset); break;
                }
                offset = end;
            }
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            if (tops.size > 1) broken.push(match[0]);
        }
    }
    return broken;
}"""


@pytest.mark.parametrize("language", ["da", "en"])
def test_amounts_and_dates_in_the_letter_s_sentences_stay_on_one_line(
    browser: Any, tmp_path: Path, language: str
) -> None:
    # Given a collection warning with a fee, interest and compensation, on a phone
    billed = message(3, step_interest=Decimal("12.34"), step_compensation=Decimal("310.00"))
    html = render_reminder(billed, Addressee("Aktieselskabet Sydjyske Varmeværker", language), SETTINGS).email.html
    path = tmp_path / "letter.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    tab = context.new_page()
    tab.goto(path.as_uri())
    # Then no amount, date or BIC is split over two lines ("DKK" / "100.00", "26." / "marts 2026")
    assert tab.evaluate(BROKEN_AMOUNTS) == []
    context.close()
