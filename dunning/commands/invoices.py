"""``dunning invoices``: list, show, add; an invoice's timeline; disputes (held reminders, no fee)."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import OK, add_leaf, add_list_and_show, call, print_json, resource, show, table

COLUMNS = ("id", "customer", "agreement", "template", "amount", "open_amount", "due", "steps_done", "disputed_until")


def register(commands: Any) -> None:
    actions = resource(commands, "invoices", "invoices: list, show, add, timeline, dispute, resolve")
    add_list_and_show(actions, "invoices", "invoice", COLUMNS)
    add = add_leaf(actions, "add", "an invoice on an agreement", _add)
    add.add_argument("id", help="the invoice number")
    add.add_argument("--agreement", required=True)
    add.add_argument("--amount", required=True, help="e.g. 1250.00")
    add.add_argument("--issued", required=True, help="YYYY-MM-DD")
    add.add_argument("--due", required=True, help="YYYY-MM-DD")
    timeline = add_leaf(actions, "timeline", "the invoice's pinned template version and every effect on it", _timeline)
    timeline.add_argument("id")
    dispute = add_leaf(
        actions,
        "dispute",
        "the customer disputes the invoice: no reminders until --until (or until resolved), "
        "and no fee on its reminders afterwards",
        _dispute,
    )
    dispute.add_argument("id")
    dispute.add_argument("--until", metavar="YYYY-MM-DD", help="the dispute's end; default: until resolved")
    resolve = add_leaf(
        actions, "resolve", "the dispute is resolved: the next step is due again (without a fee)", _resolve
    )
    resolve.add_argument("id")


def _add(args: argparse.Namespace, api: Api) -> int:
    body = {"id": args.id, "agreement": args.agreement, "amount": args.amount, "issued": args.issued, "due": args.due}
    return show(args, call(api, "POST", "/invoices", body), COLUMNS)


def _timeline(args: argparse.Namespace, api: Api) -> int:
    timeline = call(api, "GET", path_of("invoices", args.id, "timeline"))
    if args.json:
        print_json(timeline)
        return OK
    print(f"{args.id}: {timeline['status']}, template {timeline['template']}")
    print(table(timeline["events"], ("date", "kind", "step", "amount", "template", "reference")))
    return OK


def _dispute(args: argparse.Namespace, api: Api) -> int:
    body = {"until": args.until} if args.until else {}
    return show(args, call(api, "POST", path_of("invoices", args.id, "dispute"), body), COLUMNS)


def _resolve(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "POST", path_of("invoices", args.id, "dispute", "resolve")), COLUMNS)
