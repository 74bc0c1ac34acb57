"""Usage per tenant per calendar month (O15): read back the counters the repository keeps."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from shared.domain.metering import COUNTERS
from shared.storage.protocols import Store

MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def usage(repo: Store, month: str) -> dict[str, Any]:
    """The month's usage: counts, and amounts in DKK (the counters keep øre)."""
    if not MONTH.match(month):
        raise ValueError(f"month: expected YYYY-MM, got {month!r}")
    counters = repo.usage(month)
    result: dict[str, Any] = {"month": month}
    for name in COUNTERS:
        value = counters.get(name, 0)
        if name.endswith("_ore"):
            result[name.removesuffix("_ore") + "_amount"] = str(Decimal(value).scaleb(-2).quantize(Decimal("0.01")))
        else:
            result[name] = value
    return result
