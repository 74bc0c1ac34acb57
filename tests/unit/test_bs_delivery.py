"""The daily BS delivery's pure parts: slip text, due date, reference, and merging one customer's slips."""

from datetime import date
from decimal import Decimal
from typing import Any

from shared.betalingsservice import earliest_due_date, is_bank_day, parse_delivery
from shared.domain.settings import TenantSettings
from shared.messages import ActionMessage, InvoiceLine
from shared.services.bs_delivery import (
    build_day_delivery,
    delivery_file,
    delivery_number,
    slip_amount,
    slip_due_date,
    slip_from_record,
    slip_reference,
    slip_text,
)
from shared.storage.records import BsRecord

SETTINGS = TenantSettings.model_validate(
    {"tenant": "acme", "bs": {"enabled": True, "creditor_number": "12345678", "cvr": "87654321"}}
)


def message(**changes: Any) -> ActionMessage:
    fields: dict[str, Any] = {
        "idempotency_key": "acme/C1/standard_v1/3/bs/0123456789abcdef",
        "tenant": "acme",
        "run_id": "2026-03-16T05:00:00Z",
        "run_date": date(2026, 3, 16),
        "action": "bs",
        "customer_id": "C1",
        "template_version": "standard_v1",
        "step_name": "Rykker 3",
        "step_number": 3,
        "step_count": 3,
        "invoices": [
            InvoiceLine(
                invoice_id=invoice_id,
                amount=Decimal("600.00"),
                open_amount=Decimal("575.00"),
                issued=date(2026, 2, 1),
                due=date(2026, 2, 15),
            )
            for invoice_id in ("I1", "I2")
        ],
        "step_fee": Decimal("100.00"),
        "warning_deadline": date(2026, 3, 26),
    }
    return ActionMessage.model_validate(fields | changes)


def test_slip_text_names_step_invoices_sender_reference_amount_fee_and_the_collection_warning():
    # Given a reminder with a reference that charges a fee and is the collection warning
    lines = slip_text(message(reference="000000000000026"), "Fjernvarme Demo A/S")
    # Then the text is Danish, at most 60 characters a line, names the sender and the reference,
    # says the fee is charged on the next invoice, totals the claim as the warning's e-mail does
    # (open total and this step's fee), and the warning keeps its words whole
    assert lines == [
        "RYKKER 3 - fakturaer I1, I2",
        "Fra Fjernvarme Demo A/S",
        "Reference 000000000000026",
        "Skyldigt beløb 1.150,00 kr.",
        "Rykkergebyr (renteloven § 9 b) 100,00 kr.",
        "Gebyret opkræves på næste faktura, ikke her.",
        "Samlet krav 1.250,00 kr.",
        "Betales senest 26.03.2026, ellers overgives kravet til",
        "inkasso.",
    ]
    assert all(len(line) <= 60 for line in lines)
    # and the slip asks for the open total only: the fee is collected once, on the next invoice
    assert slip_amount(message()) == Decimal("1150.00")


def test_an_english_debtor_s_slip_is_in_english():
    # Given the collection warning for a debtor who reads English, with a fee charged before it
    from shared.rendering.content import ClaimLine

    earlier = [ClaimLine(kind="fee", amount=Decimal("100.00"), created_on=date(2026, 3, 6))]
    lines = slip_text(message(reference="000000000000026"), "Fjernvarme Demo A/S", earlier, "en")
    # Then every line is English, with English amounts and dates, at most 60 characters
    assert lines == [
        "DEBT COLLECTION WARNING - invoices I1, I2",
        "From Fjernvarme Demo A/S",
        "Reference 000000000000026",
        "Amount owed DKK 1,150.00",
        "Reminder fee (Danish Interest Act, s. 9 b) DKK 100.00",
        "The fee comes on your next invoice, not on this slip.",
        "Earlier reminder fee 6 March 2026 DKK 100.00",
        "Total claim DKK 1,350.00",
        "Pay by 26 March 2026, or the claim goes to debt collection.",
    ]
    assert all(len(line) <= 60 for line in lines)
    # And an earlier step reads as its English e-mail is headed
    assert slip_text(message(step_fee=None, warning_deadline=None, step_number=2), language="en") == [
        "REMINDER - invoices I1, I2",
        "Amount owed DKK 1,150.00",
    ]


