"""``dunning usage``: a month's metered work — runs, reminders per channel, fees, cases."""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import UsageError, add_command, call, show


def register(commands: Any) -> None:
    usage = add_command(commands, "usage", "a month's usage: runs, reminders per channel, fees, cases", _usage)
    usage.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="default: the current month by this machine's local date (the tenant's zone may already differ)",
    )


def _usage(args: argparse.Namespace, api: Api) -> int:
    # A command line may read the clock (the engine never does): "this month" is the operator's.
    month = args.month or date.today().strftime("%Y-%m")
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):
        raise UsageError(f"--month: expected YYYY-MM, not {month}")
    usage = call(api, "GET", path_of("usage", month))
    if args.json:
        return show(args, usage, ())
    return show(args, [{"counter": k, "value": v} for k, v in usage.items()], ("counter", "value"))
