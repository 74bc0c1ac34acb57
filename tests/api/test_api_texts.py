"""A step's own texts through the operator API: refused at definition with the field, the SMS
segment count when defined, and the preview of any step for a customer or a sample one."""

from dunning.local_api import LocalApi
from tests.api.conftest import STANDARD, ok

TEXTS = {
    "da": {
        "subject": "Påmindelse om {{ invoices|length }} ubetalte fakturaer",
        "body": "Kære {{ customer.name }}\n\nVi kan ikke se, at vi har modtaget betaling for {{ total }}.",
        "sms": "Hej {{ customer.name }}, vi mangler {{ total }}. Mvh {{ sender.name }}",
    },
    "en": {"sms": "Dear {{ customer.name }}, please pay {{ total }} – thank you. {{ sender.name }}"},
}


def with_texts(texts: dict, step: int = 1) -> dict:
    steps = [dict(s) for s in STANDARD["steps"]]
    steps[step] = steps[step] | {"actions": ["email", "sms"], "texts": texts}
    return {"name": "standard", "steps": steps}


def test_a_text_with_an_unknown_variable_is_refused_naming_its_field_and_nothing_is_stored(api: LocalApi):
    # Given a template whose second step's Danish body reads {{ kunde.navn }}
    bad = with_texts({"da": {"body": "Kære {{ kunde.navn }}"}})
    # When it is defined
    status, error = api.request("POST", "/templates", bad)
    # Then it is refused with the field path and what was expected, and no version exists
    assert status == 422, error
    assert error["field"] == "steps[1].texts.da.body"
    assert "unknown variable 'kunde'" in error["reason"] and "customer" in error["reason"]
    assert ok(api.request("GET", "/templates")) == []


def test_a_sandbox_escape_and_a_non_compiling_subject_are_refused_at_definition(api: LocalApi):
    escape = with_texts({"en": {"sms": "{{ ''.__class__.__mro__ }}"}}, step=0)
    status, error = api.request("POST", "/templates", escape)
    assert (status, error["field"]) == (422, "steps[0].texts.en.sms")
    assert "internals" in error["reason"]
    broken = with_texts({"da": {"subject": "Rykker {{ customer.name"}}, step=0)
    status, error = api.request("POST", "/templates", broken)
    assert (status, error["field"]) == (422, "steps[0].texts.da.subject")
    assert "does not compile" in error["reason"]
    # And replacing an unused version in place is checked the same way
    ok(api.request("POST", "/templates", STANDARD), 201)
    status, error = api.request("PUT", "/templates/standard/versions/1", {"steps": escape["steps"]})
    assert (status, error["field"]) == (422, "steps[0].texts.en.sms")
    assert ok(api.request("GET", "/templates/standard/versions/1"))["steps"][0].get("texts") is None


def test_defining_texts_shows_each_sms_segment_count_and_the_texts_belong_to_the_version(api: LocalApi):
    # When a template with own texts is defined
    defined = ok(api.request("POST", "/templates", with_texts(TEXTS)), 201)
    # Then the answer counts the SMS segments of each language that has an SMS text
    sms = {(s["step"], s["language"]): (s["encoding"], s["segments"]) for s in defined["sms"]}
    assert sms == {(2, "da"): ("GSM-7", 1), (2, "en"): ("UCS-2", 2)}  # "–" is outside GSM-7
    # And the version carries the texts
    version = ok(api.request("GET", "/templates/standard/versions/1"))
    assert version["steps"][1]["texts"]["da"]["sms"] == TEXTS["da"]["sms"]
    # And the same definition again changes nothing, a changed text is a changed definition
    assert ok(api.request("POST", "/templates", with_texts(TEXTS)), 200)["outcome"] == "unchanged"
    changed = with_texts({"da": TEXTS["da"] | {"sms": "Hej {{ customer.name }}, betal {{ total }}."}})
    assert ok(api.request("POST", "/templates", changed), 201)["outcome"] == "replaced"


def test_a_used_version_keeps_its_texts_and_a_new_text_becomes_the_next_version(tenant: LocalApi):
    # Given the tenant's standard_v1 (no own texts) was used by a run
    ok(tenant.request("POST", "/runs", {}), 202)
    assert ok(tenant.request("GET", "/templates/standard/versions/1"))["used"] is True
    # When a text is added to it
    defined = ok(tenant.request("POST", "/templates", with_texts(TEXTS)), 201)
    # Then that is version 2, and version 1 is unchanged
    assert defined["version"]["version_id"] == "standard_v2"
    assert ok(tenant.request("GET", "/templates/standard/versions/1"))["steps"][1].get("texts") is None


