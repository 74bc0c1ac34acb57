"""The letters as a debtor reads them on a phone (390 px wide, headless Chromium): nothing is cut off
or pushed out of sight — what is owed, the total, every way to pay and the statement's balance."""

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
    path = tmp_path / "letter.html"
    path.write_text(letter(), encoding="utf-8")
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    tab = context.new_page()
    tab.goto(path.as_uri())
    # Then nothing is wider than the screen
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert out_of_sight(tab) == []
    # And what is owed is on it: the open amounts and the total (At betale / Saldo)
    text = tab.inner_text("body")
    assert ("At betale" in text) or ("Saldo" in text)
    context.close()
