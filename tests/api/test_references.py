"""Payment references (contract "One reference per reminder"): every committed reminder gets one,
filed with it, and the API resolves it to the reminder's customer and invoices."""

from dunning.local_api import LocalApi
from shared.domain.reference import is_valid_payment_id
from tests.api.conftest import ok


def test_a_reminder_s_reference_resolves_to_its_customer_invoices_and_step(tenant: LocalApi):
    # Given a run that reminded two customers
    api = tenant
    ok(api.request("POST", "/runs", {}), 202)
    timeline = ok(api.request("GET", "/invoices/I1/timeline"))
    email = next(e for e in timeline["events"] if e["kind"] == "email")
    reference = email["reference"]
    assert is_valid_payment_id(reference)
    # When the reference is looked up
    found = ok(api.request("GET", f"/references/{reference}"))
    # Then it names C1's reminder: customer, step, date and the invoice with what is open now
    assert found["customer"] == "C1"
    assert found["step"] == "Rykker 1" and found["template"] == "standard_v1"
    assert found["date"] == "2026-02-02"
    assert found["invoices"] == [{"invoice_id": "I1", "open_amount": "1250.00", "status": "open"}]
    assert found["open_total"] == "1250.00"


def test_each_reminder_has_its_own_reference(tenant: LocalApi):
    # Given a run that reminded two customers
    api = tenant
    ok(api.request("POST", "/runs", {}), 202)

    # When both e-mails' references are read
    def email_reference(invoice: str) -> str:
        events = ok(api.request("GET", f"/invoices/{invoice}/timeline"))["events"]
        return next(e["reference"] for e in events if e["kind"] == "email")

    references = {invoice: email_reference(invoice) for invoice in ("I1", "I2")}
    # Then they differ and each resolves to its own customer
    assert references["I1"] != references["I2"]
    assert ok(api.request("GET", f"/references/{references['I2']}"))["customer"] == "C2"


def test_an_unknown_or_malformed_reference_is_refused_naming_the_field(tenant: LocalApi):
    # Given a tenant without any reminder yet
    # When a well-formed but unknown reference, and one with a wrong check digit, are looked up
    unknown, body = tenant.request("GET", "/references/000000000000026")
    malformed, error = tenant.request("GET", "/references/000000000000027")
    # Then the first is not found and the second is invalid, both naming the reference
    assert unknown == 404 and body["field"] == "reference"
    assert malformed == 422 and error["field"] == "reference"


def test_sender_and_payment_are_settings_validated_naming_the_field(api: LocalApi):
    # Given a tenant
    # When sender and payment are set, and then an IBAN with a wrong check digit
    sender = {"name": "Fjernvarme Demo A/S", "cvr": "12345678", "email": "bogholderi@fjernvarme.example"}
    payment = {"bank": {"reg": "1234", "account": "0001234567"}, "iban": "DK5000400440116243", "bic": "DABADKKK"}
    saved = ok(api.request("PATCH", "/settings", {"sender": sender, "payment": payment}))
    status, error = api.request("PATCH", "/settings", {"payment": {"iban": "DK5000400440116244", "bic": "DABADKKK"}})
    # Then the first is stored and the second refused with the field's path
    assert saved["sender"]["name"] == "Fjernvarme Demo A/S" and saved["payment"]["iban"] == "DK5000400440116243"
    assert status == 422 and "payment.iban" in str(error)
