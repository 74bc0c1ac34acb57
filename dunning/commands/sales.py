"""``dunning sales``: sales in draft or ready (a deal before its agreement), and winning one."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import UsageError, add_leaf, call, resource, show

COLUMNS = ("id", "name", "state", "template", "customer", "agreement")


def register(commands: Any) -> None:
    actions = resource(commands, "sales", "sales in draft or ready, and winning one (it becomes an agreement)")
    add_leaf(actions, "list", "every sale", _list)
    shown = add_leaf(actions, "show", "one sale", _show)
    shown.add_argument("id")
    add = add_leaf(actions, "add", "a sale in draft (or --ready) on a template", _add)
    add.add_argument("id", help="the sale id")
    add.add_argument("--name", required=True, help="what is being sold")
    add.add_argument("--template", help="a name or name_vN; default: the tenant's default")
    add.add_argument("--ready", action="store_true", help="ready instead of draft")
    change = add_leaf(actions, "set", "change a sale's name, state or template", _set)
    change.add_argument("id")
    change.add_argument("--name")
    change.add_argument("--state", choices=["draft", "ready"])
    change.add_argument("--template")
    win = add_leaf(actions, "win", "the sale is won: it becomes the customer's agreement on its template", _win)
    win.add_argument("id")
    win.add_argument("--customer", required=True)
    win.add_argument("--agreement", required=True, help="the new agreement's id")


def _list(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", "/sales"), COLUMNS)


def _show(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", path_of("sales", args.id)), COLUMNS)


def _add(args: argparse.Namespace, api: Api) -> int:
    body = {"id": args.id, "name": args.name, "state": "ready" if args.ready else "draft", "template": args.template}
    return show(args, call(api, "POST", "/sales", body), COLUMNS)


def _set(args: argparse.Namespace, api: Api) -> int:
    changes = {k: v for k, v in (("name", args.name), ("state", args.state), ("template", args.template)) if v}
    if not changes:
        raise UsageError("name what changes: --name, --state or --template")
    return show(args, call(api, "PATCH", path_of("sales", args.id), changes), COLUMNS)


def _win(args: argparse.Namespace, api: Api) -> int:
    body = {"customer": args.customer, "agreement": args.agreement}
    return show(args, call(api, "POST", path_of("sales", args.id, "win"), body), ("id", "customer", "template"))
