"""Fellegi-Sunter comparisons declared as data.

Each field comparison is an ordered list of levels, tried top to bottom; the
first whose test passes is the level of the pair, the last (``test=None``) is
"else".  A level carries ``m`` (how often true matches land there) and ``u``
(how often non-matches do); its weight is ``log2(m / u)`` bits of evidence.
A missing value on either side contributes nothing.  Levels are checked when
the ``Model`` is built, so a bad table fails at start-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from typing import Any

import jellyfish
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from .._memo import text_cache
from ._errors import BadModel
from ._features import Record
from ._features import ascii_form as _ascii
from ._nicknames import equivalent

Test = Callable[[Any, Any], bool]


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level; ``test=None`` marks the final "else" level."""

    label: str
    m: float
    u: float
    test: Test | None = None
    weight: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if not (0 < self.m <= 1 and 0 < self.u <= 1):
            raise BadModel(f"level {self.label!r}: m={self.m} and u={self.u} must be in (0, 1]")
        object.__setattr__(self, "weight", math.log2(self.m / self.u))


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if not self.levels or self.levels[-1].test is not None:
            raise BadModel(f"comparison {self.name!r} must end with an else level (test=None)")
        if any(level.test is None for level in self.levels[:-1]):
            raise BadModel(f"comparison {self.name!r}: only the last level may be else")
        for side in ("m", "u"):
            total = sum(getattr(level, side) for level in self.levels)
            if total > 1.0001:
                raise BadModel(f"comparison {self.name!r}: {side} sums to {total:.4f} > 1")

    def level(self, a: Any, b: Any) -> Level:
        for level in self.levels:
            if level.test is None or level.test(a, b):
                return level
        raise AssertionError("unreachable: the last level always matches")  # pragma: no cover

    def with_probabilities(self, probabilities: list[tuple[float, float]]) -> Comparison:
        levels = tuple(replace(lv, m=m, u=u)
                       for lv, (m, u) in zip(self.levels, probabilities, strict=True))
        return replace(self, levels=levels)


# ---- level tests (each with the example it is there for) -------------------

def _exact(a: Any, b: Any) -> bool:
    """``"smith"`` / ``"smith"``."""
    return bool(a == b)


def _folded_equal(a: str, b: str) -> bool:
    """``"łukasz"`` / ``"lukasz"``; ``"nguyễn"`` / ``"nguyen"``; ``"seán"`` / ``"sean"``:
    the same once diacritics are folded and other scripts transliterated (a level below
    exact: the spellings differ)."""
    fa = _ascii(a)
    return bool(fa) and fa == _ascii(b)


@text_cache(262144)
def _jw(a: str, b: str) -> float:
    return JaroWinkler.similarity(_ascii(a), _ascii(b))


@lru_cache(maxsize=131072)
def _codes(name: str) -> tuple[str, str]:
    return jellyfish.soundex(name), jellyfish.metaphone(name)


def _jw_ge(a: str, b: str, cut: float) -> bool:
    return _jw(a, b) >= cut


def _jw_at_least(cut: float) -> Test:
    """``_jw_at_least(0.92)("jonathon", "jonathan")`` is True (0.95).  A ``partial`` of a
    module function, not a closure, so a model pickles (``linkwatch.snapshot``)."""
    return _named(partial(_jw_ge, cut=cut), f"jw_{cut}")


def _named(test: Any, name: str) -> Test:
    test.__name__ = name
    return test  # type: ignore[no-any-return]


def _sounds_alike(a: str, b: str) -> bool:
    """``"smyth"`` / ``"smith"``: same Soundex (S530) or Metaphone (SM0)."""
    a, b = _ascii(a), _ascii(b)
    if not a or not b:
        return False
    ca, cb = _codes(a), _codes(b)
    return ca[0] == cb[0] or (ca[1] == cb[1] and bool(ca[1]))


def _part_of(a: str, b: str) -> bool:
    """``"graham"`` / ``"grahamjones"``: one side of a double-barrelled name."""
    a, b = _ascii(a), _ascii(b)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and (long.startswith(short) or long.endswith(short))


