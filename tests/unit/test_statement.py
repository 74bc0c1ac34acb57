"""The statement of account (kontoudtog, O16): which items it lists, its balance, and how it reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.domain.planning import InvoiceState
from shared.domain.statement import OpenCredit, PendingCharge, build_statement
from shared.rendering.statement import StatementLetter, render_statement
from tests.unit.html_check import parsed

ON = date(2026, 3, 17)


def invoice(invoice_id: str, amount: str, open_amount: str, due: date, customer_id: str = "C1") -> InvoiceState:
    return InvoiceState(
        invoice_id=invoice_id,
        customer_id=customer_id,
        agreement_id="A1",
        template_version="standard_v1",
        amount=Decimal(amount),
        open_amount=Decimal(open_amount),
        issued=date(2026, 1, 1),
        due=due,
    )


def statement():
    return build_statement(
        "C1",
        ON,
        [
            invoice("I2", "500.00", "500.00", date(2026, 3, 1)),
            invoice("I1", "1250.00", "1000.00", date(2026, 2, 1)),
            invoice("I3", "80.00", "0.00", date(2026, 2, 1)),  # paid: not open
        ],
        [
            OpenCredit("credit_note", "CN1", date(2026, 3, 2), Decimal("150.00")),
            OpenCredit("payment", "P1", date(2026, 3, 3), Decimal("50.00")),
        ],
        [
            PendingCharge("k-fee-1", "fee", Decimal("100.00"), ("I1",), date(2026, 2, 5)),
            PendingCharge("k-fee-1", "fee", Decimal("100.00"), ("I1",), date(2026, 2, 5)),  # the same line twice
            PendingCharge("k-int-1", "interest", Decimal("12.34"), ("I1", "I2"), date(2026, 3, 10)),
        ],
    )


def test_lists_open_invoices_credits_and_charges_each_once_with_the_balance():
    # Given two open invoices, a paid one, a credit note and a payment on account, and two charges
    result = statement()
    # Then the items are the open invoices (oldest due first), the credits, then the charges
    assert [(item.kind, item.reference) for item in result.items] == [
        ("invoice", "I1"),
        ("invoice", "I2"),
        ("credit_note", "CN1"),
        ("payment", "P1"),
        ("fee", "I1"),
        ("interest", "I1, I2"),
    ]
    # And the balance is what is owed less what is to the customer's credit
    assert result.balance == Decimal("1000.00") + Decimal("500.00") - Decimal("200.00") + Decimal("112.34")
    assert result.credited == Decimal("200.00")


def test_nothing_open_is_an_empty_statement_with_a_zero_balance():
    result = build_statement("C1", ON, [invoice("I3", "80.00", "0.00", ON)], [], [])
    assert result.items == () and result.balance == Decimal("0")


def test_danish_statement_lists_every_item_with_danish_amounts_and_dates_and_no_fee_of_its_own():
    rendered = render_statement(StatementLetter(statement(), "Hansen & Søn ApS", "Jens Hansen", "da"))
    assert rendered.subject == "Kontoudtog pr. 17. marts 2026 fra Hansen & Søn ApS"
    text = rendered.text
    for line in ("Faktura", "Kreditnota", "Indbetaling på konto", "Rykkergebyr", "Morarente"):
        assert line in text
    assert "1.000,00 kr." in text and "-150,00 kr." in text and "Saldo: 1.412,34 kr." in text
    assert "1. februar 2026" in text
    assert "pålægger ingen gebyrer" in text
    assert text.rstrip().endswith("Med venlig hilsen\nHansen & Søn ApS")


def test_english_statement_reads_in_english():
    rendered = render_statement(StatementLetter(statement(), "Hansen ApS", "Jane Doe", "en"))
    assert rendered.subject == "Statement of account as of 17 March 2026 from Hansen ApS"
    assert "Balance: DKK 1,412.34" in rendered.text and "Payment on account" in rendered.text
    assert "Kind regards" in rendered.text


def test_a_credit_balance_says_the_customer_has_money_to_their_credit():
    credit_only = build_statement("C1", ON, [], [OpenCredit("payment", "P1", ON, Decimal("75.00"))], [])
    rendered = render_statement(StatementLetter(credit_only, "Hansen ApS", "Jens", "da"))
    assert "Du har 75,00 kr. til gode hos os." in rendered.text


@pytest.mark.parametrize("language", ["da", "en"])
def test_html_is_balanced_and_escapes_names(language: str):
    rendered = render_statement(StatementLetter(statement(), "A & B <ApS>", "<script>x</script>", language))  # type: ignore[arg-type]
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert parsed(rendered.html).errors == []
    assert "&lt;" not in rendered.text  # the plain-text part is not HTML: names stay as written
    assert "\n" not in rendered.subject


def test_a_statement_is_signed_like_a_reminder_with_the_sender_and_answers_go_to_its_reply_to():
    from shared.domain.settings import SenderSettings

    # Given a tenant with its sender set up
    sender = SenderSettings.model_validate(
        {
            "name": "Hansen & Søn ApS",
            "cvr": "12345678",
            "address": {"lines": ["Industrivej 4"], "postcode": "7100", "city": "Vejle"},
            "phone": "+4570101010",
            "email": "bogholderi@hansen.example",
        }
    )
    # When a statement is rendered
    rendered = render_statement(StatementLetter(statement(), "Hansen & Søn ApS", "Jens Hansen", "da", sender))
    # Then both parts name the sender's CVR, address and phone, and replies go to the sender's address
    for part in (rendered.text, rendered.html):
        assert "CVR 12345678" in part and "Industrivej 4, 7100 Vejle" in part and "70 10 10 10" in part
    assert rendered.reply_to == "bogholderi@hansen.example"


def test_a_credit_reads_by_its_own_number_and_a_charge_shows_its_amount():
    # Given a credit note and a payment on account filed under the default "<kind>-<id>" credit
    result = build_statement(
        "C1",
        ON,
        [invoice("I1", "1250.00", "1000.00", date(2026, 2, 1))],
        [
            OpenCredit("credit_note", "credit_note-20253", date(2026, 3, 2), Decimal("750.00")),
            OpenCredit("payment", "payment-B7", date(2026, 3, 3), Decimal("50.00")),
        ],
        [PendingCharge("k-fee-1", "fee", Decimal("100.00"), ("I1",), date(2026, 2, 5))],
    )
    # Then the letter names them as the customer knows them, not by the storage's name
    assert [item.reference for item in result.items] == ["I1", "20253", "B7", "I1"]
    # And the fee's line has its amount in the "Beløb" column as well as in "Åbent"
    rendered = render_statement(StatementLetter(result, "Hansen & Søn ApS", "Jens Hansen", "da")).text
    fee_line = next(line for line in rendered.splitlines() if line.startswith("Rykkergebyr"))
    assert fee_line.count("100,00 kr.") == 2
    assert "credit_note-" not in rendered and "payment-" not in rendered


def test_a_statement_is_headed_and_signed_by_the_sender_as_a_reminder_is():
    from shared.domain.settings import SenderSettings

    # Given a tenant whose sender name is not its display name
    sender = SenderSettings.model_validate({"name": "Hansen & Søn ApS", "cvr": "12345678"})
    for language, dear, regards, cvr in (
        ("da", "Kære Jens Hansen\n", "Med venlig hilsen\nHansen & Søn ApS\n", "CVR 12345678"),
        ("en", "Dear Jens Hansen,\n", "Kind regards,\nHansen & Søn ApS\n", "CVR no. 12345678"),
    ):
        rendered = render_statement(StatementLetter(statement(), "Hansen", "Jens Hansen", language, sender))  # type: ignore[arg-type]
        # Then the letter opens with who writes it, greets and signs as the reminders in that language do
        assert rendered.text.startswith("Hansen & Søn ApS\n")
        assert dear in rendered.text and regards in rendered.text and cvr in rendered.text
        assert rendered.html.index("Hansen &amp; Søn ApS") < rendered.html.index("<h1")
        assert cvr in rendered.html


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_balance_is_stated_once_and_only_what_applies_is_explained(language: str):
    # Given a statement with credits and charges, and one with only an invoice
    full = render_statement(StatementLetter(statement(), "Hansen ApS", "Jens", language))  # type: ignore[arg-type]
    plain = build_statement("C1", ON, [invoice("I1", "400.00", "400.00", date(2026, 3, 1))], [], [])
    bare = render_statement(StatementLetter(plain, "Hansen ApS", "Jens", language))  # type: ignore[arg-type]
    balance = {"da": "1.412,34 kr.", "en": "DKK 1,412.34"}[language]
    minus = {"da": "Beløb med minus", "en": "minus sign"}[language]
    charges = {"da": "Rykkergebyrer, renter og kompensation", "en": "Reminder fees, interest and compensation"}
    # Then each part names the balance once
    assert full.html.count(balance) == 1 and full.text.count(balance) == 1
    # And the minus sign and the charges are explained where the statement lists them, not otherwise
    for part in (full.text, full.html):
        assert minus in part and charges[language] in part
    for part in (bare.text, bare.html):
        assert minus not in part and charges[language] not in part
