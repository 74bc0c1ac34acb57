"""Danish bank days: weekdays that are neither public holidays nor days the banks close.

Public holidays come from the ``holidays`` library (Denmark, category
"public"). It already knows that Store Bededag was abolished from 2024: the
day is a holiday up to 2023 and an ordinary bank day from 2024.

On top of those the Danish banks (and so Betalingsservice) close on:

* the Friday after Ascension Day,
* 5 June, Constitution Day (Grundlovsdag),
* 24 December, Christmas Eve,
* 31 December, New Year's Eve.

1 May is *not* a bank closing day, although the library lists it under
its "optional" category.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous "Meeus/Jones/Butcher" algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def bank_closing_days(year: int) -> Mapping[date, str]:
    """The holidays and bank closing days of ``year`` (besides ordinary weekends), with English names."""
    import holidays  # the calendars of every country: loaded when a year's bank days are first asked for

    closing: dict[date, str] = dict(holidays.country_holidays("DK", years=year, language="en_US").items())
    closing[easter_sunday(year) + timedelta(days=40)] = "Friday after Ascension Day (bank closing day)"
    closing[date(year, 6, 5)] = "Constitution Day (bank closing day)"
    closing[date(year, 12, 24)] = "Christmas Eve (bank closing day)"
    closing[date(year, 12, 31)] = "New Year's Eve (bank closing day)"
    return MappingProxyType(closing)  # cached: callers must not change it


def is_bank_day(day: date) -> bool:
    """True on a Monday–Friday that is not a Danish public holiday or bank closing day."""
    return day.weekday() < 5 and day not in bank_closing_days(day.year)


def add_bank_days(day: date, count: int) -> date:
    """The date ``count`` bank days after ``day`` (before it, when ``count`` is negative).

    ``day`` itself need not be a bank day: 2 bank days after Saturday 1 March 2025
    is Tuesday 4 March. ``count == 0`` returns ``day`` unchanged.
    """
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_bank_day(day):
            remaining -= 1
    return day


def next_bank_day(day: date) -> date:
    """``day`` itself when it is a bank day, else the first bank day after it."""
    while not is_bank_day(day):
        day += timedelta(days=1)
    return day
