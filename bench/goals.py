"""Issue 15's goals, checked against what ``python -m bench`` measured: one row per goal and size,
the goal, the figure and whether it is met. Counts are exact; local times are medians."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bench.imports import HANDLERS

ACTION_GOALS = {"email": 2.0, "sms": 2.0, "fee": 1.0, "bs": 1.0}
# The goals are per size from 10,000 invoices (100 due) up: below, a run's constant requests
# (settings, template, one query per due-index shard) weigh on a handful of due invoices.
SMALLEST_SIZE = 10_000


@dataclass(frozen=True)
class Check:
    goal: str
    where: str
    limit: str
    value: float | None
    met: bool

    def as_json(self) -> dict[str, Any]:
        return {"goal": self.goal, "where": self.where, "limit": self.limit, "value": self.value, "met": self.met}


def _at_most(goal: str, where: str, value: float | None, limit: float, unit: str = "") -> Check:
    return Check(goal, where, f"<= {limit:g}{unit}", value, value is not None and value <= limit)


def _below(goal: str, where: str, value: float | None, limit: float, unit: str = "") -> Check:
    return Check(goal, where, f"< {limit:g}{unit}", value, value is not None and value < limit)


def _size_checks(size: str, result: dict[str, Any]) -> Iterator[Check]:
    where = f"{int(size):,} invoices"
    yield _at_most(
        "scheduler: DynamoDB items read per due invoice",
        where,
        result["scheduler"]["dynamodb_items_read_per_due_invoice"],
        1.05,
    )
    for action, limit in ACTION_GOALS.items():
        measured = result["consumers"]["by_action"].get(action)
        value = measured["requests_per_message"]["dynamodb"] if measured else None
        yield _at_most(f"consumers: DynamoDB requests per {action} message", where, value, limit)
    yield _at_most(
        "all AWS requests per reminded invoice (4 actions)",
        where,
        result["total"]["requests"]["per_reminded_invoice"]["total"],
        8.0,
    )
    projection = result.get("projection", {})
    fanned = projection.get("minutes_at_fan_out")
    if fanned is not None:
        yield _below(
            f"a 1,000,000-due run, projected at {projection['fan_out_shards']} shards", where, fanned, 15.0, " min"
        )


def _million_checks(million: dict[str, Any]) -> Iterator[Check]:
    where = f"{million['invoices']:,} invoices in memory"
    yield Check(
        "every due invoice reminded once, no customer in two shards",
        where,
        "no problem",
        float(len(million["problems"])),
        not million["problems"],
    )


def _local_checks(local: dict[str, Any]) -> Iterator[Check]:
    rows: list[tuple[str, str, Callable[..., Check], float, str]] = [
        ("cli_call_median_s", "a dunning CLI call against the local stack (median)", _below, 1.0, " s"),
        ("simulate_basic_median_s", "dunning simulate of basic (median)", _at_most, 3.0, " s"),
        ("make_run_s", "make run after install", _at_most, 20.0, " s"),
    ]
    for key, goal, check, limit, unit in rows:
        if key in local:
            yield check(goal, "this machine", local[key], limit, unit)


def _import_checks(imports: dict[str, Any]) -> Iterator[Check]:
    ratios = [row["vs_boto3"] for name, row in imports["rows"].items() if name in HANDLERS]
    if ratios:
        # The floor (the design card's libraries, no code of ours) says how much of the 1.5 is left to us.
        floor = imports["rows"].get("floor", {}).get("vs_boto3")
        http_floor = imports["rows"].get("http floor", {}).get("vs_boto3")
        where = "this machine" if floor is None else f"this machine (floor {floor:.2f} x"
        if floor is not None:
            where += ")" if http_floor is None else f", HTTP {http_floor:.2f} x)"
        yield _at_most("cold import of the slowest handler / import boto3", where, max(ratios), 1.5, " x")


def check_goals(results: dict[str, Any]) -> list[Check]:
    sizes = {size: result for size, result in results.get("sizes", {}).items() if int(size) >= SMALLEST_SIZE}
    checks = [check for size, result in sizes.items() for check in _size_checks(size, result)]
    if results.get("million"):
        checks += _million_checks(results["million"])
    if results.get("imports"):
        checks += _import_checks(results["imports"])
    if results.get("local"):
        checks += _local_checks(results["local"])
    return checks


def goal_table(checks: list[Check]) -> list[str]:
    if not checks:
        return []
    width_goal = max(len(c.goal) for c in checks)
    width_where = max(len(c.where) for c in checks)
    lines = [
        f"{'goal (issue 15)'.ljust(width_goal)}  {'where'.ljust(width_where)}  {'limit':>12}  {'measured':>9}  met"
    ]
    lines.append("-" * len(lines[0]))
    for c in checks:
        value = "-" if c.value is None else f"{c.value:,.2f}"
        mark = "yes" if c.met else "NO"
        lines.append(f"{c.goal.ljust(width_goal)}  {c.where.ljust(width_where)}  {c.limit:>12}  {value:>9}  {mark}")
    return lines
