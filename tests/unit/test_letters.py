"""render_reminder: the tenant's own texts, the mandatory parts that stay whatever they say, the
variables they see, and letters of a tenant without sender or payment settings."""

from datetime import date
from decimal import Decimal

from shared.domain.templates import StepTexts
from shared.rendering.letters import reminder_content, render_reminder
from shared.rendering.variables import text_variables
from tests.unit.html_check import visible
from tests.unit.letter_samples import BARE, SETTINGS, Addressee, message

JENS = Addressee("Jens Hansen", "da")
OWN = {
    "da": StepTexts(
        subject="Påmindelse om {{ invoices|length }} ubetalte fakturaer",
        body="Kære {{ customer.name }}\n\nVi kan ikke se, at vi har modtaget betaling for nedenstående.",
        sms="Hej {{ customer.name }}, vi mangler {{ total }}. Mvh {{ sender.name }}",
    )
}


def test_the_variables_have_the_documented_shape_and_formatted_values():
    variables = text_variables(reminder_content(message(2), JENS, SETTINGS))
    assert set(variables) == {
        "customer",
        "invoices",
        "total",
        "fee",
        "deadline",
        "reference",
        "payment",
        "sender",
        "step",
    }
    assert variables["customer"] == {"id": "K001", "name": "Jens Hansen"}
    assert variables["invoices"][0] == {
        "id": "F1001",
        "issued": "1. februar 2026",
        "due": "15. februar 2026",
        "amount": "1.000,00 kr.",
        "open_amount": "750,00 kr.",
    }
    assert (variables["total"], variables["fee"], variables["deadline"]) == (
        "1.250,00 kr.",
        "100,00 kr.",
        "26. marts 2026",
    )
    assert variables["payment"] == {
        "bank": "reg. 1234 konto 0001234567",
        "iban": "DK50 0040 0440 1162 43",
        "bic": "DABADKKK",
        "fi": "+71<000000000000026+87654321<",
        "mobilepay": "12345",
        "link": "https://betal.example/K001/000000000000026",
    }
    assert variables["sender"] == {
        "name": "Fjernvarme Demo A/S",
        "cvr": "12345678",
        "address": "Industrivej 4, 7100 Vejle",
        "phone": "70 10 10 10",
        "email": "bogholderi@fjernvarme.example",
    }
    assert variables["step"] == {"name": "Rykker 2", "number": 2, "count": 3}


def test_an_english_letter_writes_the_bank_account_in_english():
    # Given an English-speaking customer and a tenant whose only way to pay is its bank account
    only_bank = SETTINGS.model_copy(
        update={
            "payment": SETTINGS.payment.model_copy(
                update={"iban": None, "bic": None, "fi": None, "mobilepay": None, "link": None}
            )
        }
    )
    own = {"en": StepTexts(body="Dear {{ customer.name }}, pay to {{ payment.bank }}.")}
    for texts in (None, own):
        letters = render_reminder(message(2), Addressee("Jens Hansen", "en"), only_bank, texts)
        # Then the e-mail (both parts), the SMS and the tenant's own text name it in English, no Danish "konto"
        for part in (letters.email.text, letters.email.html, letters.sms.text):
            assert "reg. no. 1234, account no. 0001234567" in part
            assert "konto" not in part
    # And a Danish letter keeps the Danish words
    assert "reg. 1234 konto 0001234567" in render_reminder(message(2), JENS, only_bank).email.text


def test_a_tenant_s_body_replaces_only_the_opening_and_the_mandatory_parts_stay():
    # Given a step with the tenant's own Danish subject and body, charging a fee
    letters = render_reminder(message(2), JENS, SETTINGS, OWN)
    email = letters.email
    # Then the subject and opening are the tenant's
    assert email.subject == "Påmindelse om 2 ubetalte fakturaer"
    assert "Vi kan ikke se, at vi har modtaget betaling for nedenstående." in email.text
    assert '<p style="margin:0 0 16px;">Vi kan ikke se, at vi har modtaget betaling for nedenstående.</p>' in email.html
    assert "Vi har tidligere mindet dig" not in email.text
    # And the product still adds amount, pay-by date, ways to pay with the reference, fee and sender
    for part in (email.text, visible(email.html)):
        assert "1.250,00 kr." in part and "26. marts 2026" in part
        assert "reg. 1234 konto 0001234567" in part and "000000000000026" in part
        assert "rykkergebyr på 100,00 kr." in part and "næste faktura" in part
        assert "CVR 12345678" in part


def test_a_tenant_s_sms_gets_what_it_left_out_appended():
    letters = render_reminder(message(3), JENS, SETTINGS, OWN)
    text = letters.sms.text
    assert text.startswith("Hej Jens Hansen, vi mangler 1.250,00 kr. Mvh Fjernvarme Demo A/S")
    assert "https://betal.example/K001/000000000000026" in text
    assert "Ref. 000000000000026." in text
    assert "Rykkergebyr 100,00 kr." in text
    assert "inkasso" in text and "26. marts 2026" in text


def test_a_tenant_s_html_body_is_escaped():
    texts = {"da": StepTexts(body="Hej {{ customer.name }}")}
    letters = render_reminder(message(1), Addressee("<b>Jens</b>", "da"), SETTINGS, texts)
    assert "&lt;b&gt;Jens&lt;/b&gt;" in letters.email.html and "<b>Jens</b>" not in letters.email.html


def test_texts_in_the_other_language_are_not_used():
    letters = render_reminder(message(2), Addressee("Jens Hansen", "en"), SETTINGS, OWN)
    assert letters.email.subject == "Reminder: 2 invoices are still unpaid"
    assert "Dear Jens Hansen," in letters.email.text


