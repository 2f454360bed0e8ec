"""Streaming person resolution: one record in, one entity id out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jellyfish

from ._compare import Model, compare
from ._errors import BadSplit, UnknownEntity
from ._features import Record, ascii_form, record_id, to_record
from ._index import Batch, Index, Stored
from ._nicknames import block_forms

DEFAULT_THRESHOLD = 20.0  # bits: e.g. same name + same date of birth ~ 28, same name alone ~ 15
DEFAULT_BLOCK_CAP = 100  # newest records read per block; keeps common blocks cheap


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where one person landed, and why, in words an analyst can read."""

    entity_id: str
    score: float  # match weight in bits of the best candidate (0.0 when there was none)
    matched: bool  # joined an existing entity (False: founded a new one)
    reasons: list[str]
    candidates_considered: int  # candidate records scored
    record_id: str = ""
    merged: tuple[str, ...] = ()  # entity ids folded into entity_id by this record
    # other entities and weights
    alternatives: list[tuple[str, float]] = field(default_factory=list)


def _soundex(text: str) -> str:
    return jellyfish.soundex(text) if text else ""


def block_keys(record: Record) -> list[str]:
    """Blocking keys, each narrow enough to stay small in a large index:

    ``d:`` dob + a name initial; ``dp:`` dob + postcode; ``p:`` postcode + a
    sounded name; ``pa:`` postcode + house number; ``y:`` birth year + family
    name sound; ``n:`` (``nd:`` with a date of birth) both names sounded; one key
    per phone, email and identifier.  Given and family names feed the same keys, so a
    crossed-over name still meets its record.  Names are sounded from their ASCII
    transliteration (``łukasz`` and ``lukasz`` share every key).
    """
    keys: dict[str, None] = {}
    if record.dob and record.postcode:
        keys[f"dp:{record.dob}:{record.postcode}"] = None
    if record.postcode and record.address:
        number = next((t for t in record.address.split() if t.isdigit()), None)
        if number:
            keys[f"pa:{record.postcode}:{number}"] = None
    for given_key, family_key in record.names:
        given, family = ascii_form(given_key), ascii_form(family_key)
        sounds = {_soundex(form) for form in block_forms(given)} if given else set()
        if family:
            sounds.add(_soundex(family))
        sounds.discard("")
        for sound in sorted(sounds):
            if record.dob:
                keys[f"d:{record.dob}:{sound[0]}"] = None
            if record.postcode:
                keys[f"p:{record.postcode}:{sound}"] = None
        if family and record.birth_year:
            # with the given name's initial (each nickname form's, and a bare initial
            # meets every name with it): a common surname in one birth year is a crowd
            # in a force-sized index
            sound = jellyfish.metaphone(family)
            for initial in sorted({form[0] for form in block_forms(given)} if given else {""}):
                keys[f"y:{record.birth_year}:{sound}:{initial}"] = None
        if given and family:
            pair = sorted((jellyfish.metaphone(block_forms(given)[0]), jellyfish.metaphone(family)))
            # a record with a date of birth is filed under ``nd:``, one without under
            # ``n:`` (``read_keys``): two records with dates of birth meet through the
            # ``d:`` and ``y:`` keys, so a common name pair is not a growing crowd
            keys[f"{'nd' if record.dob else 'n'}:{pair[0]}:{pair[1]}"] = None
    for phone in record.phones:
        keys[f"t:{phone}"] = None
    for email in record.emails:
        keys[f"e:{email}"] = None
    for ident in record.ids:
        keys[f"i:{ident}"] = None
    return list(keys)


def read_keys(record: Record, keys: list[str]) -> list[str]:
    """The blocks a record's candidates are read from, given its ``block_keys``: its own,
    except that a record with a date of birth reads the name-pair blocks of records
    without one (``n:``) rather than its own (``nd:``), and one without reads both."""
    out: dict[str, None] = {}
    for key in keys:
        if key.startswith("nd:"):
            out["n:" + key[3:]] = None
        else:
            out[key] = None
            if key.startswith("n:"):
                out["nd:" + key[2:]] = None
    return list(out)


def _entity_id_for(record: Record) -> str:
    return "E" + record.rid[:12]


