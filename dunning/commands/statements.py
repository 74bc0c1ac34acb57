"""``dunning statement``: e-mail a customer's statement of account (kontoudtog) now, or preview it."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import OK, add_command, call, print_json, say


def register(commands: Any) -> None:
    statement = add_command(
        commands, "statement", "e-mail a customer's statement of account now, or --preview it", _statement
    )
    statement.add_argument("customer", help="the customer id")
    statement.add_argument("--preview", action="store_true", help="show it without sending")


def _statement(args: argparse.Namespace, api: Api) -> int:
    route = path_of("customers", args.customer, "statement")
    if args.preview:
        preview = call(api, "GET", route)
        if args.json:
            print_json(preview)
        else:
            print(f"To: {preview['to'] or '(no e-mail address)'}\nSubject: {preview['subject']}\n")
            print(preview["text"], end="")
        return OK
    sent = call(api, "POST", route)
    return say(args, sent, f"statement for {sent['customer']} sent ({sent['key']})")
