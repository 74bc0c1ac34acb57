"""``dunning cases``: customers handed to debt collection."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api
from dunning.commands.common import add_command, call, show


def register(commands: Any) -> None:
    add_command(commands, "cases", "debt-collection cases handed to the partner", _cases)


def _cases(args: argparse.Namespace, api: Api) -> int:
    return show(args, call(api, "GET", "/collection-cases"), ("key", "customer", "invoices", "amount"))
