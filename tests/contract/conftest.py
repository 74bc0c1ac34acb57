"""Every contract test runs on both stores: DynamoDB (moto, one mock per module, a new table per
test) and the in-memory one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.storage import dynamodb_store, memory_store, moto_dynamodb


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update({name: "testing" for name in saved})
    try:
        with moto_dynamodb():
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return memory_store()
    request.getfixturevalue("_moto")
    return dynamodb_store()
