"""``dunning agreements``: list or add agreements; move them (and sales in draft) to a template version."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api
from dunning.commands.common import add_leaf, add_list_and_show, call, resource, say, show

COLUMNS = ("id", "customer", "template")


def register(commands: Any) -> None:
    actions = resource(commands, "agreements", "list or add agreements; move them to a template version")
    add_list_and_show(actions, "agreements", "agreement", COLUMNS)
    add = add_leaf(actions, "add", "a customer's agreement, on its own template or the tenant's default", _add)
    add.add_argument("id", help="the agreement id")
    add.add_argument("--customer", required=True)
    add.add_argument("--template", help="its own template (a name or name_vN); default: the tenant's default")
    moved = add_leaf(actions, "move", "move agreements to a template version (all, or those named)", _move)
    moved.add_argument("--template", required=True, help="the target: a name (its latest version) or name_vN")
    moved.add_argument("--agreement", action="append", help="only this agreement (repeat); default: all")
    moved.add_argument("--include-sales", action="store_true", help="also the sales in draft or ready")


def _add(args: argparse.Namespace, api: Api) -> int:
    body = {"id": args.id, "customer": args.customer, "template": args.template}
    return show(args, call(api, "POST", "/agreements", body), COLUMNS)


def _move(args: argparse.Namespace, api: Api) -> int:
    body = {"template": args.template, "agreements": args.agreement or None, "include_sales": args.include_sales}
    result = call(api, "POST", "/agreements/move", body)
    sales = f" and {len(result['sales'])} sale(s)" if result.get("sales") else ""
    return say(args, result, f"moved {result['moved']} agreement(s){sales} to {result['template']}")
