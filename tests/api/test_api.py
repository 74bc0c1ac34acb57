"""Every operator operation through HTTP (API Gateway events into the handler)."""

import io
import json

from botocore.response import StreamingBody
from botocore.stub import Stubber

from dunning.local_api import LocalApi
from functions.api.app import LambdaScheduler
from shared.aws import client
from tests.api.conftest import REQUEST_TIME, STANDARD, ok

# ----------------------------------------------------------------- settings


def test_settings_are_read_and_partly_updated(api: LocalApi):
    # Given a fresh tenant: defaults
    settings = ok(api.request("GET", "/settings"))
    assert settings["tenant"] == "acme" and settings["reminders_enabled"] is True
    # When the switch, de-minimis, respite and BS are changed in one partial update
    ok(api.request("POST", "/templates", STANDARD), 201)
    changes = {
        "reminders_enabled": False,
        "default_template": "standard",
        "min_overdue_amount": "101.00",
        "min_days_between_reminders": 10,
        "bs": {"enabled": True, "creditor_number": "12345678"},
        "status_report_to": "bogholderi@acme.dk",
    }
    ok(api.request("PATCH", "/settings", changes))
    # Then they are stored, and what was not named kept its value
    stored = ok(api.request("GET", "/settings"))
    assert stored["reminders_enabled"] is False and stored["default_template"] == "standard"
    assert stored["min_overdue_amount"] == "101.00" and stored["min_days_between_reminders"] == 10
    assert stored["bs"]["enabled"] is True and stored["bs"]["creditor_number"] == "12345678"
    assert stored["timezone"] == "Europe/Copenhagen"
    # And a later BS change keeps the creditor number
    ok(api.request("PATCH", "/settings", {"bs": {"enabled": False}}))
    assert ok(api.request("GET", "/settings"))["bs"] == stored["bs"] | {"enabled": False}


def test_bad_settings_are_refused_with_the_field_and_nothing_changes(api: LocalApi):
    before = ok(api.request("GET", "/settings"))
    for body, field in [
        ({"min_days_between_reminders": -1}, "min_days_between_reminders"),
        ({"min_overdue_amount": 100}, "min_overdue_amount"),
        ({"default_template": "nope"}, "default_template"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"unknown": 1}, "unknown"),
        ({"bs": {"creditor_number": "12"}}, "bs.creditor_number"),
    ]:
        status, error = api.request("PATCH", "/settings", body)
        assert status == 422, body
        assert error["field"] == field and error["reason"], error
    assert ok(api.request("GET", "/settings")) == before


def test_a_body_that_is_not_json_is_a_400_not_a_500(api: LocalApi):
    from dunning.api_events import api_event
    from dunning.local_stack import FakeLambdaContext
    from functions.api.app import handler

    response = handler(api_event("PATCH", "/settings", raw_body="{not json"), FakeLambdaContext("api"))
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["field"] == "body"


def test_an_unknown_route_is_a_json_404(api: LocalApi):
    status, error = api.request("GET", "/nothing-here")
    assert status == 404 and error["error"] == "not_found"


# ----------------------------------------------------------------- templates (C5, C8)


def test_templates_list_every_version_and_a_used_one_is_never_changed(tenant: LocalApi):
    api = tenant
    # Given v1 was used by a run (the invoices reached step 1)
    ok(api.request("POST", "/runs", {}), 202)
    assert ok(api.request("GET", "/templates/standard/versions/1"))["used"] is True
    # When the template is defined again with a change
    changed = {"name": "standard", "steps": [*STANDARD["steps"], {"name": "Rykker 3", "days": 10, "actions": ["sms"]}]}
    defined = ok(api.request("POST", "/templates", changed), 201)
    # Then it became version 2 and version 1 is as it was
    assert defined["outcome"] == "created" and defined["version"]["version_id"] == "standard_v2"
    v1 = ok(api.request("GET", "/templates/standard/versions/1"))
    assert [s["name"] for s in v1["steps"]] == ["Rykker 1", "Rykker 2"]
    # And replacing v1 in place is refused clearly, and changes nothing
    status, error = api.request("PUT", "/templates/standard/versions/1", {"steps": changed["steps"]})
    assert status == 409 and error["error"] == "conflict" and "never changes" in error["reason"]
    assert ok(api.request("GET", "/templates/standard/versions/1")) == v1
    # And the listing shows both versions
    (template,) = ok(api.request("GET", "/templates"))
    assert [v["version_id"] for v in template["versions"]] == ["standard_v1", "standard_v2"]
    assert template["latest"] == "standard_v2"