def _initial(a: str, b: str) -> bool:
    """``"j"`` / ``"jonathan"``: one side is only an initial, and it agrees."""
    a, b = _ascii(a), _ascii(b)
    return (len(a) == 1 or len(b) == 1) and a[:1] == b[:1] != ""


def _one_edit(a: str, b: str) -> bool:
    """One character changed, added, dropped, or two neighbours swapped:
    ``"19990403"`` / ``"19990408"``; ``"6794161"`` / ``"6794611"``."""
    return OSA.distance(a, b, score_cutoff=1) <= 1


def _day_month_swapped(a: str, b: str) -> bool:
    """``"19990403"`` / ``"19990304"`` (3 April written US-style)."""
    return a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]


def _same_district(a: str, b: str) -> bool:
    """``"CV11 4AB"`` / ``"CV11 9ZZ"``: same outward code (or first three characters)."""
    return a.split(" ")[0] == b.split(" ")[0] if " " in a and " " in b else a[:3] == b[:3]


def _address_similarity(a: str, b: str) -> float:
    """Best of token-set (words missing or reordered) and the plain ratio
    with spaces removed (words split or run together: ``"cre scent"``)."""
    if a.count(" ") >= 2 and b.count(" ") >= 2:
        tokens = fuzz.token_set_ratio(a, b)
    else:
        tokens = fuzz.token_sort_ratio(a, b)
    return max(tokens, fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))


def _address_ge(a: str, b: str, cut: float) -> bool:
    return _address_similarity(a, b) >= cut


def _address_at_least(cut: float) -> Test:
    """``"10 high street"`` / ``"10 hihg street coventry"`` scores about 93."""
    return _named(partial(_address_ge, cut=cut), f"address_{cut}")


def _within_a_year(a: int, b: int) -> bool:
    """Birth years 1985 / 1986 (an age given instead of a date of birth)."""
    return abs(a - b) <= 1