class Resolver:
    """Resolve persons into stable entity ids as reports arrive.

    ``threshold`` is in bits of evidence (sum of Fellegi-Sunter level weights).
    Same input order gives the same ids: an entity is named after its first
    record, and a merge keeps the older entity's id.
    """

    def __init__(self, index: Index, threshold: float = DEFAULT_THRESHOLD,
                 model: Model | None = None, block_cap: int = DEFAULT_BLOCK_CAP) -> None:
        self.index = index
        self.threshold = threshold
        self.model = model or Model()
        self.block_cap = block_cap

    # ---- resolving -----------------------------------------------------

    def resolve(self, person: Any, report_id: str,
                reported_at: datetime | str | None) -> Resolution:
        """Resolve one person of one report and store the result."""
        return self._resolve(to_record(person, report_id, reported_at), write=True)

    def resolve_record(self, record: Record) -> Resolution:
        """``resolve`` for a person already turned into a ``Record`` (``to_record`` is pure
        and per report, so intake computes it and the single link stage does not)."""
        return self._resolve(record, write=True)

    def resolve_many(
        self, items: Iterable[tuple[Any, str, datetime | str | None]],
    ) -> list[Resolution]:
        """``[(person, report_id, reported_at), ...]`` in order, one at a time."""
        return [self.resolve(person, report_id, when) for person, report_id, when in items]

    def resolve_report(self, report: Any) -> dict[str, Resolution]:
        """Every person of a contract report, keyed by ``person_ref``."""
        return {p.person_ref: self.resolve(p, report.report_id, report.reported_at)
                for p in report.persons}

    def explain(self, person: Any, report_id: str = "explain",
                reported_at: datetime | str | None = None) -> Resolution:
        """What ``resolve`` would do, with the reasons for the best few candidates;
        writes nothing."""
        return self._resolve(to_record(person, report_id, reported_at), write=False)

    def _score(self, record: Record,
               stored: dict[str, Stored]) -> dict[str, tuple[float, str, int]]:
        best: dict[str, tuple[float, str, int]] = {}
        same_report: set[str] = set()
        for rid, found in stored.items():
            if found.record.report_id == record.report_id:
                same_report.add(found.entity_id)  # two refs in one report are two people
                continue
            weight, _ = compare(self.model, record, found.record)
            current = best.get(found.entity_id)
            if current is None or weight > current[0]:
                best[found.entity_id] = (weight, rid, found.age)
        for entity in same_report:
            best.pop(entity, None)
        return best

    def _resolve(self, record: Record, write: bool) -> Resolution:
        keys = block_keys(record)
        lookup = self.index.lookup(record.rid, read_keys(record, keys), self.block_cap)
        if lookup.known is not None:
            return Resolution(lookup.known[0], 0.0, True,
                              ["already resolved: same report and person_ref seen before"],
                              0, record.rid)
        stored = lookup.candidates
        best = self._score(record, stored)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[1][2]))
        alternatives = [(entity, round(weight, 2)) for entity, (weight, _, _) in ranked[1:6]]
        top_weight = ranked[0][1][0] if ranked else 0.0
        if not ranked or top_weight < self.threshold:
            entity = _entity_id_for(record)
            reasons = [f"new entity: no candidate reached {self.threshold:.1f} bits "
                       f"({len(stored)} records from {len(best)} entities considered)"]
            if ranked:
                reasons += self._why(record, stored[ranked[0][1][1]], ranked[0][0], top_weight)
            if write:
                self.index.commit(Batch(record=record, seq=lookup.seq, keys=keys,
                                        assign={record.rid: (entity, lookup.seq)},
                                        members_add={entity: [record.rid]}))
            return Resolution(entity, top_weight, False, reasons, len(stored), record.rid,
                              alternatives=alternatives)
        top = ranked[0][0]
        group = [top] + [e for e, (w, _, _) in ranked[1:]
                         if w >= self.threshold and not self.index.apart(top, e)]
        survivor = min(group, key=lambda e: (best[e][2], e))
        age = best[survivor][2]
        reasons = [f"matched {top}: {top_weight:.1f} bits >= {self.threshold:.1f}"]
        reasons += self._why(record, stored[best[top][1]], top, top_weight)
        batch = Batch(record=record, seq=lookup.seq, keys=keys,
                      assign={record.rid: (survivor, age)},
                      members_add={survivor: [record.rid]})
        absorbed = tuple(sorted((e for e in group if e != survivor), key=lambda e: best[e][2]))
        for other in absorbed:
            moved = self.index.members(other)
            for rid in moved:
                batch.assign[rid] = (survivor, age)
            batch.members_add[survivor].extend(moved)
            batch.drop.append(other)
            batch.aliases[other] = survivor
            batch.events.append({"event": "merge", "into": survivor, "absorbed": other,
                                 "record_id": record.rid, "report_id": record.report_id,
                                 "weight": round(best[other][0], 2)})
            reasons.append(f"merged {other} into older {survivor}: this record scores "
                           f"{best[other][0]:.1f} bits against it too")
        if write:
            self.index.commit(batch)
        return Resolution(survivor, top_weight, True, reasons, len(stored), record.rid,
                          merged=absorbed if write else (), alternatives=alternatives)

    def _why(self, record: Record, found: Stored, entity: str, weight: float) -> list[str]:
        _, reasons = compare(self.model, record, found.record, explain=True)
        head = (f"best candidate {entity} via report {found.record.report_id} "
                f"person {found.record.person_ref}: {weight:.1f} bits")
        return [head] + ["  " + r for r in reasons]

    # ---- reading ---------------------------------------------------------

    def entity_of(self, report_id: str, person_ref: str) -> str | None:
        rid = record_id(report_id, person_ref)
        found = self.index.fetch([rid]).get(rid)
        return found.entity_id if found else None

    def resolve_alias(self, entity_id: str) -> str:
        """The entity an id stands for now: itself, or the entity it was merged into."""
        current = entity_id
        for _ in range(1000):
            nxt = self.index.alias(current)
            if nxt is None:
                return current
            current = nxt
        raise UnknownEntity(f"alias chain from {entity_id!r} does not end")  # pragma: no cover

    def members(self, entity_id: str) -> list[tuple[str, str]]:
        """``(report_id, person_ref)`` of every record in the entity."""
        rids = self.index.members(self.resolve_alias(entity_id))
        found = self.index.fetch(rids)
        return sorted((s.record.report_id, s.record.person_ref) for s in found.values())

    def dump(self) -> Iterator[dict[str, str]]:
        """Every record's current entity, in arrival order."""
        for found in self.index.scan():
            yield {"report_id": found.record.report_id, "person_ref": found.record.person_ref,
                   "entity_id": found.entity_id}

    def events(self) -> list[dict[str, Any]]:
        return self.index.events()

    # ---- correcting ------------------------------------------------------

    def split(self, entity_id: str, records: Iterable[str | tuple[str, str]],
              reason: str = "") -> str:
        """Move ``records`` (record ids or ``(report_id, person_ref)``) out of an
        entity into a new one; the rest keep the id.  The two are then kept
        apart: a later record that matches both joins one and merges nothing.
        Returns the new entity id."""
        entity = self.resolve_alias(entity_id)
        members = set(self.index.members(entity))
        if not members:
            raise UnknownEntity(f"entity {entity_id!r} has no records")
        moving = sorted({r if isinstance(r, str) else record_id(*r) for r in records})
        outside = [r for r in moving if r not in members]
        if outside or not moving or len(moving) == len(members):
            raise BadSplit(f"cannot split {entity}: records {outside or moving} must be a "
                           f"non-empty proper subset of its {len(members)} records")
        digest = hashlib.blake2b(f"split\x1f{entity}\x1f{','.join(moving)}".encode(),
                                 digest_size=6).hexdigest()
        new = "E" + digest
        age = self.index.next_seq()
        self.index.commit(Batch(
            seq=age, assign={rid: (new, age) for rid in moving},
            members_remove={entity: moving}, members_add={new: list(moving)},
            apart=[(entity, new)],
            events=[{"event": "split", "from": entity, "to": new, "record_ids": moving,
                     "reason": reason}]))
        return new


def score_pair(a: Any, b: Any, model: Model | None = None) -> tuple[float, list[str]]:
    """Match weight (bits) and reasons for two persons, outside any index."""
    ra = to_record(a, "a", None)
    rb = to_record(b, "b", None)
    return compare(model or Model(), ra, rb, explain=True)
