"""Dates of birth and ages.

UK practice writes dates day first (``3/4/1999`` is 3 April 1999; GOV.UK style
guide, "Dates"), so ambiguous numeric dates are read day-first; ISO 8601
``1999-04-03`` is year first.  Two-digit years are placed in the century that
does not put the birth in the future.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_TEXT = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})$")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def _make(year: int, month: int, day: int, today: date) -> date | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if date(1890, 1, 1) <= value <= today else None


def dob(raw: object, today: date | None = None) -> date | None:
    """``1999-04-03``, ``3/4/1999``, ``03-04-1999``, ``03.04.99``, ``3 April 1999``,
    ``03041999`` -> ``date(1999, 4, 3)``; impossible or future dates -> None."""
    today = today or date.today()
    if isinstance(raw, datetime):
        return _make(raw.year, raw.month, raw.day, today)
    if isinstance(raw, date):
        return _make(raw.year, raw.month, raw.day, today)
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    text = raw.strip().lower()
    if match := _ISO.match(text):
        y, m, d = (int(g) for g in match.groups())
        return _make(y, m, d, today)
    if match := (_DMY.match(text) or _COMPACT.match(text)):
        d, m, y = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            y += 2000 if 2000 + y <= today.year else 1900
        return _make(y, m, d, today)
    if (match := _TEXT.match(text)) and match.group(2)[:3] in _MONTHS:
        return _make(int(match.group(3)), _MONTHS[match.group(2)[:3]], int(match.group(1)), today)
    return None


def dob_iso(raw: object) -> str | None:
    """ISO form of :func:`dob` (``3/4/1999`` -> ``1999-04-03``)."""
    value = dob(raw)
    return value.isoformat() if value else None


def age_at(birth: date | None, at: date | datetime | None = None) -> int | None:
    """Whole years attained from ``birth`` to ``at`` (today by default); a 29 February
    birthday is taken to fall on 1 March in common years (the usual UK reading).
    ``age_at(date(2008, 6, 1), date(2026, 5, 31))`` -> 17."""
    if birth is None:
        return None
    when = at.date() if isinstance(at, datetime) else (at or date.today())
    if when < birth:
        return None
    years = when.year - birth.year
    if (when.month, when.day) < (birth.month, birth.day):
        years -= 1
    return years
