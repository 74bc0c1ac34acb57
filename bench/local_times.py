"""How quick the local engine is, as a new user meets it (issue 15, "a quick local engine").

:func:`measure_local_times` returns, as one dict, the medians of several fresh processes:

* ``cli_call``: ``dunning customers list`` against a running local stack (``dunning local up``,
  started here in a private state file and stopped afterwards); goal < 1 s;
* ``simulate_basic``: ``dunning simulate`` of the 2-month basic scenario; goal <= 3 s;
* ``cold_import``: each handler's cold import over a bare ``import boto3``
  (:func:`bench.imports.measure_imports`, or a result of it passed in); goal <= 1.5 x, the worst
  handler in both columns (outside Lambda, and in a Lambda-like environment with tracing on);
* ``demo`` (only with ``include_demo``): ``dunning demo``, what ``make run`` runs; goal <= 20 s.

Every timed command also reports the CPU time its process used (user + system): on a shared
machine the wall time grows with the load, the CPU time much less, so both are given. The
goals are judged on the wall-time median.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.imports import HANDLERS

ROOT = Path(__file__).resolve().parent.parent
BASIC_SCENARIO = ROOT.parent / "shared" / "scenarios" / "basic.yaml"
GOALS = {"cli_call": 1.0, "simulate_basic": 3.0, "cold_import": 1.5, "demo": 20.0}


def _dunning() -> list[str]:
    script = Path(sys.executable).parent / "dunning"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dunning.cli"]


def _timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one command (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _summary(samples: list[tuple[float, float]], goal: float, strict: bool = False) -> dict[str, Any]:
    """Medians of the samples; ``met`` is median <= goal (< goal when ``strict``)."""
    walls = [wall for wall, _ in samples]
    median = statistics.median(walls)
    return {
        "median_s": round(median, 3),
        "min_s": round(min(walls), 3),
        "cpu_median_s": round(statistics.median(cpu for _, cpu in samples), 3),
        "samples_s": [round(wall, 3) for wall in walls],
        "goal_s": goal,
        "met": median < goal if strict else median <= goal,
    }


def measure_cli_call(repeat: int = 5) -> dict[str, Any]:
    """``dunning customers list`` against a local stack started for the measurement (one warm-up call)."""
    from dunning.local_state import down, up

    with tempfile.TemporaryDirectory(prefix="bench-local-") as folder:
        state = Path(folder) / "local.json"
        up("bench", state, console_port=0)
        try:
            command = [*_dunning(), "customers", "list", "--local-state", str(state)]
            _timed(command, ROOT)  # the server imports the API handler on its first request
            samples = [_timed(command, ROOT) for _ in range(repeat)]
        finally:
            down(state)
    return {"command": "dunning customers list"} | _summary(samples, GOALS["cli_call"], strict=True)


def measure_simulate(repeat: int = 3, scenario: Path = BASIC_SCENARIO) -> dict[str, Any]:
    """``dunning simulate <scenario>`` in fresh processes."""
    command = [*_dunning(), "simulate", str(scenario)]
    samples = [_timed(command, ROOT) for _ in range(repeat)]
    return {"command": f"dunning simulate {scenario.name}"} | _summary(samples, GOALS["simulate_basic"])


def measure_demo(repeat: int = 1) -> dict[str, Any]:
    """``dunning demo`` (``make run`` after install) in fresh processes."""
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        command = [*_dunning(), "demo", "--out", folder]
        samples = [_timed(command, ROOT) for _ in range(repeat)]
    return {"command": "dunning demo"} | _summary(samples, GOALS["demo"])


def cold_import_ratios(imports: dict[str, Any]) -> dict[str, Any]:
    """The worst handler's ratio to ``import boto3`` in both columns of :func:`bench.imports.measure_imports`."""
    handlers = {name: row for name, row in imports["rows"].items() if name in HANDLERS}
    ratios = {
        name: {"vs_boto3": row["vs_boto3"], "lambda_env_vs_boto3": row.get("lambda_env_vs_boto3")}
        for name, row in handlers.items()
    }
    worst = max(row["vs_boto3"] for row in ratios.values())
    worst_lambda = max((row["lambda_env_vs_boto3"] or 0) for row in ratios.values())
    return {
        "worst_vs_boto3": worst,
        "worst_lambda_env_vs_boto3": worst_lambda,
        "per_handler": ratios,
        "goal_ratio": GOALS["cold_import"],
        "met": worst <= GOALS["cold_import"] and worst_lambda <= GOALS["cold_import"],
    }


def measure_local_times(
    repeat: int = 5,
    simulate_repeat: int = 3,
    imports: dict[str, Any] | None = None,
    include_imports: bool = True,
    include_demo: bool = False,
    scenario: Path = BASIC_SCENARIO,
) -> dict[str, Any]:
    """The local engine's times against the goals of issue 15 (see the module docstring): a dict with
    the details per measure and the flat ``cli_call_median_s``, ``simulate_basic_median_s`` and (with
    ``include_demo``) ``make_run_s`` that ``bench.goals`` checks.

    ``imports``: a result of :func:`bench.imports.measure_imports` already taken (else one is taken
    with ``repeat``, unless ``include_imports`` is false)."""
    results: dict[str, Any] = {
        "cli_call": measure_cli_call(repeat),
        "simulate_basic": measure_simulate(simulate_repeat, scenario),
    }
    if imports is None and include_imports:
        from bench.imports import measure_imports

        imports = measure_imports(repeat)
    if imports is not None:
        results["cold_import"] = cold_import_ratios(imports)
    if include_demo:
        results["demo"] = measure_demo()
    # The flat figures bench/goals.py checks (``_local_checks``).
    results["cli_call_median_s"] = results["cli_call"]["median_s"]
    results["simulate_basic_median_s"] = results["simulate_basic"]["median_s"]
    if include_demo:
        results["make_run_s"] = results["demo"]["median_s"]  # `make run` is `dunning demo` once installed
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(measure_local_times(include_imports="--no-imports" not in sys.argv), indent=2))
