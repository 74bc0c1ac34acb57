"""``dunning templates``: templates and their versions — list, show, define from a file, usage."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import OK, UsageError, add_leaf, call, print_json, read_data_file, resource, show, table


def register(commands: Any) -> None:
    actions = resource(commands, "templates", "reminder templates and their versions")
    add_leaf(actions, "list", "every template version: used or not, created, its steps", _list)
    shown = add_leaf(actions, "show", "one template with its versions and steps", _show)
    shown.add_argument("name", help="the template's name, e.g. standard")
    define = add_leaf(
        actions,
        "define",
        "define a template from a file (a changed definition of a used template becomes its next version)",
        _define,
    )
    define.add_argument("--file", required=True, help="a YAML/JSON file {name, steps}, e.g. examples/template.yaml")
    usage = add_leaf(actions, "usage", "which agreements, sales and invoices use each version", _usage)
    usage.add_argument("name", help="the template's name")


def _list(args: argparse.Namespace, api: Api) -> int:
    templates = call(api, "GET", "/templates")
    if args.json:
        print_json(templates)
        return OK
    rows = [
        {"version": v["version_id"], "used": v["used"], "created": v["created_on"], "steps": steps_text(v["steps"])}
        for t in templates
        for v in t["versions"]
    ]
    print(table(rows, ("version", "used", "created", "steps")))
    return OK


def _show(args: argparse.Namespace, api: Api) -> int:
    template = call(api, "GET", path_of("templates", args.name))
    if args.json:
        print_json(template)
        return OK
    print(f"{template['name']}: latest {template['latest']}")
    rows = [
        {"version": v["version_id"], "used": v["used"], "created": v["created_on"], "step": n, "name": s["name"]}
        | {"days": s["days"], "actions": actions_text(s["actions"])}
        for v in template["versions"]
        for n, s in enumerate(v["steps"], 1)
    ]
    print(table(rows, ("version", "used", "created", "step", "name", "days", "actions")))
    return OK


def _define(args: argparse.Namespace, api: Api) -> int:
    definition = read_data_file(args.file, "template")
    if not isinstance(definition, dict):
        raise UsageError(f"{args.file}: expected a template {{name, steps}}")
    result = call(api, "POST", "/templates", definition)
    if args.json:
        print_json(result)
        return OK
    print(f"{result['outcome']}: {result['version']['version_id']}")
    print(table(defined_steps(result), ("step", "name", "days", "actions", "sms")))
    return OK


def _usage(args: argparse.Namespace, api: Api) -> int:
    usage = call(api, "GET", path_of("templates", args.name, "usage"))
    return show(args, usage, ("version_id", "used", "default", "agreements", "sales", "invoices_in_process"))


def defined_steps(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per step; ``sms``: the segment count of the step's own SMS text per language."""
    segments: dict[int, list[str]] = {}
    for counted in result.get("sms") or []:
        plural = "" if counted["segments"] == 1 else "s"
        segments.setdefault(counted["step"], []).append(
            f"{counted['language']} {counted['segments']} segment{plural} ({counted['encoding']})"
        )
    return [
        {"step": number, "name": step["name"], "days": step["days"], "actions": actions_text(step["actions"])}
        | {"sms": "; ".join(segments.get(number, []))}
        for number, step in enumerate(result["version"]["steps"], 1)
    ]


def action_text(action: Any) -> str:
    """``email``, ``fee 100.00``, ``interest``, ``compensation``."""
    if isinstance(action, str):
        return action
    if "fee" in action:
        return f"fee {action['fee']}"
    return "+".join(name for name, on in action.items() if on)  # {interest: true}, {compensation: true}


def actions_text(actions: list[Any]) -> str:
    return ", ".join(action_text(a) for a in actions)


def steps_text(steps: list[dict[str, Any]]) -> str:
    """Every step on one line: ``Rykker 1 +4d email; Rykker 2 +10d email+fee 100.00``."""
    return "; ".join(f"{s['name']} +{s['days']}d {'+'.join(action_text(a) for a in s['actions'])}" for s in steps)
