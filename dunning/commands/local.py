"""``dunning local``: the persistent local stack (a moto server in the background) — up, down, status."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dunning.commands.common import EXIT_CODES, OK, REFUSED, print_json, table
from dunning.local_state import LocalServerError, down, read_state, started_lines, state_path, up


def register(commands: Any) -> None:
    parser = commands.add_parser("local", help="the persistent local stack: up, down, status", epilog=EXIT_CODES)
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--tenant", default="acme", help="up: the tenant's name (default acme)")
    parser.add_argument("--port", type=int, default=0, help="up: the server's port (0: any free port)")
    parser.add_argument("--local-state", help="the state file (default .dunning/local.json)")
    parser.add_argument("--json", action="store_true", help="status: JSON instead of a table")
    parser.set_defaults(run=_local)


def _local(args: argparse.Namespace) -> int:
    path = state_path(args.local_state)
    if args.action == "up":
        try:
            state = up(args.tenant, path, args.port)
        except LocalServerError as error:
            print(f"dunning local up: {error}", file=sys.stderr)
            return REFUSED
        print(f"local stack for {state['tenant']} runs at {state['endpoint']} (pid {state['pid']}, state {path})")
        print("\n".join(started_lines(state)))
        return OK
    if args.action == "down":
        print("local stack stopped" if down(path) else "no local stack was running")
        return OK
    running = read_state(path)
    if running is None:
        print("no local stack is running")
        return REFUSED
    if args.json:
        print_json(running)
    else:
        fields = ("tenant", "endpoint", "api_url", "pid")
        print(table([{"field": k, "value": running.get(k)} for k in fields if k in running], ("field", "value")))
    return OK
