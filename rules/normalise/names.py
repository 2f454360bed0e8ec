"""Personal names -> :class:`NameParts` for matching.

Names are keys here (near-duplicate victims, offender keys), so they are made loose:
the normal form (``_text.key_text``: NFKC, case folded, zero-width and bidi controls
gone) transliterated to ASCII (``anyascii``: ``Łukasz`` -> ``lukasz``, ``Nguyễn`` ->
``nguyen``, ``Иван`` -> ``ivan``), titles and post-nominal
suffixes dropped, ``"Smith, John"`` read as family-first, and a modest nickname table
maps common diminutives to one given name (``Bill`` -> ``william``), as splink's
name-comparison guidance suggests (https://moj-analytical-services.github.io/splink/).
The table is deliberately small: a nickname only ever adds a match, never removes one.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ._text import SPACES, ascii_fold, normal_form

_TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "dame",
    "lord", "lady", "rev", "revd", "reverend", "fr", "master", "capt", "col", "sgt",
})
_SUFFIXES = frozenset({"jr", "jnr", "sr", "snr", "ii", "iii", "iv", "phd", "md", "obe", "mbe",
                       "cbe", "qc", "kc", "esq"})
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "del", "la", "le",
                        "st", "bin", "ibn", "al", "el", "ter", "ten"})
_NICKNAMES = {
    "william": ("bill", "billy", "will", "willie", "liam"),
    "robert": ("bob", "bobby", "rob", "robbie"),
    "john": ("jon", "jonathan", "johnny", "jack", "jonny"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby"),
    "margaret": ("maggie", "meg", "peggy", "marge"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "james": ("jim", "jimmy", "jamie"),
    "michael": ("mike", "mick", "mickey", "micky"),
    "thomas": ("tom", "tommy"),
    "anthony": ("tony", "ant"),
    "christopher": ("chris",),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davy"),
    "edward": ("ed", "eddie", "ted", "ned"),
    "joseph": ("joe", "joey"),
    "matthew": ("matt",),
    "nicholas": ("nick", "nicky"),
    "samuel": ("sam", "sammy"),
    "stephen": ("steve", "steven", "stevie"),
    "alexander": ("alex", "sandy"),
    "catherine": ("kate", "katie", "cathy", "katherine", "kathryn", "kat"),
    "deborah": ("debbie", "deb", "debra"),
    "jennifer": ("jen", "jenny"),
    "patricia": ("pat", "patsy", "trish"),
    "rebecca": ("becky", "becca"),
    "susan": ("sue", "susie"),
    "victoria": ("vicky", "tori"),
}
NICKNAMES: dict[str, str] = {nick: full for full, nicks in _NICKNAMES.items() for nick in nicks}


class NameParts(NamedTuple):
    given: str | None
    family: str | None
    full: str
    given_canonical: str | None


def _words(text: str) -> list[str]:
    # an apostrophe joins (``O'Brien`` is ``obrien``, as it is written without one)
    text = re.sub(r"[^a-z\s\-]", " ", ascii_fold(text).replace("'", ""))
    words = [w.strip("-") for w in SPACES.sub(" ", text).strip().split(" ")]
    return [w for w in words if w and w not in _SUFFIXES]


def given_canonical(given: str | None) -> str | None:
    """``bill`` -> ``william``; an unknown name is itself."""
    return NICKNAMES.get(given, given) if given else None


def name(raw: str | None, given: str | None = None, family: str | None = None) -> NameParts | None:
    """``Dr. José SMITH`` -> ``NameParts("jose", "smith", "jose smith", "jose")``;
    ``Smith, Bill`` -> ``NameParts("bill", "smith", "bill smith", "william")``.

    ``given``/``family`` fields, when the report has them, win over splitting ``raw``.
    """
    try:
        text = normal_form(raw) if isinstance(raw, str) and len(raw) <= 500 else ""
        if text.count(",") == 1:
            last, first = text.split(",")
            text = f"{first} {last}"
        words = _words(text)
        while words and words[0] in _TITLES:
            words = words[1:]
        g = _words(given)[0] if isinstance(given, str) and _words(given) else None
        f = " ".join(_words(family)) if isinstance(family, str) and _words(family) else None
        if words and g is None:
            g = words[0] if len(words) > 1 or f else None
        if words and f is None:
            cut = len(words) - 1
            while cut > 1 and words[cut - 1] in _PARTICLES:
                cut -= 1
            f = " ".join(words[cut:]) if len(words) > 1 or g is None else None
        if g is None and f is None:
            return None
        full = " ".join(words) if words else " ".join(x for x in (g, f) if x)
        return NameParts(g, f, full, given_canonical(g))
    except Exception:  # noqa: BLE001 - never raise on dirty input
        return None
