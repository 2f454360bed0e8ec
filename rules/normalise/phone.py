"""Telephone numbers -> E.164 (``+447700900123``).

Parsing is libphonenumber's (https://github.com/daviddrysdale/python-phonenumbers),
with GB as the default region, as followthemoney does (``types/phone.py``).  Parsed
results are cached: the same deal line recurs across thousands of reports.

Ofcom reserves number ranges for drama and documentation
(https://www.ofcom.org.uk/phones-telecoms-and-internet/information-for-industry/numbering/numbers-for-drama);
libphonenumber calls them invalid, but linkwatch's synthetic data uses them (the demo's
``linkwatch.demo_scenario``; ``linkwatch.testing`` in the repository), so they are accepted
and marked ``fictional``.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat

from .._memo import text_cache
from ._text import MAX_LEN

# national significant number prefix -> digits that follow (Ofcom drama ranges, 1,000 each)
_DRAMA_PREFIXES = (
    "7700900", "1632960", "2079460", "1134960", "1144960", "1154960", "1164960", "1174960",
    "1184960", "1214960", "1314960", "1414960", "1514960", "1614960", "2896490", "2920180",
    "3069990", "8081570", "9098790",
)


def _is_drama(number: phonenumbers.PhoneNumber) -> bool:
    nsn = str(number.national_number)
    return number.country_code == 44 and len(nsn) == 10 and nsn.startswith(_DRAMA_PREFIXES)


def _valid(number: phonenumbers.PhoneNumber, region: str) -> bool:
    """``is_valid_number``, asking the default region first: for a +44 number the
    library otherwise tries GB, GG, IM and JE in turn (half of a parse's cost)."""
    return (phonenumbers.is_valid_number_for_region(number, region)
            or phonenumbers.is_valid_number(number))


@text_cache(65536)
def _parse(text: str, region: str) -> tuple[str | None, bool]:
    """(E.164 or None, fictional) for already-trimmed ``text``."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None, False
    drama = _is_drama(number)
    if not (drama or _valid(number, region)):
        return None, False
    return phonenumbers.format_number(number, PhoneNumberFormat.E164), drama


def phone(raw: str, region: str = "GB") -> str | None:
    """E.164 form, or None when the number is not a valid number.

    ``07700 900123``, ``+44 7700 900123``, ``7700900123`` and ``0044 7700 900123``
    are all ``+447700900123`` (GB: ``00`` is the international prefix).
    """
    text = raw.strip() if isinstance(raw, str) else ""
    if not text or len(text) > 64 or len(text) > MAX_LEN:
        return None
    text = text.removeprefix("tel:").strip()
    return _parse(text, region)[0]


def phone_attrs(raw: str, value: str | None, region: str = "GB") -> dict[str, object]:
    """``{"fictional": True}`` for an Ofcom drama number; else empty."""
    if value is None:
        return {}
    text = raw.strip().removeprefix("tel:").strip()
    return {"fictional": True} if _parse(text, region)[1] else {}


def clear_cache() -> None:
    """Forget every parsed number (``normalise.forget_cached``)."""
    _parse.cache_clear()