def test_without_sender_and_payment_the_letters_still_render_with_reference_and_amount():
    letters = render_reminder(message(2), JENS, BARE)
    email = letters.email
    assert email.reply_to is None
    assert "Med venlig hilsen\nAcme ApS\n" in email.text
    assert "Reference: 000000000000026" in email.text and "1.250,00 kr." in email.text
    assert "Bankoverførsel" not in email.text and "CVR" not in email.text
    assert "Ref. 000000000000026." in letters.sms.text
    assert letters.slip_lines[1] == "Fra Acme ApS"


def test_a_skipped_fee_is_not_mentioned_anywhere():
    # Given a fee step whose fee the rules did not allow (the message carries no step_fee)
    letters = render_reminder(message(2, step_fee=None), JENS, SETTINGS)
    # Then no letter speaks of a fee
    assert "gebyr" not in (letters.email.text + letters.email.html + letters.sms.text).lower()
    assert not any("gebyr" in line.lower() for line in letters.slip_lines)


def test_the_amount_to_pay_is_the_open_total_never_plus_the_fee():
    letters = render_reminder(message(2), JENS, SETTINGS)
    assert "Vi beder dig betale 1.250,00 kr. senest 26. marts 2026." in letters.email.text
    assert "1.350,00" not in letters.email.text + letters.sms.text + "".join(letters.slip_lines)


def test_the_pay_by_date_is_ten_days_after_sending_and_the_warning_s_is_its_deadline():
    plain = reminder_content(message(1), JENS, SETTINGS)
    warning = reminder_content(message(3, warning_deadline=date(2026, 3, 30)), JENS, SETTINGS)
    assert plain.pay_by == date(2026, 3, 26)
    assert warning.pay_by == date(2026, 3, 30)
    assert Decimal(plain.open_total) == Decimal("1250.00")


def test_a_tenant_text_that_cannot_render_falls_back_to_the_product_s_words():
    # Given texts that slipped past validation (an unknown variable)
    broken = {"da": StepTexts(subject="{{ nope }}", body="{{ nope.deeper }}", sms="{{ nope }}")}
    # When the letters are rendered
    letters = render_reminder(message(2), JENS, SETTINGS, broken)
    # Then the debtor still gets the product's letter rather than none
    assert letters.email.subject == "Rykker 2: 2 fakturaer er stadig ikke betalt"
    assert "Vi har tidligere mindet dig" in letters.email.text
    assert letters.sms.text.startswith("Fjernvarme Demo A/S: Rykker 2.")


def test_interest_and_compensation_a_step_bills_are_in_every_letter_and_in_the_claim():
    # Given the collection warning of a business customer that also bills interest and compensation
    billed = message(3, step_interest=Decimal("12.34"), step_compensation=Decimal("310.00"))
    da = render_reminder(billed, JENS, SETTINGS)
    en = render_reminder(billed, Addressee("Jens Hansen", "en"), SETTINGS)
    # Then the e-mail names each with its law and that it comes on the next invoice, after the fee
    for part in (da.email.text, visible(da.email.html)):
        assert (
            "For den forsinkede betaling opkræver vi desuden morarente på 12,34 kr. (renteloven § 5) og et "
            "kompensationsbeløb på 310,00 kr. (renteloven § 9 a, stk. 3). Beløbene skal ikke betales nu" in part
        )
    assert "late-payment interest of DKK 12.34" in en.email.text and "fixed compensation of DKK 310.00" in en.email.text
    # And the claim lists them and its total adds them: 1,250.00 + 100.00 + 12.34 + 310.00
    assert "- Morarente (denne rykker): 12,34 kr.\n- Kompensationsbeløb (denne rykker): 310,00 kr.\n" in da.email.text
    assert "Samlet krav: 1.672,34 kr." in da.email.text and "Total claim: DKK 1,672.34" in en.email.text
    # And the SMS and the slip name them too; nothing is added to the amount to pay now
    assert "Rykkergebyr 100,00 kr., morarente 12,34 kr. og kompensationsbeløb 310,00 kr. kommer på" in da.sms.text
    assert "Reminder fee DKK 100.00, interest DKK 12.34 and compensation DKK 310.00 come on" in en.sms.text
    assert "Morarente (renteloven § 5) 12,34 kr." in da.slip_lines
    assert "Kompensationsbeløb (renteloven § 9 a) 310,00 kr." in da.slip_lines
    assert "Beløbene opkræves på næste faktura, ikke her." in da.slip_lines
    assert "Samlet krav 1.672,34 kr." in da.slip_lines
    assert "Betal 1.250,00 kr." in da.sms.text


def test_interest_alone_is_named_without_a_fee():
    letters = render_reminder(message(1, step_interest=Decimal("8.54")), JENS, SETTINGS)
    assert "For den forsinkede betaling opkræver vi morarente på 8,54 kr. (renteloven § 5). Beløbet skal" in (
        letters.email.text
    )
    assert "Morarente 8,54 kr. kommer på din næste faktura." in letters.sms.text
    assert letters.slip_lines[-2:] == [
        "Morarente (renteloven § 5) 8,54 kr.",
        "Beløbet opkræves på næste faktura, ikke her.",
    ]


def test_a_tenant_s_sms_gets_the_interest_it_left_out():
    own = {
        "da": StepTexts(sms="Hej {{ customer.name }}, betal {{ total }} på {{ payment.link }}. Ref. {{ reference }}")
    }
    letters = render_reminder(message(2, step_interest=Decimal("8.54")), JENS, SETTINGS, own)
    assert letters.sms.text.endswith("Rykkergebyr 100,00 kr. og morarente 8,54 kr. kommer på din næste faktura.")
