"""The ``dunning`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dunning.cli_output import function_output_to_stderr
from dunning.scenario import ScenarioError, load_scenario


def _simulate(args: argparse.Namespace) -> int:
    from dunning.simulate import DayResult, SimulationOptions, effect_line, simulate

    try:
        scenario = load_scenario(Path(args.scenario))
    except ScenarioError as error:
        print(f"dunning simulate: {error}", file=sys.stderr)
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

    try:
        scenario = load_scenario(Path(args.scenario))
    except ScenarioError as error:
        print(f"dunning load: {error}", file=sys.stderr)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dunning", description="Dunning engine: local tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    simulate = commands.add_parser("simulate", help="replay a scenario day by day through the real functions")
    simulate.add_argument("scenario", help="scenario file (YAML or JSON), see docs/simulate.md")
    simulate.add_argument("--out", metavar="DIR", help="also write the sent e-mails, SMS and BS records here")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
