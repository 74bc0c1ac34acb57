"""Cold import time of each handler module, next to ``import boto3`` alone.

Each statement runs in a fresh interpreter (this venv's), ``repeat`` times;
the median is reported. Two measures:

* ``wall_ms``: wall time of ``python -c "<statement>"`` (interpreter start
  included; ``python -c pass`` is reported too, to subtract);
* ``import_ms`` (and ``vs_boto3``, the goal's ratio): the sum of the ``self`` column of ``python -X importtime``,
  minus the same sum for ``python -c pass`` (i.e. what the statement imports,
  without the interpreter's own start-up imports).

Byte code is cached in a private ``PYTHONPYCACHEPREFIX`` that a first,
unmeasured run fills (so: warm byte-code and page cache, as a Lambda package
built with ``.pyc`` files; without them every cold start compiles).
The environment is a clean one with only what the functions get from
template.yaml (and no AWS credentials): a handler must import without AWS.
A second wall time is taken in a Lambda-like environment (``LAMBDA_TASK_ROOT``
set): there Powertools Tracer is enabled and patches botocore & co. at
import, as it does on Lambda with ``Tracing: Active``; ``lambda_env_vs_boto3``
is that wall time over ``python -c pass``'s, divided by the same for
``import boto3`` (outside Lambda the X-Ray SDK is not imported at all, see
``shared/observability.py``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

HANDLERS = {
    "scheduler": "functions.scheduler.app",
    "email": "functions.actions.email.app",
    "sms": "functions.actions.sms.app",
    "fee": "functions.actions.fee.app",
    "bs": "functions.actions.bs.app",
    "api": "functions.api.app",
    "console": "functions.console.app",
    "console_authorizer": "functions.console_authorizer.app",
    "bs_delivery": "functions.bs_delivery.app",
    "delivery_events": "functions.delivery_events.app",
}

# What every table handler must load at init whatever its own code: the design card's libraries
# (botocore under PynamoDB, pydantic for the messages and settings, the Powertools Logger). Its
# ratio to ``import boto3`` is the floor the goal's 1.5 must be read against.
FLOOR = "floor"
FLOOR_STATEMENT = (
    "import botocore.session, pynamodb.models, pynamodb.transactions;"
    " from pydantic import BaseModel, Field, AwareDatetime; from aws_lambda_powertools import Logger"
)
# The same for an HTTP handler: the floor and Powertools' REST resolver with validation, no route.
HTTP_FLOOR = "http floor"
HTTP_FLOOR_STATEMENT = (
    FLOOR_STATEMENT + "; from aws_lambda_powertools.event_handler import APIGatewayRestResolver;"
    " APIGatewayRestResolver(enable_validation=True)"
)

_QUEUE = "https://sqs.eu-north-1.amazonaws.com/123456789012/bench-dunning-{}"


def function_env(name: str) -> dict[str, str]:
    """The variables template.yaml gives the function (Globals + its own), with placeholder values."""
    env = {
        "POWERTOOLS_SERVICE_NAME": name,
        "POWERTOOLS_METRICS_NAMESPACE": "Dunning",
        "TENANT_ID": "bench",
        "TENANT_TIMEZONE": "Europe/Copenhagen",
        "TABLE_NAME": "bench-dunning",
        "LOG_LEVEL": "INFO",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "AWS_DEFAULT_REGION": "eu-north-1",
        "AWS_REGION": "eu-north-1",
    }
    if name == "scheduler":
        env |= {f"{action.upper()}_QUEUE_URL": _QUEUE.format(action) for action in ("email", "sms", "fee", "bs")}
    if name == "email":
        env["SENDER_EMAIL"] = "rykker@bench.example"
    if name == "sms":
        env["SMS_SENDER_ID"] = "Rykker"
    return env


def _base_env(pycache: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    return {name: os.environ[name] for name in keep if name in os.environ} | {
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPYCACHEPREFIX": pycache,
    }


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return elapsed, done.stderr


def _self_sum_ms(importtime: str) -> float:
    total = 0
    for line in importtime.splitlines():
        if line.startswith("import time:") and "|" in line:
            first = line.split(":", 1)[1].split("|", 1)[0].strip()
            if first.isdigit():
                total += int(first)
    return total / 1000


# Heavy or out-of-place modules whose presence after a handler's import is reported.
WATCHED = (
    "boto3",
    "pynamodb",
    "pydantic",
    "jinja2",
    "babel",
    "phonenumbers",
    "holidays",
    "asyncio",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.utilities.batch",
    "yaml",
    "moto",
    "functions.api",
    "dunning",
    "aws_xray_sdk.core",
)


def _modules_loaded(module: str, env: dict[str, str]) -> dict[str, Any]:
    probe = f"import sys, {module}; print(len(sys.modules), *(m for m in {WATCHED!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    count, *loaded = done.stdout.split()
    return {"modules": int(count), "loads": loaded}


def measure_imports(repeat: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        return _measure_imports(repeat, _base_env(pycache))


def _lambda_like(env: dict[str, str], name: str) -> dict[str, str]:
    return env | {
        "LAMBDA_TASK_ROOT": str(ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": f"bench-dunning-{name}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    }


def _measure_imports(repeat: int, base: dict[str, str]) -> dict[str, Any]:
    """Round-robin over the statements, so that noise from other processes hits them all alike."""
    cases: dict[str, tuple[str, dict[str, str]]] = {
        "pass": ("pass", base | function_env("bench")),
        "boto3": ("import boto3", base | function_env("bench")),
        FLOOR: (FLOOR_STATEMENT, base | function_env("bench")),
        HTTP_FLOOR: (HTTP_FLOOR_STATEMENT, base | function_env("bench")),
    }
    cases |= {name: (f"import {module}", base | function_env(name)) for name, module in HANDLERS.items()}
    for name, (statement, env) in cases.items():  # warm-up: fills the byte-code cache and the page cache
        _run(["-c", statement], env)
        _run(["-c", statement], _lambda_like(env, name))
    wall: dict[str, list[float]] = {name: [] for name in cases}
    importtime: dict[str, list[float]] = {name: [] for name in cases}
    lambda_wall: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, (statement, env) in cases.items():
            wall[name].append(_run(["-c", statement], env)[0])
            importtime[name].append(_self_sum_ms(_run(["-X", "importtime", "-c", statement], env)[1]))
            lambda_wall[name].append(_run(["-c", statement], _lambda_like(env, name))[0])

    baseline = statistics.median(importtime["pass"])
    rows: dict[str, Any] = {}
    for name, (statement, env) in cases.items():
        if name == "pass":
            continue
        rows[name] = {
            "statement": statement,
            "wall_ms": round(statistics.median(wall[name]), 1),
            "import_ms": round(statistics.median(importtime[name]) - baseline, 1),
            "lambda_env_wall_ms": round(statistics.median(lambda_wall[name]), 1),
            "wall_ms_min": round(min(wall[name]), 1),
            "wall_ms_samples": [round(value, 1) for value in wall[name]],
        }
        if name in HANDLERS:
            rows[name] |= _modules_loaded(HANDLERS[name], env)
    boto3_ms = rows["boto3"]["import_ms"]
    lambda_start = statistics.median(lambda_wall["pass"])
    boto3_lambda_ms = rows["boto3"]["lambda_env_wall_ms"] - lambda_start
    for values in rows.values():
        values["vs_boto3"] = round(values["import_ms"] / boto3_ms, 2) if boto3_ms else None
        # On Lambda (tracing on) the X-Ray SDK is imported too: wall time over the interpreter's start, vs boto3's.
        values["lambda_env_vs_boto3"] = (
            round((values["lambda_env_wall_ms"] - lambda_start) / boto3_lambda_ms, 2) if boto3_lambda_ms > 0 else None
        )
    return {
        "repeat": repeat,
        "python": sys.version.split()[0],
        "interpreter_start_wall_ms": round(statistics.median(wall["pass"]), 1),
        "rows": rows,
    }
