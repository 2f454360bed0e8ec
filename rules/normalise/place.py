"""Vehicles and places: VRMs, UK postcodes and free-text addresses.

* VRM (vehicle registration mark): upper case, spaces and punctuation removed
  (DVLA writes ``AB12 CDE``; the space is not part of the mark).
* Postcode: ``outward inward`` with one space (``CV11 4AB``).  Shape from the
  Royal Mail Programmers' Guide / ONS "Postcode format": outward = area (1-2
  letters) + district (digit, then optional digit or letter); inward = digit + 2
  letters.  ``GIR 0AA`` is accepted.  Helpers give the outward code (district,
  ``CV11``) and the area (``CV``).
* Address: the normal form (``_text.key_text``: NFKC, case folded) transliterated to
  ASCII (``Łódź`` -> ``lodz``), punctuation dropped, common street-type abbreviations
  expanded, so two spellings of one address meet.
* VRMs and postcodes are read from the normal form too, so full-width ``ＣＶ１１ ４ＡＢ``
  is ``CV11 4AB``.
"""

from __future__ import annotations

import re

from ._text import SPACES, ascii_fold, key_text

# separators go; a letter of another script stays, so the ASCII shape check refuses it
# (``AB12 ÇDE`` is not the mark ``AB12DE``)
_NOT_WORD = re.compile(r"[\W_]")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_OUTWARD = re.compile(r"^([A-Z]{1,2})[0-9][A-Z0-9]?$")
_VRM = re.compile(r"^(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{2,8}$")
_ABBREVIATIONS = {
    "rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "ln": "lane",
    "dr": "drive", "cl": "close", "ct": "court", "cres": "crescent", "gdns": "gardens",
    "pl": "place", "sq": "square", "terr": "terrace", "tce": "terrace", "pk": "park",
    "flt": "flat", "apt": "flat", "apartment": "flat", "nth": "north", "sth": "south",
}


def vrm(raw: str) -> str | None:
    """``ab12 cde`` / ``AB12-CDE`` -> ``AB12CDE``; must hold a letter and a digit."""
    if not isinstance(raw, str) or len(raw) > 20:
        return None
    text = _NOT_WORD.sub("", key_text(raw)).upper()
    return text if _VRM.match(text) else None


def postcode(raw: str) -> str | None:
    """``cv114ab`` / `` CV11  4AB `` -> ``CV11 4AB``."""
    if not isinstance(raw, str) or len(raw) > 20:
        return None
    text = _NOT_WORD.sub("", key_text(raw)).upper()
    if text == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.match(text)
    return f"{match.group(1)} {match.group(2)}" if match else None


def postcode_outward(raw: str) -> str | None:
    """``CV11 4AB`` -> ``CV11``; an outward code alone (``cv11``) is accepted too."""
    full = postcode(raw)
    if full:
        return full.split(" ", 1)[0]
    text = (_NOT_WORD.sub("", key_text(raw)).upper()
            if isinstance(raw, str) and len(raw) <= 20 else "")
    return text if _OUTWARD.match(text) else None


def postcode_area(raw: str) -> str | None:
    """``CV11 4AB`` -> ``CV``; ``B1 1AA`` -> ``B``."""
    outward = postcode_outward(raw)
    match = _OUTWARD.match(outward) if outward else None
    return match.group(1) if match else None


def address(raw: str) -> str | None:
    """``Flat 2, 14 High St.,  Nuneaton`` -> ``flat 2 14 high street nuneaton``."""
    if not isinstance(raw, str) or len(raw) > 1000:
        return None
    text = SPACES.sub(" ", re.sub(r"[^\w\s]|_", " ", ascii_fold(raw))).strip()
    words = [_ABBREVIATIONS.get(word, word) for word in text.split(" ")]
    # a trailing postcode written without its space (``cv114ab``) as with it (``cv11 4ab``)
    return _TRAILING_POSTCODE.sub(r"\1 \2", " ".join(words)) or None


_TRAILING_POSTCODE = re.compile(r"\b([a-z]{1,2}\d[a-z\d]?) ?(\d[abd-hjlnp-uw-z]{2})$")
