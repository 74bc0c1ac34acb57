"""Hostile input is refused naming the field, never answered with a 5xx.

A deeply nested body would make the JSON parser recurse past Python's limit
(a RecursionError, which API Gateway answers 502); a date near year 9999
would overflow the engine's date arithmetic (an OverflowError, 500).
"""

from __future__ import annotations

import pytest

from dunning.api_events import api_event, response_json
from dunning.local_api import LocalApi
from dunning.local_stack import FakeLambdaContext
from shared.api.limits import MAX_JSON_DEPTH, json_depth, nesting_problem


def _raw(api: LocalApi, method: str, path: str, raw_body: str) -> tuple[int, object]:
    from functions.api.app import handler

    event = api_event(method, path, raw_body=raw_body, request_time_ms=api.request_time_ms)
    response = handler(event, FakeLambdaContext("acme-api"), scheduler=api.scheduler)
    return int(response["statusCode"]), response_json(response)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_a_deeply_nested_body_is_refused_with_400_naming_the_body(api: LocalApi, depth: int) -> None:
    # Given a customer whose address is an array nested `depth` levels
    body = '{"id": "C9", "name": "Kunde", "address": ' + "[" * depth + "]" * depth + "}"
    # When it is posted
    status, answer = _raw(api, "POST", "/customers", body)
    # Then it is refused before parsing, naming the body
    assert status == 400
    assert answer == {
        "error": "bad_request",
        "field": "body",
        "reason": f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels",
    }


def test_a_body_within_the_nesting_limit_reaches_the_usual_validation(api: LocalApi) -> None:
    # Given an address nested a few levels (wrong, but not hostile)
    status, answer = _raw(api, "POST", "/customers", '{"id": "C9", "name": "Kunde", "address": [[[]]]}')
    # Then the usual validation names the field
    assert status == 422
    assert answer["field"] == "address"  # type: ignore[index]


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    # Given a flat object whose text holds many brackets (and an escaped quote)
    text = '{"text": "' + "[{" * 1000 + '\\"]", "list": [1, [2]]}'
    # Then only the real nesting counts
    assert json_depth(text) == 3
    assert nesting_problem(text) is None
    assert nesting_problem(None) is None


@pytest.mark.parametrize(
    ("due", "reason_part"),
    [
        ("9999-12-31", "2999-12-31"),  # a valid date whose reminder steps would overflow
        ("9999-99-99", "month"),
        ("0000-01-01", "1900-01-01"),
        ("10000-01-01", "date"),
        ("1899-12-31", "1900-01-01"),
    ],
)
def test_an_out_of_range_due_date_is_refused_naming_the_field(tenant: LocalApi, due: str, reason_part: str) -> None:
    # When an invoice is created with that due date
    body = {"id": "I9", "agreement": "A-C1", "amount": "100.00", "issued": "1900-01-01", "due": due}
    status, answer = tenant.request("POST", "/invoices", body)
    # Then it is refused naming `due`, not failed with a 500
    assert status == 422, answer
    assert answer["field"] == "due" and reason_part in answer["reason"]


def test_out_of_range_dates_in_bulk_rows_payments_and_disputes_are_refused_naming_the_field(tenant: LocalApi) -> None:
    # When each date-taking request gets a date past 2999
    bulk = {"items": [{"id": "I9", "agreement": "A-C1", "amount": "1.00", "issued": "2026-01-01", "due": "9999-12-31"}]}
    answers = {
        "bulk": tenant.request("POST", "/invoices/bulk", bulk),
        "payment": tenant.request(
            "POST", "/payments", {"id": "P9", "amount": "1.00", "on": "9999-12-31", "invoice": "I1"}
        ),
        "dispute": tenant.request("POST", "/invoices/I1/dispute", {"until": "9999-12-31"}),
    }
    # Then each is a 422 naming the field (the bulk row by its index)
    assert {name: (status, body["field"]) for name, (status, body) in answers.items()} == {  # type: ignore[index]
        "bulk": (422, "items[0].due"),
        "payment": (422, "on"),
        "dispute": (422, "until"),
    }


def test_the_last_allowed_due_date_is_accepted_and_planned(tenant: LocalApi) -> None:
    # When an invoice is due on the last allowed day
    body = {"id": "I9", "agreement": "A-C1", "amount": "100.00", "issued": "2999-12-01", "due": "2999-12-31"}
    status, answer = tenant.request("POST", "/invoices", body)
    # Then it is created (its reminder steps fall in year 3000, well inside Python's dates)
    assert status == 201, answer
