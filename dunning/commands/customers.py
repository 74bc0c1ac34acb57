"""``dunning customers``: list, show or put (create or replace) a customer, private or business."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import add_leaf, call, resource, show

COLUMNS = ("id", "name", "email", "phone", "language", "business", "address")


def register(commands: Any) -> None:
    actions = resource(commands, "customers", "list, show or put customers")
    add_leaf(actions, "list", "every customer", _list)
    shown = add_leaf(actions, "show", "one customer", _show)
    shown.add_argument("id", help="the customer id")
    put = add_leaf(actions, "put", "create a customer, or replace every field of an existing one", _put)
    put.add_argument("id", help="the customer id (your accounting system's customer number)")
    put.add_argument("--name", required=True)
    put.add_argument("--email")
    put.add_argument("--phone", help="e.g. +4520123456")
    put.add_argument("--language", default="da", choices=["da", "en"], help="the language of their letters")
    kind = put.add_mutually_exclusive_group()
    kind.add_argument("--business", action="store_true", help="a business customer (B2B: compensation, agreed fees)")
    kind.add_argument("--private", dest="business", action="store_false", help="a private customer (the default)")
    put.add_argument(
        "--address-line", action="append", metavar="LINE", help="a street line of the postal address (repeat, 1–4)"
    )
    put.add_argument("--postcode", help="with --address-line: 4 digits in Denmark")
    put.add_argument("--city", help="with --address-line")
    put.add_argument("--country", default="DK", help="with --address-line: ISO alpha-2 (default DK)")


def _list(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", "/customers"), COLUMNS)


def _show(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", path_of("customers", args.id)), COLUMNS)


def _put(args: argparse.Namespace, api: Api) -> int:
    body: dict[str, Any] = {
        "name": args.name,
        "email": args.email,
        "phone": args.phone,
        "language": args.language,
        "business": args.business,
    }
    if args.address_line or args.postcode or args.city:
        body["address"] = {
            "lines": args.address_line or [],
            "postcode": args.postcode,
            "city": args.city,
            "country": args.country,
        }
    return show(args, call(api, "PUT", path_of("customers", args.id), body), COLUMNS)