def test_a_fee_that_is_not_charged_is_not_in_the_text():
    plain = message(step_fee=None, warning_deadline=None)
    assert slip_text(plain) == ["RYKKER 3 - fakturaer I1, I2", "Skyldigt beløb 1.150,00 kr."]
    assert slip_amount(plain) == Decimal("1150.00")


def test_slips_are_due_ten_days_later_on_a_bank_day_and_never_before_bs_allows():
    # A Monday: ten days later is a Thursday
    assert slip_due_date(date(2026, 3, 16)) == date(2026, 3, 26)
    # Ten days after 21.03.2026 is Tuesday 31.03; after 26.03.2026 it is Easter Sunday 05.04 -> Tuesday 07.04
    assert slip_due_date(date(2026, 3, 21)) == date(2026, 3, 31)
    assert slip_due_date(date(2026, 3, 26)) == date(2026, 4, 7)
    for day in (date(2026, 12, 19), date(2026, 12, 23), date(2026, 4, 1)):
        due = slip_due_date(day)
        assert is_bank_day(due) and due >= earliest_due_date(day)


def test_names_and_references_are_stable():
    assert delivery_file("acme", date(2026, 3, 6)) == "2026-03-06/bs0601-acme-2026-03-06.txt"
    assert delivery_number(date(2026, 3, 7)) == delivery_number(date(2026, 3, 6)) + 1
    reference = slip_reference("acme/C1/standard_v1/1/bs/x")
    assert len(reference) == 9 and reference == slip_reference("acme/C1/standard_v1/1/bs/x")
    assert reference != slip_reference("acme/C1/standard_v1/2/bs/x")


def record(key: str, customer: str, amount: str, text: list[str], address: dict[str, Any] | None = None) -> BsRecord:
    return BsRecord(
        key=key,
        due=date(2026, 3, 16),
        customer_id=customer,
        creditor_number="12345678",
        data={
            "customer_name": "Jens Hansen",
            "address": address or {"lines": ["Eksempelvej 1"], "postcode": "2100", "city": "København Ø"},
            "amount": amount,
            "slip_amount": amount,
            "invoices": ["I1"],
            "step": "Rykker 1",
            "debtor_group": "00001",
            "text_lines": text,
            "reference": slip_reference(key),
        },
    )


def test_two_reminders_of_one_customer_on_one_day_become_one_slip():
    # Given two BS reminders of C1 on one day (two template versions) and one of C2
    records = [
        record("acme/c1/a", "c1", "100.00", ["RYKKER 1 - faktura I1"]),
        record("acme/c1/b", "c1", "250.50", ["RYKKER 2 - faktura I7"]),
        record("acme/c2/a", "c2", "75.00", ["RYKKER 1 - faktura I9"]),
    ]
    # When the day's delivery is built
    delivery = build_day_delivery(records, SETTINGS, date(2026, 3, 16), delivery_number(date(2026, 3, 16)))
    parsed = parse_delivery(delivery.encode())
    # Then C1 has one slip with both amounts and both texts (BS takes one payment per customer per date)
    by_customer = {slip.customer_number: slip for slip in parsed.slips}
    assert set(by_customer) == {"C1", "C2"}
    assert by_customer["C1"].amount == Decimal("350.50")
    assert list(by_customer["C1"].text_lines) == ["RYKKER 1 - faktura I1", "", "RYKKER 2 - faktura I7"]
    assert (delivery.payments, delivery.amount, delivery.sections) == (2, Decimal("425.50"), 1)
    assert parsed.cvr == "87654321"


