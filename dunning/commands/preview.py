"""``dunning preview``: one step of a template version as the debtor would get it; nothing is sent."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import OK, UsageError, add_command, call, print_json


def register(commands: Any) -> None:
    preview = add_command(
        commands, "preview", "a step of a template version as the debtor would get it (nothing is sent)", _preview
    )
    preview.add_argument("version", help="a version (standard_v2), or a name for its latest version")
    preview.add_argument("step", type=int, help="the step's number, 1 for the first")
    preview.add_argument("--customer", help="a real customer with their open invoices (default: a sample)")
    preview.add_argument("--language", choices=["da", "en"], help="default: the customer's")
    preview.add_argument("--html", metavar="FILE", help="write the e-mail's HTML part to FILE")


def _preview(args: argparse.Namespace, api: Api) -> int:
    query = {"customer": args.customer, "language": args.language}
    shown = call(api, "GET", path_of("templates", args.version, "steps", str(args.step), "preview"), query=query)
    if args.html:
        try:
            Path(args.html).write_text(shown["email"]["html"], encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{args.html}: cannot write the HTML part ({error.strerror or error})") from None
    if args.json:
        print_json(shown)
        return OK
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
    return OK
