"""What a handler's cold import loads: nothing it does not need (issue 15, cold start).

Each import runs in a fresh interpreter, outside Lambda (as the tests and the
local stack do), and reports which watched modules ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
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
# What no handler imports at module load: each is loaded where it is used (the module named in the
# comment), so a cold start pays only for what the handler's own wiring needs.
NEVER_AT_LOAD = {
    "jinja2": "letters, pages and tenant texts render with it (shared/rendering, shared/console/app.py)",
    "babel": "amounts and dates are formatted with it (shared/rendering/formatting.py)",
    "phonenumbers": "phone numbers are checked and printed with it (shared/rendering/sms.py, variables.py)",
    "holidays": "a year's bank days are computed with it (shared/betalingsservice/bankdays.py)",
    "segno": "the QR code of an operator's authenticator-app key is drawn with it (shared/console/pages/auth.py)",
    "shared.rendering.texts.sandbox": "a tenant's text is checked or previewed (shared/services/tenant/templates.py)",
    "aws_lambda_powertools.utilities.parser": "an event is parsed (the scheduler, the BS delivery)",
    "aws_lambda_powertools.utilities.batch": "an SQS batch is processed (shared/consumer.py)",
    "yaml": "never on a Lambda path",
    "moto": "never on a Lambda path",
    "dunning": "never on a Lambda path",
    "aws_xray_sdk.core": "only on Lambda with tracing on (shared/observability.py)",
    "boto3": "the functions make plain botocore clients (shared/aws.py)",
    "s3transfer": "the functions make plain botocore clients (shared/aws.py)",
}
# Besides those, per handler: what only other handlers need.
ALSO_NEVER_AT_LOAD = {
    "functions.scheduler.app": {"aws_lambda_powertools.event_handler", "functions.api", "shared.api.models", "asyncio"},
    "functions.actions.email.app": {"aws_lambda_powertools.event_handler", "functions.api", "shared.rendering.reports"},
    "functions.actions.sms.app": {"aws_lambda_powertools.event_handler", "functions.api", "shared.rendering.reports"},
    "functions.actions.fee.app": {"aws_lambda_powertools.event_handler", "shared.rendering.email", "asyncio"},
    "functions.actions.bs.app": {"aws_lambda_powertools.event_handler", "shared.rendering.email", "asyncio"},
    "functions.api.app": set(),
    "functions.console.app": {"aws_lambda_powertools.event_handler", "functions.api", "shared.api.models", "asyncio"},
    # The authorizer checks a cookie: no table, no models.
    "functions.console_authorizer.app": {"pydantic", "pynamodb", "aws_lambda_powertools.event_handler", "asyncio"},
    "functions.bs_delivery.app": {"aws_lambda_powertools.event_handler", "shared.rendering.email", "asyncio"},
    "functions.delivery_events.app": {"aws_lambda_powertools.event_handler", "shared.rendering.email", "asyncio"},
}
WATCHED = tuple(sorted(set(NEVER_AT_LOAD).union(*ALSO_NEVER_AT_LOAD.values(), {"functions.api"})))


@cache
def _loaded(module: str) -> frozenset[str]:
    probe = f"import json, sys, {module}; print(json.dumps([m for m in {WATCHED!r} if m in sys.modules]))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA", "LAMBDA_"))}
    env |= {"AWS_DEFAULT_REGION": "eu-north-1", "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return frozenset(json.loads(done.stdout))


def test_the_table_names_every_handler() -> None:
    # Given the handlers of template.yaml's functions, as the cold-import bench lists them
    from bench.imports import HANDLERS as BENCHED

    # Then each has its row here
    assert set(ALSO_NEVER_AT_LOAD) == set(HANDLERS) == set(BENCHED.values())


@pytest.mark.parametrize("module", HANDLERS)
def test_no_handler_imports_at_load_what_it_uses_later_or_never(module: str) -> None:
    # Given a handler imported outside Lambda (tracing disabled)
    loaded = _loaded(module)
    # Then none of the heavy modules it loads only where it uses them (or that only other handlers
    # need) came with its module
    pinned = set(NEVER_AT_LOAD) | ALSO_NEVER_AT_LOAD[module]
    assert not loaded & pinned, {name: NEVER_AT_LOAD.get(name, "another handler's") for name in loaded & pinned}


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


def test_on_lambda_the_tracer_patches_botocore_only() -> None:
    # Given the observability module imported as on Lambda with tracing on
    probe = (
        "import json, sys, shared.observability; from aws_xray_sdk.core import patcher;"
        " print(json.dumps([sorted(patcher._PATCHED_MODULES), 'sqlite3' in sys.modules]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env |= {"LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "t", "AWS_REGION": "eu-north-1"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    patched, sqlite = json.loads(done.stdout)
    # Then X-Ray records each AWS call once, at botocore (PynamoDB's too), and patches nothing else
    assert patched == ["botocore"] and not sqlite
