"""Fault injection above botocore's retries, for the chaos harness (``bench/chaos.py``).

Every boto3/botocore client — PynamoDB and Powertools Idempotency included —
funnels its operations through ``BaseClient._make_api_call``; botocore's own
retries happen below it, so a fault raised here is one the caller sees after
botocore gave up. Two kinds, chosen per call with a seeded RNG:

* **before**: the request never leaves (connection refused, throttled after
  the retries, 503): nothing happened at AWS;
* **after**: the request is made and takes effect, then the caller gets an
  ambiguous error (read timeout, connection closed, 500): it cannot tell that
  its write or send succeeded.

A *crash* is a hard stop of one function invocation: from the chosen call on,
every call of that invocation fails (a killed Lambda does not run its
``finally`` blocks against AWS either).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

FAULT_SERVICES = frozenset({"sesv2", "ses", "sns", "s3", "sqs", "dynamodb"})


class SimulatedCrash(BaseException):
    """The invocation died (timeout, out of memory); a BaseException so no ``except Exception`` absorbs it."""


def _client_error(code: str, status: int, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


def _before_fault(rng: random.Random, operation: str, endpoint: str) -> Exception:
    choice = rng.randrange(3)
    if choice == 0:
        return EndpointConnectionError(endpoint_url=endpoint)
    if choice == 1:
        return _client_error("ThrottlingException", 400, operation)
    return _client_error("ServiceUnavailable", 503, operation)


def _after_fault(rng: random.Random, operation: str, endpoint: str) -> Exception:
    choice = rng.randrange(3)
    if choice == 0:
        return ReadTimeoutError(endpoint_url=endpoint)
    if choice == 1:
        return ConnectionClosedError(endpoint_url=endpoint)
    return _client_error("InternalFailure", 500, operation)


@dataclass
class FaultInjector:
    """Context manager patching ``BaseClient._make_api_call``; faults only while :meth:`invocation` is open."""

    rate: float
    seed: int
    services: frozenset[str] = FAULT_SERVICES
    injected: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    _rng: random.Random = field(init=False)
    _original: Callable[..., Any] | None = field(default=None, init=False)
    _active: bool = field(default=False, init=False)
    _crash_at: int | None = field(default=None, init=False)
    _crashed: bool = field(default=False, init=False)
    _invocation_calls: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def __enter__(self) -> FaultInjector:
        original = BaseClient._make_api_call
        self._original = original
        injector = self

        def faulty(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
            return injector._call(original, client, operation_name, api_params)

        BaseClient._make_api_call = faulty
        return self

    def __exit__(self, *exc: object) -> None:
        if self._original is not None:
            BaseClient._make_api_call = self._original
            self._original = None

    @property
    def rng(self) -> random.Random:
        return self._rng

    @contextmanager
    def invocation(self, crash_at: int | None = None, rate: float | None = None) -> Iterator[None]:
        """One function invocation under faults; ``crash_at`` kills it at its n-th AWS call instead
        (no other fault in that invocation, so that the crash lands where it was planned); ``rate``
        replaces the injector's rate for this invocation."""
        self._active, self._crash_at, self._crashed, self._invocation_calls = True, crash_at, False, 0
        saved = self.rate
        if rate is not None:
            self.rate = rate
        try:
            yield
        finally:
            self._active, self._crash_at, self._crashed = False, None, False
            self.rate = saved

    def _call(self, original: Callable[..., Any], client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        if not self._active or service not in self.services:
            return original(client, operation, params)
        self.calls += 1
        self._invocation_calls += 1
        endpoint = str(client.meta.endpoint_url)
        if self._crashed or self._invocation_calls == self._crash_at:
            self._crashed = True
            self.injected["crash"] += 1
            raise SimulatedCrash(f"invocation killed at {service}.{operation}")
        if self._crash_at is not None:
            return original(client, operation, params)
        draw = self._rng.random()
        if draw < self.rate / 2:
            self.injected[f"before:{service}"] += 1
            raise _before_fault(self._rng, operation, endpoint)
        response = original(client, operation, params)
        if draw < self.rate:
            self.injected[f"after:{service}"] += 1
            raise _after_fault(self._rng, operation, endpoint)
        return response
