"""When the next scheduled run is: the stack's EventBridge Scheduler expression read in the tenant's zone.

Handles what ``RunSchedule`` is written as: ``cron(minutes hours day-of-month month day-of-week year)``
with numbers, lists, ranges, ``*`` and ``?``, and ``rate(n unit)`` (no fixed time: None).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def _values(field: str, low: int, high: int) -> set[int] | None:
    """The numbers a cron field allows; None for any (``*``/``?``)."""
    if field in ("*", "?"):
        return None
    found: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(DAY_NAMES.get(a, a)), int(DAY_NAMES.get(b, b))
        else:
            start = end = int(DAY_NAMES.get(part, part))
        found.update(range(start, end + 1, step))
    return found


def next_run(expression: str, zone: str, after: datetime) -> datetime | None:
    """The first scheduled time after ``after`` (aware), in ``zone``; None for a rate or an unreadable cron."""
    if not (expression.startswith("cron(") and expression.endswith(")")):
        return None
    fields = expression[5:-1].split()
    if len(fields) != 6:
        return None
    try:
        minutes = sorted(_values(fields[0], 0, 59) or range(60))
        hours = sorted(_values(fields[1], 0, 23) or range(24))
        days, months = _values(fields[2], 1, 31), _values(fields[3], 1, 12)
        weekdays = _values(fields[4], 1, 7)
    except ValueError:
        return None
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    day: date = local.date()
    for _ in range(400):
        cron_weekday = day.isoweekday() % 7 + 1  # cron: SUN=1 … SAT=7
        if (
            (months is None or day.month in months)
            and (days is None or day.day in days)
            and (weekdays is None or cron_weekday in weekdays)
        ):
            for hour in hours:
                for minute in minutes:
                    candidate = datetime.combine(day, time(hour, minute), tz)
                    if candidate > local:
                        return candidate
        day += timedelta(days=1)
    return None
