"""The managed-offender watchlist (Integrated Offender Management cohort, people under a
multi-agency plan) and the ``managed_offender`` findings it gives.  Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from linkwatch.schemas import Alert, Severity, severity_rank

from ._identity import NETWORK_TYPES, OFFENDER_ROLES, identity, offender_key

MAX_EVIDENCE = 20   # appearances an alert lists (the most recent)


class WatchlistEntry(BaseModel):
    """One managed offender.  ``entity_id`` (preferred) or name + dob, or name + postcode.

    Compacted topic ``linkwatch.watchlist``: key = ``entry_id``, value = this JSON, or null
    (a tombstone) to remove the entry.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    entry_id: str = Field(min_length=1, max_length=200)
    entity_id: str | None = None
    name: str | None = None
    dob: date | None = None
    postcode: str | None = None
    scheme: str = "IOM"                  # e.g. IOM fixed / flex / free, MAPPA, DRIVE
    severity: Severity = "medium"
    lead: str | None = None              # managing unit (not a person's name)

    @field_validator("entity_id", "name", "dob", "postcode", "lead", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def identity_keys(self) -> list[str]:
        """Keys a person can match on.  Example: name "Smith, Bill", dob 1990-01-02 ->
        ``["nd:william smith|1990-01-02"]``."""
        keys = [f"e:{self.entity_id}"] if self.entity_id else []
        full, dob, pc = identity(self)
        if full and dob:
            keys.append(f"nd:{full}|{dob}")
        if full and pc:
            keys.append(f"np:{full}|{pc}")
        return keys


def _person_keys(person: Any) -> list[tuple[str, str, float]]:
    """(key, how it matched, score) for a report's person, strongest first."""
    found: list[tuple[str, str, float]] = []
    if getattr(person, "entity_id", None):
        found.append((f"e:{person.entity_id}", "resolved entity id", 0.9))
    full, dob, pc = identity(person)
    if full and dob:
        found.append((f"nd:{full}|{dob}", "name and date of birth", 0.85))
    if full and pc:
        found.append((f"np:{full}|{pc}", "name and postcode", 0.6))
    return found


class Watchlist:
    """A mutable set of :class:`WatchlistEntry`, indexed for matching.  ``apply(key, value)``
    takes one compacted-topic message (``None`` value = remove), so the pipeline sees changes
    without a restart.  ``version`` counts changes.
    """

    def __init__(self, entries: Iterable[WatchlistEntry] = ()) -> None:
        self.entries: dict[str, WatchlistEntry] = {}
        self._index: dict[str, set[str]] = {}
        self.version = 0
        self.rejected: list[str] = []
        for entry in entries:
            self.put(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.entries

    def put(self, entry: WatchlistEntry) -> None:
        self.remove(entry.entry_id)
        keys = entry.identity_keys()
        if not keys:
            self.rejected.append(f"{entry.entry_id}: no entity_id, name+dob or name+postcode")
            return
        self.entries[entry.entry_id] = entry
        for key in keys:
            self._index.setdefault(key, set()).add(entry.entry_id)
        self.version += 1

    def remove(self, entry_id: str) -> bool:
        entry = self.entries.pop(entry_id, None)
        if entry is None:
            return False
        for key in entry.identity_keys():
            ids = self._index.get(key)
            if ids is not None:
                ids.discard(entry_id)
                if not ids:
                    del self._index[key]
        self.version += 1
        return True

    def apply(self, key: bytes | str | None, value: Mapping[str, Any] | None) -> None:
        """One topic message: a value puts the entry, ``None`` (tombstone) removes ``key``."""
        entry_id = key.decode() if isinstance(key, bytes) else key
        if value is None:
            if entry_id:
                self.remove(entry_id)
            return
        try:
            entry = WatchlistEntry.model_validate({**value, "entry_id": entry_id})
        except ValidationError as exc:
            self.rejected.append(f"{entry_id}: {exc.errors()[0]['msg']}")
            return
        self.put(entry)

    def match(self, person: Any) -> list[tuple[WatchlistEntry, str, float]]:
        """Entries ``person`` matches, with how and a score (best per entry)."""
        best: dict[str, tuple[WatchlistEntry, str, float]] = {}
        for key, how, score in _person_keys(person):
            for entry_id in self._index.get(key, ()):
                if entry_id not in best or best[entry_id][2] < score:
                    best[entry_id] = (self.entries[entry_id], how, score)
        return sorted(best.values(), key=lambda t: (-t[2], t[0].entry_id))

    def entry_for_entity(self, entity_id: str, bound: Mapping[str, Iterable[str]] | None = None
                         ) -> WatchlistEntry | None:
        """The entry listing ``entity_id``: by its ``entity_id``, or through ``bound`` (entity
        id -> entry ids it matched on name and date of birth in an earlier report)."""
        ids = set(self._index.get(f"e:{entity_id}", ()))
        ids |= {i for i in (bound or {}).get(entity_id, ()) if i in self.entries}
        return self.entries[min(ids)] if ids else None


def _raise(severity: str, floor: str) -> str:
    return severity if severity_rank(severity) >= severity_rank(floor) else floor


def _finding(entity: str, label: str, entry: WatchlistEntry, severity: str, score: float,
             reasons: list[str], report_ids: Iterable[str], at: datetime | None,
             cluster_id: str | None = None) -> dict[str, Any]:
    node = f"person:{entity}"
    return {
        "type": "managed_offender", "key": f"managed_offender:{entity}", "severity": severity,
        "score": round(score, 3),
        "title": f"Managed offender ({entry.scheme}) active: {label}",
        "summary": (f"A person on the {entry.scheme} managed-offender list (entry "
                    f"{entry.entry_id}) appears in new evidence; tell the managing unit"
                    f"{' (' + entry.lead + ')' if entry.lead else ''}."),
        "reasons": tuple(reasons), "report_ids": tuple(sorted(set(report_ids))),
        "entities": (node,), "labels": (label,), "cluster_id": cluster_id, "at": at,
    }


Network: TypeAlias = Mapping[str, Any] | Alert   # an alert, or one as a dict (its JSON)


def _networks(network: Network | Iterable[Network] | None) -> list[Network]:
    if network is None:
        return []
    if isinstance(network, (Mapping, Alert)):
        return [network]
    return list(network)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """A field of an ``Alert`` (or ``AlertEntity``) or a key of its JSON as a dict."""
    value = obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    return default if value is None else value


def match_watchlist(report: Any, persons: Iterable[Any] | None, watchlist: Watchlist,
                    network: Network | Iterable[Network] | None = None,
                    bound: Mapping[str, Iterable[str]] | None = None) -> list[dict[str, Any]]:
    """``managed_offender`` findings (dicts with ``Finding``'s fields; ``Finding(**d)``).

    * each suspect/offender of ``report`` (``persons``: resolved persons, default the report's)
      who matches an entry;
    * with ``network`` (an ``Alert`` of a network type, or an alert or finding as a dict
      with ``type``, ``entities`` and ``report_ids``; or several), each listed
      ``person:<entity>`` in it,
      at ``high`` (listed by ``entity_id``, or through ``bound``: see
      :meth:`Watchlist.entry_for_entity`).

    Example: report R1 names suspect entity E1, on the list -> one finding, key
    ``managed_offender:E1``, report_ids ``("R1",)``.
    """
    found: dict[str, dict[str, Any]] = {}
    rid = getattr(report, "report_id", None) if report is not None else None
    at = getattr(report, "reported_at", None) if report is not None else None
    for person in (persons if persons is not None else getattr(report, "persons", ())):
        if getattr(person, "role", None) not in OFFENDER_ROLES:
            continue
        for entry, how, score in watchlist.match(person):
            entity = getattr(person, "entity_id", None) or entry.entity_id or offender_key(person)
            label = person.display_name() if hasattr(person, "display_name") else entity
            reasons = [f"{entry.scheme} entry {entry.entry_id} matched on {how}",
                       f"named as {person.role} in report {rid}"]
            found.setdefault(entity, _finding(entity, label or entity, entry, entry.severity,
                                              score, reasons, [rid] if rid else [], at))
    for net in _networks(network):
        if _get(net, "type") not in NETWORK_TYPES:
            continue
        for ent in _get(net, "entities", ()):
            node = _get(ent, "entity_id") if not isinstance(ent, str) else ent
            if not node or not node.startswith("person:"):
                continue
            entity = node.removeprefix("person:")
            listed = watchlist.entry_for_entity(entity, bound)
            if listed is None:
                continue
            label = _get(ent, "label", entity) if not isinstance(ent, str) else entity
            reason = (f"member of detected {_get(net, 'type')} network "
                      f"{_get(net, 'alert_id') or _get(net, 'key', '')}".rstrip())
            rids = [*_get(net, "report_ids", ()), *([rid] if rid else [])]
            if entity in found:
                f = found[entity]
                f.update(severity=_raise(f["severity"], "high"),
                         reasons=(*f["reasons"], reason),
                         report_ids=tuple(sorted({*f["report_ids"], *rids})),
                         cluster_id=f["cluster_id"] or _get(net, "cluster_id"))
            else:
                how = ("resolved entity id" if listed.entity_id == entity else
                       "an earlier report naming this entity")
                found[entity] = _finding(entity, label, listed, _raise(listed.severity, "high"),
                                         0.9, [f"{listed.scheme} entry {listed.entry_id} "
                                               f"matched on {how}", reason],
                                         rids, at or _time(net), _get(net, "cluster_id"))
    return [found[k] for k in sorted(found)]


def with_evidence(finding: Mapping[str, Any], appearances: Sequence[str]) -> dict[str, Any]:
    """``finding`` with the reports the listed person appeared in (as suspect/offender, since
    listed; the last :data:`MAX_EVIDENCE`) added as evidence: ``report_ids``, one
    ``report:<id>`` entity each and the ``involved`` link from it to the person.  A new
    appearance is then a new member of the alert, so ``AlertBook`` gives a new version
    (after its cooldown) and the offender manager sees every report.

    Example: finding for E1 from report R2, appearances ``["R1", "R2"]`` -> report_ids
    ``("R1", "R2")``, entities ``("person:E1", "report:R1", "report:R2")``.
    """
    recent = list(dict.fromkeys(appearances))[-MAX_EVIDENCE:]
    person, label = finding["entities"][0], finding["labels"][0]
    return {**finding,
            "report_ids": tuple(sorted({*finding["report_ids"], *recent})),
            "entities": (person, *(f"report:{r}" for r in recent)),
            "labels": (label, *recent),
            "links": tuple((f"report:{r}", person, "involved") for r in recent),
            "link_report_ids": tuple((r,) for r in recent)}


def _time(alert: Network) -> datetime | None:
    value = _get(alert, "updated_at") or _get(alert, "at")
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None
