"""A person as the resolver sees it: a small, normalised, storable record.

Light normalisation only (names, dates, postcodes, addresses); phones and
emails go through ``linkwatch.rules.normalise.canonical``.  Nothing here
raises on dirty input: a value that cannot be read is left out.

Names are kept in their own script, in the normal form (``normalise.name_key``: NFKC,
case folded, zero-width and bidi controls gone, apostrophes dropped): ``Łukasz`` stays
``łukasz`` and ``王小明`` stays ``王小明``, so an exact match means the same spelling.  The
ASCII transliteration (``lukasz``) is a comparison level below exact (``_compare``) and
what blocking keys are made from.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from linkwatch.rules.normalise import (
    ascii_digits,
    ascii_fold,
    ascii_name,
    canonical,
    key_text,
    name_key,
)

_NOT_LETTER = re.compile(r"[^a-z ]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")  # any script's letters and digits stay
_SPACES = re.compile(r"\s+")
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "rev"})
_ADDRESS_WORDS = {
    "rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "cres": "crescent",
    "ct": "court", "pl": "place", "dr": "drive", "ln": "lane", "cl": "close",
    "gdns": "gardens", "sq": "square", "tce": "terrace", "flt": "flat", "apt": "flat",
}
_GENDERS = {"m": "m", "male": "m", "man": "m", "f": "f", "female": "f", "woman": "f"}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def record_id(report_id: str, person_ref: str) -> str:
    """Stable id of one person in one report (16 hex characters)."""
    text = f"{report_id}\x1f{person_ref}".encode()
    return hashlib.blake2b(text, digest_size=8).hexdigest()


def fold(text: str | None) -> str:
    """A name as a key, in its own script (``normalise.name_key``): ``"Zoë  O'Neil-Smythe"``
    -> ``"zoë oneil smythe"``; ``"Łukasz"`` -> ``"łukasz"``."""
    return name_key(text) if isinstance(text, str) else ""


def ascii_form(name: str) -> str:
    """A name key folded to ASCII letters (``normalise.ascii_name``): ``"łukasz"`` ->
    ``"lukasz"``, ``"王小明"`` -> ``"wangxiaoming"``.  Fuzzy name levels and blocking keys
    use it, so a name with diacritics or in another script meets its Latin spelling."""
    return name if name.isascii() else ascii_name(name)


def _ascii_words(text: str | None) -> str:
    """``"Female "`` -> ``"female"``; ``"National ID"`` -> ``"national id"`` (ASCII)."""
    if not isinstance(text, str) or not text:
        return ""
    return " ".join(_NOT_LETTER.sub(" ", ascii_fold(text).replace("'", "")).split())


def split_name(full: str) -> tuple[str, str]:
    """``"Smith, John"`` and ``"Mr John Paul Smith"`` -> ``("john", "smith")``."""
    if "," in full:
        family, _, given = full.partition(",")
        given_tokens = [t for t in fold(given).split() if t not in _TITLES]
        return (given_tokens[0] if given_tokens else "", fold(family).replace(" ", ""))
    tokens = [t for t in fold(full).split() if t not in _TITLES]
    if not tokens:
        return ("", "")
    if len(tokens) == 1:
        return ("", tokens[0])
    return (tokens[0], tokens[-1])


def parse_dob(value: Any) -> str | None:
    """``date(1999, 4, 3)``, ``"1999-04-03"``, ``"3/4/1999"`` (UK order) and
    ``"19990403"`` -> ``"19990403"``; anything unreadable -> ``None``."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif re.fullmatch(r"\d{8}", text):
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        year, month, day = int(text[:4]), int(text[5:7]), int(text[8:])
    else:
        return None
    try:
        return date(year, month, day).strftime("%Y%m%d")
    except ValueError:
        return None


def postcode(raw: str | None) -> str | None:
    """UK postcodes in canonical form (``"cv114ab"`` -> ``"CV11 4AB"``); other
    countries' codes upper-case without spaces."""
    if not raw:
        return None
    found = canonical("postcode", raw)
    if found.valid and found.value:
        return found.value
    text = _NOT_WORD.sub("", key_text(raw)).upper()
    return text or None


def address(raw: str | None) -> str | None:
    """``"Flat 2, 10 High St."`` -> ``"flat 2 10 high street"``."""
    if not raw:
        return None
    text = ascii_fold(raw)  # transliterated: "Łódź" -> "lodz", "北京" -> "beijing"
    tokens = [_ADDRESS_WORDS.get(t, t) for t in _NOT_ALNUM.sub(" ", text).split()]
    return " ".join(tokens) or None