def test_a_foreign_address_carries_its_postcode_and_town_in_an_address_line():
    address = {"lines": ["Storgatan 1"], "postcode": "111 22", "city": "Stockholm", "country": "SE"}
    slip = slip_from_record("C9", "k", dict(record("k", "C9", "10.00", ["x"], address).data), date(2026, 3, 26))
    assert slip.address_lines == ("Storgatan 1", "111 22 Stockholm")
    assert (slip.postcode, slip.country) == (None, "SE")


def test_a_collection_warnings_slip_lists_the_fees_charged_before_and_the_whole_claim():
    # Given the collection warning of a debtor whose only letter may be the slip (demo K016, K027),
    # with a fee charged at an earlier step still on the billing queue
    from shared.rendering.content import ClaimLine

    earlier = [ClaimLine(kind="fee", amount=Decimal("100.00"), created_on=date(2026, 3, 6))]
    lines = slip_text(message(reference="000000000000026"), "Fjernvarme Demo A/S", earlier)
    # Then, as in its e-mail, the slip names every item of the claim and its total
    assert lines[4:] == [
        "Rykkergebyr (renteloven § 9 b) 100,00 kr.",
        "Gebyret opkræves på næste faktura, ikke her.",
        "Tidligere rykkergebyr 06.03.2026 100,00 kr.",
        "Samlet krav 1.350,00 kr.",
        "Betales senest 26.03.2026, ellers overgives kravet til",
        "inkasso.",
    ]
    # And the slip still asks for the open total only
    assert slip_amount(message()) == Decimal("1150.00")


def test_the_bs_booking_of_a_warning_reads_the_charges_before_it_from_the_billing_queue():
    from shared.services.booking import bs_booking
    from shared.storage.memory import MemoryStore
    from shared.storage.records import BillingLine, Customer

    repo = MemoryStore()
    address = {"lines": ["Strandvejen 72"], "postcode": "8000", "city": "Aarhus C", "country": "DK"}
    repo.put_customer(Customer("C1", "Rasmus Hansen", address=address))
    earlier = BillingLine(
        customer_id="C1",
        key="acme/C1/standard_v1/2/fee/0123456789abcdef",
        kind="fee",
        amount=Decimal("100.00"),
        currency="DKK",
        reason="Rykker 2",
        invoice_ids=("I1",),
        due=date(2026, 3, 6),
        created_on=date(2026, 3, 6),
    )
    fee_effect = {"kind": "fee", "date": "2026-03-06", "customer": "C1", "amount": "100.00", "currency": "DKK"}
    repo.add_fee_line(earlier, fee_effect, earlier.key)
    booking = bs_booking(message(), repo, SETTINGS)
    assert booking.record is not None
    assert "Tidligere rykkergebyr 06.03.2026 100,00 kr." in booking.record.data["text_lines"]
    assert "Samlet krav 1.350,00 kr." in booking.record.data["text_lines"]


def test_the_bs_booking_writes_the_slip_in_the_customer_s_language():
    from shared.services.booking import bs_booking
    from shared.storage.memory import MemoryStore
    from shared.storage.records import Customer

    # Given a customer who reads English and has only a postal address (the slip is the only letter)
    repo = MemoryStore()
    address = {"lines": ["Algade 17"], "postcode": "8000", "city": "Aarhus C", "country": "DK"}
    repo.put_customer(Customer("C1", "Julie Hansen", language="en", address=address))
    # When the collection warning's BS reminder is booked
    booking = bs_booking(message(), repo, SETTINGS)
    # Then the stored slip text is English
    assert booking.record is not None
    lines = booking.record.data["text_lines"]
    assert lines[0] == "DEBT COLLECTION WARNING - invoices I1, I2"
    assert "Amount owed DKK 1,150.00" in lines and not any("Skyldigt" in line for line in lines)
