"""``dunning simulate``, ``demo`` and ``load``: a scenario's world replayed through the real functions
on an embedded moto, or written into a deployed tenant's table (these talk to AWS directly)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dunning.cli_output import function_output_to_stderr
from dunning.commands.common import EXIT_CODES, OK, REFUSED, USAGE

if TYPE_CHECKING:
    from dunning.scenario import Scenario


def register(commands: Any) -> None:
    simulate = commands.add_parser(
        "simulate", help="replay a scenario day by day through the real functions", epilog=EXIT_CODES
    )
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
        epilog=EXIT_CODES,
    )
    load.add_argument("scenario", help="scenario file; its timeline and simulate section are not used")
    load.add_argument("--table", required=True, help="the stack's DunningTable, e.g. acme-dunning")
    load.set_defaults(run=_load)


def _scenario(args: argparse.Namespace) -> Scenario | None:
    """The command's scenario, or None after saying on stderr what is wrong with it."""
    from dunning.scenario import ScenarioError, load_scenario  # YAML and the models: only when replaying

    try:
        return load_scenario(Path(args.scenario))
    except ScenarioError as error:
        print(f"dunning {args.command}: {error}", file=sys.stderr)
        return None


def _spare_the_collector() -> None:
    """Keep what the command has imported out of the garbage collector's full sweeps.

    Python's cyclic collector walks every tracked object on each full collection; after the imports
    that is every module, class, service model and schema (moto, botocore, pydantic), which live
    until the process ends anyway: four full sweeps cost 0.2 s of a 2.5 s ``simulate`` (profiled
    with ``gc.callbacks``). ``gc.freeze`` moves them to the permanent generation, so a sweep walks
    only what the simulation made since. And a simulated day allocates in the hundreds of
    thousands (moto's items, parsed expressions), so the young generation is collected after
    10,000 allocations rather than 700 (``dunning demo``: 1,300 collections, 0.6 s, become 90 and
    0.25 s). Called once per process, by the commands (not by :func:`dunning.simulate.simulate`,
    which a long test session calls many times)."""
    import gc

    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def _simulate(args: argparse.Namespace) -> int:
    from dunning.simulate import DayResult, SimulationOptions, effect_line, simulate

    scenario = _scenario(args)
    if scenario is None:
        return USAGE
    _spare_the_collector()
    out = sys.stdout
    options = SimulationOptions(out_dir=Path(args.out) if args.out else None)

    def print_day(result: DayResult) -> None:
        for effect in result.effects:
            out.write(effect_line(effect) + "\n")
        out.flush()

    with function_output_to_stderr():
        simulate(scenario, options, on_day=print_day)
    return OK


def _demo(args: argparse.Namespace) -> int:
    from dunning.demo import run_demo

    _spare_the_collector()
    return run_demo(Path(args.out))


def _load(args: argparse.Namespace) -> int:
    from dunning.simulate import load_world
    from shared.storage.repository import AlreadyExists, DunningRepository

    scenario = _scenario(args)
    if scenario is None:
        return USAGE
    from botocore.exceptions import BotoCoreError
    from pynamodb.exceptions import PynamoDBException

    try:
        load_world(DunningRepository(args.table), scenario)
    except AlreadyExists as error:
        print(f"dunning load: {error}; nothing after it was written", file=sys.stderr)
        return REFUSED
    except (PynamoDBException, BotoCoreError) as error:  # no region, no credentials, no such table …
        cause = getattr(error, "cause", None) or error
        print(
            f"dunning load: cannot write to table {args.table!r}: {cause}\n"
            "  it loads a deployed stack's table directly: give AWS credentials and the region "
            "(AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION)",
            file=sys.stderr,
        )
        return USAGE
    print(
        f"loaded {scenario.tenant} into {args.table}: {len(scenario.templates)} templates, "
        f"{len(scenario.customers)} customers, {len(scenario.agreements)} agreements, "
        f"{len(scenario.invoices)} invoices"
    )
    return OK
