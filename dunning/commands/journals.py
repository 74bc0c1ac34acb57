"""``dunning journals``: cash journals (kassekladder) a run may check for unposted payments, and posting.

A run paused for unposted entries says "Bogfør posteringerne": ``journals post NAME --on DAY``
turns each unposted entry into a payment on its customer's account; then ``resume`` the run.
"""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import add_leaf, call, resource, say, show

COLUMNS = ("id", "customer", "amount", "text")


def register(commands: Any) -> None:
    actions = resource(commands, "journals", "cash journals: create, list entries, add an entry, post")
    create = add_leaf(actions, "create", "a cash journal a run may check (settings check_journals)", _create)
    create.add_argument("journal", help="the journal's name")
    entries = add_leaf(actions, "entries", "the journal's unposted entries", _entries)
    entries.add_argument("journal")
    add = add_leaf(actions, "add", "an unposted entry: money received from a customer", _add)
    add.add_argument("journal")
    add.add_argument("--id", required=True, help="the entry's voucher (bilag) number; the same id twice is refused")
    add.add_argument("--customer", required=True)
    add.add_argument("--amount", required=True, help="e.g. 500.00")
    add.add_argument("--text", help="the entry's text")
    post = add_leaf(actions, "post", "post every unposted entry: each becomes a payment on account", _post)
    post.add_argument("journal")
    post.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="the posting date")


def _create(args: argparse.Namespace, api: Api) -> int:
    created = call(api, "PUT", path_of("journals", args.journal))
    return say(args, created, f"journal {args.journal} is ready")


def _entries(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", path_of("journals", args.journal, "entries")), COLUMNS)


def _add(args: argparse.Namespace, api: Api) -> int:
    body = {"id": args.id, "customer": args.customer, "amount": args.amount, "text": args.text}
    return show(args, call(api, "POST", path_of("journals", args.journal, "entries"), body), COLUMNS)


def _post(args: argparse.Namespace, api: Api) -> int:
    posted = call(api, "POST", path_of("journals", args.journal, "post"), {"on": args.on})
    return say(args, posted, f"posted {posted['count']} entr{'y' if posted['count'] == 1 else 'ies'} of {args.journal}")
