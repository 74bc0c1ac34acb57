"""The operator API through API Gateway events into its handler, on the embedded AWS (moto)."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from dunning.local_api import LocalApi
from dunning.local_stack import LocalStack

# Every request is made "at" this moment (API Gateway's requestTimeEpoch): the runs it starts are dated by it.
REQUEST_TIME = datetime(2026, 2, 2, 5, 0, tzinfo=UTC)

STANDARD = {
    "name": "standard",
    "steps": [
        {"name": "Rykker 1", "days": 4, "actions": ["email"]},
        {"name": "Rykker 2", "days": 10, "actions": ["email", {"fee": "100.00"}]},
    ],
}


@pytest.fixture
def api() -> Iterator[LocalApi]:
    with LocalStack("acme") as stack:
        yield LocalApi(stack, request_time_ms=int(REQUEST_TIME.timestamp() * 1000))


def ok(response: tuple[int, object], status: int = 200) -> object:
    code, body = response
    assert code == status, body
    return body


@pytest.fixture
def tenant(api: LocalApi) -> LocalApi:
    """A tenant with the standard template as default, two customers, agreements and overdue invoices."""
    ok(api.request("POST", "/templates", STANDARD), 201)
    ok(api.request("PATCH", "/settings", {"default_template": "standard"}))
    for customer in ("C1", "C2"):
        body = {"id": customer, "name": f"Kunde {customer}", "email": f"{customer.lower()}@example.dk"}
        ok(api.request("POST", "/customers", body), 201)
        ok(api.request("POST", "/agreements", {"id": f"A-{customer}", "customer": customer}), 201)
    invoices = [
        {"id": "I1", "agreement": "A-C1", "amount": "1250.00", "issued": "2026-01-01", "due": "2026-01-15"},
        {"id": "I2", "agreement": "A-C2", "amount": "500.00", "issued": "2026-01-05", "due": "2026-01-20"},
    ]
    ok(api.request("POST", "/invoices/bulk", {"items": invoices}))
    return api