def test_an_unused_version_is_replaced_in_place_and_an_equal_definition_changes_nothing(api: LocalApi):
    ok(api.request("POST", "/templates", STANDARD), 201)
    same = ok(api.request("POST", "/templates", STANDARD), 200)
    assert same["outcome"] == "unchanged"
    edited = {"steps": [{"name": "Rykker 1", "days": 7, "actions": ["email", "sms"]}]}
    replaced = ok(api.request("PUT", "/templates/standard/versions/1", edited))
    assert replaced["outcome"] == "replaced" and replaced["version"]["steps"][0]["days"] == 7


def test_a_bad_template_is_refused_with_the_step_field(api: LocalApi):
    bad = {"name": "x", "steps": [{"name": "R1", "days": -2, "actions": ["email"]}]}
    status, error = api.request("POST", "/templates", bad)
    assert status == 422 and error["field"] == "steps[0].days"
    twice = {"name": "x", "steps": [{"name": "R1", "days": 1, "actions": ["email", "email"]}]}
    status, error = api.request("POST", "/templates", twice)
    assert status == 422 and "once per step" in error["reason"]
    assert ok(api.request("GET", "/templates")) == []


def test_template_usage_names_agreements_and_invoices_in_process(tenant: LocalApi):
    (usage,) = ok(tenant.request("GET", "/templates/standard/usage"))
    assert usage["version_id"] == "standard_v1" and usage["default"] is True
    assert usage["agreements"] == ["A-C1", "A-C2"]
    assert usage["invoices_in_process"] == ["I1", "I2"]
    assert tenant.request("GET", "/templates/unknown/usage")[0] == 404


# ----------------------------------------------------------------- data


def test_customers_agreements_and_invoices_are_created_listed_and_updated(tenant: LocalApi):
    api = tenant
    assert [c["id"] for c in ok(api.request("GET", "/customers"))] == ["C1", "C2"]
    patched = ok(api.request("PATCH", "/customers/C1", {"phone": "+4520123456", "language": "en"}))
    assert patched["phone"] == "+4520123456" and patched["name"] == "Kunde C1"
    created = ok(api.request("PUT", "/customers/C3", {"name": "Ny Kunde"}), 201)
    assert created["language"] == "da"
    assert ok(api.request("GET", "/agreements", query={"customer": "C2"})) == [
        {"id": "A-C2", "customer": "C2", "template": "standard_v1"}
    ]
    invoices = ok(api.request("GET", "/invoices", query={"customer": "C1"}))
    assert [(i["id"], i["template"], i["open_amount"]) for i in invoices] == [("I1", "standard_v1", "1250.00")]
    # Refusals: a taken id, a missing customer, an unknown invoice
    assert api.request("POST", "/customers", {"id": "C1", "name": "x"})[0] == 409
    status, error = api.request("POST", "/agreements", {"id": "A9", "customer": "C9"})
    assert status == 422 and error["field"] == "customer"
    assert api.request("GET", "/invoices/I9")[0] == 404
    status, error = api.request(
        "POST",
        "/invoices",
        {"id": "I3", "agreement": "A-C1", "amount": "1.00", "issued": "2026-02-01", "due": "2026-01-01"},
    )
    assert status == 422 and "due" in error["reason"]


def test_a_bulk_request_with_a_bad_row_writes_nothing(tenant: LocalApi):
    api = tenant
    rows = [
        {"id": "I10", "agreement": "A-C1", "amount": "10.00", "issued": "2026-01-01", "due": "2026-01-10"},
        {"id": "I11", "agreement": "A-NOPE", "amount": "10.00", "issued": "2026-01-01", "due": "2026-01-10"},
        {"id": "I1", "agreement": "A-C1", "amount": "10.00", "issued": "2026-01-01", "due": "2026-01-10"},
    ]
    status, error = api.request("POST", "/invoices/bulk", {"items": rows})
    assert status == 422 and error["error"] == "invalid_rows"
    assert [(e["index"], e["field"]) for e in error["errors"]] == [(1, "agreement"), (2, "id")]
    assert api.request("GET", "/invoices/I10")[0] == 404
    # A dry run of the good row passes and still writes nothing
    assert ok(api.request("POST", "/invoices/bulk", {"items": rows[:1], "dry_run": True})) == {
        "dry_run": True,
        "count": 1,
    }
    assert api.request("GET", "/invoices/I10")[0] == 404


