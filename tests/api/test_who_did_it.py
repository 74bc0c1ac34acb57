"""Every state change records who made it: the IAM caller through the API, ``scenario`` in the
simulator — on the run, the proposal decision, the settings and the template version."""

from __future__ import annotations

from pathlib import Path

from dunning.api_events import api_event, response_json
from dunning.local_api import LocalApi
from dunning.local_stack import FakeLambdaContext, LocalStack
from dunning.scenario import load_scenario
from dunning.simulate import simulate_in
from shared.services.tenant import approvals
from shared.storage.repository import DunningRepository
from tests.api.conftest import STANDARD, ok

OPERATOR = "arn:aws:iam::123456789012:user/operator"  # the identity dunning.api_events signs with
SCENARIOS = Path(__file__).parent.parent / "scenarios"


def _send(api: LocalApi, event: dict) -> tuple[int, object]:
    from functions.api.app import handler

    response = handler(event, FakeLambdaContext("acme-api"), scheduler=api.scheduler)
    return int(response["statusCode"]), response_json(response)


def test_a_run_started_through_the_api_names_the_iam_caller(tenant: LocalApi):
    # Given a tenant with overdue invoices
    api = tenant
    # When the operator starts a run
    started = ok(api.request("POST", "/runs", {}), 202)
    # Then the run and the run list say who started it
    assert ok(api.request("GET", f"/runs/{started['run_id']}"))["started_by"] == OPERATOR
    listed = {run["run_id"]: run for run in ok(api.request("GET", "/runs"))}
    assert listed[started["run_id"]]["started_by"] == OPERATOR


def test_an_approval_and_a_rejection_record_who_decided(tenant: LocalApi):
    # Given two proposals waiting for approval
    api = tenant
    ok(api.request("PATCH", "/settings", {"approval_required": True}))
    ok(api.request("POST", "/runs", {}), 202)
    by_customer = {p["customer"]: p["key"] for p in ok(api.request("GET", "/proposals"))}
    # When one is approved and the other rejected
    ok(api.request("POST", "/proposals/approve", {"customers": ["C1"]}))
    ok(api.request("POST", "/proposals/reject", {"customers": ["C2"]}))
    # Then each decision names the caller, and how it went
    repo = DunningRepository(api.stack.table_name)
    assert approvals.decision_of(repo, by_customer["C1"]) == {"approved_by": OPERATOR}
    assert approvals.decision_of(repo, by_customer["C2"]) == {"rejected_by": OPERATOR}


def test_a_caller_api_gateway_does_not_name_is_recorded_as_api(api: LocalApi):
    # Given a request whose identity carries no IAM user
    event = api_event("PATCH", "/settings", {"reminders_enabled": True}, request_time_ms=api.request_time_ms)
    event["requestContext"]["identity"] = {"sourceIp": "127.0.0.1"}
    # When it changes the settings
    status, _ = _send(api, event)
    # Then the change is recorded as made by "api"
    assert status == 200
    assert DunningRepository(api.stack.table_name).actors("settings", "acme") == {"changed_by": "api"}


def test_a_request_without_api_gateways_time_is_refused_not_dated_by_the_machine(api: LocalApi):
    # Given a template defined through the API (a change dated by the request)
    event = api_event("POST", "/templates", STANDARD, request_time_ms=api.request_time_ms)
    del event["requestContext"]["requestTimeEpoch"]
    # When the request carries no requestTimeEpoch
    status, answer = _send(api, event)
    # Then it is refused naming the field, and nothing was defined
    assert status == 422 and answer["field"] == "requestContext.requestTimeEpoch"
    assert api.request("GET", "/templates/standard")[0] == 404


def test_the_simulator_records_its_changes_as_made_by_the_scenario():
    # Given a scenario with manual runs (run_now)
    scenario = load_scenario(SCENARIOS / "run_control" / "manual_and_report.yaml")
    with LocalStack(scenario.tenant) as stack:
        # When it is simulated
        simulation, _ = simulate_in(stack, scenario)
        # Then each manual run, the settings and the templates say "scenario"
        repo = simulation.repo
        manual = [run for run in repo.list_runs(limit=200) if run["run_id"].endswith("~manual")]
        assert manual and all(repo.actors("run", run["run_id"]) == {"started_by": "scenario"} for run in manual)
        assert repo.actors("settings", scenario.tenant) == {"changed_by": "scenario"}
        version = repo.all_template_versions()[0][0]
        assert repo.actors("template", version.version_id) == {"defined_by": "scenario"}


def test_moves_disputes_payments_and_postings_name_the_caller(tenant: LocalApi):
    # Given a tenant with agreements, invoices and a cash journal
    api = tenant
    ok(api.request("PUT", "/journals/kasse"))
    # When the operator moves an agreement, disputes and resolves an invoice, records a payment
    # and posts the journal
    ok(api.request("POST", "/agreements/move", {"template": "standard", "agreements": ["A-C1"]}))
    ok(api.request("POST", "/invoices/I1/dispute", {}))
    ok(api.request("POST", "/invoices/I1/dispute/resolve"))
    ok(api.request("POST", "/payments", {"id": "P1", "amount": "100.00", "on": "2026-02-01", "invoice": "I2"}), 201)
    ok(api.request("POST", "/journals/kasse/post", {"on": "2026-02-02"}))
    # Then each change records who made it
    repo = DunningRepository(api.stack.table_name)
    assert repo.actors("agreement", "A-C1") == {"moved_by": OPERATOR}
    assert repo.actors("invoice", "I1") == {"disputed_by": OPERATOR, "dispute_resolved_by": OPERATOR}
    assert (repo.get_ledger_entry("payment", "P1") or {})["recorded_by"] == OPERATOR
    assert repo.actors("journal", "kasse") == {"posted_by": OPERATOR}
    # And the payment's answer keeps its shape
    (listed,) = ok(api.request("GET", "/payments"))
    assert "recorded_by" not in listed


def test_a_manual_runs_id_can_be_named_for_a_resume(tenant: LocalApi):
    # Given a manual run (its id ends in ~manual) that completed
    started = ok(tenant.request("POST", "/runs", {}), 202)
    assert started["run_id"].endswith("~manual")
    # When an operator asks to resume it, the id is accepted and the run's state answers
    status, error = tenant.request("POST", "/runs", {"resume": started["run_id"]})
    assert status == 409 and error["field"] == "run_id" and "only a paused run" in error["reason"]
    # And an id that is no run id at all is refused naming the field
    status, error = tenant.request("POST", "/runs", {"resume": "drop table"})
    assert status == 422 and error["field"] == "resume"


def test_an_administrator_ends_an_operators_console_sessions_and_is_recorded(api: LocalApi):
    # Given an operator of the console (their user name is their e-mail address)
    repo = DunningRepository(api.stack.env["TABLE_NAME"])
    assert repo.sessions_ended("bo@jensen.dk") is None
    # When an administrator signs them out through the API (the path escaped, as the CLI sends it)
    answer = ok(api.request("POST", "/operators/bo%40jensen.dk/sign-out"))
    # Then every session of theirs up to the request's time is over, and who did it is recorded
    assert answer == {"user": "bo@jensen.dk", "sessions_ended_at": "2026-02-02T05:00:00+00:00"}
    assert repo.sessions_ended("bo@jensen.dk") == 1_770_008_400_000
    assert repo.actors("operator", "bo@jensen.dk") == {"sessions_ended_by": OPERATOR}
    # And a path that is no user name is refused, naming the field
    code, body = api.request("POST", "/operators/%20/sign-out")
    assert code == 422 and "user" in str(body)
