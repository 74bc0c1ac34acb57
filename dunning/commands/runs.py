"""``dunning start``, ``resume``, ``runs`` and ``run``: start the reminder flow now, resume a paused
run, and read the runs' status, counts and reason."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import OK, REFUSED, Refused, add_command, call, fail, say, show, show_fields

COLUMNS = ("run_id", "kind", "status", "reminders", "messages", "proposals", "reason")
ENDED = frozenset({"completed", "skipped", "aborted", "paused", "failed"})
POLL_SECONDS = 0.5
RESUME_GRACE_SECONDS = 5.0


def register(commands: Any) -> None:
    # run-now: the name the run notices use
    start = add_command(
        commands, "start", "start the reminder flow now; prints the run's id", _start, aliases=["run-now"]
    )
    resume = add_command(commands, "resume", "continue a paused run, past the unposted entries it stopped for", _resume)
    resume.add_argument("run_id")
    for parser in (start, resume):
        parser.add_argument(
            "--wait",
            action="store_true",
            help="wait until the run has ended and show it (exit 1 if it was aborted, paused or failed)",
        )
        parser.add_argument("--timeout", type=float, default=900.0, help="--wait: at most this many seconds")
    runs = add_command(commands, "runs", "the runs, newest first: status, counts, reason", _runs)
    runs.add_argument("--limit", type=int, default=20, help="at most this many (1–200, default 20)")
    run = add_command(commands, "run", "one run: its status, counts and reason", _run)
    run.add_argument("run_id")


def _start(args: argparse.Namespace, api: Api) -> int:
    started = call(api, "POST", "/runs", {})
    if args.wait:
        return _wait(args, api, started["run_id"])
    return say(args, started, f"started run {started['run_id']}")


def _resume(args: argparse.Namespace, api: Api) -> int:
    started = call(api, "POST", "/runs", {"resume": args.run_id})
    if args.wait:
        return _wait(args, api, started["run_id"], still_paused_for=RESUME_GRACE_SECONDS)
    return say(args, started, f"resumed run {started['run_id']}")


def _wait(args: argparse.Namespace, api: Api, run_id: str, still_paused_for: float = 0.0) -> int:
    """Poll the run until it has ended (a deployed stack runs it asynchronously), then show it.
    A resumed run reads "paused" until it is picked up: that is its end only after ``still_paused_for``."""
    started = time.monotonic()
    deadline = started + args.timeout
    if sys.stderr.isatty():
        print(f"waiting for run {run_id} …", file=sys.stderr, flush=True)
    while True:
        try:
            run = call(api, "GET", path_of("runs", run_id))
        except Refused:
            run = {"run_id": run_id, "status": "queued"}  # not recorded yet
        picked_up = run.get("status") != "paused" or time.monotonic() - started > still_paused_for
        if picked_up and run.get("status") != "paused":
            still_paused_for = 0.0  # it moved on: a later "paused" is a new pause
        if (run.get("status") in ENDED and picked_up) or time.monotonic() > deadline:
            break
        time.sleep(POLL_SECONDS)
    if run.get("status") not in ENDED:
        fail(args, f"run {run_id} is still {run.get('status')} after {args.timeout:g} s; see `dunning run {run_id}`")
        return REFUSED
    show(args, run, COLUMNS)
    return OK if run["status"] in ("completed", "skipped") else REFUSED


def _runs(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", "/runs", query={"limit": args.limit}), COLUMNS)


def _run(args: argparse.Namespace, api: Api) -> int:
    return show_fields(args, call(api, "GET", path_of("runs", args.run_id)))
