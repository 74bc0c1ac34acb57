"""``dunning settings``: show the tenant's settings, change some, or apply a settings file."""

from __future__ import annotations

import argparse
import json
from typing import Any

from dunning.api_client import Api
from dunning.commands.common import OK, UsageError, add_leaf, call, print_json, read_data_file, resource, table


def register(commands: Any) -> None:
    actions = resource(commands, "settings", "show or change the tenant's settings")
    add_leaf(actions, "show", "the tenant's settings", _show)
    change = add_leaf(
        actions, "set", "change settings: NAME=VALUE pairs and/or a YAML/JSON file; only what is named changes", _set
    )
    change.add_argument(
        "pairs",
        nargs="*",
        metavar="NAME=VALUE",
        help="e.g. tenant_name='Hansen ApS' default_template=standard bs.enabled=true (dots for nested "
        "settings) check_journals=Bank,Kasse (a list: comma-separated, or JSON such as "
        "approval_required='[\"Rykker 2\"]')",
    )
    change.add_argument("--file", help="a YAML/JSON file of settings, e.g. examples/settings.yaml")


def _show(args: argparse.Namespace, api: Api) -> int:
    return _print(args, call(api, "GET", "/settings"))


def _set(args: argparse.Namespace, api: Api) -> int:
    changes: dict[str, Any] = read_data_file(args.file, "settings") if args.file else {}
    if not isinstance(changes, dict):
        raise UsageError(f"{args.file}: expected settings as a mapping (name: value)")
    for pair in args.pairs:
        name, equals, text = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"{pair!s}: expected NAME=VALUE")
        target = changes  # nested names (bs.enabled) build nested mappings
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        if name in LIST_SETTINGS:
            target[leaf] = list_value(text)  # empty: no names
        else:
            target[leaf] = setting_value(text) if text else None
    if not changes:
        raise UsageError("name at least one NAME=VALUE or a --file")
    return _print(args, call(api, "PATCH", "/settings", changes))


def _print(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    if args.json:
        print_json(settings)
        return OK
    rows = [{"setting": k, "value": v} for k, v in settings.items()]
    print(table(rows, ("setting", "value")))
    return OK


# Settings that hold a list of names: a bare value is a comma-separated list, as the console's form
# takes them ("check_journals=Bank" meant the list ["Bank"] and was refused as "expected a list").
LIST_SETTINGS = {"check_journals", "excluded_customers"}


def list_value(text: str) -> Any:
    """A list setting's value: JSON when it starts with ``[``, else comma-separated names."""
    if text.startswith("["):
        return setting_value(text)
    return [name.strip() for name in text.split(",") if name.strip()]


def setting_value(text: str) -> Any:
    """A setting's value: true, false, null, a JSON list or object — else text. Numbers stay text
    (the API reads "7" as 7 where a number is expected, and a CVR or reg. no. keeps its digits)."""
    if text not in ("true", "false", "null") and not text.startswith(("[", "{")):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
