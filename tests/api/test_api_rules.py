"""The operator API for approval by step, debt collection, the Danish rules, business customers,
addresses and disputes — through HTTP (API Gateway events into the handler)."""

import io
from datetime import date
from pathlib import Path

from dunning.importer import run_import
from dunning.local_api import LocalApi
from tests.api.conftest import STANDARD, ok

# ----------------------------------------------------------------- settings


def test_approval_collection_and_interest_settings_are_set_shown_and_switched_off(api: LocalApi):
    # When approval by step, collection, agreed B2B fees and the interest settings are set at once
    changes = {
        "approval_required": ["Rykker 2"],
        "collection": {"after_days": 14, "partner_email": "inkasso@partner.dk"},
        "b2b_contractual_fees": True,
        "interest_rates": [{"from": "2026-07-01", "rate": "9.75"}],
        "interest_day_count": "actual/365",
    }
    ok(api.request("PATCH", "/settings", changes))
    # Then the settings show them as given
    stored = ok(api.request("GET", "/settings"))
    assert {key: stored[key] for key in changes} == changes
    # And collection is switched off with null, approval back to a plain switch; the rest stays
    ok(api.request("PATCH", "/settings", {"collection": None, "approval_required": True}))
    stored = ok(api.request("GET", "/settings"))
    assert stored["collection"] is None and stored["approval_required"] is True
    assert stored["interest_rates"] == changes["interest_rates"] and stored["b2b_contractual_fees"] is True


def test_bad_danish_settings_are_refused_naming_the_field(api: LocalApi):
    before = ok(api.request("GET", "/settings"))
    for body, field in [
        ({"interest_rates": [{"from": "2026-03-01", "rate": "9.50"}]}, "interest_rates[0].from"),
        ({"interest_rates": [{"from": "2026-01-01", "rate": "101.00"}]}, "interest_rates[0].rate"),
        ({"interest_rates": [{"from": "2026-01-01"}]}, "interest_rates[0].rate"),
        ({"interest_day_count": "actual/360"}, "interest_day_count"),
        ({"collection": {"after_days": 10}}, "collection.partner_email"),
        ({"collection": {"after_days": -1, "partner_email": "a@b.dk"}}, "collection.after_days"),
        ({"approval_required": [" "]}, "approval_required"),
    ]:
        status, error = api.request("PATCH", "/settings", body)
        assert status == 422, body
        assert error["field"].startswith(field) and error["reason"], (body, error)
    status, error = api.request("PATCH", "/settings", {"interest_rates": [{"from": "2026-03-01", "rate": "9.50"}]})
    assert "1 January or 1 July" in error["reason"]
    assert ok(api.request("GET", "/settings")) == before


# ----------------------------------------------------------------- templates


WITH_WARNING = {
    "name": "dansk",
    "steps": [
        {"name": "Rykker 1", "days": 10, "actions": ["email"]},
        {"name": "Rykker 2", "days": 10, "actions": ["email", {"fee": "100.00"}, {"interest": True}]},
        {"name": "Inkassovarsel", "days": 10, "actions": ["email", {"compensation": True}], "inkassovarsel": True},
    ],
}


def test_a_template_with_interest_compensation_and_a_collection_warning_reads_back_as_defined(api: LocalApi):
    defined = ok(api.request("POST", "/templates", WITH_WARNING), 201)
    steps = defined["version"]["steps"]
    assert [s["inkassovarsel"] for s in steps] == [False, False, True]
    assert steps[1]["actions"] == ["email", {"fee": "100.00"}, {"interest": True}]
    assert steps[2]["actions"] == ["email", {"compensation": True}]
    assert ok(api.request("GET", "/templates/dansk/versions/1"))["steps"] == steps
    # Sent again, it is the same definition
    assert ok(api.request("POST", "/templates", WITH_WARNING))["outcome"] == "unchanged"
    # interest: false is not an action
    bad = {"name": "x", "steps": [{"name": "R1", "days": 1, "actions": [{"interest": False}]}]}
    assert api.request("POST", "/templates", bad)[0] == 422


