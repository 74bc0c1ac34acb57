import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from jinja2.exceptions import SecurityError
from pydantic import ValidationError

from shared.messages import ActionMessage, InvoiceLine
from shared.rendering.content import ReminderContent
from shared.rendering.email import _environment, render_email
from tests.unit.html_check import parsed, visible
from tests.unit.rendering_support import invoice, reminder

TAG = re.compile(r"</?[a-zA-Z!][^>]*>")


# --- subject -------------------------------------------------------------------------


def test_danish_subject_names_step_count_and_total() -> None:
    # Given a Danish reminder over two invoices with 1.250 kr. open
    # When it is rendered
    email = render_email(reminder())
    # Then the subject says which step, how many invoices and how much
    assert email.subject == "Rykker 2: 2 fakturaer er stadig ikke betalt"


def test_english_subject_names_step_count_and_total() -> None:
    # Given the same reminder for an English-speaking customer
    # When it is rendered
    email = render_email(reminder(language="en"))
    # Then the subject is English
    assert email.subject == "Reminder: 2 invoices are still unpaid"


def test_subject_uses_the_singular_for_one_invoice() -> None:
    # Given a reminder over a single invoice
    # When it is rendered in both languages
    da = render_email(reminder(invoices=[invoice("1001", "99.50")]))
    en = render_email(reminder(language="en", invoices=[invoice("1001", "99.50")]))
    # Then the subjects use the singular
    assert da.subject == "Rykker 2: faktura 1001 er stadig ikke betalt"
    assert en.subject == "Reminder: invoice 1001 is still unpaid"


def test_the_first_step_is_a_payment_reminder_and_the_warning_says_so() -> None:
    # Given the first step, and a collection-warning step
    first = render_email(reminder(step_number=1, step_name="Rykker 1", invoices=[invoice("1001", "99.50")]))
    warning = render_email(reminder(warning_deadline=date(2026, 1, 25)))
    # Then the subjects say what the letter is
    assert first.subject == "Påmindelse om betaling af faktura 1001"
    assert warning.subject == "Inkassovarsel: betal 1.250,00 kr. senest 25. januar 2026"


def test_subject_stays_on_one_line_whatever_the_tenant_typed() -> None:
    # Given tenant-supplied names with line breaks (a header-injection attempt)
    content = reminder(step_name="Rykker 2\r\nBcc: victim@example.com", tenant_name="Firma\nApS")
    # When the e-mail is rendered
    email = render_email(content)
    # Then the subject is a single line
    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert email.subject.startswith("Rykker 2 Bcc: victim@example.com: 2 fakturaer")


# --- body content --------------------------------------------------------------------


def test_danish_email_shows_amounts_dates_and_the_pay_by_date() -> None:
    # Given a Danish reminder
    # When it is rendered
    email = render_email(reminder())
    # Then both parts greet the customer, name the step and list the invoices with
    # Danish amounts and dates, and ask for the open total by a date (10 days on), never "at once"
    for part in (visible(email.html), email.text):
        assert "Kære Jens Jensen" in part
        assert "Rykker 2" in part
        assert "1.000,00 kr." in part
        assert "750,00 kr." in part
        assert "1.250,00 kr." in part
        assert "1. december 2025" in part
        assert "15. december 2025" in part
        assert "15. januar 2026" in part
        assert "Vi beder dig betale 1.250,00 kr. senest 25. januar 2026." in part
        assert "straks" not in part
        assert "Med venlig hilsen" in part
        assert "1001" in part
        assert "1002" in part


def test_english_email_shows_amounts_dates_and_the_pay_by_date() -> None:
    # Given an English reminder
    # When it is rendered
    email = render_email(reminder(language="en"))
    # Then it is English throughout, with English amounts and dates
    for part in (visible(email.html), email.text):
        assert "Dear Jens Jensen," in part
        assert "DKK 1,000.00" in part
        assert "DKK 1,250.00" in part
        assert "1 December 2025" in part
        assert "15 January 2026" in part
        assert "Please pay DKK 1,250.00 by 25 January 2026." in part
        assert "immediately" not in part
        assert "Kind regards," in part
        assert "betales" not in part


