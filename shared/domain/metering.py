"""Usage metering (O15): what each effect adds to the tenant's monthly usage.

Plain Python: the repository adds these increments in the same transaction that
records the effect, so usage counts each effect exactly once, and
``dunning usage --month`` agrees with the effects of that month.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# Every counter a month has, in the order the CLI shows them.
COUNTERS: tuple[str, ...] = (
    "runs",
    "email",
    "sms",
    "sms_segments",
    "fees",
    "fee_ore",
    "bs",
    "bs_deliveries",
    "proposals",
    "collection_cases",
    "collection_ore",
    "interest",
    "interest_ore",
    "compensation",
    "compensation_ore",
)


def ore(amount: str | Decimal) -> int:
    """DKK text or Decimal → whole øre (amounts are stored with two places)."""
    return int((Decimal(amount) * 100).to_integral_exact())


def usage_increments(effect: dict[str, Any]) -> dict[str, int]:
    """The counters one effect adds to; empty for effects that are not metered."""
    kind = effect["kind"]
    if kind == "run":
        # One per run line: a paused run that is resumed later is a second (billable) run.
        return {"runs": 1}
    if kind == "email":
        return {"email": 1}
    if kind == "sms":
        return {"sms": 1, "sms_segments": int(effect.get("segments", 1))}
    if kind == "fee":
        return {"fees": 1, "fee_ore": ore(effect["amount"])}
    if kind == "bs":
        return {"bs": 1}
    if kind == "bs_delivery":
        return {"bs_deliveries": 1}
    if kind == "proposal":
        return {"proposals": 1}
    if kind == "collection":
        return {"collection_cases": 1, "collection_ore": ore(effect["amount"])}
    if kind in ("interest", "compensation"):
        return {kind: 1, f"{kind}_ore": ore(effect["amount"])}
    return {}


def month_of(effect: dict[str, Any]) -> str:
    return str(effect["date"])[:7]