def test_payments_and_credit_notes_reduce_invoices_or_wait_on_account(tenant: LocalApi):
    api = tenant
    payment = {"id": "P1", "invoice": "I1", "amount": "250.00", "on": "2026-01-25"}
    assert ok(api.request("POST", "/payments", payment), 201)["applied"] == "250.00"
    # Sending the same payment again changes nothing; another under the same id is refused
    ok(api.request("POST", "/payments", payment), 200)
    assert ok(api.request("GET", "/invoices/I1"))["open_amount"] == "1000.00"
    assert api.request("POST", "/payments", payment | {"amount": "1.00"})[0] == 409
    credit = ok(
        api.request("POST", "/credit-notes", {"id": "K1", "customer": "C2", "amount": "50.00", "on": "2026-01-26"}), 201
    )
    assert credit["on_account"] == "50.00"
    assert [p["id"] for p in ok(api.request("GET", "/payments", query={"customer": "C1"}))] == ["P1"]
    assert [c["id"] for c in ok(api.request("GET", "/credit-notes"))] == ["K1"]
    status, _ = api.request("POST", "/payments", {"id": "P2", "amount": "1.00", "on": "2026-01-25"})
    assert status == 422


def test_bank_connections_and_journals(tenant: LocalApi):
    api = tenant
    ok(api.request("PUT", "/bank-connections/Danske Bank", {"active": False}))
    assert ok(api.request("GET", "/bank-connections")) == [{"name": "Danske Bank", "active": False}]
    assert api.request("POST", "/journals/kasse/entries", {"id": "1", "customer": "C1", "amount": "5.00"})[0] == 404
    ok(api.request("PUT", "/journals/kasse"))
    ok(api.request("POST", "/journals/kasse/entries", {"id": "1", "customer": "C1", "amount": "5.00"}), 201)
    assert [e["id"] for e in ok(api.request("GET", "/journals/kasse/entries"))] == ["1"]
    assert ok(api.request("POST", "/journals/kasse/post", {"on": "2026-01-30"})) == {"count": 1}
    assert ok(api.request("GET", "/journals/kasse/entries")) == []


# ----------------------------------------------------------------- mass action and sales (C9, C11)


def test_the_mass_action_moves_chosen_agreements_and_running_invoices_keep_their_version(tenant: LocalApi):
    api = tenant
    ok(api.request("POST", "/runs", {}), 202)  # v1 is used now
    ok(api.request("POST", "/templates", {"name": "standard", "steps": [STANDARD["steps"][0]]}), 201)
    # An unknown agreement among the chosen ones: nothing moves
    status, error = api.request("POST", "/agreements/move", {"template": "standard", "agreements": ["A-C1", "A-X"]})
    assert status == 422 and error["field"] == "agreements"
    assert ok(api.request("GET", "/agreements/A-C1"))["template"] == "standard_v1"
    moved = ok(api.request("POST", "/agreements/move", {"template": "standard", "agreements": ["A-C1"]}))
    assert moved == {"template": "standard_v2", "moved": 1, "agreements": ["A-C1"], "sales": []}
    assert ok(api.request("GET", "/agreements/A-C2"))["template"] == "standard_v1"
    # The running invoice keeps v1 (C10); a new one on the moved agreement gets v2
    assert ok(api.request("GET", "/invoices/I1"))["template"] == "standard_v1"
    new = {"id": "I5", "agreement": "A-C1", "amount": "80.00", "issued": "2026-02-01", "due": "2026-02-15"}
    assert ok(api.request("POST", "/invoices", new), 201)["template"] == "standard_v2"
    # All agreements at once
    assert ok(api.request("POST", "/agreements/move", {"template": "standard_v2"}))["moved"] == 2


def test_a_sale_in_draft_carries_its_own_template_until_it_is_won(tenant: LocalApi):
    api = tenant
    ok(api.request("POST", "/templates", {"name": "soft", "steps": [STANDARD["steps"][0]]}), 201)
    sale = ok(api.request("POST", "/sales", {"id": "S1", "name": "Prospect ApS", "template": "soft"}), 201)
    assert sale["template"] == "soft_v1" and sale["state"] == "draft"
    ok(api.request("PATCH", "/sales/S1", {"state": "ready"}))
    agreement = ok(api.request("POST", "/sales/S1/win", {"customer": "C2", "agreement": "A-S1"}), 201)
    assert agreement["template"] == "soft_v1"
    assert api.request("POST", "/sales/S1/win", {"customer": "C2", "agreement": "A-S2"})[0] == 409


