"""Test-wide settings: no real AWS, ever; which tests need the local AWS; the heaviest tests first."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"  # the reference material beside the repository (seeds, contract, tools)
TESTS = Path(__file__).resolve().parent

# Folders whose tests run on fakes and pure code only: `make test-fast` is these, minus the `aws` ones.
FAST_FOLDERS = ("unit", "contract")

# Started first, so that under `-n 2` the longest tests overlap the many short ones instead of
# running alone at the end (measured: see docs/testing.md). Earlier in this list = started earlier.
HEAVY_FIRST = (
    "chaos/",
    "integration/test_race.py",
    "integration/test_handlers.py",
    "integration/test_bs_delivery.py",
    "scenarios/",
    "integration/",
    "cli/",
    "api/",
    "browser/",
)


def _relative(item: pytest.Item) -> str:
    """The test file's path under ``tests/`` (``unit/test_x.py``); "" for a file elsewhere."""
    path = Path(str(item.path)).resolve()
    return path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else ""


# Files (or folders) whose tests share one result computed once: a ``functools.cache`` at module level,
# or the browser suite's one local server and one Chromium.
SHARED_SETUP = ("chaos/test_chaos.py", "integration/test_template_policy.py", "browser/")


def shared_setup_group(item: pytest.Item) -> str | None:
    """The file or folder whose set-up a test shares, if any: ``--dist loadgroup`` keeps that group on one
    worker, so the set-up is paid once, not once per worker. A module-scoped fixture counts too."""
    relative = _relative(item)
    for prefix in SHARED_SETUP:
        if relative.startswith(prefix):
            return prefix
    definitions = getattr(item, "_fixtureinfo", None)
    if definitions is None:
        return None
    shared = any(d.scope in ("module", "package") for ds in definitions.name2fixturedefs.values() for d in ds)
    return relative if shared else None


def needs_local_aws(item: pytest.Item) -> bool:
    """Whether a test runs on moto (or a browser on the local stack): everything outside the fast
    folders, and a contract test's DynamoDB half (its ``dynamodb`` parameter)."""
    if _relative(item).split("/")[0] not in FAST_FOLDERS:
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "dynamodb" in callspec.params.values()


def _weight(item: pytest.Item) -> int:
    relative = _relative(item)
    return next((i for i, prefix in enumerate(HEAVY_FIRST) if relative.startswith(prefix)), len(HEAVY_FIRST))


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (--dist loadgroup)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that need the local AWS (``-m "not aws"`` leaves the fast ones), keep each file
    with shared set-up on one worker, and start the heaviest first; the order within a file is its own."""
    for item in items:
        if needs_local_aws(item):
            item.add_marker(pytest.mark.aws)
        group = shared_setup_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
            if getattr(config.option, "dist", "no") == "loadgroup" or getattr(config.option, "loadgroup", False):
                _name_group(item, group)
    items.sort(key=_weight)  # stable: each file keeps its order


def _name_group(item: pytest.Item, group: str) -> None:
    """Put ``@group`` at the end of the node id, which is how ``--dist loadgroup`` finds the group.

    pytest-xdist 3.8 does this by setting ``item._nodeid``, which pytest 9 no longer reads (its id is
    ``item._id``), so without this every test of a group could land on any worker."""
    from _pytest.nodes import coerce_node_id

    if hasattr(item, "_id") and "@" not in item.nodeid:
        item._id = coerce_node_id(f"{item.nodeid}@{group.replace('/', '-')}")


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-north-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Dunning",
        "POWERTOOLS_SERVICE_NAME": "dunning-tests",
        # As in every local stack: no EMF lines on stdout, where the CLI's JSON goes. Powertools keeps
        # the metrics of a disabled flush, so without this a later test printed an earlier test's metrics.
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # mock_aws ignores calls to a custom endpoint
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert "AWS_ENDPOINT_URL" not in os.environ
