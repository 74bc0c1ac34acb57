"""``dunning start``, ``resume``, ``runs`` and ``run``: start the reminder flow now, resume a paused
run, and read the runs' status, counts and reason."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import add_command, call, say, show, show_fields

COLUMNS = ("run_id", "kind", "status", "reminders", "messages", "proposals", "reason")


def register(commands: Any) -> None:
    # run-now: the name the run notices use
    add_command(commands, "start", "start the reminder flow now; prints the run's id", _start, aliases=["run-now"])
    resume = add_command(commands, "resume", "continue a paused run, past the unposted entries it stopped for", _resume)
    resume.add_argument("run_id")
    runs = add_command(commands, "runs", "the runs, newest first: status, counts, reason", _runs)
    runs.add_argument("--limit", type=int, default=20, help="at most this many (1–200, default 20)")
    run = add_command(commands, "run", "one run: its status, counts and reason", _run)
    run.add_argument("run_id")


def _start(args: argparse.Namespace, api: Api) -> int:
    started = call(api, "POST", "/runs", {})
    return say(args, started, f"started run {started['run_id']}")


def _resume(args: argparse.Namespace, api: Api) -> int:
    started = call(api, "POST", "/runs", {"resume": args.run_id})
    return say(args, started, f"resumed run {args.run_id} as {started['run_id']}")


def _runs(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", "/runs", query={"limit": args.limit}), COLUMNS)


def _run(args: argparse.Namespace, api: Api) -> int:
    return show_fields(args, call(api, "GET", path_of("runs", args.run_id)))
