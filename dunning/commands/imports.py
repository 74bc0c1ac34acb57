"""``dunning import``: customers, agreements and invoices from accounting exports (``dunning.importer``)."""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from dunning.api_client import Api
from dunning.commands.common import EXIT_CODES, REFUSED, TARGET_TEXT_ONLY, fail, with_api


def register(commands: Any) -> None:
    what = "customers, agreements and invoices from CSV or JSON exports (the report is text)"
    parser = commands.add_parser("import", help=what, description=what, parents=[TARGET_TEXT_ONLY], epilog=EXIT_CODES)
    parser.set_defaults(run=with_api(_import))
    parser.add_argument("files", nargs="+", help="CSV (, or ;) or JSON files")
    parser.add_argument("--kind", choices=["customers", "agreements", "invoices"], help="when the columns do not tell")
    parser.add_argument("--encoding", help="the files' encoding, e.g. cp1252; default: detected")
    parser.add_argument("--skip-invalid", action="store_true", help="import the good rows, report the bad ones")
    parser.add_argument("--dry-run", action="store_true", help="check every row and show what would change")


class _Quiet:
    """A progress bar that shows nothing (stderr is not a terminal: no bar between results)."""

    def update(self, _: int = 1) -> None:
        return None


def quiet_progress(**_: Any) -> AbstractContextManager[_Quiet]:
    return nullcontext(_Quiet())


def _import(args: argparse.Namespace, api: Api) -> int:
    from dunning.importer import ImportFailed, run_import

    options: dict[str, Any] = {"kind": args.kind, "skip_invalid": args.skip_invalid, "dry_run": args.dry_run}
    if args.encoding:
        options["encoding"] = args.encoding
    if not sys.stderr.isatty():
        options["progress"] = quiet_progress
    try:
        return run_import(api, [Path(p) for p in args.files], **options)
    except ImportFailed as error:
        fail(args, str(error))
        return REFUSED