def test_fee_caps_are_refused_naming_the_step_and_the_rule_unless_b2b_fees_are_agreed(api: LocalApi):
    high = {
        "name": "b2b",
        "steps": [*STANDARD["steps"][:1], {"name": "Rykker 2", "days": 10, "actions": [{"fee": "150.00"}]}],
    }
    # A fee above 100.00 is refused at the step that carries it
    status, error = api.request("POST", "/templates", high)
    assert status == 422 and error["error"] == "refused_by_law" and error["field"] == "steps[1].actions"
    assert "100.00" in error["reason"] and "9 b" in error["reason"]
    # More than three steps with a fee: the steps as a whole
    four = {
        "name": "many",
        "steps": [{"name": f"R{n}", "days": 5, "actions": ["email", {"fee": "50.00"}]} for n in range(1, 5)],
    }
    status, error = api.request("POST", "/templates", four)
    assert status == 422 and error["field"] == "steps" and "at most 3" in error["reason"]
    assert ok(api.request("GET", "/templates")) == []
    # Replacing a version in place is held to the same caps
    ok(api.request("POST", "/templates", STANDARD), 201)
    status, error = api.request("PUT", "/templates/standard/versions/1", {"steps": high["steps"]})
    assert status == 422 and error["field"] == "steps[1].actions"
    # With fees agreed with business customers the higher fee is allowed — the count still is not
    ok(api.request("PATCH", "/settings", {"b2b_contractual_fees": True}))
    assert ok(api.request("POST", "/templates", high), 201)["version"]["version_id"] == "b2b_v1"
    assert ok(api.request("PUT", "/templates/standard/versions/1", {"steps": high["steps"]}))["outcome"] == "replaced"
    assert api.request("POST", "/templates", four)[1]["field"] == "steps"


# ----------------------------------------------------------------- customers


ADDRESS = {"lines": ["Vestergade 1, 2. th."], "postcode": "8000", "city": "Aarhus C"}


def test_a_business_customer_with_an_address_is_created_patched_and_listed(api: LocalApi):
    created = ok(
        api.request("POST", "/customers", {"id": "B1", "name": "Firma ApS", "business": True, "address": ADDRESS}), 201
    )
    assert created["business"] is True and created["address"] == ADDRESS | {"country": "DK"}
    plain = ok(api.request("PUT", "/customers/P1", {"name": "Jens"}), 201)
    assert plain["business"] is False and plain["address"] is None
    patched = ok(api.request("PATCH", "/customers/B1", {"business": False}))
    assert patched["business"] is False and patched["address"] == created["address"]
    abroad = {"lines": ["Storgatan 1"], "postcode": "SE-211 22", "city": "Malmö", "country": "SE"}
    assert ok(api.request("PATCH", "/customers/P1", {"address": abroad, "business": True}))["address"] == abroad
    # A country code in lower case, as some exports spell it, is the same country
    spelled = abroad | {"country": " se"}
    assert ok(api.request("PATCH", "/customers/P1", {"address": spelled}))["address"] == abroad
    assert ok(api.request("PATCH", "/customers/P1", {"address": None}))["address"] is None
    assert ok(api.request("GET", "/customers/P1"))["business"] is True
    assert api.request("PATCH", "/customers/B1", {"business": None})[1]["field"] == "business"
    bulk = {"items": [{"id": "B2", "name": "Firma 2", "business": True}, {"id": "P2", "name": "Privat"}]}
    ok(api.request("POST", "/customers/bulk", bulk))
    assert ok(api.request("GET", "/customers/B2"))["business"] is True
    assert ok(api.request("GET", "/customers/P2"))["business"] is False


def test_the_customer_listing_shows_business_and_address(api: LocalApi):
    ok(api.request("POST", "/customers", {"id": "B1", "name": "Firma ApS", "business": True, "address": ADDRESS}), 201)
    (listed,) = ok(api.request("GET", "/customers"))
    assert listed == ok(api.request("GET", "/customers/B1"))


