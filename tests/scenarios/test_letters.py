"""The letters as the debtor gets them (contract § "Letters"): `dunning simulate --out` writes each
e-mail as an .eml file, and a program reads them back — Reply-To, sender, ways to pay, reference,
the fee statement, the collection warning's deadline and claim."""

import email
import json
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from shared.domain.reference import is_valid_payment_id
from tests.scenarios.test_scenarios import cli_simulate
from tests.unit.html_check import visible

HERE = Path(__file__).resolve().parent / "letters"


def read_eml(path: Path) -> tuple[EmailMessage, str, str]:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return message, text.get_content(), html.get_content()


@pytest.fixture(scope="module")
def ways_to_pay(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], Path]:
    out = tmp_path_factory.mktemp("out")
    result = cli_simulate(HERE / "letters_sender_and_ways_to_pay.yaml", out)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()], out


def test_every_reminder_e_mail_shows_the_sender_and_every_way_to_pay(ways_to_pay):
    # Given the scenario's four reminder e-mails as written by --out
    effects, out = ways_to_pay
    emails = [e for e in effects if e["kind"] == "email"]
    files = sorted(out.rglob("*.eml"))
    assert len(files) == len(emails) == 4
    for effect in emails:
        path = out / effect["date"] / f"{effect['customer']}-{effect['step'].lower().replace(' ', '-')}.eml"
        message, text, html = read_eml(path)
        reference = effect["reference"]
        # Then the e-mail comes from the sender's name and replies go to sender.email
        assert message["Reply-To"] == "bogholderi@fjernvarme.example"
        assert message["From"].addresses[0].display_name == "Fjernvarme Demo A/S"
        # (C2 reads English: its bank account is written in English words)
        bank = "reg. no. 1234, account no. 0001234567" if effect["customer"] == "C2" else "reg. 1234 konto 0001234567"
        for part in (text, html):
            # the sender block: name, CVR, address, phone
            assert "Fjernvarme Demo A/S" in part
            assert "12345678" in part and "Industrivej 4, 7100 Vejle" in part and "70 10 10 10" in part
            # every way to pay, with the reference
            assert bank in part
            assert "DK50 0040 0440 1162 43" in part and "DABADKKK" in part
            assert f"+71&lt;{reference}+87654321&lt;" in part if part is html else f"+71<{reference}+87654321<" in part
            assert "12345" in part
            assert f"https://betal.example/{effect['customer']}/{reference}" in part
            assert reference in part


def test_the_e_mail_and_sms_of_one_reminder_share_one_valid_reference(ways_to_pay):
    effects, _ = ways_to_pay
    by_reminder: dict[tuple, set[str]] = {}
    for effect in effects:
        if effect["kind"] in ("email", "sms"):
            assert is_valid_payment_id(effect["reference"])
            by_reminder.setdefault((effect["date"], effect["customer"], effect["step"]), set()).add(effect["reference"])
    # Then each reminder has one reference, and no two reminders share one
    assert all(len(references) == 1 for references in by_reminder.values())
    assert len({next(iter(r)) for r in by_reminder.values()}) == len(by_reminder) == 4


def test_the_sms_carries_amount_reference_a_way_to_pay_and_the_sender(ways_to_pay):
    effects, out = ways_to_pay
    sms = next(e for e in effects if e["kind"] == "sms" and e["step"] == "Rykker 2" and e["customer"] == "C1")
    text = (out / sms["date"] / "C1-rykker-2.sms.txt").read_text(encoding="utf-8")
    assert "Fjernvarme Demo A/S" in text
    assert "1.200,00 kr." in text and sms["reference"] in text
    # (the effect states the amount the SMS asks for, and so does its e-mail: never with the fee)
    email = next(e for e in effects if e["kind"] == "email" and (e["date"], e["customer"]) == (sms["date"], "C1"))
    assert sms["amount"] == email["amount"] == "1200.00"
    assert f"https://betal.example/C1/{sms['reference']}" in text
    assert "Rykkergebyr 100,00 kr. kommer på din næste faktura." in text
    assert sms["segments"] <= 2 and sms["encoding"] == "GSM-7"


def test_a_fee_is_never_on_the_slip(ways_to_pay):
    # Given the step with a BS slip and a 100.00 fee
    effects, _ = ways_to_pay
    # Then the slip (bs.amount) and the day's delivery ask for the open total only
    slips = {e["customer"]: e["amount"] for e in effects if e["kind"] == "bs"}
    assert slips == {"C1": "1200.00", "C2": "650.00"}
    assert [e["amount"] for e in effects if e["kind"] == "bs_delivery"] == ["1200.00", "650.00"]


