"""``python -m bench``: the benchmarks, at two sizes, printed as JSON and as a table.

python -m bench                       # 10,000 and 100,000 invoices on moto, 1,000,000 in memory, cold imports
python -m bench --sizes 2000,10000    # quicker
python -m bench --million 0           # skip the in-memory run
python -m bench --no-imports          # skip the cold-import subprocesses
python -m bench --no-local            # skip the local engine's times (CLI call, simulate, demo)

It ends with issue 15's goals, each marked met or not; the exit status is 1 if a check failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.cost_model import model, projection
from bench.goals import check_goals, goal_table
from bench.imports import measure_imports
from bench.local_times import measure_local_times
from bench.million import measure_memory
from bench.report import render
from bench.scenario import measure
from dunning.local_stack import LocalStack
from dunning.moto_patches import moto_patches

NOTES = [
    "Counts are exact and are what AWS would see (the code under test is unchanged; only botocore's "
    "_make_api_call is wrapped to count). Times are measured against in-process moto on this machine: moto is "
    "not AWS, so read them as relative costs between sizes, never as Lambda durations or latencies.",
    "'per reminded invoice' divides by the invoices the run advanced; 'per reminder' by the consolidated "
    "reminders (one per customer, template version and step); items read by the due invoices.",
    "Items read = items DynamoDB returned (GetItem, Query/Scan Count, BatchGetItem); capacity units also "
    "depend on item size, which is not counted.",
    "SQS polling (ESM) = ReceiveMessage/DeleteMessageBatch made by LocalStack.drain in place of Lambda's "
    "event-source mapping; AWS makes these on the tenant's queues (plus empty long polls, not modelled here).",
    "Scheduler time includes moto SQS's per-message bookkeeping, which grows with queue depth.",
]


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--sizes wants comma-separated integers: {error}") from None
    if not sizes or any(size < 100 for size in sizes):
        raise argparse.ArgumentTypeError("--sizes wants integers of at least 100 (1 % must be due)")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=_sizes, default=[10_000, 100_000], help="invoice counts, comma-separated (default 10000,100000)"
    )
    parser.add_argument(
        "--million",
        type=int,
        default=1_000_000,
        help="invoices of the in-memory run, checked shard by shard (default 1000000; 0 skips it)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="JSON file to write")
    parser.add_argument("--repeat", type=int, default=5, help="fresh interpreters per import statement")
    parser.add_argument("--no-imports", action="store_true", help="skip the cold-import measurement")
    parser.add_argument(
        "--no-local", action="store_true", help="skip the local engine's times (CLI call, simulate, make run's demo)"
    )
    parser.add_argument(
        "--slow-sqs-clock",
        action="store_true",
        help="do not patch moto.sqs.models.unix_time_millis (slower, same counts)",
    )
    args = parser.parse_args(argv)
    logging.getLogger("aws_lambda_powertools").setLevel(logging.ERROR)

    started = time.perf_counter()
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": sys.version.split()[0],
        "machine": f"{platform.system()} {platform.machine()}",
        "sizes": {},
    }
    if args.slow_sqs_clock:
        LocalStack.fast_moto = False  # else the local stack patches moto's SQS clock itself
    with moto_patches(transactions=True, sqs_clock=not args.slow_sqs_clock) as patch_notes:
        for size in args.sizes:
            print(f"bench: {size:,} invoices ...", file=sys.stderr, flush=True)
            size_started = time.perf_counter()
            result = measure(size)
            result["cost_model"] = model(result)
            result["projection"] = projection(result)
            results["sizes"][str(size)] = result
            print(
                f"bench: {size:,} invoices done in {time.perf_counter() - size_started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    if args.million:
        print(f"bench: {args.million:,} invoices in memory ...", file=sys.stderr, flush=True)
        results["million"] = measure_memory(args.million)
    if not args.no_imports:
        print("bench: cold imports ...", file=sys.stderr, flush=True)
        results["imports"] = measure_imports(args.repeat)
    if not args.no_local:
        print("bench: the local engine's times (CLI call, simulate, demo) ...", file=sys.stderr, flush=True)
        results["local"] = measure_local_times(imports=results.get("imports"), include_imports=False, include_demo=True)
    results["notes"] = [*NOTES, *patch_notes]
    problems = [f"{size}: {problem}" for size, result in results["sizes"].items() for problem in result["problems"]]
    problems += [f"in memory: {problem}" for problem in results.get("million", {}).get("problems", [])]
    checks = check_goals(results)
    results["goals"] = [check.as_json() for check in checks]
    if problems:
        results["notes"].append("CHECKS FAILED: " + "; ".join(problems))
    results["bench_seconds"] = round(time.perf_counter() - started, 1)

    text = json.dumps(results, indent=2, ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    print()
    print(render(results))
    print()
    print("\n".join(goal_table(checks)))
    print(f"\n(written to {args.out}; whole bench {results['bench_seconds']:.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
