"""Working days in England and Wales, for ``due_by`` (Victims' Code Right 4: 2 working days).

A working day is Monday to Friday that is not a bank holiday in the ``holidays`` package's
``GB``/``ENG`` calendar (England and Wales share it), substitute days included (Boxing Day on a
Saturday is observed on the Monday).  Days are counted on the Europe/London date of the report;
the report day itself is day 0 whatever it is, and the London wall-clock time is kept.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=8)
def _calendar(country: str, subdivision: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


@lru_cache(maxsize=8192)  # a pure answer per day, asked about every referral's due date
def is_working_day(day: date, country: str = "GB", subdivision: str = "ENG") -> bool:
    """``date(2026, 12, 28)`` (Boxing Day observed) -> False; ``date(2026, 12, 29)`` -> True."""
    return day.weekday() < 5 and day not in _calendar(country, subdivision)


def working_days_after(start: datetime, days: int, country: str = "GB",
                       subdivision: str = "ENG") -> datetime:
    """``start`` moved on ``days`` working days, same London wall-clock time.

    Example: Thursday 2026-12-24 10:00 + 2 -> Wednesday 2026-12-30 10:00 (Fri 25 Christmas,
    Sat/Sun, Mon 28 Boxing Day observed, Tue 29 is day 1).
    """
    local = start.astimezone(LONDON) if start.tzinfo else start.replace(tzinfo=LONDON)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, country, subdivision):
            counted += 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=LONDON)
