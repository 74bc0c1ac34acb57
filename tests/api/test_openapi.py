"""The served OpenAPI document is valid, and schemathesis finds no server error on any endpoint.

Schemathesis generates requests from the document; each becomes an API Gateway event for the
handler on the embedded AWS. Few examples per operation keep it quick; the data it creates
stays in the one stack, so later operations meet existing and missing ids alike.
"""

import json

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from openapi_spec_validator import validate

from dunning.api_events import api_event
from dunning.local_api import LocalApi
from dunning.local_stack import FakeLambdaContext
from functions.api.app import handler
from tests.api.conftest import STANDARD, ok


def served_document(api: LocalApi) -> dict:
    return ok(api.request("GET", "/openapi.json"))


def test_the_served_openapi_document_is_valid_and_lists_every_resource(api: LocalApi):
    document = served_document(api)
    validate(document)
    paths = set(document["paths"])
    for expected in (
        "/settings",
        "/templates",
        "/templates/{name}/versions/{number}",
        "/customers/bulk",
        "/agreements/move",
        "/invoices/{invoice_id}/timeline",
        "/invoices/{invoice_id}/dispute",
        "/invoices/{invoice_id}/dispute/resolve",
        "/payments",
        "/credit-notes",
        "/runs",
        "/runs/{run_id}",
        "/proposals/approve",
        "/collection-cases",
        "/usage/{month}",
        "/customers/{customer_id}/statement",
    ):
        assert expected in paths, expected


def test_schemathesis_finds_no_server_error(api: LocalApi):
    # Given a tenant with a template, a default and one customer, agreement and invoice
    ok(api.request("POST", "/templates", STANDARD), 201)
    ok(api.request("PATCH", "/settings", {"default_template": "standard"}))
    ok(api.request("POST", "/customers", {"id": "C1", "name": "Jens"}), 201)
    ok(api.request("POST", "/agreements", {"id": "A1", "customer": "C1"}), 201)
    invoice = {"id": "I1", "agreement": "A1", "amount": "100.00", "issued": "2026-01-01", "due": "2026-01-15"}
    ok(api.request("POST", "/invoices", invoice), 201)
    schema = schemathesis.openapi.from_dict(served_document(api))
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=5,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            query = {k: str(v) for k, v in (case.query or {}).items()}
            body = case.body if not isinstance(case.body, schemathesis.core.NotSet) else None
            event = api_event(case.method, case.formatted_path, body, query or None)
            response = handler(event, FakeLambdaContext("api"), scheduler=api.scheduler)
            status = response["statusCode"]
            if status >= 500:
                failures.append(f"{case.method} {case.formatted_path} {json.dumps(body)[:200]} -> {status}")
            assert "body" in response

        call()
    # Then no generated request met a server error
    assert failures == [], "\n".join(failures[:20])


@pytest.mark.parametrize("route", ["/openapi.json"])
def test_the_document_route_is_not_itself_in_the_document(api: LocalApi, route: str):
    assert route not in served_document(api)["paths"]
