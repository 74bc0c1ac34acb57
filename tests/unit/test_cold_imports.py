"""What a handler's cold import loads: nothing it does not need (issue 15, cold start).

Each import runs in a fresh interpreter, outside Lambda (as the tests and the
local stack do), and reports which watched modules ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = (
    "functions.scheduler.app",
    "functions.actions.email.app",
    "functions.actions.sms.app",
    "functions.actions.fee.app",
    "functions.actions.bs.app",
    "functions.api.app",
    "functions.console.app",
    "functions.console_authorizer.app",
    "functions.bs_delivery.app",
    "functions.delivery_events.app",
)
WATCHED = (
    "jinja2",
    "babel",
    "phonenumbers",
    "yaml",
    "moto",
    "dunning",
    "functions.api",
    "aws_xray_sdk.core",
    "boto3",
    "s3transfer",
)


def _loaded(module: str) -> set[str]:
    probe = f"import json, sys, {module}; print(json.dumps([m for m in {WATCHED!r} if m in sys.modules]))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA", "LAMBDA_"))}
    env |= {"AWS_DEFAULT_REGION": "eu-north-1", "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", HANDLERS)
def test_no_handler_imports_cli_yaml_moto_or_xray_outside_lambda(module: str) -> None:
    # Given a handler imported outside Lambda (tracing disabled)
    loaded = _loaded(module)
    # Then no CLI, YAML, moto or X-Ray SDK code came with it, and only the API imports the API
    assert not loaded & {"yaml", "moto", "dunning", "aws_xray_sdk.core"}
    if module != "functions.api.app":
        assert "functions.api" not in loaded


@pytest.mark.parametrize("module", ["functions.actions.fee.app", "functions.actions.bs.app"])
def test_consumers_that_never_render_do_not_import_the_renderers(module: str) -> None:
    # Given the fee and BS consumers, which write records and send nothing
    loaded = _loaded(module)
    # Then neither jinja2, babel nor phonenumbers is imported
    assert not loaded & {"jinja2", "babel", "phonenumbers"}


@pytest.mark.parametrize("module", HANDLERS)
def test_no_handler_imports_boto3_for_clients_botocore_makes(module: str) -> None:
    # Given a handler imported outside Lambda
    loaded = _loaded(module)
    # Then neither boto3 nor its S3 transfer manager came with it: the functions make plain botocore
    # clients (shared/aws.py), and boto3's resources are a fifth of a cold start
    assert not loaded & {"boto3", "s3transfer"}
