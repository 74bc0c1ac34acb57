"""The ``dunning`` command."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dunning.cli_output import function_output_to_stderr
from dunning.scenario import Scenario, ScenarioError, load_scenario


def _scenario(args: argparse.Namespace) -> Scenario | None:
    """The command's scenario, or None after saying on stderr what is wrong with it."""
    try:
        return load_scenario(Path(args.scenario))
    except ScenarioError as error:
        print(f"dunning {args.command}: {error}", file=sys.stderr)
        return None


def _simulate(args: argparse.Namespace) -> int:
    from dunning.simulate import DayResult, SimulationOptions, effect_line, simulate

    scenario = _scenario(args)
    if scenario is None:
        return 2
    out = sys.stdout
    options = SimulationOptions(out_dir=Path(args.out) if args.out else None)

    def print_day(result: DayResult) -> None:
        for effect in result.effects:
            out.write(effect_line(effect) + "\n")
        out.flush()

    with function_output_to_stderr():
        simulate(scenario, options, on_day=print_day)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from dunning.demo import run_demo

    return run_demo(Path(args.out))


def _load(args: argparse.Namespace) -> int:
    from dunning.simulate import load_world
    from shared.storage.repository import AlreadyExists, DunningRepository

    scenario = _scenario(args)
    if scenario is None:
        return 2
    try:
        load_world(DunningRepository(args.table), scenario)
    except AlreadyExists as error:
        print(f"dunning load: {error}; nothing after it was written", file=sys.stderr)
        return 1
    print(
        f"loaded {scenario.tenant!r} into {args.table}: {len(scenario.templates)} templates, "
        f"{len(scenario.customers)} customers, {len(scenario.agreements)} agreements, "
        f"{len(scenario.invoices)} invoices"
    )
    return 0


def _runs(args: argparse.Namespace) -> int:
    from dunning.operations import list_runs

    runs = list_runs(args.table, args.limit)
    if args.json:
        print(json.dumps(runs, indent=2, ensure_ascii=False))
        return 0
    print(f"{'run':<34} {'kind':<10} {'status':<11} {'reminders':>9} {'messages':>8}  reason")
    for run in runs:
        print(
            f"{run['run_id']:<34} {run.get('kind', ''):<10} {run['status']:<11} {run.get('reminders', 0):>9} "
            f"{run.get('messages', 0):>8}  {run.get('reason') or ''}"
        )
    return 0


def _run_detail(args: argparse.Namespace) -> int:
    from dunning.operations import get_run

    run = get_run(args.table, args.run_id)
    if run is None:
        print(f"dunning run: no run {args.run_id!r} in {args.table}", file=sys.stderr)
        return 1
    print(json.dumps(run, indent=2, ensure_ascii=False))
    return 0


def _run_now(args: argparse.Namespace) -> int:
    from dunning.operations import start_run

    event = start_run(args.function, getattr(args, "run_id", None))
    print(f"started: {json.dumps(event)} (see `dunning runs --table …`)")
    return 0


def _redrive(args: argparse.Namespace) -> int:
    from dunning.operations import redrive_queue

    moved = redrive_queue(args.dead_letter_queue_url, args.to)
    print(f"moved {moved} message(s) back to {args.to}")
    return 0


def _bank_connection(args: argparse.Namespace) -> int:
    from shared.storage.repository import DunningRepository

    DunningRepository(args.table).put_bank_connection(args.name, args.state == "active")
    print(f"bank connection {args.name!r} is now {args.state}")
    return 0


def _proposals(args: argparse.Namespace) -> int:
    from shared.services.approval import list_proposals, proposals_by_invoice
    from shared.storage.repository import DunningRepository

    proposals = list_proposals(DunningRepository(args.table))
    if args.by == "invoice":
        rows = proposals_by_invoice(proposals)
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
            return 0
        print(f"{'invoice':<16} {'customer':<12} {'step':<16} {'proposed':<10}")
        for row in rows:
            print(f"{row['invoice']:<16} {row['customer']:<12} {row['step']:<16} {row['proposed_on']:<10}")
        return 0
    if args.json:
        print(json.dumps([vars(p) for p in proposals], indent=2, ensure_ascii=False))
        return 0
    print(f"{'customer':<12} {'step':<16} {'kind':<10} {'proposed':<10} {'amount':>12}  invoices")
    for p in proposals:
        print(f"{p.customer:<12} {p.step:<16} {p.kind:<10} {p.proposed_on:<10} {p.amount:>12}  {', '.join(p.invoices)}")
    return 0


