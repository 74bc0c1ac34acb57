"""``dunning reference``: the reminder a payment reference (FI +71 payment id) belongs to."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import OK, add_command, call, print_json, table


def register(commands: Any) -> None:
    reference = add_command(commands, "reference", "the reminder a payment reference belongs to", _reference)
    reference.add_argument("reference", help="the 15-digit payment reference (FI +71 payment id)")


def _reference(args: argparse.Namespace, api: Api) -> int:
    found = call(api, "GET", path_of("references", args.reference))
    if args.json:
        print_json(found)
        return OK
    print(f"reference {found['reference']}: customer {found['customer']}, {found['step']} ({found['template']})")
    print(f"sent {found['date']} for {found['amount_at_reminder']}; open now {found['open_total']}")
    print(table(found["invoices"], ("invoice_id", "open_amount", "status")))
    return OK
