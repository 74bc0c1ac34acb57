"""The short aligned table printed after the JSON."""

from __future__ import annotations

from typing import Any

SERVICES = ("dynamodb", "sqs", "sesv2", "sns", "total")


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"
    return str(value)


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for number, row in enumerate([header, *rows]):
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def size_table(sizes: dict[str, dict[str, Any]]) -> list[str]:
    results = list(sizes.values())
    header = ["per unit (counts exact; times are moto's)", *(f"{r['invoices']:,} inv" for r in results)]
    rows: list[list[str]] = []

    def row(label: str, values: list[Any]) -> None:
        rows.append([label, *(_number(value) for value in values)])

    row("due invoices (1 %)", [r["due_invoices"] for r in results])
    row("reminders sent (consolidated)", [r["reminders"] for r in results])
    row("messages (email+sms+fee+bs)", [r["messages"] for r in results])
    row(
        "scheduler: DynamoDB items read / due invoice",
        [r["scheduler"]["dynamodb_items_read_per_due_invoice"] for r in results],
    )
    for part, title in (
        ("scheduler", "scheduler"),
        ("consumers", "consumers"),
        ("polling", "SQS polling (ESM)"),
        ("total", "total"),
    ):
        for service in SERVICES:
            values = [r[part]["requests"]["per_reminded_invoice"][service] for r in results]
            if service != "total" and not any(values):
                continue
            row(f"{title}: {service} requests / reminded invoice", values)
    row("scheduler: ms / reminder (moto)", [r["scheduler"]["ms_per_reminder"] for r in results])
    row("  of which outside AWS calls", [r["scheduler"]["ms_per_reminder_outside_aws_calls"] for r in results])
    row("consumers: handler ms / reminder (moto)", [r["consumers"]["ms_per_reminder"] for r in results])
    row("  of which outside AWS calls", [r["consumers"]["ms_per_reminder_outside_aws_calls"] for r in results])
    row("drain incl. moto SQS: ms / reminder", [r["drain"]["ms_per_reminder"] for r in results])
    row("scheduler: seconds", [r["scheduler"]["seconds"] for r in results])
    row("drain: seconds", [r["drain"]["seconds"] for r in results])
    row("seeding: seconds (not measured)", [r["seed_seconds"] for r in results])
    return _table(header, rows)


def cost_table(sizes: dict[str, dict[str, Any]]) -> list[str]:
    """US dollars per 1,000 (cost model), and the projected wall time of a 1,000,000-due run, per size."""
    results = [r for r in sizes.values() if "cost_model" in r]
    if not results:
        return []
    first = results[0]["cost_model"]
    header = [f"cost model (list prices of {first['prices_as_of']}; bench/cost_model.py)"]
    header += [f"{r['invoices']:,} inv" for r in results]
    rows: list[list[str]] = []
    for action in first["actions"]:
        rows.append(
            [
                f"USD / 1,000 {action} messages",
                *(f"{r['cost_model']['actions'][action]['usd_per_1000_messages']:.4f}" for r in results),
            ]
        )
    rows.append(
        [
            "USD / 1,000 reminders: scheduler's share",
            *(f"{r['cost_model']['usd_scheduler_per_1000_reminders']:.4f}" for r in results),
        ]
    )
    for channel in first["usd_per_1000_reminders"]:
        rows.append(
            [
                f"USD / 1,000 reminders: {channel}",
                *(f"{r['cost_model']['usd_per_1000_reminders'][channel]:.4f}" for r in results),
            ]
        )
    rows.append(
        [
            "(SES's own price / 1,000 e-mails)",
            *(f"{r['cost_model']['ses_own_usd_per_1000_emails']:.4f}" for r in results),
        ]
    )
    projection = results[0]["projection"]
    for shards in projection["minutes_by_shards"]:
        label = f"1,000,000 due: minutes at {shards} shard(s), {projection['request_latency_ms']:g} ms/request"
        rows.append([label, *(f"{r['projection']['minutes_by_shards'][shards]:,.1f}" for r in results)])
    return _table(header, rows)


def import_table(imports: dict[str, Any]) -> list[str]:
    header = [
        f"cold import (median of {imports['repeat']}, fresh python {imports['python']})",
        "wall ms",
        "import ms",
        "x boto3",
        "Lambda-env wall ms",
        "Lambda-env x boto3",
    ]
    rows = []
    for name, values in imports["rows"].items():
        label = values["statement"] if name == "boto3" else values["statement"].removeprefix("import ")
        if name == "floor":
            label = "floor: botocore, PynamoDB, pydantic, Powertools Logger"
        if name == "http floor":
            label = "http floor: the floor and Powertools' REST resolver (validation on)"
        rows.append(
            [
                label,
                _ms(values["wall_ms"]),
                _ms(values["import_ms"]),
                _number(values["vs_boto3"]),
                _ms(values["lambda_env_wall_ms"]),
                _number(values.get("lambda_env_vs_boto3")),
            ]
        )
    rows.append(["python -c pass (interpreter start)", _ms(imports["interpreter_start_wall_ms"]), "", "", "", ""])
    return _table(header, rows)


def million_table(million: dict[str, Any]) -> list[str]:
    """The in-memory run: how the work divided by shard, and its checks."""
    per_shard = million["due_per_shard"]
    checks = million["checks"]
    rows = [
        ["due invoices", _number(million["due_invoices"])],
        ["shards (customer-hashed)", _number(million["shards"])],
        ["due invoices per shard: min / median / max", " / ".join(str(per_shard[k]) for k in ("min", "median", "max"))],
        ["work items (invocations' worth of work)", _number(million["run"].get("work_items"))],
        ["reminders / messages", f"{million['run'].get('reminders', 0):,} / {million['messages']:,}"],
        ["store calls / due invoice", _number(million["store_calls_per_due_invoice"])],
        ["due invoices reminded exactly once", _number(checks["due_invoices_reminded_once"])],
        ["customers in two shards", _number(checks["customers_in_two_shards"])],
        ["still due after the run", _number(checks["still_due_after_run"])],
        ["run seconds (in memory, this machine)", _number(million["run_seconds"])],
    ]
    return _table([f"{million['invoices']:,} invoices in memory (bench/million.py)", "measured"], rows)


def local_table(local: dict[str, Any]) -> list[str]:
    """The local engine: medians of fresh processes, wall and CPU seconds."""
    names = {"cli_call": "a dunning CLI call (local stack)", "simulate_basic": "dunning simulate basic"}
    names["demo"] = "dunning demo (make run)"
    rows = [
        [label, f"{local[key]['median_s']:.2f}", f"{local[key]['cpu_median_s']:.2f}", str(len(local[key]["samples_s"]))]
        for key, label in names.items()
        if key in local
    ]
    return _table(["the local engine (bench/local_times.py)", "wall s", "CPU s", "runs"], rows)


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    if results.get("sizes"):
        lines += size_table(results["sizes"])
        lines += ["", *cost_table(results["sizes"])]
    if results.get("million"):
        lines += ["", *million_table(results["million"])]
    if results.get("imports"):
        lines += ["", *import_table(results["imports"])]
    if results.get("local"):
        lines += ["", *local_table(results["local"])]
    if results.get("notes"):
        lines += ["", "Notes:", *(f"- {note}" for note in results["notes"])]
    return "\n".join(lines)
