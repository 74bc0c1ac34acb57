"""Test-wide settings: no real AWS, ever."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"  # the reference material beside the repository (seeds, contract, tools)


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-north-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Dunning",
        "POWERTOOLS_SERVICE_NAME": "dunning-tests",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # mock_aws ignores calls to a custom endpoint
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert "AWS_ENDPOINT_URL" not in os.environ
