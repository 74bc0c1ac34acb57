"""Every contract test runs on both stores: DynamoDB (moto, one mock per module, a new table per
test) and the in-memory one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.storage import dynamodb_store, memory_store, moto_dynamodb


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    with moto_dynamodb():
        yield


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return memory_store()
    request.getfixturevalue("_moto")
    return dynamodb_store()


class Clock:
    """The ledger's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def pass_(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(store: Any, clock: Clock) -> Any:
    """The send ledger of ``store``, with a 5-minute lease."""
    from shared.storage.memory import MemoryStore

    if isinstance(store, MemoryStore):
        from shared.storage.memory.ledger import MemorySendLedger

        return MemorySendLedger(store, timedelta(minutes=5), clock)
    from shared.storage.ledger import SendLedger

    return SendLedger(store, timedelta(minutes=5), clock)