def test_preview_renders_a_step_for_a_real_customer_with_their_open_invoices(tenant: LocalApi):
    # Given step 2 of a version with own Danish texts
    ok(tenant.request("POST", "/templates", with_texts(TEXTS)), 201)
    ok(tenant.request("PUT", "/customers/C1", {"name": "Kunde <script>alert(1)</script>", "language": "da"}))
    # When step 2 is previewed for C1
    shown = ok(tenant.request("GET", "/templates/standard_v1/steps/2/preview", query={"customer": "C1"}))
    # Then it is C1's open invoice, in Danish, with the tenant's subject, body and SMS
    assert (shown["customer"], shown["invoices"], shown["language"]) == ("C1", ["I1"], "da")
    assert not shown["sample_customer"] and not shown["sample_invoices"]
    assert shown["email"]["subject"] == "Påmindelse om 1 ubetalte fakturaer"
    assert "Kære Kunde <script>alert(1)</script>" in shown["email"]["text"]
    assert "Kære Kunde &lt;script&gt;alert(1)&lt;/script&gt;" in shown["email"]["html"]
    assert "<script>" not in shown["email"]["html"]
    assert shown["sms"]["text"].startswith("Hej Kunde <script>alert(1)</script>, vi mangler 1.250,00 kr.")
    assert shown["sms"]["segments"] >= 1 and shown["sms"]["encoding"] == "GSM-7"
    assert shown["bs_text_lines"] and "I1" in shown["bs_text_lines"][0]


def test_preview_announces_the_interest_and_compensation_the_step_adds(tenant: LocalApi):
    # Given a step that charges a fee, interest and the B2B compensation, and C1 a business customer
    steps = [dict(s) for s in STANDARD["steps"]]
    steps[1] = steps[1] | {"actions": ["email", {"fee": "100.00"}, {"interest": True}, {"compensation": True}]}
    ok(tenant.request("POST", "/templates", {"name": "standard", "steps": steps}), 201)
    ok(tenant.request("PATCH", "/customers/C1", {"business": True}))
    # When step 2 is previewed for C1 (1,250.00 due 15 January, previewed 2 February)
    shown = ok(tenant.request("GET", "/templates/standard/steps/2/preview", query={"customer": "C1"}))
    # Then the letter states all three, as the real reminder would
    text = shown["email"]["text"]
    assert "et rykkergebyr på 100,00 kr." in text
    assert "morarente på 5,76 kr. (renteloven § 5) og et kompensationsbeløb på 310,00 kr." in text
    # And a consumer's preview has no compensation
    ok(tenant.request("PATCH", "/customers/C1", {"business": False}))
    consumer = ok(tenant.request("GET", "/templates/standard/steps/2/preview", query={"customer": "C1"}))
    assert "morarente på 5,76 kr." in consumer["email"]["text"]
    assert "kompensationsbeløb" not in consumer["email"]["text"]


def test_a_step_after_the_collection_warning_says_the_debtor_was_warned(tenant: LocalApi):
    # Given a template whose second step is the inkassovarsel and a third step follows it
    steps = [
        {"name": "Rykker 1", "days": 4, "actions": ["email"]},
        {"name": "Inkassovarsel", "days": 10, "actions": ["email"], "inkassovarsel": True},
        {"name": "Rykker 3", "days": 14, "actions": ["email", "sms"]},
    ]
    ok(tenant.request("POST", "/templates", {"name": "warned", "steps": steps}), 201)
    ok(tenant.request("PATCH", "/customers/C1", {"phone": "+4520123456"}))
    # When the third step is previewed in both languages
    da = ok(tenant.request("GET", "/templates/warned/steps/3/preview", query={"customer": "C1"}))
    en = ok(tenant.request("GET", "/templates/warned/steps/3/preview", query={"customer": "C1", "language": "en"}))
    # Then the letter says the warning was given, not that collection is still only being considered
    assert "Vi har tidligere sendt dig et inkassovarsel for nedenstående faktura" in da["email"]["text"]
    assert "kan vi sende det til inkasso uden yderligere varsel" in da["email"]["text"]
    assert "overveje" not in da["email"]["text"] and "Du har fået vores inkassovarsel." in da["sms"]["text"]
    assert "we may hand it over for debt collection without further notice" in en["email"]["text"]
    assert "consider taking the matter further" not in en["email"]["text"]
    # And the step before the warning reads as before
    before = ok(tenant.request("GET", "/templates/warned/steps/1/preview", query={"customer": "C1"}))
    assert "inkassovarsel" not in before["email"]["text"].lower()


def test_preview_without_a_customer_uses_a_sample_and_records_nothing(tenant: LocalApi):
    # When step 1 is previewed in English with no customer
    before = ok(tenant.request("GET", "/runs"))
    shown = ok(tenant.request("GET", "/templates/standard/steps/1/preview", query={"language": "en"}))
    # Then a sample customer with sample invoices is shown in English, with the product's texts
    assert shown["sample_customer"] and shown["sample_invoices"] and shown["language"] == "en"
    assert shown["email"]["subject"] and shown["email"]["html"].startswith("<!doctype html>")
    # And nothing was sent or recorded: no run, the version still unused, no e-mail on the timeline
    assert ok(tenant.request("GET", "/runs")) == before
    assert ok(tenant.request("GET", "/templates/standard/versions/1"))["used"] is False
    assert "email" not in [e["kind"] for e in ok(tenant.request("GET", "/invoices/I1/timeline"))["events"]]


def test_preview_names_what_does_not_exist(tenant: LocalApi):
    for path, query, field in (
        ("/templates/nope_v1/steps/1/preview", {}, "version"),
        ("/templates/standard_v1/steps/3/preview", {}, "step"),
        ("/templates/standard_v1/steps/1/preview", {"customer": "C9"}, "customer"),
    ):
        status, error = tenant.request("GET", path, query=query)
        assert (status, error["field"]) == (404, field), error
    status, error = tenant.request("GET", "/templates/standard/steps/1/preview", query={"language": "fr"})
    assert status == 422 and error["field"] == "language"
