import copy
import json
import re
from datetime import date
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from pydantic import ValidationError

from shared.rendering.collection import (
    SCHEMA,
    CollectionCase,
    case_attachment,
    parse_case_attachment,
    render_collection_case,
)
from shared.services.delivery import mime_message
from tests.unit.html_check import parsed
from tests.unit.rendering_support import section

TAG = re.compile(r"</?[a-zA-Z!][^>]*>")

# The case exactly as the service stores it when it hands the case over.
CASE: dict[str, Any] = {
    "case_id": "acme/C1/standard_v1/3/proposal/ab12cd@2026-03-01T05:00:00Z",
    "tenant": "acme",
    "creditor": "Acme ApS",
    "handed_over_on": "2026-03-02",
    "proposed_on": "2026-03-01",
    "run_id": "approval@2026-03-02T08:15:00Z",
    "partner_email": "inkasso@partner.example",
    "template": "standard_v1",
    "debtor": {
        "id": "C1",
        "name": "Jens Hansen",
        "email": "jens@example.dk",
        "phone": "+4520123456",
        "language": "da",
        "address": {"lines": ["Eksempelvej 1"], "postcode": "2100", "city": "København Ø", "country": "DK"},
    },
    "currency": "DKK",
    "amount": "1350.00",
    "invoices": [
        {
            "invoice_id": "I1",
            "amount": "1250.00",
            "open_amount": "1250.00",
            "issued": "2026-01-01",
            "due": "2026-01-15",
            "reminders": [
                {"date": "2026-01-19", "step": "Rykker 1", "actions": ["email"], "fee": None},
                {"date": "2026-01-29", "step": "Rykker 2", "actions": ["email", "sms", "fee"], "fee": "100.00"},
            ],
        },
        {
            "invoice_id": "I2",
            "amount": "250.00",
            "open_amount": "100.00",
            "issued": "2026-01-10",
            "due": "2026-01-24",
            "reminders": [
                {"date": "2026-01-29", "step": "Rykker 2", "actions": ["email", "sms", "fee"], "fee": "100.00"},
            ],
        },
    ],
}


def case_dict(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(CASE)
    data.update(overrides)
    return data


def debtor(**overrides: Any) -> dict[str, Any]:
    return CASE["debtor"] | overrides


def collection_case(**overrides: Any) -> CollectionCase:
    return CollectionCase.model_validate(case_dict(**overrides))


# --- the model -----------------------------------------------------------------------


def test_the_stored_case_validates() -> None:
    # Given the dict the service stores
    # When it is validated
    case = collection_case()
    # Then dates and amounts are typed, and the fee of the shared reminder counts once
    assert case.handed_over_on == date(2026, 3, 2)
    assert case.amount == Decimal("1350.00")
    assert case.invoices[0].reminders[1].fee == Decimal("100.00")
    assert case.invoices[0].reminders[1].actions == ["email", "sms", "fee"]
    assert case.fees_total == Decimal("100.00")


def test_a_debtor_with_only_an_id_and_no_contact_details_validates() -> None:
    # Given a debtor without address, e-mail or phone, and one with no stored customer at all
    # When the cases are validated
    sparse = collection_case(debtor=debtor(email=None, phone=None, address=None))
    bare = collection_case(debtor={"id": "C1"})
    # Then the missing details are None
    assert (sparse.debtor.email, sparse.debtor.phone, sparse.debtor.address) == (None, None, None)
    assert bare.debtor.name is None


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "1349.00"},  # not what the invoices owe
        {"amount": 1350.0},  # a float is never money
        {"invoices": []},
        {"currency": "kr."},
        {"handed_over_on": "2. marts 2026"},
        {"unexpected": 1},
        {"debtor": {"name": "Jens Hansen"}},  # no id
    ],
)
def test_a_malformed_case_is_refused(change: dict[str, Any]) -> None:
    # Given a case with one field wrong
    # When it is validated
    # Then validation refuses it
    with pytest.raises(ValidationError):
        collection_case(**change)


def test_a_reminder_with_an_unknown_action_is_refused() -> None:
    # Given a reminder history with an action the engine does not have
    data = case_dict()
    data["invoices"][0]["reminders"][0]["actions"] = ["letter"]
    # When it is validated
    # Then validation refuses it
    with pytest.raises(ValidationError):
        CollectionCase.model_validate(data)


# --- the e-mail ----------------------------------------------------------------------


def test_danish_subject_names_the_debtor_and_the_claim() -> None:
    # Given a case
    # When it is rendered in Danish and in English
    da = render_collection_case(collection_case())
    en = render_collection_case(collection_case(), language="en")
    # Then the subject names debtor, customer number and the amount claimed
    assert da.subject == "Inkassosag: Jens Hansen (C1) – 1.350,00 kr."
    assert en.subject == "Debt collection case: Jens Hansen (C1) – DKK 1,350.00"