def test_an_address_a_payment_slip_cannot_carry_is_refused_naming_the_field(api: LocalApi):
    for address, field in [
        (ADDRESS | {"postcode": "800"}, "address"),
        (ADDRESS | {"lines": []}, "address.lines"),
        (ADDRESS | {"lines": ["a", "b", "c", "d", "e"]}, "address.lines"),
        (ADDRESS | {"lines": ["x" * 36]}, "address.lines[0]"),
        (ADDRESS | {"lines": ["Gade 1\nTo"]}, "address.lines[0]"),
        (ADDRESS | {"lines": ["Gade ☃"]}, "address.lines[0]"),
        (ADDRESS | {"country": "Danmark"}, "address.country"),
        (ADDRESS | {"street": "x"}, "address.street"),
        ({"lines": ["a", "b", "c", "d"], "postcode": "1", "city": "Oslo", "country": "NO"}, "address"),
        ({"lines": ["Gade 1"], "city": "Aarhus"}, "address.postcode"),
    ]:
        status, error = api.request("POST", "/customers", {"id": "K1", "name": "Kunde", "address": address})
        assert status == 422 and error["field"] == field, (address, error)
    assert api.request("GET", "/customers/K1")[0] == 404


def test_the_importer_reads_a_business_column(api: LocalApi, tmp_path: Path):
    path = tmp_path / "customers.csv"
    path.write_text("kundenummer;navn;business\nK1;Firma ApS;ja\nK2;Jens;nej\nK3;Aps 3;1\nK4;Hans;\n", encoding="utf-8")
    ok(api.request("POST", "/templates", STANDARD), 201)
    ok(api.request("PATCH", "/settings", {"default_template": "standard"}))
    out, err = io.StringIO(), io.StringIO()
    assert run_import(api, [path], kind="customers", out=out, err=err, today=date(2026, 1, 15)) == 0, err.getvalue()
    business = {cid: ok(api.request("GET", f"/customers/{cid}"))["business"] for cid in ("K1", "K2", "K3", "K4")}
    assert business == {"K1": True, "K2": False, "K3": True, "K4": False}


# ----------------------------------------------------------------- disputes


def test_a_disputed_invoice_waits_until_its_end_or_until_resolved(tenant: LocalApi):
    api = tenant
    # A dispute with an end: no reminder for I1 before it
    disputed = ok(api.request("POST", "/invoices/I1/dispute", {"until": "2026-03-01"}))
    assert disputed["disputed_until"] == "2026-03-01" and disputed["disputed_ever"] is True
    # An open-ended one (until resolved)
    assert ok(api.request("POST", "/invoices/I2/dispute", {}))["disputed_until"] == "9999-12-31"
    ok(api.request("POST", "/runs", {}), 202)
    assert ok(api.request("GET", "/invoices/I1"))["steps_done"] == 0
    assert ok(api.request("GET", "/invoices/I2"))["steps_done"] == 0
    # Resolved: the dispute is gone, the invoice remembers it was disputed
    resolved = ok(api.request("POST", "/invoices/I2/dispute/resolve"))
    assert resolved["disputed_until"] is None and resolved["disputed_ever"] is True
    assert ok(api.request("GET", "/invoices", query={"customer": "C2"}))[0]["disputed_until"] is None
    # Unknown invoices and bad dates
    assert api.request("POST", "/invoices/I9/dispute", {})[0] == 404
    assert api.request("POST", "/invoices/I9/dispute/resolve")[0] == 404
    status, error = api.request("POST", "/invoices/I1/dispute", {"until": "soon"})
    assert status == 422 and error["field"] == "until"


# ----------------------------------------------------------------- proposals


def test_proposals_show_their_kind_and_amount_and_approval_can_be_by_step(tenant: LocalApi):
    api = tenant
    # Only Rykker 2 waits for approval: Rykker 1 goes out at once
    ok(api.request("PATCH", "/settings", {"approval_required": ["Rykker 2"]}))
    ok(api.request("POST", "/runs", {}), 202)
    assert ok(api.request("GET", "/proposals")) == []
    assert ok(api.request("GET", "/invoices/I1"))["steps_done"] == 1
    # Every step waits: the next run proposes Rykker 2 with its amount
    ok(api.request("PATCH", "/settings", {"approval_required": True}))
    api.request_time_ms += 20 * 86_400_000
    ok(api.request("POST", "/runs", {}), 202)
    proposals = ok(api.request("GET", "/proposals", query={"customer": "C1"}))
    assert [(p["kind"], p["step"], p["amount"]) for p in proposals] == [("reminder", "Rykker 2", "1250.00")]
