"""``dunning bank-connections``: the bank connections a run checks (settings check_bank_connections)."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import add_leaf, call, resource, say, show


def register(commands: Any) -> None:
    actions = resource(commands, "bank-connections", "the bank connections a run checks before it sends")
    add_leaf(actions, "list", "every recorded bank connection and its state", _list)
    change = add_leaf(actions, "set", "record a connection's state (checked before each run)", _set)
    change.add_argument("name", help='e.g. "Danske Bank"')
    change.add_argument("state", choices=["active", "inactive"])


def _list(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", "/bank-connections"), ("name", "active"))


def _set(args: argparse.Namespace, api: Api) -> int:
    recorded = call(api, "PUT", path_of("bank-connections", args.name), {"active": args.state == "active"})
    return say(args, recorded, f"bank connection {args.name} is now {args.state}")