def _share_one(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """``("+447700900123",)`` / ``("+447700900123", "+447700900999")``."""
    return not set(a).isdisjoint(b)


def _typed_one_edit(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """``("national_id:1234567",)`` / ``("national_id:1234568",)``."""
    return any(x.split(":", 1)[0] == y.split(":", 1)[0] and _one_edit(x, y) for x in a for y in b)


def _nickname(a: str, b: str) -> bool:
    """``"jon"`` / ``"jonathan"`` (``_nicknames``), on the ASCII forms (``"seán"`` / ``"john"``)."""
    return equivalent(_ascii(a), _ascii(b))


# "same once folded" takes its m from exact (the share of true matches written once with
# and once without diacritics, or in two scripts) and its u from "different".  Its weight
# sits between exact and the best fuzzy level (given 5.6 bits: exact 6.3, jaro-winkler
# 4.5; family 7.6: exact 8.7, jaro-winkler 6.3).
GIVEN = Comparison("given name", (
    Level("exact", 0.79, 0.01, _exact),
    Level("same once folded to ASCII", 0.01, 0.0002, _folded_equal),
    Level("nickname", 0.05, 0.002, _nickname),
    Level("jaro-winkler >= 0.92", 0.07, 0.003, _jw_at_least(0.92)),
    Level("sounds alike", 0.03, 0.01, _sounds_alike),
    Level("jaro-winkler >= 0.80", 0.02, 0.02, _jw_at_least(0.80)),
    Level("initial agrees", 0.02, 0.05, _initial),
    Level("different", 0.01, 0.9048),
))
FAMILY = Comparison("family name", (
    Level("exact", 0.81, 0.002, _exact),
    Level("same once folded to ASCII", 0.01, 0.00005, _folded_equal),
    Level("jaro-winkler >= 0.92", 0.08, 0.001, _jw_at_least(0.92)),
    Level("part of a double-barrelled name", 0.01, 0.0005, _part_of),
    Level("sounds alike", 0.03, 0.004, _sounds_alike),
    Level("jaro-winkler >= 0.80", 0.03, 0.01, _jw_at_least(0.80)),
    Level("different", 0.03, 0.98245),
))
DOB = Comparison("date of birth", (
    Level("exact", 0.88, 0.0001, _exact),
    Level("day and month swapped", 0.01, 0.0001, _day_month_swapped),
    Level("one digit differs", 0.05, 0.005, _one_edit),
    Level("different", 0.06, 0.9948),
))
BIRTH_YEAR = Comparison("birth year (from age)", (
    Level("within a year", 0.90, 0.05, _within_a_year),
    Level("different", 0.10, 0.95),
))
GENDER = Comparison("gender", (
    Level("same", 0.97, 0.5, _exact),
    Level("different", 0.03, 0.5),
))
POSTCODE = Comparison("postcode", (
    Level("exact", 0.85, 0.0005, _exact),
    Level("one character differs", 0.05, 0.002, _one_edit),
    Level("same district", 0.03, 0.02, _same_district),
    Level("different", 0.07, 0.9775),
))
ADDRESS = Comparison("address", (
    Level("token similarity >= 95", 0.60, 0.0005, _address_at_least(95)),
    Level("token similarity >= 85", 0.20, 0.002, _address_at_least(85)),
    Level("token similarity >= 70", 0.10, 0.02, _address_at_least(70)),
    Level("different", 0.10, 0.9775),
))
PHONES = Comparison("phone", (
    Level("a number in common", 0.30, 0.0005, _share_one),
    Level("none in common", 0.70, 0.9995),
))
EMAILS = Comparison("email", (
    Level("an address in common", 0.30, 0.0001, _share_one),
    Level("none in common", 0.70, 0.9999),
))
IDENTIFIERS = Comparison("identifier", (
    Level("exact", 0.90, 0.00001, _share_one),
    Level("one character differs", 0.05, 0.0001, _typed_one_edit),
    Level("different", 0.05, 0.99989),
))
DOB_CONFLICT_CAP = 0.0  # bits: below any match threshold
NAME_SWAP_PENALTY = 1.0  # bits taken off when given and family names only agree crossed over
SWAP_MIN_BITS = 0.0  # ... and only when no crossed name is evidence against


@dataclass(frozen=True, slots=True, eq=False)
class Model:
    """The comparisons used to score a pair, and the match threshold (bits).

    Compared and hashed by identity (``eq=False``): a model keys the name-score cache,
    and hashing its nested comparisons on every pair would cost more than it saves."""

    given: Comparison = GIVEN
    family: Comparison = FAMILY
    dob: Comparison = DOB
    birth_year: Comparison = BIRTH_YEAR
    gender: Comparison = GENDER
    postcode: Comparison = POSTCODE
    address: Comparison = ADDRESS
    phones: Comparison = PHONES
    emails: Comparison = EMAILS
    ids: Comparison = IDENTIFIERS

    def fields(self) -> dict[str, Comparison]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


@lru_cache(maxsize=1 << 18)
def _name_level(model: Model, given: bool, a: str, b: str) -> Level:
    """``model.given`` (or ``model.family``) level of two names.  Cached: in a large
    index the same two names meet again and again, while whole name lists rarely do."""
    return (model.given if given else model.family).level(a, b)


def _name_readings(
    model: Model, ga: str, fa: str, gb: str, fb: str,
) -> Iterator[tuple[bool, list[tuple[str, Level, Any, Any]]]]:
    """The straight reading, then the crossed-over one scored both ways
    round (so ``compare(a, b)`` equals ``compare(b, a)``)."""
    straight = []
    if ga and gb:
        straight.append(("given", _name_level(model, True, ga, gb), ga, gb))
    if fa and fb:
        straight.append(("family", _name_level(model, False, fa, fb), fa, fb))
    yield False, straight
    for first_given in (True, False):
        first = model.given if first_given else model.family
        second = model.family if first_given else model.given
        crossed = []
        if ga and fb:
            crossed.append((first.name, _name_level(model, first_given, ga, fb), ga, fb))
        if fa and gb:
            crossed.append((second.name, _name_level(model, not first_given, fa, gb), fa, gb))
        yield True, crossed


def _name_part(
    model: Model, a: Record, b: Record,
) -> tuple[float, list[tuple[str, Level, Any, Any]], str]:
    return _names_score(model, a.names, b.names)


@lru_cache(maxsize=1 << 16)
def _names_score(
    model: Model, names_a: tuple[tuple[str, str], ...], names_b: tuple[tuple[str, str], ...],
) -> tuple[float, list[tuple[str, Level, Any, Any]], str]:
    """The best reading of two records' names.  Cached: a common name ("john smith")
    meets the same names in every block it shares, and this is most of a pair's cost."""
    best: tuple[float, list[tuple[str, Level, Any, Any]], str] | None = None
    for ga, fa in names_a:
        for gb, fb in names_b:
            for swapped, parts in _name_readings(model, ga, fa, gb, fb):
                total = sum(p[1].weight for p in parts)
                note = ""
                if swapped:
                    if not parts or min(p[1].weight for p in parts) < SWAP_MIN_BITS:
                        continue  # a crossed-over reading counts only when its names agree well
                    total -= NAME_SWAP_PENALTY
                    note = f"given and family names crossed over (-{NAME_SWAP_PENALTY:.1f})"
                if best is None or total > best[0]:
                    best = (total, parts, note)
    return best or (0.0, [], "")


def compare(model: Model, a: Record, b: Record, explain: bool = False) -> tuple[float, list[str]]:
    """Match weight of a pair in bits (sum of level weights) and, when asked, why."""
    total, name_parts, note = _name_part(model, a, b)
    by_name = {model.given.name: model.given, model.family.name: model.family,
               "given": model.given, "family": model.family}
    parts: list[tuple[Comparison, Level, Any, Any]] = [
        (by_name[k], lv, x, y) for k, lv, x, y in name_parts
    ]
    if a.dob and b.dob:
        parts.append((model.dob, model.dob.level(a.dob, b.dob), a.dob, b.dob))
    elif a.birth_year and b.birth_year:
        parts.append((model.birth_year, model.birth_year.level(a.birth_year, b.birth_year),
                      a.birth_year, b.birth_year))
    for name, x, y in (("gender", a.gender, b.gender), ("postcode", a.postcode, b.postcode),
                       ("address", a.address, b.address), ("phones", a.phones, b.phones),
                       ("emails", a.emails, b.emails)):
        if x and y:
            comparison: Comparison = getattr(model, name)
            parts.append((comparison, comparison.level(x, y), x, y))
    if a.ids and b.ids:
        types_a = {i.split(":", 1)[0] for i in a.ids}
        if any(i.split(":", 1)[0] in types_a for i in b.ids):
            parts.append((model.ids, model.ids.level(a.ids, b.ids), a.ids, b.ids))
    total += sum(p[1].weight for p in parts[len(name_parts):])
    conflict = _dob_conflict(model, parts)
    if conflict:
        total = min(total, DOB_CONFLICT_CAP)
    if not explain:
        return total, []
    reasons = [
        f"{c.name} {_show(x)!r} vs {_show(y)!r}: {lv.label} ({lv.weight:+.1f})"
        for c, lv, x, y in parts
    ]
    if note:
        reasons.append(note)
    if conflict:
        reasons.append(conflict)
    return total, reasons


def _dob_conflict(model: Model, parts: list[tuple[Comparison, Level, Any, Any]]) -> str:
    """Two full dates of birth that disagree outright (not a typo, not a day/month swap)
    keep two records apart unless they share an identifier (passport, NI number), or a
    phone or e-mail and the given name: a father and son of the same name at one
    address, or a family on one landline, are several people (capped at DOB_CONFLICT_CAP)."""
    levels = {c.name: lv for c, lv, _, _ in parts}
    dob = levels.get(model.dob.name)
    if dob is None or dob is not model.dob.levels[-1]:
        return ""
    ids = levels.get(model.ids.name)
    if ids is not None and ids is model.ids.levels[0]:
        return ""  # one national identifier: the same person, whatever the dob says
    given = levels.get(model.given.name)
    if given is None or given is not model.given.levels[-1]:
        # a shared phone or e-mail overrides the conflict only for the same given name:
        # a family landline must not make mother, father and children one person
        for strong in (model.phones, model.emails):
            level = levels.get(strong.name)
            if level is not None and level is strong.levels[0]:
                return ""
    return (f"dates of birth disagree and no phone, e-mail or identifier is shared: "
            f"kept apart (weight capped at {DOB_CONFLICT_CAP:+.1f})")