def _decide(args: argparse.Namespace) -> int:
    from dunning.operations import decide_proposals

    if not args.all and not args.customer:
        print(f"dunning {args.command}: name --all or at least one --customer ID", file=sys.stderr)
        return 2
    result = decide_proposals(args.function, args.command, None if args.all else args.customer)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def _usage(args: argparse.Namespace) -> int:
    from shared.services.metering import usage
    from shared.storage.repository import DunningRepository

    try:
        counters = usage(DunningRepository(args.table), args.month)
    except ValueError as error:
        print(f"dunning usage: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(counters, indent=2))
        return 0
    for name, value in counters.items():
        print(f"{name:<20} {value:>12}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dunning", description="Dunning engine: local tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    simulate = commands.add_parser("simulate", help="replay a scenario day by day through the real functions")
    simulate.add_argument("scenario", help="scenario file (YAML or JSON), see docs/simulate.md")
    simulate.add_argument(
        "--out", metavar="DIR", help="also write the sent e-mails, SMS and Betalingsservice deliveries here"
    )
    simulate.set_defaults(run=_simulate)
    demo = commands.add_parser("demo", help="run the shipped demo tenant and print a per-day summary")
    demo.add_argument("--out", metavar="DIR", default="out/demo", help="where to write what was sent")
    demo.set_defaults(run=_demo)
    load = commands.add_parser(
        "load",
        help="write a scenario's settings, templates, customers, agreements and invoices into a "
        "deployed tenant's table (AWS credentials from the environment)",
    )
    load.add_argument("scenario", help="scenario file; its timeline and simulate section are not used")
    load.add_argument("--table", required=True, help="the stack's DunningTable, e.g. acme-dunning")
    load.set_defaults(run=_load)
    runs = commands.add_parser("runs", help="list a tenant's runs, newest first (status, counts, reason)")
    runs.add_argument("--table", required=True, help="the stack's DunningTable, e.g. acme-dunning")
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--json", action="store_true", help="JSON instead of a table")
    runs.set_defaults(run=_runs)
    run = commands.add_parser("run", help="one run with its status, counts and reason")
    run.add_argument("run_id")
    run.add_argument("--table", required=True)
    run.set_defaults(run=_run_detail)
    run_now = commands.add_parser("run-now", help="start the reminder flow now (a manual run, O1)")
    run_now.add_argument("--function", required=True, help="the scheduler function, e.g. acme-dunning-scheduler")
    run_now.set_defaults(run=_run_now)
    resume = commands.add_parser("resume", help="continue a paused run, ignoring the unposted entries (O6)")
    resume.add_argument("run_id")
    resume.add_argument("--function", required=True)
    resume.set_defaults(run=_run_now)
    redrive = commands.add_parser(
        "redrive", help="move a DLQ's messages back to their queue (consumers are idempotent, so nothing happens twice)"
    )
    redrive.add_argument("dead_letter_queue_url")
    redrive.add_argument("--to", required=True, metavar="QUEUE_URL")
    redrive.set_defaults(run=_redrive)
    bank = commands.add_parser("bank-connection", help="record a bank connection's state (checked by O5)")
    bank.add_argument("name")
    bank.add_argument("state", choices=["active", "inactive"])
    bank.add_argument("--table", required=True)
    bank.set_defaults(run=_bank_connection)
    proposals = commands.add_parser("proposals", help="reminders and collection cases waiting for approval (O9)")
    proposals.add_argument("--table", required=True)
    proposals.add_argument("--by", choices=["customer", "invoice"], default="customer")
    proposals.add_argument("--json", action="store_true")
    proposals.set_defaults(run=_proposals)
    for name, what in (("approve", "send them at once (cases go to the partner)"), ("reject", "drop them")):
        decide = commands.add_parser(name, help=f"pending proposals: {what}")
        decide.add_argument("--all", action="store_true", help="every pending proposal")
        decide.add_argument("--customer", action="append", metavar="ID", help="this customer's proposals (repeat)")
        decide.add_argument("--function", required=True, help="the scheduler function, e.g. acme-dunning-scheduler")
        decide.set_defaults(run=_decide)
    usage = commands.add_parser("usage", help="a month's usage: runs, reminders per channel, fees, cases (O15)")
    usage.add_argument("--month", required=True, metavar="YYYY-MM")
    usage.add_argument("--table", required=True)
    usage.add_argument("--json", action="store_true")
    usage.set_defaults(run=_usage)
    from dunning.operator_cli import register

    register(commands)  # the operator API's commands (local stack or --api-url)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
