"""Count AWS requests and DynamoDB items by patching ``BaseClient._make_api_call``.

Every boto3/botocore client funnels its operations through
``botocore.client.BaseClient._make_api_call``: boto3 clients directly,
PynamoDB 6 through ``Connection._make_api_call`` -> ``client._make_api_call``,
Powertools Idempotency through its own boto3 client. moto's in-process mock
hooks in further down (at the HTTP send), so a patch here sees exactly the
requests the code would send to AWS.

One call of ``_make_api_call`` is one request as the caller sees it; the
retries botocore would make on throttling happen inside it (moto never
throttles, so here they are the same). The wall time spent inside the calls
(botocore serialisation + moto) is kept per operation, so that the rest of a
handler's time — our code, PynamoDB, Powertools — can be told apart.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@dataclass
class Tally:
    """What one scope sent: requests by service and by operation, DynamoDB items read and written."""

    requests: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    items_read: int = 0
    items_written: int = 0
    items_read_in_transactions: int = 0  # of items_read: billed at 2 read units each
    items_written_in_transactions: int = 0  # of items_written (condition checks included): 2 write units each
    failed_requests: int = 0
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # inside calls, by op

    def add(self, other: Tally) -> None:
        self.requests.update(other.requests)
        self.operations.update(other.operations)
        self.items_read += other.items_read
        self.items_written += other.items_written
        self.items_read_in_transactions += other.items_read_in_transactions
        self.items_written_in_transactions += other.items_written_in_transactions
        self.failed_requests += other.failed_requests
        for operation, seconds in other.seconds.items():
            self.seconds[operation] += seconds

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def seconds_in_calls(self) -> float:
        return sum(self.seconds.values())


def items_read(operation: str, response: dict[str, Any]) -> int:
    """Items a DynamoDB read returned (what DynamoDB charges read capacity for, item size aside)."""
    if operation == "GetItem":
        return 1 if "Item" in response else 0
    if operation in ("Query", "Scan"):
        return int(response.get("Count", len(response.get("Items", []))))
    if operation == "BatchGetItem":
        return sum(len(items) for items in response.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for entry in response.get("Responses", []) if "Item" in entry)
    return 0


def items_written(operation: str, params: dict[str, Any], response: dict[str, Any]) -> int:
    """Items a successful DynamoDB write touched (condition checks in a transaction included)."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 1
    if operation == "BatchWriteItem":
        sent = sum(len(requests) for requests in params.get("RequestItems", {}).values())
        unprocessed = sum(len(requests) for requests in response.get("UnprocessedItems", {}).values())
        return sent - unprocessed
    if operation == "TransactWriteItems":
        return len(params.get("TransactItems", []))
    return 0


class AwsCallCounter:
    """Context manager: while active, every AWS request is tallied under the current scope."""

    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}
        self._scope = "unscoped"
        self._original: Callable[..., Any] | None = None

    def __enter__(self) -> AwsCallCounter:
        original = BaseClient._make_api_call
        self._original = original
        counter = self

        def counting(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            started = time.perf_counter()
            try:
                response = original(client, operation_name, api_params)
            except Exception:
                counter._record(service, operation_name, api_params, None, time.perf_counter() - started)
                raise
            counter._record(service, operation_name, api_params, response, time.perf_counter() - started)
            return response

        BaseClient._make_api_call = counting
        return self

    def __exit__(self, *exc: object) -> None:
        if self._original is not None:
            BaseClient._make_api_call = self._original
            self._original = None

    @contextmanager
    def scope(self, name: str) -> Iterator[Tally]:
        """Attribute the requests made inside the block to ``name`` (scopes nest; the innermost wins)."""
        previous, self._scope = self._scope, name
        try:
            yield self.tally(name)
        finally:
            self._scope = previous

    def tally(self, name: str) -> Tally:
        return self.tallies.setdefault(name, Tally())

    def _record(
        self, service: str, operation: str, params: dict[str, Any], response: dict[str, Any] | None, seconds: float
    ) -> None:
        tally = self.tally(self._scope)
        tally.requests[service] += 1
        tally.operations[f"{service}.{operation}"] += 1
        tally.seconds[f"{service}.{operation}"] += seconds
        if response is None:  # an error response (e.g. a failed condition): a request, nothing read
            tally.failed_requests += 1
            return
        if service == "dynamodb":
            if operation in READ_OPERATIONS:
                read = items_read(operation, response)
                tally.items_read += read
                if operation == "TransactGetItems":
                    tally.items_read_in_transactions += read
            elif operation in WRITE_OPERATIONS:
                written = items_written(operation, params, response)
                tally.items_written += written
                if operation == "TransactWriteItems":
                    tally.items_written_in_transactions += written
