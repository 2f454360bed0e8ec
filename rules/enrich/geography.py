"""Where a place is policed: LSOA and postcode -> police force area.

LSOA lookups use ``linkwatch/data/lsoa_force.csv.gz``: every 2011 LSOA in England
with its local authority and police force area (ONS geography, Open Government
Licence v3.0; see ``linkwatch/data/LICENCE.md``).  Postcodes go through the
approximate district table in ``_postcode_force``; an LSOA, when known, wins.

Force names are compared by :func:`force_key`, so ``"Warwickshire Police"``,
``"warwickshire"`` and ``"Warwickshire Constabulary"`` are one force.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from linkwatch.rules.normalise import key_text, postcode_area, postcode_outward

from ._postcode_force import force_for_district

_LSOA = re.compile(r"^[EW]0[01]\d{6}$")
_FORCE_NOISE = re.compile(r"\b(the|police|constabulary|service|force|area)\b")


class LsoaRow(NamedTuple):
    name: str
    local_authority: str
    force: str


@lru_cache(maxsize=1)
def _lsoas() -> dict[str, LsoaRow]:
    raw = resources.files("linkwatch").joinpath("data", "lsoa_force.csv.gz").read_bytes()
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw)), encoding="utf-8") as text:
        return {r["lsoa_code"]: LsoaRow(r["lsoa_name"], r["local_authority"], r["police_force"])
                for r in csv.DictReader(text)}


def force_key(name: str | None) -> str | None:
    """``"Warwickshire Police"`` -> ``"warwickshire"``; ``"Metropolitan Police Service"`` ->
    ``"metropolitan"``."""
    if not isinstance(name, str):
        return None
    key = " ".join(_FORCE_NOISE.sub(" ", key_text(name).replace("&", " and ")).split())
    return key or None


def _lsoa(code: str | None) -> LsoaRow | None:
    text = key_text(code).upper() if isinstance(code, str) else ""  # ＥＷ full-width too
    return _lsoas().get(text) if _LSOA.match(text) else None


def force_for_lsoa(code: str | None) -> str | None:
    """``"E01031019"`` -> its police force area (e.g. ``"Warwickshire"``); unknown -> None."""
    row = _lsoa(code)
    return row.force if row else None


def local_authority_for_lsoa(code: str | None) -> str | None:
    row = _lsoa(code)
    return row.local_authority if row else None


def lsoa_name(code: str | None) -> str | None:
    row = _lsoa(code)
    return row.name if row else None


def force_for_postcode(raw: str | None) -> str | None:
    """``"CV11 4AB"`` -> ``"Warwickshire"``; ``"CV1 2AA"`` -> ``"West Midlands"``;
    ``"CV7 9AA"`` -> None (CV7 is split).  Approximate: see ``_postcode_force``."""
    if not isinstance(raw, str):
        return None
    outward = postcode_outward(raw)
    area = postcode_area(raw) if outward else None
    return force_for_district(outward, area) if outward and area else None


def home_force(place: str | None = None, lsoa: str | None = None) -> str | None:
    """Force for an LSOA code or a postcode (``place`` may be either); LSOA wins."""
    for code in (lsoa, place):
        if force := force_for_lsoa(code):
            return force
    return force_for_postcode(place)


def outside_force(theirs: str | None, ours: str | None) -> bool | None:
    """The one out-of-area rule: True when force ``theirs`` (a person's home force) is not
    force ``ours`` (the owning force), compared by ``force_key``; None when either is
    unknown.  ``outside_force("West Midlands", "Warwickshire Police")`` -> True;
    ``outside_force("Warwickshire", "Warwickshire Police")`` -> False."""
    a, b = force_key(theirs), force_key(ours)
    return None if a is None or b is None else a != b


def out_of_area(place: str | None, home: str | None, lsoa: str | None = None) -> bool | None:
    """True when the place lies outside force ``home``; None when either is unknown.

    ``out_of_area("B6 4AA", "Warwickshire Police")`` -> True (West Midlands).
    """
    return outside_force(home_force(place, lsoa), home)