def test_body_has_creditor_debtor_address_and_contact_details() -> None:
    # Given a case
    # When it is rendered
    email = render_collection_case(collection_case())
    # Then both parts name the creditor and the debtor with address and contact details
    for part in (email.html, email.text):
        assert "Acme ApS overdrager hermed kravet nedenfor på" in part
        for value in ("Jens Hansen", "Eksempelvej 1", "2100 København Ø", "Danmark", "jens@example.dk"):
            assert value in part
        # the phone as a person dials it, not as stored (E.164)
        assert "20 12 34 56" in part and "+4520123456" not in part
        assert "dansk" in part
        assert "C1" in part
    assert "    Kundenummer: C1" in email.text
    assert "    Phone: +45 20 12 34 56" in render_collection_case(collection_case(), "en").text
    assert "    2100 København Ø" in email.text


def test_body_lists_invoices_history_total_and_fees() -> None:
    # Given a case of two invoices that shared their second reminder
    # When it is rendered
    email = render_collection_case(collection_case())
    # Then both parts list every invoice, each invoice's reminders with channels in words, and the totals
    for part in (email.html, email.text):
        for value in ("I1", "1. januar 2026", "15. januar 2026", "1.250,00 kr."):
            assert value in part
        for value in ("I2", "10. januar 2026", "24. januar 2026", "250,00 kr.", "100,00 kr."):
            assert value in part
        assert "Fakturaer (2)" in part
        assert "Rykkerhistorik" in part
        assert "19. januar 2026" in part
        assert "e-mail, SMS, gebyr" in part
        assert "1.350,00 kr." in part
        assert "inkassosag-C1-2026-03-02.json" in part
        assert "maskinlæsbar" in part
        assert "dunning.collection-case/1" in part
    assert "Samlet krav: 1.350,00 kr." in email.text
    assert "Rykkergebyrer i alt: 100,00 kr." in email.text
    # And the claim is named once, the case by its id once, and the run (internal) not at all
    for part in (email.text, TAG.sub("", email.html)):
        assert part.count("Samlet krav") == 1
        assert part.count(CASE["case_id"]) == 1
        assert CASE["run_id"] not in part
    assert parsed(email.html).seen.count("table") == 6  # parties, invoices, two histories, totals, details


def test_text_part_has_aligned_tables() -> None:
    # Given a case
    # When it is rendered
    text = render_collection_case(collection_case()).text
    # Then the invoice table's amounts end under their headers
    header, rule, *rows, total = section(text, "Fakturaer (2)")[1:]
    assert total == "Ubetalt i alt: 1.350,00 kr."
    assert header.split() == ["Faktura", "Udstedt", "Forfald", "Beløb", "Ubetalt"]
    end = header.index("Ubetalt") + len("Ubetalt")
    assert [len(row) for row in rows] == [end, end]
    assert [row.split("  ")[0] for row in rows] == ["I1", "I2"]
    assert rows[1].endswith("  100,00 kr.")
    assert set(rule.replace(" ", "")) == {"-"}
    # And each invoice's history is a table of its own, fee right-aligned
    history = section(text, "Faktura I1")
    assert history[1].split() == ["Dato", "Trin", "Gebyr", "Kanaler"]
    fee_end = history[1].index("Gebyr") + len("Gebyr")
    assert history[3][:fee_end].endswith("–")
    assert history[4][:fee_end].endswith("100,00 kr.")
    assert history[4].endswith("e-mail, SMS, gebyr")


def test_english_body() -> None:
    # Given a case rendered for an English-speaking partner
    # When it is rendered
    email = render_collection_case(collection_case(), language="en")
    # Then wording, dates and amounts are English
    for part in (email.html, email.text):
        for value in ("Debtor", "Invoices (2)", "Reminder history", "15 January 2026", "DKK 1,250.00", "Denmark"):
            assert value in part
        assert "email, SMS, fee" in part
        assert "machine-readable" in part
        for danish in ("Skyldner", "Fakturaer", "Rykkerhistorik", "Samlet krav", "januar", "kr.", "gebyr"):
            assert danish not in part
    assert "Reminder fees in total: DKK 100.00" in email.text


def test_a_debtor_without_details_still_renders() -> None:
    # Given a case whose customer record is gone: only the id is known
    case = collection_case(debtor={"id": "C1"})
    # When it is rendered
    email = render_collection_case(case)
    # Then the subject uses the id, and the body says what is missing
    assert email.subject == "Inkassosag: C1 – 1.350,00 kr."
    for part in (email.html, email.text):
        assert "(navn ukendt)" in part
        assert "ingen postadresse" in part
        assert "None" not in part
    assert "E-mail: –" in email.text


def test_every_value_is_escaped_in_the_html() -> None:
    # Given a case whose names and ids look like markup
    data = case_dict(creditor="Hansen & Søn <b>ApS</b>", debtor=debtor(name="<script>alert(1)</script>"))
    data["invoices"][0]["invoice_id"] = "<i>I1</i>"
    data["invoices"][0]["reminders"][0]["step"] = "<u>Rykker 1</u>"
    email = render_collection_case(CollectionCase.model_validate(data))
    # When the HTML is inspected
    parser = parsed(email.html)
    # Then no value became an element, and each shows as text
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert not {"script", "b", "i", "u"} & set(parser.seen)
    assert "Hansen &amp; Søn &lt;b&gt;ApS&lt;/b&gt;" in email.html
    assert parser.errors == []
    # And the subject and text part show the values verbatim
    assert email.subject == "Inkassosag: <script>alert(1)</script> (C1) – 1.350,00 kr."
    assert "<script>alert(1)</script> (C1)" in email.text
    assert "&lt;" not in email.text


