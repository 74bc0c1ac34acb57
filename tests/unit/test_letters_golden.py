"""Golden files of every default letter: e-mail (HTML and text), SMS and BS slip text, for each
default step (Påmindelse, Rykker with a fee, Inkassovarsel) in Danish and English.

A difference is a change in what debtors receive. After a deliberate change, regenerate and review:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q -n 0 tests/unit/test_letters_golden.py
    git diff tests/unit/golden/
"""

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shared.rendering.content import ClaimLine
from shared.rendering.letters import render_reminder
from tests.unit.letter_samples import SETTINGS, Addressee, message

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
STEPS = {1: "paamindelse", 2: "rykker", 3: "inkassovarsel"}


def rendered_files(step: int, language: str) -> dict[str, str]:
    charged = [ClaimLine(kind="fee", amount=Decimal("100.00"), created_on=date(2026, 3, 6))] if step == 3 else None
    letters = render_reminder(message(step), Addressee("Jens Hansen", language), SETTINGS, None, charged)
    head = f"Subject: {letters.email.subject}\nReply-To: {letters.email.reply_to}\n\n"
    sms = f"{letters.sms.text}\n[{letters.sms.encoding}, {letters.sms.segments} segment(s)]\n"
    return {
        "email.html": letters.email.html,
        "email.txt": head + letters.email.text,
        "sms.txt": sms,
        "slip.txt": "\n".join(letters.slip_lines) + "\n",
    }


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_default_letters_match_their_golden_files(step: int, language: str):
    # Given a default step's letters for a sample tenant with every way to pay
    files = rendered_files(step, language)
    for suffix, content in files.items():
        path = GOLDEN / f"{STEPS[step]}_{language}.{suffix}"
        if UPDATE:
            path.write_text(content, encoding="utf-8")
        # Then each is exactly what was reviewed and committed
        assert path.read_text(encoding="utf-8") == content, f"{path.name} differs; see this module's docstring"
