"""``dunning demo`` (what ``make run`` runs): the shipped demo tenant through the simulator,
with progress, a readable per-day summary and everything that was sent written to a folder."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from dunning.cli_output import function_output_to_stderr
from dunning.scenario import load_scenario
from dunning.simulate import DayResult, SimulationOptions, effect_line, simulate

DEMO_SCENARIO = Path(__file__).resolve().parent / "demo_tenant.yaml"
SENDS = ("email", "sms", "fee", "bs")


def _summarise(result: DayResult) -> list[str]:
    """One line per customer and step: which channels it went out on, and what was skipped."""
    reminders: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for effect in result.effects:
        if effect["kind"] == "dead_letter":
            reminders[("-", "dead letter", effect["action"], "")].append(effect["key"])
            continue
        if effect["kind"] not in (*SENDS, "skipped"):
            continue
        key = (effect["customer"], effect["step"], effect["template"], ", ".join(effect["invoices"]))
        if effect["kind"] == "skipped":
            reminders[key].append(f"({effect['action']} skipped: {effect['reason']})")
        else:
            reminders[key].append(f"fee {effect['amount']}" if effect["kind"] == "fee" else effect["kind"])
    lines = [
        f"  {customer:<6} {step:<12} {template:<13} {invoices:<22} {', '.join(channels)}"
        for (customer, step, template, invoices), channels in reminders.items()
    ]
    for effect in result.effects:
        if effect["kind"] in ("settlement", "write_off", "fee_reversal"):
            lines.append(
                f"  {effect['customer']:<6} {effect['kind']:<12} {'':<13} {', '.join(effect['invoices']):<22} "
                f"{effect['amount']} kr."
            )
        elif effect["kind"] in ("report", "notification"):
            lines.append(
                f"  {effect['kind']} to {effect['to']}" + (f": {effect['reason']}" if "reason" in effect else "")
            )
    runs = [e for e in result.effects if e["kind"] == "run" and e["status"] != "completed"]
    lines += [f"  run {run['status']}: {run['reason']}" for run in runs]
    return lines


def run_demo(out_dir: Path) -> int:
    scenario = load_scenario(DEMO_SCENARIO)
    total_days = (scenario.simulate.end - scenario.simulate.start).days + 1
    totals: Counter[str] = Counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    effects_file = (out_dir / "effects.jsonl").open("w", encoding="utf-8")
    print(
        f"Demo tenant {scenario.tenant!r}: {len(scenario.customers)} customers, {len(scenario.templates)} "
        f"templates, {scenario.simulate.start} … {scenario.simulate.end}, a run every day at "
        f"{scenario.simulate.run_time:%H:%M} ({scenario.tenant_settings().timezone})\n"
    )
    done = 0
    out = sys.stdout  # the functions' own output is redirected below; the summary is ours
    progress = sys.stderr
    # The "simulating …" line rewrites itself with \r: on a terminal only, as every progress bar of
    # the CLI (README); in a log or a pipe it would be 120 lines run together.
    on_terminal = hasattr(progress, "isatty") and progress.isatty()

    def on_day(result: DayResult) -> None:
        nonlocal done
        done += 1
        if on_terminal:
            progress.write(f"\r  simulating {result.day} ({done}/{total_days} days)")
            progress.flush()
        for effect in result.effects:
            effects_file.write(effect_line(effect) + "\n")
            totals[effect["kind"]] += 1
        lines = _summarise(result)
        if lines:
            if on_terminal:
                progress.write("\r" + " " * 60 + "\r")
            print(result.day.isoformat(), file=out)
            print("\n".join(lines), file=out, flush=True)

    with function_output_to_stderr():
        simulate(scenario, SimulationOptions(out_dir=out_dir), on_day=on_day)
    effects_file.close()
    if on_terminal:
        progress.write("\n")
    sent = ", ".join(f"{totals[kind]} {kind}" for kind in (*SENDS, "skipped"))
    print(f"\nDone: {sent}.")
    print(f"Every effect as JSON lines: {out_dir / 'effects.jsonl'}")
    print(f"What was sent (open the .eml files in a mail client): {out_dir}/<date>/")
    return 0
