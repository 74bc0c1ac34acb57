"""``dunning sends``: e-mails and SMS whose outcome is not known, and the operator's decision on one."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import Refused, add_leaf, call, resource, show


def register(commands: Any) -> None:
    actions = resource(commands, "sends", "e-mails and SMS whose outcome is not known: list, resolve")
    listed = add_leaf(actions, "unconfirmed", "sends waiting for a decision", _unconfirmed)
    listed.add_argument("--older-than-hours", type=int, default=24, help="open for longer than this (default 24)")
    resolve = add_leaf(
        actions, "resolve", "decide one: it reached them (--sent), or queue it again (--resend)", _resolve
    )
    resolve.add_argument("key", help="the send's business key or send id")
    decision = resolve.add_mutually_exclusive_group(required=True)
    decision.add_argument("--sent", dest="decision", action="store_const", const="sent", help="it reached them")
    decision.add_argument(
        "--resend", dest="decision", action="store_const", const="resend", help="it did not: queue it again"
    )


def _unconfirmed(args: argparse.Namespace, api: Api) -> int:
    rows = call(api, "GET", "/sends/unconfirmed", query={"older_than_hours": args.older_than_hours})
    return show(args, rows, ("send_id", "state", "channel", "customer", "step", "date", "since", "reason"))


def _resolve(args: argparse.Namespace, api: Api) -> int:
    path = path_of("sends", _send_id(api, args.key), "resolve")
    try:
        resolved = call(api, "POST", path, {"decision": args.decision})
    except Refused as refused:
        raise Refused(_as_typed(refused.body)) from None
    return show(args, resolved, ("send_id", "state", "channel", "customer", "step", "reason"))


def _as_typed(body: Any) -> Any:
    """The API's refusal naming its path parameter ``send_ref`` as the argument the operator typed."""
    if not isinstance(body, dict):
        return body

    def named(entry: dict[str, Any]) -> dict[str, Any]:
        return entry | {"field": "key"} if entry.get("field") == "send_ref" else entry

    errors = body.get("errors")
    return named(body) | ({"errors": [named(e) if isinstance(e, dict) else e for e in errors]} if errors else {})


def _send_id(api: Api, ref: str) -> str:
    """The send id of a business key (it has slashes, which a path does not carry well), from the open sends."""
    if "/" not in ref:
        return ref
    for entry in call(api, "GET", "/sends/unconfirmed", query={"older_than_hours": 0}):
        if entry["key"] == ref:
            return str(entry["send_id"])
    raise Refused({"error": "not_found", "field": "key", "reason": f"no send waiting for a decision has the key {ref}"})
