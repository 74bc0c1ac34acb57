"""The ``dunning`` command's subcommands, one module per resource, each registering its own parsers.

Every operator command talks to the operator API through :mod:`dunning.api_client` (the local
stack, or ``--api-url``). Only :mod:`~dunning.commands.scenarios` (simulate, demo, load),
:mod:`~dunning.commands.local` and :mod:`~dunning.commands.redrive` touch AWS directly
(``tests/cli/test_command_imports.py`` keeps it so).
"""

from __future__ import annotations

import argparse
from types import ModuleType

from dunning.commands import (
    agreements,
    bank,
    cases,
    customers,
    imports,
    invoices,
    journals,
    local,
    operators,
    payments,
    preview,
    proposals,
    redrive,
    references,
    runs,
    sales,
    scenarios,
    sends,
    settings,
    statements,
    templates,
    usage,
)
from dunning.commands.common import EXIT_CODES

MODULES: tuple[ModuleType, ...] = (
    local,
    settings,
    templates,
    preview,
    customers,
    agreements,
    sales,
    invoices,
    payments,
    journals,
    bank,
    imports,
    runs,
    proposals,
    cases,
    references,
    statements,
    sends,
    usage,
    operators,
    scenarios,
    redrive,
)
# The modules that may reach AWS without the operator API.
DIRECT_AWS = frozenset({"local", "redrive", "scenarios"})


def build_parser() -> argparse.ArgumentParser:
    """``dunning`` with every module's subcommands."""
    parser = argparse.ArgumentParser(
        prog="dunning",
        description="Dunning engine: operate a tenant through its API (the local stack from `dunning local up`, "
        "or a deployed one with --api-url), and replay scenarios.",
        epilog=EXIT_CODES,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(commands)
    return parser
