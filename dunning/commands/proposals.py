"""``dunning proposals``, ``approve``, ``reject``: reminders and debt-collection cases waiting for a
person's approval (settings approval_required), and the decision."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api
from dunning.commands.common import OK, UsageError, add_command, call, print_json, show, table

COLUMNS = ("key", "kind", "customer", "step", "proposed_on", "amount", "invoices")
DECISIONS = (
    ("approve", "send them now (approved collection cases go to the partner)"),
    ("reject", "drop them: their invoices are due again and the next run proposes them anew"),
)


def register(commands: Any) -> None:
    proposals = add_command(commands, "proposals", "reminders and collection cases waiting for approval", _proposals)
    proposals.add_argument("--by", choices=["customer", "invoice"], default="customer", help="one row per …")
    proposals.add_argument("--customer", help="only this customer's")
    proposals.add_argument("--invoice", help="only those on this invoice")
    for name, what in DECISIONS:
        decide = add_command(commands, name, f"pending proposals: {what}", _decide)
        decide.add_argument("--all", action="store_true", help="every pending proposal")
        decide.add_argument("--customer", action="append", metavar="ID", help="this customer's proposals (repeat)")
        decide.add_argument("--key", action="append", help="this proposal (repeat)")


def _proposals(args: argparse.Namespace, api: Api) -> int:
    proposals = call(api, "GET", "/proposals", query={"customer": args.customer, "invoice": args.invoice})
    if args.by == "invoice" and not args.json:
        rows = [p | {"invoice": i} for p in proposals for i in p["invoices"]]
        print(table(rows, ("invoice", "customer", "step", "proposed_on", "key")))
        return OK
    return show(args, proposals, COLUMNS)


def _decide(args: argparse.Namespace, api: Api) -> int:
    if not args.all and not args.customer and not args.key:
        raise UsageError("name --all, a --customer ID or a --key")
    body = {"customers": None if args.all else args.customer, "keys": None if args.all else args.key}
    decision = call(api, "POST", f"/proposals/{args.command}", body)
    if args.json:
        print_json(decision)
        return OK
    print(table(decision_rows(decision), ("key", "outcome", "reason")))
    messages = decision.get("messages")
    if messages is not None:
        print(f"{messages} message(s) sent")
    return OK


def decision_rows(decision: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per proposal the decision touched: approved, rejected, dropped (nothing left), refused."""
    rows = [
        {"key": key, "outcome": outcome}
        for outcome in ("approved", "rejected", "dropped")
        for key in decision.get(outcome) or []
    ]
    rows += [{"key": k, "outcome": "refused", "reason": why} for k, why in (decision.get("refused") or {}).items()]
    return rows
