"""Every word a page asks for exists in Danish and English; stored English run reasons read in Danish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.console.texts import TEXTS, reason_text

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*(ROOT / "shared" / "console" / "templates").glob("*.j2"), *(ROOT / "shared" / "console").rglob("*.py")]


def test_every_text_key_used_by_the_console_exists() -> None:
    # Given every literal key passed to t(...) in the templates and pages
    used = {key for path in SOURCES for key in re.findall(r"\bt\(\"([a-z_.]+)\"", path.read_text(encoding="utf-8"))}
    assert len(used) > 50
    # Then each has a Danish and an English text
    assert sorted(key for key in used - set(TEXTS) if not key.endswith(".")) == []  # "count." etc. are prefixes
    assert all(da and en for da, en in TEXTS.values())


def test_the_seeds_words_label_their_controls() -> None:
    danish = {key: da for key, (da, _) in TEXTS.items()}
    assert danish["send_reminders"] == "Afsend rykkere"
    assert danish["start_now"] == "Start rykkerflow nu"
    assert danish["robot_status"] == "Robot status"
    assert danish["status.waiting"] == "Venter på robot"
    assert danish["approve_all"] == "Godkend alle"


@pytest.mark.parametrize(
    ("stored", "danish"),
    [
        ("journal 'kasse' has 1 unposted entry", "kladden 'kasse' har 1 ikke-bogført postering"),
        ("journal 'kasse' has 3 unposted entries", "kladden 'kasse' har 3 ikke-bogførte posteringer"),
        ("bank connection 'Danske Bank' is inactive", "bankforbindelsen 'Danske Bank' er ikke aktiv"),
        ("4 proposal(s) await approval", "4 forslag venter på godkendelse"),
        (
            "2 proposal(s) await approval, 1 of them debt-collection case(s)",
            "2 forslag venter på godkendelse, heraf 1 inkassosag(er)",
        ),
        ("reminders are switched off (settings.reminders_enabled)", "afsendelse af rykkere er slået fra"),
        ("the customer has no e-mail address", "kunden har ingen e-mailadresse"),
        ("the customer has no phone number", "kunden har intet telefonnummer"),
        (
            "the customer has no postal address, which a BS payment slip needs",
            "kunden har ingen postadresse, som et Betalingsservice-indbetalingskort kræver",
        ),
        (
            "no letter reached the customer (renteloven § 9 b): email: the customer has no e-mail address",
            "intet rykkerbrev nåede kunden, så der opkræves intet gebyr (renteloven § 9 b)",
        ),
        (
            "3 fees have already been charged for agreement A7 in its arrears period, at most 3 per unbroken period "
            "(renteloven § 9 b, stk. 2)",
            "der er allerede opkrævet 3 gebyrer for aftale A7 i perioden med restance, højst 3 "
            "(renteloven § 9 b, stk. 2)",
        ),
        # a run stopped by several problems stores them joined by "; ", each said on its own
        (
            "journal 'kasse' has 1 unposted entry; journal 'bank' has 2 unposted entries",
            "kladden 'kasse' har 1 ikke-bogført postering; kladden 'bank' har 2 ikke-bogførte posteringer",
        ),
        (
            "bank connection 'Danske Bank' is inactive; bank connection 'Nordea' is inactive",
            "bankforbindelsen 'Danske Bank' er ikke aktiv; bankforbindelsen 'Nordea' er ikke aktiv",
        ),
        (
            "configuration: settings.check_journals names unknown journal 'Bank'",
            "fejl i indstillingerne: kassekladden 'Bank' under »Kassekladder der skal være bogført« findes ikke",
        ),
        (
            "configuration: settings.excluded_customers names unknown customer 'K9'; "
            "settings.check_journals names unknown journal 'Bank'",
            "fejl i indstillingerne: kunden 'K9' under »Kunder uden rykkere« findes ikke; "
            "kassekladden 'Bank' under »Kassekladder der skal være bogført« findes ikke",
        ),
        ("fanned out over 16 due-index shards", "fordelt på 16 dele, der kører side om side"),
        (
            "3 message(s) of 2 reminder(s) wait in the outbox: the queues failed until the time ran out; "
            "the run continues",
            "3 besked(er) fra 2 rykker(e) venter på at blive sendt, fordi køerne fejlede, indtil tiden løb ud; "
            "kørslen fortsætter",
        ),
        (
            "F7 has been disputed; reminders after a dispute carry no fee (renteloven § 9 b, stk. 1)",
            "der er gjort indsigelse mod faktura F7; rykkere efter en indsigelse er uden gebyr "
            "(renteloven § 9 b, stk. 1)",
        ),
        (
            "last fee for F7 was charged on 2026-03-02, less than 10 days ago (renteloven § 9 b, stk. 2)",
            "sidste gebyr for faktura F7 blev opkrævet 2. marts 2026, under 10 dage siden (renteloven § 9 b, stk. 2)",
        ),
        (
            "fee 1250.00 exceeds the 100.00 maximum for a consumer (renteloven § 9 b, stk. 2)",
            "gebyret på 1.250,00 kr. overstiger grænsen på 100,00 kr. for en forbruger (renteloven § 9 b, stk. 2)",
        ),
        (
            "3 fees have already been charged for F7, at most 3 per claim (renteloven § 9 b, stk. 2)",
            "der er allerede opkrævet 3 gebyrer for faktura F7, højst 3 pr. krav (renteloven § 9 b, stk. 2)",
        ),
        (
            "open total 50.00 is below the de-minimis threshold 101.00",
            "ubetalt i alt 50,00 kr. er under bagatelgrænsen på 101,00 kr.",
        ),
        ("disputed until 2026-04-01", "indsigelse til 1. april 2026"),
        (
            "Betalingsservice is not enabled for this tenant (settings.bs.enabled)",
            "Betalingsservice er ikke slået til i indstillingerne",
        ),
        (
            "the fixed compensation is only for business customers (renteloven § 9 a, stk. 3)",
            "kompensationsbeløbet gælder kun erhvervskunder (renteloven § 9 a, stk. 3)",
        ),
        (
            "no late-payment interest has accrued since the last charge",
            "der er ikke påløbet morarente siden sidste opkrævning",
        ),
        ("something new", "something new"),
        ("something new; journal 'kasse' has 1 unposted entry", "something new; journal 'kasse' has 1 unposted entry"),
    ],
)
def test_stored_run_reasons_read_in_danish(stored: str, danish: str) -> None:
    assert reason_text(stored, "da") == danish
    assert reason_text(stored, "en") == stored


def test_every_effect_kind_the_engine_records_has_a_word() -> None:
    # Given every literal effect kind the services and the storage write ("kind": "rejected", _effect(…, "write_off"))
    sources = [*(ROOT / "shared" / "services").rglob("*.py"), *(ROOT / "shared" / "storage").rglob("*.py")]
    kinds = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r"\"kind\": \"([a-z_]+)\"", text))
        kinds |= set(re.findall(r"\b_effect\(day, \"([a-z_]+)\"", text))
        kinds |= set(re.findall(r"^KIND = \"([a-z_]+)\"", text, re.M))
    kinds |= {"email", "sms", "fee", "bs", "interest", "compensation", "payment", "credit_note", "settlement", "case"}
    assert {"rejected", "unconfirmed", "bs_delivery", "write_off", "fee_reversal"} <= kinds
    # Then the console names each in Danish and English (a raw "rejected" showed in an invoice's timeline)
    # ("fee_reversed" is a billing line's state, not an effect)
    missing = sorted(kind for kind in kinds - {"fee_reversed"} if f"effect.{kind}" not in TEXTS)
    assert missing == []
