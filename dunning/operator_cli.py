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
from dunning.local_server import LocalServerError, down, read_state, started_lines, state_path, up


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
        print("\n".join(started_lines(state)))
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
        if args.json:
            print(json.dumps(result, indent=2, ensure_ascii=False))
        else:
            print(f"{result['outcome']}: {result['version']['version_id']}")
            print(table(_defined_steps(result), ("step", "name", "days", "actions", "sms")))
    return 0


def _defined_steps(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per step; ``sms``: the segment count of the step's own SMS text per language."""
    segments: dict[int, list[str]] = {}
    for counted in result.get("sms") or []:
        plural = "" if counted["segments"] == 1 else "s"
        segments.setdefault(counted["step"], []).append(
            f"{counted['language']} {counted['segments']} segment{plural} ({counted['encoding']})"
        )
    return [
        {"step": number, "name": step["name"], "days": step["days"], "actions": _actions(step["actions"])}
        | {"sms": "; ".join(segments.get(number, []))}
        for number, step in enumerate(result["version"]["steps"], 1)
    ]


def _actions(actions: list[Any]) -> str:
    return ", ".join(a if isinstance(a, str) else f"fee {a['fee']}" if "fee" in a else next(iter(a)) for a in actions)


def _preview(args: argparse.Namespace, api: Api) -> int:
    query = {"customer": args.customer, "language": args.language}
    shown = _call(api, "GET", path_of("templates", args.version, "steps", str(args.step), "preview"), query=query)
    if args.html:
        Path(args.html).write_text(shown["email"]["html"], encoding="utf-8")
    if args.json:
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return 0
    who = "a sample customer" if shown["sample_customer"] else f"customer {shown['customer']}"
    invoices = "sample invoices" if shown["sample_invoices"] else "open invoices " + ", ".join(shown["invoices"])
    sms = shown["sms"]
    plural = "" if sms["segments"] == 1 else "s"
    step = f"{shown['version_id']} step {shown['step']} ({shown['step_name']})"
    print(f"{step} for {who}, {invoices}, in {shown['language']}")
    print(f"actions: {', '.join(shown['actions'])} — a preview: nothing is sent or recorded")
    print(f"\n== e-mail ==\nSubject: {shown['email']['subject']}\n\n{shown['email']['text'].rstrip()}")
    print(f"\n== SMS: {sms['segments']} segment{plural}, {sms['encoding']}, {sms['characters']} characters ==")
    print(sms["text"])
    print("\n== Betalingsservice slip, text lines ==")
    print("\n".join(shown["bs_text_lines"]))
    print(f"\nHTML part written to {args.html}" if args.html else "\n(--html FILE writes the e-mail's HTML part)")
    return 0


def _steps(steps: list[dict[str, Any]]) -> str:
    def action(a: Any) -> str:
        if isinstance(a, str):
            return a
        if "fee" in a:
            return f"fee {a['fee']}"
        return "+".join(name for name, on in a.items() if on)  # {interest: true}, {compensation: true}

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


def _statement(args: argparse.Namespace, api: Api) -> int:
    route = path_of("customers", args.customer, "statement")
    if args.preview:
        preview = _call(api, "GET", route)
        if args.json:
            _show(args, preview)
        else:
            print(f"To: {preview['to'] or '(no e-mail address)'}\nSubject: {preview['subject']}\n")
            print(preview["text"], end="")
        return 0
    sent = _call(api, "POST", route)
    print(json.dumps(sent, indent=2) if args.json else f"statement for {sent['customer']} sent ({sent['key']})")
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


def _sends(args: argparse.Namespace, api: Api) -> int:
    """``sends unconfirmed``: e-mails and SMS waiting for a decision; ``sends resolve KEY --sent|--resend``."""
    if args.action == "unconfirmed":
        rows = _call(api, "GET", "/sends/unconfirmed", query={"older_than_hours": str(args.older_than_hours)})
        _show(args, rows, ("send_id", "state", "channel", "customer", "step", "date", "since", "reason"))
        return 0
    if not args.key or args.decision is None:
        print("dunning sends resolve: name the send (its key or send id) and --sent or --resend", file=sys.stderr)
        return 2
    from shared.storage.ledger import send_id  # a business key has slashes; its send id is path-safe

    ref = send_id(args.key) if "/" in args.key else args.key
    resolved = _call(api, "POST", path_of("sends", ref, "resolve"), {"decision": args.decision})
    _show(args, resolved, ("send_id", "state", "channel", "customer", "step", "reason"))
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

    preview = commands.add_parser(
        "preview", help="a step of a template version as the debtor would get it (nothing is sent)"
    )
    preview.add_argument("version", help="a version (standard_v2), or a name for its latest version")
    preview.add_argument("step", type=int, help="the step's number, 1 for the first")
    preview.add_argument("--customer", help="a real customer with their open invoices (default: a sample)")
    preview.add_argument("--language", choices=["da", "en"], help="default: the customer's")
    preview.add_argument("--html", metavar="FILE", help="write the e-mail's HTML part to FILE")
    _target_options(preview)
    preview.set_defaults(run=_with_api(_preview))

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

    statement = commands.add_parser(
        "statement", help="e-mail a customer's statement of account now (O16), or --preview it"
    )
    statement.add_argument("customer", help="the customer id")
    statement.add_argument("--preview", action="store_true", help="show it without sending")
    _target_options(statement)
    statement.set_defaults(run=_with_api(_statement))

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

    sends = commands.add_parser("sends", help="e-mails and SMS whose outcome is not known: list, resolve")
    sends.add_argument("action", choices=["unconfirmed", "resolve"])
    sends.add_argument("key", nargs="?", help="resolve: the send's business key or send id")
    decision = sends.add_mutually_exclusive_group()
    decision.add_argument("--sent", dest="decision", action="store_const", const="sent", help="it reached them")
    decision.add_argument(
        "--resend", dest="decision", action="store_const", const="resend", help="it did not: queue it again"
    )
    sends.add_argument("--older-than-hours", type=int, default=24, help="unconfirmed: open for longer than this")
    _target_options(sends)
    sends.set_defaults(run=_with_api(_sends))

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
