"""What every operator command shares: the connection to the API, one call helper, one way to
print results (a table, or ``--json``) and one way to turn the API's refusals into a sentence.

Exit codes (the same for every command):

* 0 — done;
* 1 — refused: the API (or the law it enforces) said no, or an import had bad rows;
* 2 — a usage error, an unreadable file, or no stack to talk to.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dunning.api_client import Api, ApiUnreachable, connect, path_of
from dunning.commands.errors import describe_refusal
from dunning.local_state import LocalServerError

OK, REFUSED, USAGE = 0, 1, 2

EXIT_CODES = "exit codes: 0 done, 1 refused (the reason is printed), 2 usage error, unreadable file or no stack"


class Refused(Exception):
    """The API said no; ``body`` is its error body (``{"error", "field", "reason", "errors"}``)."""

    def __init__(self, body: Any) -> None:
        super().__init__(body)
        self.body = body


class UsageError(Exception):
    """The command line (or a file it names) cannot be used; exit 2."""


def call(api: Api, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
    """One request; raises :class:`Refused` for any error answer."""
    status, answer = api.request(method, path, body, {k: str(v) for k, v in (query or {}).items() if v is not None})
    if status >= 400:
        raise Refused(answer)
    return answer


def target_options(json_flag: bool = True) -> argparse.ArgumentParser:
    """The options every API command takes: where the API is, and (but for ``import``) ``--json``."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--api-url", help="a deployed stack's OperatorApiUrl (default: the local stack)")
    parent.add_argument("--local-state", help="the local stack's state file (default .dunning/local.json)")
    if json_flag:
        parent.add_argument("--json", action="store_true", help="JSON instead of a table")
    return parent


TARGET = target_options()
TARGET_TEXT_ONLY = target_options(json_flag=False)


def resource(commands: Any, name: str, help: str) -> Any:
    """A resource's command (``customers``) and its actions (``customers list``…), one of them required."""
    parser = commands.add_parser(name, help=help, description=help, epilog=EXIT_CODES)
    return parser.add_subparsers(dest="action", required=True, title="actions", metavar="ACTION")


def add_leaf(
    actions: Any, name: str, help: str, run: Callable[[argparse.Namespace, Api], int], aliases: list[str] | None = None
) -> Any:
    """One API action of a resource: it takes the target options and runs ``run(args, api)``."""
    leaf = actions.add_parser(
        name, help=help, description=help, parents=[TARGET], epilog=EXIT_CODES, aliases=aliases or []
    )
    leaf.set_defaults(run=with_api(run))
    return leaf


def add_command(
    commands: Any, name: str, help: str, run: Callable[[argparse.Namespace, Api], int], aliases: list[str] | None = None
) -> Any:
    """A command with no actions of its own (``start``, ``cases``) that talks to the API."""
    return add_leaf(commands, name, help, run, aliases)


def with_api(action: Callable[[argparse.Namespace, Api], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``action`` against the API the options name; every failure becomes a message and an exit code."""

    def run(args: argparse.Namespace) -> int:
        try:
            with connect(args.api_url, args.local_state) as api:
                return action(args, api)
        except (LocalServerError, ApiUnreachable, UsageError) as error:
            fail(args, str(error))
            return USAGE
        except Refused as refused:
            lines = describe_refusal(refused.body)
            fail(args, lines[0])
            for line in lines[1:]:
                print(f"  {line}", file=sys.stderr)
            return REFUSED

    return run


def fail(args: argparse.Namespace, message: str) -> None:
    """``dunning <command>: <message>`` on stderr."""
    print(f"dunning {command_name(args)}: {message}", file=sys.stderr)


def command_name(args: argparse.Namespace) -> str:
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if isinstance(action, str) and action else str(args.command)


# ----------------------------------------------------------------- output


def cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {cell(v)}" for k, v in value.items() if v is not None)
    return "" if value is None else str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Plain aligned text: a header and one line per row."""
    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def add_list_and_show(actions: Any, plural: str, singular: str, columns: Sequence[str]) -> None:
    """A resource's ``list`` (all, or one customer's with ``--customer``) and ``show ID`` actions."""

    def listed(args: argparse.Namespace, api: Api) -> int:
        return show(args, call(api, "GET", f"/{plural}", query={"customer": args.customer}), columns)

    def shown(args: argparse.Namespace, api: Api) -> int:
        return show(args, call(api, "GET", path_of(plural, args.id)), columns)

    add_leaf(actions, "list", f"{plural}, all or one customer's", listed).add_argument(
        "--customer", help="only this customer's"
    )
    add_leaf(actions, "show", f"one {singular}", shown).add_argument("id")


def show(args: argparse.Namespace, data: Any, columns: Sequence[str]) -> int:
    """``data`` (a row or a list of rows) as a table, or as JSON with ``--json``."""
    if args.json:
        print_json(data)
    else:
        print(table(data if isinstance(data, list) else [data], columns))
    return OK


def show_fields(args: argparse.Namespace, data: dict[str, Any]) -> int:
    """One record as a two-column table (field, value), or JSON."""
    if args.json:
        print_json(data)
    else:
        print(table([{"field": k, "value": v} for k, v in data.items()], ("field", "value")))
    return OK


def say(args: argparse.Namespace, data: Any, sentence: str) -> int:
    """A one-line result, or the API's answer as JSON."""
    if args.json:
        print_json(data)
    else:
        print(sentence)
    return OK


def read_data_file(path: str, what: str) -> Any:
    """A YAML or JSON file's content; an unreadable file is a usage error naming it."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot read the {what} file ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: the {what} file is not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not valid YAML or JSON"
        raise UsageError(f"{path}{where}: {problem}") from None