def test_email_signs_off_with_the_tenant() -> None:
    # Given a reminder from a tenant
    # When it is rendered
    email = render_email(reminder(tenant_name="Bager Olsen"))
    # Then the tenant's name is under the sign-off
    assert "Med venlig hilsen\nBager Olsen\n" in email.text
    assert "Bager Olsen</p>" in email.html


def test_fee_sentence_appears_with_a_fee() -> None:
    # Given a step that charges a 100 kr. reminder fee
    # When it is rendered in both languages
    da = render_email(reminder(fee=Decimal("100")))
    en = render_email(reminder(language="en", fee=Decimal("100")))
    # Then both parts say the fee is added to the next invoice, not paid now
    fee_da = (
        "For denne rykker opkræver vi et rykkergebyr på 100,00 kr. (renteloven § 9 b). "
        "Gebyret skal ikke betales nu – det kommer på din næste faktura."
    )
    fee_en = (
        "For this reminder we charge a reminder fee of DKK 100.00 (Danish Interest Act, section 9 b). "
        "The fee is not to be paid now – it will be added to your next invoice."
    )
    assert fee_da in visible(da.html)
    assert fee_da in da.text
    assert fee_en in visible(en.html)
    assert fee_en in en.text


@pytest.mark.parametrize("fee", [None, Decimal("0")])
def test_fee_sentence_is_absent_without_a_fee(fee: Decimal | None) -> None:
    # Given a step without a fee (or a zero fee)
    # When it is rendered
    da = render_email(reminder(fee=fee))
    en = render_email(reminder(language="en", fee=fee))
    # Then no fee is mentioned
    assert "rykkergebyr" not in da.html + da.text
    assert "reminder fee" not in en.html + en.text


def test_last_step_says_it_is_the_last_but_threatens_no_collection_without_a_warning() -> None:
    # Given the final step of a three-step template that is not the collection warning
    # When it is rendered
    da = render_email(reminder(step_number=3, step_count=3))
    en = render_email(reminder(language="en", step_number=3, step_count=3))
    # Then the customer is told it is the last reminder; collection is only threatened by a
    # collection warning with its deadline (inkassoloven § 10)
    for part in (da.html, da.text):
        assert "sidste rykker" in part
        assert "inkasso" not in part
    for part in (en.html, en.text):
        assert "final reminder" in part
        assert "debt collection" not in part


def test_earlier_steps_do_not_mention_collection() -> None:
    # Given a step before the last
    # When it is rendered
    da = render_email(reminder(step_number=1, step_count=3))
    en = render_email(reminder(language="en", step_number=2, step_count=3))
    # Then collection is not mentioned yet
    assert "inkasso" not in da.html + da.text
    assert "debt collection" not in en.html + en.text


# --- HTML structure and escaping -----------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
def test_html_is_a_complete_balanced_document(language: str) -> None:
    # Given a reminder
    # When its HTML part is parsed
    email = render_email(reminder(language=language))
    parser = parsed(email.html)
    # Then it is a full document in the customer's language with every element closed,
    # and the invoice table has one body row per invoice
    assert email.html.startswith("<!doctype html>\n")
    assert f'<html lang="{language}">' in email.html
    assert parser.errors == []
    assert parser.stack == []
    assert parser.seen[:3] == ["html", "head", "meta"]
    # the letterhead, the invoices and the ways to pay (here: the reference only)
    assert parser.seen.count("table") == 3
    assert email.html.count("<tr>") == 1 + 1 + 2 + 1 + 1  # letterhead, head, invoices, total, reference
    assert f"<title>{email.subject}</title>" in email.html


def test_html_escapes_customer_tenant_and_invoice_values() -> None:
    # Given values that look like markup
    content = reminder(
        customer_name="<script>alert(1)</script>",
        tenant_name="Hansen & Søn",
        step_name='Rykker "2"',
        invoices=[invoice("<b>1001</b>", "10")],
    )
    # When the e-mail is rendered
    email = render_email(content)
    # Then they come out as text, never as elements
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "Hansen &amp; Søn" in email.html
    assert "Rykker &#34;2&#34;" in email.html
    assert "&lt;b&gt;1001&lt;/b&gt;" in email.html
    assert "<b>" not in email.html