@pytest.mark.parametrize("language", ["da", "en"])
def test_html_is_a_complete_balanced_document(language: str) -> None:
    # Given a case in each language
    # When its HTML is parsed
    email = render_collection_case(collection_case(), language=language)  # type: ignore[arg-type]
    parser = parsed(email.html)
    # Then it is a full document with every element closed, and the text part is plain
    assert email.html.startswith("<!doctype html>\n")
    assert f'<html lang="{language}">' in email.html
    assert parser.errors == []
    assert parser.stack == []
    assert f"<title>{email.subject}</title>" in email.html
    assert TAG.search(email.text) is None
    assert email.text.endswith(".\n")
    assert not email.text.endswith("\n\n")


def test_subject_stays_on_one_line() -> None:
    # Given a debtor name with a line break meant to inject a header
    case = collection_case(debtor=debtor(name="Jens\r\nBcc: x@example.com"))
    # When it is rendered
    # Then the subject is one line
    assert render_collection_case(case).subject == "Inkassosag: Jens Bcc: x@example.com (C1) – 1.350,00 kr."


# --- the attachment ------------------------------------------------------------------


def test_attachment_is_json_with_the_schema_and_round_trips() -> None:
    # Given a case
    case = collection_case()
    # When it becomes an attachment
    filename, data, media_type = case_attachment(case)
    document = json.loads(data.decode("utf-8"))
    # Then it is named after debtor and day, is JSON with the schema first, and money as strings
    assert (filename, media_type) == ("inkassosag-C1-2026-03-02.json", "application/json")
    assert next(iter(document)) == "schema"
    assert document["schema"] == SCHEMA == "dunning.collection-case/1"
    assert document["amount"] == "1350.00"
    assert document["fees_total"] == "100.00"
    assert document["debtor"]["address"]["city"] == "København Ø"
    assert "København Ø".encode() in data  # UTF-8, not \\u escapes
    assert document["invoices"][0]["reminders"][0] == CASE["invoices"][0]["reminders"][0]
    assert {k: v for k, v in document.items() if k not in ("schema", "fees_total")} == CASE | {
        "debtor": CASE["debtor"] | {"business": False}
    }
    # And it parses back to the same case
    assert parse_case_attachment(data) == case


def test_a_sparse_case_round_trips() -> None:
    # Given a case whose debtor has only an id
    case = collection_case(debtor={"id": "C1"})
    # When it goes through the attachment and back
    # Then nothing changed
    assert parse_case_attachment(case_attachment(case)[1]) == case


def test_attachment_file_name_is_safe() -> None:
    # Given a customer id with characters a file name should not hold
    case = collection_case(debtor=debtor(id="../C 1/ø"))
    # When the attachment is named
    # Then only safe characters remain
    assert case_attachment(case)[0] == "inkassosag-C_1-2026-03-02.json"


@pytest.mark.parametrize(
    "document",
    [
        {"schema": "dunning.collection-case/2"},
        {"schema": None},
        {"fees_total": "200.00"},
    ],
)
def test_parse_refuses_another_schema_or_a_wrong_fee_total(document: dict[str, Any]) -> None:
    # Given an attachment with another schema, or fees that do not match the history
    data = json.loads(case_attachment(collection_case())[1]) | document
    # When it is parsed
    # Then it is refused
    with pytest.raises(ValueError):
        parse_case_attachment(json.dumps(data).encode())


# --- the MIME message ----------------------------------------------------------------


def test_mime_message_has_text_html_and_the_json_attachment() -> None:
    # Given a rendered case and its attachment
    case = collection_case(creditor="Hansen & Søn ApS")
    rendered = render_collection_case(case)
    attachment = case_attachment(case)
    # When the message is built and parsed back
    raw = mime_message("Hansen & Søn ApS", "rykker@dunning.example", case.partner_email, rendered, attachment)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    # Then it is multipart/mixed: the alternative (text, then HTML) first, then the JSON file
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/json",
    ]
    assert message["Subject"] == rendered.subject
    assert message["To"] == "inkasso@partner.example"
    assert message["From"].addresses[0].display_name == "Hansen & Søn ApS"
    assert message["From"].addresses[0].addr_spec == "rykker@dunning.example"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and text.get_content() == rendered.text
    assert html is not None and html.get_content() == rendered.html
    # And the attachment carries the case, byte for byte
    files = list(message.iter_attachments())
    assert len(files) == 1
    assert files[0].get_filename() == "inkassosag-C1-2026-03-02.json"
    assert files[0].get_content_disposition() == "attachment"
    assert files[0].get_content() == attachment[1]
    assert parse_case_attachment(files[0].get_content()) == case