# ----------------------------------------------------------------- runs, timeline, usage (O1, O2, O15)


def test_a_run_started_now_completes_and_its_effects_show_on_the_timeline(tenant: LocalApi):
    api = tenant
    started = ok(api.request("POST", "/runs", {}), 202)
    assert started["event"] == {"source": "manual", "time": "2026-02-02T05:00:00Z"}
    run = ok(api.request("GET", f"/runs/{started['run_id']}"))
    assert run["status"] == "completed" and run["reminders"] == 2 and run["kind"] == "manual"
    assert [r["run_id"] for r in ok(api.request("GET", "/runs"))] == [started["run_id"]]
    timeline = ok(api.request("GET", "/invoices/I1/timeline"))
    assert timeline["template"] == "standard_v1"
    kinds = [(e["date"], e["kind"]) for e in timeline["events"]]
    assert ("2026-02-02", "email") in kinds and kinds[0] == ("2026-01-01", "issued")
    assert all(e.get("invoices", ["I1"]) == ["I1"] for e in timeline["events"])
    usage = ok(api.request("GET", "/usage/2026-02"))
    assert usage["month"] == "2026-02" and usage["runs"] == 1
    assert api.request("GET", "/usage/2026-13")[0] == 422
    assert api.request("GET", "/runs/nope")[0] == 404


def test_a_run_cannot_start_before_the_tenant_has_settings(api: LocalApi):
    status, error = api.request("POST", "/runs", {})
    assert status == 409 and error["field"] == "settings"


def test_the_lambda_scheduler_starts_a_run_asynchronously():
    # Given the Lambda client the API uses, stubbed
    lambda_client = client("lambda")
    with Stubber(lambda_client) as stub:
        event = {"source": "manual", "time": REQUEST_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")}
        stub.add_response(
            "invoke",
            {"StatusCode": 202},
            {
                "FunctionName": "acme-dunning-scheduler",
                "InvocationType": "Event",
                "Payload": json.dumps(event).encode(),
            },
        )
        payload = StreamingBody(io.BytesIO(b'{"approved": ["k"]}'), len(b'{"approved": ["k"]}'))
        stub.add_response("invoke", {"StatusCode": 200, "Payload": payload})
        scheduler = LambdaScheduler("acme-dunning-scheduler")
        # When a run is started and a decision is called
        scheduler.start(event)
        result = scheduler.call({"source": "approve", "time": "2026-02-02T05:00:00Z"})
        # Then the start was an Event invocation and the call returned the function's answer
        stub.assert_no_pending_responses()
    assert result == {"approved": ["k"]}


# ----------------------------------------------------------------- approval (O9)


def test_proposals_are_listed_by_customer_and_invoice_approved_and_rejected(tenant: LocalApi):
    api = tenant
    ok(api.request("PATCH", "/settings", {"approval_required": True}))
    ok(api.request("POST", "/runs", {}), 202)
    proposals = ok(api.request("GET", "/proposals"))
    assert sorted(p["customer"] for p in proposals) == ["C1", "C2"]
    (of_c1,) = ok(api.request("GET", "/proposals", query={"customer": "C1"}))
    assert ok(api.request("GET", "/proposals", query={"invoice": "I1"})) == [of_c1]
    assert of_c1["kind"] == "reminder" and of_c1["invoices"] == ["I1"] and of_c1["step"] == "Rykker 1"
    # An unknown key is refused and decides nothing
    assert api.request("POST", "/proposals/approve", {"keys": ["nope"]})[0] == 404
    decided = ok(api.request("POST", "/proposals/approve", {"keys": [of_c1["key"]]}))
    assert decided["approved"] == [of_c1["key"]]
    # A customer without a pending proposal (a typo, or decided already) is refused the same way
    refused = api.request("POST", "/proposals/reject", {"customers": ["C2", "C9"]})
    assert refused[0] == 404 and "C9" in refused[1]["reason"] and refused[1]["field"] == "customers"
    rejected = ok(api.request("POST", "/proposals/reject", {"customers": ["C2"]}))
    assert len(rejected["rejected"]) == 1
    assert ok(api.request("GET", "/proposals")) == []
    assert ok(api.request("GET", "/invoices/I1"))["steps_done"] == 1
    assert ok(api.request("GET", "/collection-cases")) == []