def test_the_english_letter_is_english_with_the_same_mandatory_parts(ways_to_pay):
    _, out = ways_to_pay
    _, text, _ = read_eml(out / "2026-03-18" / "C2-rykker-2.eml")
    assert "Dear Mette Jensen," in text
    assert "Please pay DKK 650.00 by 28 March 2026." in text
    assert "reminder fee of DKK 100.00" in text and "next invoice" in text
    assert "CVR no. 12345678" in text


@pytest.fixture(scope="module")
def warning(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = cli_simulate(HERE / "letters_warning_deadline.yaml", out)
    assert result.returncode == 0, result.stderr
    return out


def test_the_collection_warning_has_a_dated_deadline_consequences_and_the_whole_claim(warning: Path):
    # Given the collection warning sent on 26 March 2026
    message, text, html = read_eml(warning / "2026-03-26" / "C1-inkassovarsel.eml")
    # Then it gives a deadline at least 10 days on, says what happens then, lists the claim, no "at once"
    assert message["Subject"] == "Inkassovarsel: betal 1.000,00 kr. senest 5. april 2026"
    for part in (text, html):
        assert "senest 5. april 2026" in part or "senest <strong>5. april 2026</strong>" in part
        assert "sender vi kravet til inkasso" in part and "yderligere omkostninger" in part
        assert "Rykkergebyr (16. marts 2026)" in part and "Rykkergebyr (denne rykker)" in part
        assert "1.200,00 kr." in part
        assert "straks" not in part


def test_a_letter_states_the_fee_only_when_it_is_charged(warning: Path):
    _, first, _ = read_eml(warning / "2026-03-06" / "C1-paamindelse.eml")
    _, second, _ = read_eml(warning / "2026-03-16" / "C1-rykker-2.eml")
    assert "gebyr" not in first.lower()
    assert "rykkergebyr på 100,00 kr." in second and "næste faktura" in second


def test_file_names_transliterate_danish_letters(warning: Path):
    names = {path.name for path in warning.rglob("*.eml")}
    assert "C1-paamindelse.eml" in names
    assert not any("p-mindelse" in name for name in names)


def test_reminders_sent_on_approval_carry_their_own_references():
    # Given a tenant whose reminders all wait for approval, approved later
    from dunning.scenario import load_scenario
    from dunning.simulate import simulate

    effects = simulate(load_scenario(HERE.parent / "approval" / "approve_all.yaml"))
    sent = [e for e in effects if e["kind"] in ("email", "sms")]
    # Then each e-mail and SMS sent on approval names a valid reference, one per reminder
    assert sent
    assert all(is_valid_payment_id(e.get("reference", "")) for e in sent)
    reminders = {(e["date"], e["customer"], e["step"]): e["reference"] for e in sent}
    assert len(set(reminders.values())) == len(reminders)


def test_a_step_that_bills_compensation_or_interest_says_so_in_its_letter(tmp_path: Path):
    # Given the Danish scenarios where a step bills the B2B compensation (C1: 620.00 for two
    # agreements; C2 a consumer: skipped) and one where it bills interest (8.54)
    danish = HERE.parent / "danish"
    assert cli_simulate(danish / "compensation_business_only.yaml", tmp_path / "c").returncode == 0
    assert cli_simulate(danish / "interest_default_table.yaml", tmp_path / "i").returncode == 0
    _, business, business_html = read_eml(tmp_path / "c" / "2026-03-06" / "C1-rykker-1.eml")
    _, consumer, _ = read_eml(tmp_path / "c" / "2026-03-06" / "C2-rykker-1.eml")
    _, later, _ = read_eml(tmp_path / "c" / "2026-03-16" / "C1-rykker-2.eml")
    _, interest, _ = read_eml(tmp_path / "i" / "2025-07-10" / "C1-rykker-1.eml")
    # Then the business customer reads the compensation it will be billed, with the law, in both parts
    for part in (business, visible(business_html)):
        assert "kompensationsbeløb på 620,00 kr. (renteloven § 9 a, stk. 3)" in part
        assert "næste faktura" in part
    # And neither the consumer nor a step whose compensation was skipped mentions one
    assert "kompensationsbeløb" not in consumer and "kompensationsbeløb" not in later
    # And the interest a step bills is named with its amount
    assert "morarente på 8,54 kr. (renteloven § 5)" in interest