def _values(kind: str, raws: Iterable[Any]) -> tuple[str, ...]:
    out: list[str] = []
    for raw in raws:
        if isinstance(raw, str) and raw.strip():
            found = canonical(kind, raw)
            if found.valid and found.value and found.value not in out:
                out.append(found.value)
    return tuple(out)


def _identifiers(raw: Any) -> tuple[str, ...]:
    """Generic extra ``identifiers``: ``[{"type": "national_id", "value": "AB 12"}]``
    or ``{"national_id": "AB 12"}`` -> ``("national_id:ab12",)``."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, list | tuple):
        for item in raw:
            if isinstance(item, Mapping):
                pairs.append((item.get("type"), item.get("value")))
            elif hasattr(item, "type") and hasattr(item, "value"):
                pairs.append((item.type, item.value))
    out: list[str] = []
    for kind, value in pairs:
        if isinstance(kind, str) and isinstance(value, str | int):
            text = _NOT_WORD.sub("", key_text(ascii_digits(str(value))))  # ١٢٣ is 123
            key = f"{_ascii_words(kind).replace(' ', '_')}:{text}"
            if text and key not in out:
                out.append(key)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Record:
    """One person in one report, normalised for comparison.

    ``names`` holds ``(given, family)`` pairs: the primary name first, then
    aliases.  ``birth_year`` comes from ``dob`` or, failing that, from ``age``
    at ``reported_at``.
    """

    rid: str
    report_id: str
    person_ref: str
    reported_at: str
    names: tuple[tuple[str, str], ...]
    dob: str | None = None
    birth_year: int | None = None
    gender: str | None = None
    postcode: str | None = None
    address: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()

    def as_list(self) -> list[Any]:
        """The fields in order, JSON-able (``from_list`` reads it back)."""
        return [self.rid, self.report_id, self.person_ref, self.reported_at,
                self.names, self.dob, self.birth_year, self.gender, self.postcode,
                self.address, self.phones, self.emails, self.ids]

    @classmethod
    def from_list(cls, f: Sequence[Any]) -> Record:
        return cls(f[0], f[1], f[2], f[3], tuple(tuple(n) for n in f[4]), f[5], f[6],
                   f[7], f[8], f[9], tuple(f[10]), tuple(f[11]), tuple(f[12]))

    def to_json(self) -> str:
        return json.dumps(self.as_list(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Record:
        return cls.from_list(json.loads(text))


def _get(person: Any, name: str) -> Any:
    if isinstance(person, Mapping):
        return person.get(name)
    value = getattr(person, name, None)
    if value is None:
        extra = getattr(person, "model_extra", None) or {}
        value = extra.get(name)
    return value


def to_record(person: Any, report_id: str, reported_at: datetime | str | None) -> Record:
    """A contract ``Person`` (or a mapping with its field names) -> ``Record``."""
    ref = _get(person, "person_ref") or "p1"
    given, family = fold(_get(person, "given_name")), fold(_get(person, "family_name"))
    family = family.replace(" ", "")
    names: list[tuple[str, str]] = []
    full = _get(person, "name")
    if given or family:
        names.append((given.split()[0] if given else "", family))
    if full:
        names.append(split_name(full))
    for alias in _get(person, "aliases") or ():
        if isinstance(alias, str):
            names.append(split_name(alias))
    names = [n for i, n in enumerate(names) if any(n) and n not in names[:i]]
    year: int | None
    if isinstance(reported_at, datetime):
        when = reported_at.isoformat()
        year = reported_at.year
    else:
        when = str(reported_at or "")
        year = int(when[:4]) if when[:4].isdecimal() else None
    dob = parse_dob(_get(person, "dob"))
    age = _get(person, "age")
    birth_year = int(dob[:4]) if dob else (
        year - age if isinstance(age, int) and year else None)
    gender = _GENDERS.get(_ascii_words(_get(person, "gender")))
    return Record(
        rid=record_id(report_id, ref), report_id=report_id, person_ref=ref,
        reported_at=when, names=tuple(names), dob=dob, birth_year=birth_year,
        gender=gender, postcode=postcode(_get(person, "postcode")),
        address=address(_get(person, "address")),
        phones=_values("phone", _get(person, "phones") or ()),
        emails=_values("email", _get(person, "emails") or ()),
        ids=_identifiers(_get(person, "identifiers")),
    )
