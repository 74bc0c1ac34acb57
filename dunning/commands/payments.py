"""``dunning payments`` and ``dunning credit-notes``: money against an invoice or on a customer's account.

The id is optional: left out, it is derived from the entry's content (amount, date, invoice,
customer), so running the same command twice records the payment once. Two real payments of the
same amount on the same day for the same invoice need their own ``--id``.
"""

from __future__ import annotations

import argparse
import hashlib
from typing import Any

from dunning.api_client import Api
from dunning.commands.common import add_leaf, call, resource, show

COLUMNS = ("id", "on", "amount", "invoice", "customer", "applied", "on_account")
ROUTES = {"payments": "/payments", "credit-notes": "/credit-notes"}
PREFIX = {"payments": "pay", "credit-notes": "cn"}


def register(commands: Any) -> None:
    for name, what in (("payments", "payments"), ("credit-notes", "credit notes")):
        actions = resource(commands, name, f"list or add {what} (against an invoice, or on account)")
        listed = add_leaf(actions, "list", f"{what}, all or one customer's", _list)
        listed.add_argument("--customer", help="only this customer's")
        add = add_leaf(actions, "add", "record one; a repeat of the same command changes nothing", _add)
        add.add_argument(
            "--id", help="its id; default: derived from amount, date, invoice and customer (so a repeat is harmless)"
        )
        add.add_argument("--amount", required=True, help="e.g. 1250.00")
        add.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="the day it was paid or issued")
        add.add_argument("--invoice", help="the invoice it settles")
        add.add_argument("--customer", help="without --invoice: money on the customer's account")


def entry_id(kind: str, amount: str, on: str, invoice: str | None, customer: str | None) -> str:
    """A stable id from the entry's content: the same entry typed twice is the same entry."""
    content = "|".join((kind, amount.strip(), on.strip(), invoice or "", customer or ""))
    return f"{PREFIX[kind]}-{on.strip()}-{hashlib.sha256(content.encode()).hexdigest()[:10]}"


def _list(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", ROUTES[args.command], query={"customer": args.customer}), COLUMNS)


def _add(args: argparse.Namespace, api: Api) -> int:
    ident = args.id or entry_id(args.command, args.amount, args.on, args.invoice, args.customer)
    body = {"id": ident, "amount": args.amount, "on": args.on, "invoice": args.invoice, "customer": args.customer}
    return show(args, call(api, "POST", ROUTES[args.command], body), COLUMNS)
