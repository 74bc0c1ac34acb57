"""Values the consumers' storage shares between its DynamoDB and in-memory implementations (no
PynamoDB): a booking — what one fee or BS message writes — and how long settings are cached."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.domain.metering import month_of, usage_increments
from shared.storage.records import BillingLine, BsRecord

# How long a container keeps the tenant settings it read (``cached_settings`` of the stores), in
# seconds of its own monotonic clock. A change made through the API (another container) reaches
# every consumer within this time; one written in the same process (the simulator, tests) at once.
SETTINGS_TTL_SECONDS = 60.0


def still_fresh(read_at: float, now: float) -> bool:
    """Whether settings read at ``read_at`` may still be used at ``now`` (monotonic seconds)."""
    return 0 <= now - read_at < SETTINGS_TTL_SECONDS


@dataclass(frozen=True)
class Booking:
    """What one fee or BS message books, all or nothing, once per business ``key``: its effect (and
    the month's usage), with the billing line (``line``; ``reversible`` also files it as a pending
    fee, O13) or the BS record and its pending copy (``record``), or the effect alone (a skip)."""

    key: str
    effect: dict[str, Any]
    line: BillingLine | None = None
    reversible: bool = False
    record: BsRecord | None = None


class BookingUnclear(RuntimeError):
    """A batch of bookings could not be written together for a reason other than some of them having
    been booked before (a conflict, throttling, an unknown outcome): book each on its own."""


def summed_usage(effects: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """The usage several effects add, by month: one counter update per month item (a transaction
    may touch an item only once). Months without a metered effect are left out."""
    months: dict[str, Counter[str]] = {}
    for effect in effects:
        increments = usage_increments(effect)
        if increments:
            months.setdefault(month_of(effect), Counter()).update(increments)
    return {month: dict(sorted(counts.items())) for month, counts in sorted(months.items())}