def test_text_part_and_subject_are_not_html() -> None:
    # Given a tenant name with an ampersand
    email = render_email(reminder(tenant_name="Hansen & Søn"))
    # When the plain parts are inspected
    # Then they carry no tags and no HTML entities
    assert TAG.search(email.text) is None
    assert "&amp;" not in email.text
    assert "Hansen & Søn" in email.text
    assert TAG.search(email.subject) is None


def test_templates_render_in_a_sandbox() -> None:
    # Given the environment tenant-edited templates will use
    env = _environment()
    # When a template reaches for Python internals
    # Then the sandbox refuses
    with pytest.raises(SecurityError):
        env.from_string("{{ name.__class__.__mro__ }}").render(name="x")


# --- the content model ---------------------------------------------------------------


def test_content_derives_total_and_last_step() -> None:
    # Given the second of three steps over two invoices
    content = reminder()
    # When the derived facts are read
    # Then the open total sums open amounts (not originals) and it is not the last step
    assert content.open_total == Decimal("1250.00")
    assert content.is_last_step is False
    assert reminder(step_number=3).is_last_step is True


def test_content_rejects_a_step_past_the_template() -> None:
    # Given a step number larger than the step count
    # When the content is built
    # Then validation fails
    with pytest.raises(ValidationError, match="past step_count"):
        reminder(step_number=4, step_count=3)


def test_content_is_frozen() -> None:
    # Given content
    content = reminder()
    # When a field is assigned
    # Then it is refused
    with pytest.raises(ValidationError):
        content.customer_name = "Someone else"


def test_content_from_action_message_maps_run_date_and_fee() -> None:
    # Given an action message from the scheduler
    message = ActionMessage(
        idempotency_key="t/c/v/2/email/abc",
        tenant="t",
        run_id="run-1",
        run_date=date(2026, 1, 15),
        action="email",
        customer_id="c",
        template_version="standard_v1",
        step_name="Rykker 2",
        step_number=2,
        step_count=3,
        invoices=[invoice("1002", "500.00"), invoice("1001", "1000.00", "750.00")],
        step_fee=Decimal("100"),
    )
    # When the reminder content is built from it
    content = ReminderContent.from_action(message, tenant_name="Firma", customer_name="Jens", language="da")
    # Then the run date becomes the reminder date and the step fee the fee
    assert content.reminder_date == date(2026, 1, 15)
    assert content.fee == Decimal("100")
    assert [line.invoice_id for line in content.invoices] == ["1001", "1002"]
    assert content.open_total == message.open_total


def test_a_collection_warning_is_in_both_parts_with_its_deadline() -> None:
    # Given the collection-warning step, and an ordinary one
    base: dict[str, Any] = dict(
        tenant_name="Acme ApS",
        customer_name="Jens Hansen",
        language="da",
        step_name="Rykker 2",
        step_number=2,
        step_count=3,
        reminder_date=date(2026, 3, 13),
        invoices=[
            InvoiceLine(
                invoice_id="I1",
                amount=Decimal("100.00"),
                open_amount=Decimal("100.00"),
                issued=date(2026, 2, 1),
                due=date(2026, 3, 1),
            )
        ],
    )
    warned = render_email(ReminderContent(**base, warning_deadline=date(2026, 3, 23)))
    plain = render_email(ReminderContent(**base))
    # Then only the warning says so, with its date, in the text and the HTML part
    assert "INKASSOVARSEL" in warned.text and "23. marts 2026" in warned.text.replace("\xa0", " ")
    assert "Inkassovarsel (inkassoloven § 10)" in warned.html
    assert "sender vi kravet til inkasso" in warned.html and "sender vi kravet til inkasso" in warned.text
    assert "straks" not in warned.text + warned.html
    assert "INKASSOVARSEL" not in plain.text and "inkasso" not in plain.html
