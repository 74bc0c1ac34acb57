"""The operator commands of ``dunning``: the operator API's operations from a terminal.

Every command talks to the local stack (``dunning local up``) unless ``--api-url`` names a
deployed stack's API (SigV4-signed with your AWS credentials). Tables by default, ``--json``
for JSON. The older table/function commands (``runs``, ``run``, ``proposals``, ``approve``,
``reject``, ``usage``, ``bank-connection``) go through the API too when ``--table`` /
``--function`` is left out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dunning.api_client import Api, connect, path_of
from dunning.local_server import LocalServerError, down, read_state, state_path, up


class CommandFailed(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


def _call(api: Api, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
    status, answer = api.request(method, path, body, {k: v for k, v in (query or {}).items() if v is not None})
    if status >= 400:
        raise CommandFailed(status, answer)
    return answer


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Plain aligned text: a header and one line per row."""

    def cell(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)

    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def _show(args: argparse.Namespace, data: Any, columns: Sequence[str] | None = None) -> None:
    if getattr(args, "json", False) or columns is None:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif isinstance(data, list):
        print(table(data, columns))
    else:
        print(table([data], columns))


def _with_api(action: Callable[[argparse.Namespace, Api], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            with connect(args.api_url, args.local_state) as api:
                return action(args, api)
        except LocalServerError as error:
            print(f"dunning {args.command}: {error}", file=sys.stderr)
            return 2
        except CommandFailed as failure:
            body = failure.body if isinstance(failure.body, dict) else {"reason": failure.body}
            where = f" ({body['field']})" if body.get("field") else ""
            print(f"dunning {args.command}: {failure.status} {body.get('reason')}{where}", file=sys.stderr)
            for row in body.get("errors") or []:
                print(f"  {row}", file=sys.stderr)
            return 1

    return run


def _target_options(parser: argparse.ArgumentParser, json_flag: bool = True) -> None:
    parser.add_argument("--api-url", help="a deployed stack's OperatorApiUrl (default: the local stack)")
    parser.add_argument("--local-state", help="the local stack's state file (default .dunning/local.json)")
    if json_flag:
        parser.add_argument("--json", action="store_true", help="JSON instead of a table")


def _value(text: str) -> Any:
    """A setting's value: JSON (true, 10, ["a"]) — but amounts like 101.00 stay text, as money is."""
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", text):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


# ----------------------------------------------------------------- commands


def _local(args: argparse.Namespace) -> int:
    path = state_path(args.local_state)
    if args.action == "up":
        try:
            state = up(args.tenant, path, args.port)
        except LocalServerError as error:
            print(f"dunning local: {error}", file=sys.stderr)
            return 1
        print(f"local stack for {state['tenant']!r} runs at {state['endpoint']} (pid {state['pid']}, state {path})")
    elif args.action == "down":
        print("local stack stopped" if down(path) else "no local stack was running")
    else:
        running = read_state(path)
        print(json.dumps(running, indent=2) if running else "no local stack is running")
        return 0 if running else 1
    return 0


SETTINGS_COLUMNS = ("setting", "value")


def _settings(args: argparse.Namespace, api: Api) -> int:
    if args.action == "set":
        changes: dict[str, Any] = {}
        for pair in args.pairs:
            name, _, text = pair.partition("=")
            target: dict[str, Any] = changes  # nested names (bs.enabled) build nested dicts
            *parents, leaf = name.split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = _value(text) if text not in ("",) else None
        settings = _call(api, "PATCH", "/settings", changes)
    else:
        settings = _call(api, "GET", "/settings")
    rows = [{"setting": k, "value": json.dumps(v) if isinstance(v, dict | list) else v} for k, v in settings.items()]
    _show(args, settings if args.json else rows, SETTINGS_COLUMNS)
    return 0


def _templates(args: argparse.Namespace, api: Api) -> int:
    if args.action == "list":
        templates = _call(api, "GET", "/templates")
        rows = [
            {"version": v["version_id"], "used": v["used"], "created": v["created_on"], "steps": _steps(v["steps"])}
            for t in templates
            for v in t["versions"]
        ]
        _show(args, templates if args.json else rows, ("version", "used", "created", "steps"))
    elif args.action == "show":
        _show(args, _call(api, "GET", path_of("templates", args.name)))
    elif args.action == "usage":
        usage = _call(api, "GET", path_of("templates", args.name, "usage"))
        _show(args, usage, ("version_id", "used", "default", "agreements", "sales", "invoices_in_process"))
    else:
        import yaml

        definition = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
        result = _call(api, "POST", "/templates", definition)
        print(json.dumps(result, indent=2) if args.json else f"{result['outcome']}: {result['version']['version_id']}")
    return 0


def _steps(steps: list[dict[str, Any]]) -> str:
    def action(a: Any) -> str:
        return a if isinstance(a, str) else f"fee {a['fee']}"

    return "; ".join(f"{s['name']} +{s['days']}d {'+'.join(action(a) for a in s['actions'])}" for s in steps)


def _customers(args: argparse.Namespace, api: Api) -> int:
    columns = ("id", "name", "email", "phone", "language")
    if args.action == "list":
        _show(args, _call(api, "GET", "/customers"), columns)
    elif args.action == "show":
        _show(args, _call(api, "GET", path_of("customers", args.id)), columns)
    else:
        body = {"name": args.name, "email": args.email, "phone": args.phone, "language": args.language}
        _show(args, _call(api, "PUT", path_of("customers", args.id), body), columns)
    return 0


def _agreements(args: argparse.Namespace, api: Api) -> int:
    columns = ("id", "customer", "template")
    if args.action == "list":
        _show(args, _call(api, "GET", "/agreements", query={"customer": args.customer}), columns)
    elif args.action == "add":
        body = {"id": args.id, "customer": args.customer, "template": args.template}
        _show(args, _call(api, "POST", "/agreements", body), columns)
    else:
        body = {"template": args.template, "agreements": args.agreement or None, "include_sales": args.include_sales}
        result = _call(api, "POST", "/agreements/move", body)
        print(
            json.dumps(result, indent=2)
            if args.json
            else f"moved {result['moved']} agreement(s) to {result['template']}"
        )
    return 0


INVOICE_COLUMNS = ("id", "customer", "agreement", "template", "amount", "open_amount", "due", "steps_done")


def _invoices(args: argparse.Namespace, api: Api) -> int:
    if args.action == "list":
        _show(args, _call(api, "GET", "/invoices", query={"customer": args.customer}), INVOICE_COLUMNS)
    elif args.action == "show":
        _show(args, _call(api, "GET", path_of("invoices", args.id)), INVOICE_COLUMNS)
    elif args.action == "timeline":
        timeline = _call(api, "GET", path_of("invoices", args.id, "timeline"))
        if args.json:
            _show(args, timeline)
        else:
            print(f"{args.id}: {timeline['status']}, template {timeline['template']}")
            print(table(timeline["events"], ("date", "kind", "step", "amount", "template")))
    else:
        body = {
            "id": args.id,
            "agreement": args.agreement,
            "amount": args.amount,
            "issued": args.issued,
            "due": args.due,
        }
        _show(args, _call(api, "POST", "/invoices", body), INVOICE_COLUMNS)
    return 0


def _entries(args: argparse.Namespace, api: Api) -> int:
    route = "/payments" if args.command == "payments" else "/credit-notes"
    columns = ("id", "on", "amount", "invoice", "customer", "applied", "on_account")
    if args.action == "list":
        _show(args, _call(api, "GET", route, query={"customer": args.customer}), columns)
    else:
        body = {"id": args.id, "amount": args.amount, "on": args.on, "invoice": args.invoice, "customer": args.customer}
        _show(args, _call(api, "POST", route, body), columns)
    return 0


RUN_COLUMNS = ("run_id", "kind", "status", "reminders", "messages", "proposals", "reason")


def _start(args: argparse.Namespace, api: Api) -> int:
    started = _call(api, "POST", "/runs", {"resume": args.resume})
    print(json.dumps(started, indent=2) if args.json else f"started run {started['run_id']}")
    return 0


def _runs_api(args: argparse.Namespace, api: Api) -> int:
    _show(args, _call(api, "GET", "/runs", query={"limit": str(args.limit)}), RUN_COLUMNS)
    return 0


def _run_api(args: argparse.Namespace, api: Api) -> int:
    run = _call(api, "GET", path_of("runs", args.run_id))
    if args.json:
        _show(args, run)
    else:
        print(table([{"field": k, "value": v} for k, v in run.items()], ("field", "value")))
    return 0


def _proposals_api(args: argparse.Namespace, api: Api) -> int:
    query = {"customer": getattr(args, "customer", None), "invoice": getattr(args, "invoice", None)}
    proposals = _call(api, "GET", "/proposals", query=query)
    if args.by == "invoice" and not args.json:
        rows = [p | {"invoice": i} for p in proposals for i in p["invoices"]]
        print(table(rows, ("invoice", "customer", "step", "proposed_on", "key")))
    else:
        _show(args, proposals, ("key", "kind", "customer", "step", "proposed_on", "amount", "invoices"))
    return 0


def _decide_api(args: argparse.Namespace, api: Api) -> int:
    keys = getattr(args, "key", None)
    if not args.all and not args.customer and not keys:
        print(f"dunning {args.command}: name --all, a --customer ID or a --key", file=sys.stderr)
        return 2
    body = {"customers": None if args.all else args.customer, "keys": None if args.all else keys}
    print(json.dumps(_call(api, "POST", f"/proposals/{args.command}", body), indent=2))
    return 0


def _cases(args: argparse.Namespace, api: Api) -> int:
    _show(args, _call(api, "GET", "/collection-cases"), ("key", "customer", "invoices", "amount"))
    return 0


def _reference(args: argparse.Namespace, api: Api) -> int:
    found = _call(api, "GET", path_of("references", args.reference))
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"reference {found['reference']}: customer {found['customer']}, {found['step']} ({found['template']})")
    print(f"sent {found['date']} for {found['amount_at_reminder']}; open now {found['open_total']}")
    _show(args, found["invoices"], ("invoice_id", "open_amount", "status"))
    return 0


def _usage_api(args: argparse.Namespace, api: Api) -> int:
    usage = _call(api, "GET", path_of("usage", args.month))
    _show(args, usage if args.json else [{"counter": k, "value": v} for k, v in usage.items()], ("counter", "value"))
    return 0


def _bank_api(args: argparse.Namespace, api: Api) -> int:
    _call(api, "PUT", path_of("bank-connections", args.name), {"active": args.state == "active"})
    print(f"bank connection {args.name!r} is now {args.state}")
    return 0


def _import(args: argparse.Namespace, api: Api) -> int:
    from dunning.importer import ImportFailed, run_import

    try:
        return run_import(api, [Path(p) for p in args.files], args.kind, args.skip_invalid, args.dry_run)
    except ImportFailed as error:
        print(f"dunning import: {error}", file=sys.stderr)
        return 1


# ----------------------------------------------------------------- registration


def register(commands: Any) -> None:
    """Add the operator commands to ``dunning``'s subcommands, and let the older ones use the API."""
    local = commands.add_parser("local", help="the persistent local stack: up, down, status")
    local.add_argument("action", choices=["up", "down", "status"])
    local.add_argument("--tenant", default="acme")
    local.add_argument("--port", type=int, default=0, help="0: any free port")
    local.add_argument("--local-state")
    local.set_defaults(run=_local)

    settings = commands.add_parser("settings", help="show or change the tenant's settings (C1–C3, O4–O13)")
    settings.add_argument("action", choices=["show", "set"])
    settings.add_argument(
        "pairs", nargs="*", metavar="NAME=VALUE", help="e.g. default_template=standard bs.enabled=true"
    )
    _target_options(settings)
    settings.set_defaults(run=_with_api(_settings))

    templates = commands.add_parser("templates", help="templates and their versions (C5, C8)")
    templates.add_argument("action", choices=["list", "show", "define", "usage"])
    templates.add_argument("name", nargs="?", help="template name (show, usage)")
    templates.add_argument("--file", help="define: a YAML/JSON file {name, steps}")
    _target_options(templates)
    templates.set_defaults(run=_with_api(_templates))

    customers = commands.add_parser("customers", help="list, show or put customers")
    customers.add_argument("action", choices=["list", "show", "put"])
    customers.add_argument("id", nargs="?")
    customers.add_argument("--name")
    customers.add_argument("--email")
    customers.add_argument("--phone")
    customers.add_argument("--language", default="da", choices=["da", "en"])
    _target_options(customers)
    customers.set_defaults(run=_with_api(_customers))

    agreements = commands.add_parser("agreements", help="list or add agreements; move them to a version (C9)")
    agreements.add_argument("action", choices=["list", "add", "move"])
    agreements.add_argument("id", nargs="?", help="add: the agreement id")
    agreements.add_argument("--customer")
    agreements.add_argument("--template", help="add: its own template; move: the target version")
    agreements.add_argument("--agreement", action="append", help="move: only these (repeat); default all")
    agreements.add_argument("--include-sales", action="store_true")
    _target_options(agreements)
    agreements.set_defaults(run=_with_api(_agreements))

    invoices = commands.add_parser("invoices", help="list, show, add invoices; an invoice's timeline")
    invoices.add_argument("action", choices=["list", "show", "add", "timeline"])
    invoices.add_argument("id", nargs="?")
    invoices.add_argument("--customer")
    invoices.add_argument("--agreement")
    invoices.add_argument("--amount")
    invoices.add_argument("--issued")
    invoices.add_argument("--due")
    _target_options(invoices)
    invoices.set_defaults(run=_with_api(_invoices))

    for name in ("payments", "credit-notes"):
        entries = commands.add_parser(name, help=f"list or add {name.replace('-', ' ')}")
        entries.add_argument("action", choices=["list", "add"])
        entries.add_argument("id", nargs="?")
        entries.add_argument("--amount")
        entries.add_argument("--on", help="YYYY-MM-DD")
        entries.add_argument("--invoice")
        entries.add_argument("--customer")
        _target_options(entries)
        entries.set_defaults(run=_with_api(_entries))

    start = commands.add_parser("start", help="start the reminder flow now (O1), or --resume a paused run (O6)")
    start.add_argument("--resume", metavar="RUN_ID")
    _target_options(start)
    start.set_defaults(run=_with_api(_start))

    cases = commands.add_parser("cases", help="debt-collection cases (O14)")
    _target_options(cases)
    cases.set_defaults(run=_with_api(_cases))

    reference = commands.add_parser("reference", help="the reminder a payment reference belongs to")
    reference.add_argument("reference", help="the 15-digit payment reference (FI +71 payment id)")
    _target_options(reference)
    reference.set_defaults(run=_with_api(_reference))

    importer = commands.add_parser("import", help="customers, agreements and invoices from CSV or JSON files")
    importer.add_argument("files", nargs="+")
    importer.add_argument(
        "--kind", choices=["customers", "agreements", "invoices"], help="when the columns do not tell"
    )
    importer.add_argument("--skip-invalid", action="store_true", help="import the good rows, report the bad ones")
    importer.add_argument("--dry-run", action="store_true", help="check every row, import nothing")
    _target_options(importer, json_flag=False)
    importer.set_defaults(run=_with_api(_import))

    _retarget(commands.choices)


# The older commands: their --table / --function become optional; without them they use the API.
_VIA_API: dict[str, tuple[str, Callable[[argparse.Namespace, Api], int]]] = {
    "runs": ("table", _runs_api),
    "run": ("table", _run_api),
    "proposals": ("table", _proposals_api),
    "approve": ("function", _decide_api),
    "reject": ("function", _decide_api),
    "usage": ("table", _usage_api),
    "bank-connection": ("table", _bank_api),
}


def _retarget(parsers: dict[str, argparse.ArgumentParser]) -> None:
    for name, (option, via_api) in _VIA_API.items():
        parser = parsers.get(name)
        if parser is None:
            continue
        for action in parser._actions:
            if action.dest == option:
                action.required = False
                action.help = f"{action.help or ''} (leave out to use the API)".strip()
        has_json = any(action.dest == "json" for action in parser._actions)
        _target_options(parser, json_flag=not has_json)
        if name in ("approve", "reject"):
            parser.add_argument("--key", action="append", help="this proposal (repeat)")
        direct = parser.get_default("run")
        api_run = _with_api(via_api)

        def run(args: argparse.Namespace, direct: Any = direct, api_run: Any = api_run, option: str = option) -> int:
            return int(direct(args) if getattr(args, option, None) else api_run(args))

        parser.set_defaults(run=run)
