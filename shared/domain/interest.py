"""Statutory late-payment interest (morarente, renteloven §§ 3 and 5) as plain Decimal arithmetic.

The rate
    An annual rate in percent: Nationalbanken's lending rate (udlånsrente) as
    fixed on 1 January and 1 July, plus 8 percentage points (claims due on or
    after 1 Mar 2013). It holds for the whole half-year that starts on that
    date. :data:`DEFAULT_RATES` holds the table from 1 Jan 2023 to 1 Jan 2026;
    the 1 Jul 2024 – 1 Jan 2026 rows are derived from the lending-rate
    history, not confirmed in a published morarente notice, and 1 Jan 2026
    assumes no change in the second half of 2025. After the last row the
    last rate simply continues, so the tenant extends (or corrects) the table
    with :meth:`RateTable.with_entries` when Nationalbanken fixes the next
    rate.

Which days carry interest
    ``late_interest(principal, start, end)`` charges interest for the days
    *after* ``start`` up to and including ``end``: ``start`` is the due date
    (renteloven § 2: nothing before it) or the last day interest was already
    charged to, so consecutive charges never count a day twice:
    ``interest(a, c) == interest(a, b) + interest(b, c)`` before rounding.

Splitting by rate
    The days are split where a new rate takes effect: the part up to and
    including 31 Dec (or 30 Jun) at the old rate, the part from 1 Jan (or
    1 Jul) at the new one. Each part is counted with the day-count below as
    if it ran from the day before its first day to its last day.

Counting days
    ``"30E/360"`` (the default; Danish practice, no compounding): every month
    has 30 days and a year 360. For a part from the day after ``d1`` up to
    ``d2``::

        days = 360 × (Y2 − Y1) + 30 × (M2 − M1) + (min(D2, 30) − min(D1, 30))

    so the 31st counts as the 30th (31 Jan → 1 Feb is 1 day, 30 Jan → 31 Jan
    is 0), a month from one day to the same day is 30 (15 Feb → 15 Mar), and
    the end of February is not stretched (28 Feb → 1 Mar is 3 days). The
    rate divisor is 360.

    ``"actual/365"``: calendar days, ``d2 − d1``, divided by 365 in every
    year, leap or not.

The amount
    For each part: ``principal × rate / 100 × days / 360`` (or ``/ 365``).
    The parts are added unrounded; the sum is rounded once to øre,
    ROUND_HALF_UP. Simple interest on the principal: interest never earns
    interest. A principal of 0 or less, or ``end <= start``, gives 0.00.

Example (30E/360): 10 000.00 kr due 10 Dec 2024, interest charged to
20 Jan 2025. 11–31 Dec 2024 at 11.50 %: 30 − 10 = 20 days, 10000 × 11.50 ×
20 / 36000 = 63.888…; 1–20 Jan 2025 at 10.75 %: 360 × 1 + 30 × (1 − 12) +
(20 − 30) = 20 days, 10000 × 10.75 × 20 / 36000 = 59.722…; together
123.611… → 123.61.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Literal

from shared.domain.money import CENT, ZERO

DayCount = Literal["30E/360", "actual/365"]
DAY_COUNTS: tuple[DayCount, ...] = ("30E/360", "actual/365")

STATUTORY_MARKUP = Decimal("8.00")
"""Percentage points on top of the reference rate (renteloven § 5, claims due on or after 1 Mar 2013)."""

_HUNDRED = Decimal(100)
_PRECISION = Context(prec=60)


@dataclass(frozen=True)
class RatePeriod:
    """The annual rate in percent that takes effect on ``effective_from`` (1 Jan or 1 Jul)."""

    effective_from: date
    reference_rate: Decimal
    rate: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.effective_from, date) or (self.effective_from.month, self.effective_from.day) not in (
            (1, 1),
            (7, 1),
        ):
            raise ValueError(f"a rate takes effect on 1 January or 1 July, not {self.effective_from}")
        for name in ("reference_rate", "rate"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValueError(f"{name} must be a Decimal, got {value!r}")
        if self.rate < ZERO:
            raise ValueError(f"rate must be at least 0, got {self.rate} (from {self.effective_from})")

    @classmethod
    def statutory(cls, effective_from: date, reference_rate: Decimal) -> RatePeriod:
        """The § 5 rate: the reference rate plus 8 percentage points."""
        return cls(effective_from, reference_rate, reference_rate + STATUTORY_MARKUP)


@dataclass(frozen=True)
class RateTable:
    """Rate periods sorted by date; each holds until the next one takes effect, the last one indefinitely."""

    periods: tuple[RatePeriod, ...]

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("a rate table needs at least one rate")
        dates = [period.effective_from for period in self.periods]
        if dates != sorted(set(dates)):
            raise ValueError("rate periods must be in date order, one per date")

    def with_entries(self, entries: Iterable[RatePeriod]) -> RateTable:
        """This table extended (or corrected: an entry replaces one of the same date) by ``entries``."""
        by_date = {period.effective_from: period for period in self.periods}
        seen: set[date] = set()
        for entry in entries:
            if not isinstance(entry, RatePeriod):
                raise ValueError(f"expected a RatePeriod, got {entry!r}")
            if entry.effective_from in seen:
                raise ValueError(f"two rates given for {entry.effective_from}")
            seen.add(entry.effective_from)
            by_date[entry.effective_from] = entry
        return RateTable(tuple(by_date[day] for day in sorted(by_date)))

    def period_on(self, day: date) -> RatePeriod:
        """The rate period in force on ``day``."""
        current: RatePeriod | None = None
        for period in self.periods:
            if period.effective_from > day:
                break
            current = period
        if current is None:
            raise ValueError(f"no interest rate known for {day}; the table starts {self.periods[0].effective_from}")
        return current

    def rate_on(self, day: date) -> Decimal:
        return self.period_on(day).rate


DEFAULT_RATES = RateTable(
    (
        RatePeriod.statutory(date(2023, 1, 1), Decimal("1.90")),  # 9.90 %
        RatePeriod.statutory(date(2023, 7, 1), Decimal("3.25")),  # 11.25 %
        RatePeriod.statutory(date(2024, 1, 1), Decimal("3.75")),  # 11.75 %
        RatePeriod.statutory(date(2024, 7, 1), Decimal("3.50")),  # 11.50 %, derived
        RatePeriod.statutory(date(2025, 1, 1), Decimal("2.75")),  # 10.75 %, derived
        RatePeriod.statutory(date(2025, 7, 1), Decimal("1.75")),  # 9.75 %, derived
        RatePeriod.statutory(date(2026, 1, 1), Decimal("1.75")),  # 9.75 %, assumes no change in H2 2025
    )
)
"""Morarente from 1 Jan 2023; the tenant extends it with :meth:`RateTable.with_entries`."""


@dataclass(frozen=True)
class InterestPeriod:
    """One part of an interest computation at one rate: ``first_day`` to ``last_day`` inclusive."""

    first_day: date
    last_day: date
    rate: Decimal
    days: int
    amount: Decimal
    """Unrounded; only the total is rounded."""


@dataclass(frozen=True)
class InterestResult:
    amount: Decimal
    """The interest rounded to øre (ROUND_HALF_UP)."""
    rate: Decimal
    """The rate in force on ``end``."""
    periods: list[InterestPeriod] = field(default_factory=list)

    @property
    def exact(self) -> Decimal:
        """The unrounded sum of the periods (to 60 significant digits)."""
        with localcontext(_PRECISION):
            return sum((period.amount for period in self.periods), Decimal(0))


def day_count_days(after: date, through: date, day_count: DayCount = "30E/360") -> int:
    """The interest days from the day after ``after`` up to and including ``through``."""
    if day_count == "30E/360":
        return (
            360 * (through.year - after.year)
            + 30 * (through.month - after.month)
            + (min(through.day, 30) - min(after.day, 30))
        )
    if day_count == "actual/365":
        return (through - after).days
    raise ValueError(f"day_count must be one of {', '.join(DAY_COUNTS)}, got {day_count!r}")


def late_interest(
    principal: Decimal,
    start: date,
    end: date,
    table: RateTable = DEFAULT_RATES,
    day_count: DayCount = "30E/360",
) -> InterestResult:
    """Simple late interest on ``principal`` for the days after ``start`` up to and including ``end``.

    See the module docstring for how the days are split and counted.
    """
    if not isinstance(principal, Decimal):
        raise ValueError(f"principal must be a Decimal, got {principal!r}")
    if day_count not in DAY_COUNTS:
        raise ValueError(f"day_count must be one of {', '.join(DAY_COUNTS)}, got {day_count!r}")
    basis = Decimal(360 if day_count == "30E/360" else 365)
    rate_at_end = table.rate_on(end)
    if principal <= ZERO or end <= start:
        return InterestResult(amount=ZERO, rate=rate_at_end)

    periods: list[InterestPeriod] = []
    after = start
    with localcontext(_PRECISION):
        while after < end:
            first_day = after + timedelta(days=1)
            period = table.period_on(first_day)
            following = _next_change(table.periods, first_day)
            last_day = end if following is None or following > end else following - timedelta(days=1)
            days = day_count_days(after, last_day, day_count)
            amount = principal * period.rate * days / (_HUNDRED * basis)
            periods.append(InterestPeriod(first_day, last_day, period.rate, days, amount))
            after = last_day
    result = InterestResult(amount=ZERO, rate=rate_at_end, periods=periods)
    return replace(result, amount=result.exact.quantize(CENT, rounding=ROUND_HALF_UP))


def _next_change(periods: Sequence[RatePeriod], day: date) -> date | None:
    """The first date after ``day`` on which a new rate takes effect."""
    return next((period.effective_from for period in periods if period.effective_from > day), None)
