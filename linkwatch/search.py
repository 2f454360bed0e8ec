"""Search the link state from what an analyst has in front of them: an identifier as
written, or a person's name (optionally with a date of birth).

Pure functions over a ``Source``: the readers' view of the link state
(``linkwatch.view.GraphView``: its nodes, and the resolver's records by blocking key), or a
``Pipeline`` in this process (``PipelineSource``), and an ``AlertIndex`` of the latest
alerts; nothing here reads Kafka or replays anything.  docs/search.md has the
rules in words.

* **Identifiers** are normalised exactly as intake does (``rules.normalise.canonical``,
  the same function ``LinkGraph`` builds node ids with): the query is tried as every
  identifier type, and each canonical node id found in the graph is a hit.  A URL
  written without a scheme is tried with ``http://`` (intake's reading) and ``https://``.
  A typed node id (``phone:+447700900123``), a report id, an LSOA code or an entity id
  is looked up as it is.
* **Names** go through entity resolution's own machinery: the query becomes a resolver
  ``Record`` (``to_record``), its blocking keys (``block_keys``/``read_keys``, given and
  family names also tried crossed over) select candidate records filed under the same
  keys (the view's ``names`` table, which the link stage fills as it resolves), and
  each candidate is scored with the resolver's Fellegi-Sunter comparisons
  (``compare``: nicknames, the "same once folded" level for accents and scripts,
  crossed-over names, date of birth).  No full scan: the work is bounded by the blocks'
  size, read newest first up to ``BLOCK_CAP`` records each.
* **Ranking**: exact identifiers, then persons whose date of birth matches exactly,
  then other name matches; within a tier by score (bits of evidence) and node id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from linkwatch.graph import model as m
from linkwatch.graph.store import LinkGraph
from linkwatch.rules.normalise import RULES, canonical
from linkwatch.rules.resolve import InMemoryIndex, Record, Resolver, to_record
from linkwatch.rules.resolve._compare import Model, compare
from linkwatch.rules.resolve._index import Index, Stored
from linkwatch.rules.resolve._resolver import block_keys, read_keys

MAX_QUERY = 300            # characters; a longer query is refused by the API
BLOCK_CAP = 200            # newest records read per blocking key (the resolver reads 100)
MIN_NAME_BITS = 5.0        # a name hit needs this much evidence: both names agreeing at
#                            least loosely; one name alone (~2 bits) or a date of birth
#                            that disagrees (capped at 0) is not a hit
# the three tiers, best first
IDENTIFIER, NAME_DOB, NAME = "identifier", "name_and_dob", "name"
_TIER = {IDENTIFIER: 0, NAME_DOB: 1, NAME: 2}
_AS_IS = ("report", "location", "person")  # node kinds a bare id may name


@dataclass(frozen=True, slots=True)
class Hit:
    """One node found: why (``match``, ``reasons``), how well (``score``: bits of name
    evidence, ``None`` for an exact identifier), and what the graph says about it."""

    node_id: str
    kind: str
    label: str
    match: str
    score: float | None
    reasons: tuple[str, ...]
    reports: int
    alerts: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "kind": self.kind, "label": self.label,
                "match": self.match, "score": self.score, "reasons": list(self.reasons),
                "reports": self.reports, "alerts": [dict(a) for a in self.alerts]}


@dataclass
class AlertIndex:
    """Node id -> the live alerts naming it (``entities``), kept up to date one alert
    version at a time (``update``), so a search never scans every alert."""

    by_node: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    nodes_of: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, alerts: Iterable[Mapping[str, Any]]) -> AlertIndex:
        index = cls()
        for alert in alerts:
            index.update(alert)
        return index

    def update(self, alert: Mapping[str, Any]) -> None:
        """``alert`` is now the latest version of its id: it replaces what the index held
        for it; a superseded alert (``status``) is no longer live and leaves the index."""
        aid = alert.get("alert_id") if isinstance(alert, Mapping) else None
        if not isinstance(aid, str):
            return
        for node in self.nodes_of.pop(aid, ()):
            held = self.by_node.get(node)
            if held is not None:
                held.pop(aid, None)
                if not held:
                    del self.by_node[node]
        if alert.get("status", "live") != "live":
            return
        nodes = tuple(dict.fromkeys(
            e["entity_id"] for e in alert.get("entities") or ()
            if isinstance(e, Mapping) and isinstance(e.get("entity_id"), str)))
        row = {"alert_id": aid, "type": str(alert.get("type", "")),
               "severity": str(alert.get("severity", "")), "version": alert.get("version")}
        for node in nodes:
            self.by_node.setdefault(node, {})[aid] = row
        self.nodes_of[aid] = nodes

    def of_node(self, node: str) -> tuple[dict[str, Any], ...]:
        held = self.by_node.get(node)
        return tuple(sorted(held.values(), key=lambda a: a["alert_id"])) if held else ()


# -- identifiers -------------------------------------------------------------------------------
def identifier_nodes(query: str) -> dict[str, str]:
    """Every node id ``query`` stands for as some identifier, normalised as intake does,
    with the reading that gave it: ``"07700 900123"`` -> ``{"phone:+447700900123": "phone"}``
    (and whatever else the text reads as: an address, a username...).  Never raises."""
    text = query.strip() if isinstance(query, str) else ""
    if not text or len(text) > MAX_QUERY:
        return {}
    found: dict[str, str] = {}
    for kind in RULES:
        node = canonical(kind, text).node_id
        if node and node not in found:
            found[node] = kind
    if "://" not in text[:12]:  # intake reads a bare host as http://; people type https too
        node = canonical("url", "https://" + text).node_id
        if node and node not in found:
            found[node] = "url"
    if ":" in text:  # a typed node id, as the API and exports show them
        found.setdefault(text, "node id")
    for kind in _AS_IS:
        found.setdefault(f"{kind}:{text}", f"{kind} id")
    return found


class Source(Protocol):
    """What a search reads: ``linkwatch.view.GraphView`` (the readers' view of the link
    state) or ``PipelineSource`` (a ``Pipeline`` in this process: tests, benchmarks)."""

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def name_candidates(self, keys: Iterable[str], cap: int) -> list[tuple[str, Record]]: ...


class PipelineSource:
    """A ``Pipeline``'s own state as a ``Source`` (no Kafka, no view)."""

    def __init__(self, pipeline: Any) -> None:
        self.graph: LinkGraph = pipeline.graph
        self.resolver: Resolver = pipeline.resolver
        self.persons_of: Mapping[str, Any] = pipeline.persons_of

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        nodes = self.graph.g._node  # noqa: SLF001 - plain dict lookups
        return {n: nodes[n] for n in ids if n in nodes}

    def name_candidates(self, keys: Iterable[str], cap: int) -> list[tuple[str, Record]]:
        from linkwatch.view.writer import person_node

        out = []
        for found in _stored(self.resolver.index, list(keys), cap):
            node = person_node(self.graph.g, self.persons_of, found.record,
                               found.entity_id)
            if node is not None:
                out.append((node, found.record))
        return out


def _identifier_hits(source: Source, query: str) -> list[tuple[str, str]]:
    wanted = identifier_nodes(query)
    held = source.nodes(wanted)
    return [(node, how) for node, how in wanted.items() if node in held]


# -- names ------------------------------------------------------------------------------------
def query_record(name: str, dob: str | None = None) -> Record | None:
    """The query as the resolver sees a person: ``None`` if it has no name to compare."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_QUERY:
        return None
    record = to_record({"name": name, "dob": dob, "person_ref": "q"}, "search", None)
    return record if record.names else None


def _blocking_record(record: Record) -> Record:
    """``record`` with each name also crossed over (given <-> family) as an alias, so its
    blocking keys meet a record filed the other way round ("Wisniewski Lukasz")."""
    names = list(record.names)
    for given, family in record.names:
        if given and family and (family, given) not in names:
            names.append((family, given))
    return Record(record.rid, record.report_id, record.person_ref, record.reported_at,
                  tuple(names), record.dob, record.birth_year)


def name_keys(record: Record) -> list[str]:
    """The blocks a name query reads: its own, with the names also crossed over."""
    return read_keys(record, block_keys(_blocking_record(record)))


def _stored(index: Index, keys: list[str], cap: int = BLOCK_CAP) -> list[Stored]:
    """The resolver's stored records in blocks ``keys`` (newest ``cap`` of each), read-only."""
    if isinstance(index, InMemoryIndex):
        # read only: ``lookup`` would advance its counter
        return list(index.fetch(index.in_blocks(keys, cap)).values())
    # another backend: its ``lookup`` (one round trip) advances the sequence counter, which
    # only spaces entity ages apart; their order, all that is read, is unchanged
    return list(index.lookup("search", keys, cap).candidates.values())


def _name_hits(source: Source, name: str, dob: str | None,
               model: Model) -> dict[str, tuple[str, float, tuple[str, ...]]]:
    record = query_record(name, dob)
    if record is None:
        return {}
    best: dict[str, tuple[str, float, tuple[str, ...]]] = {}
    for node, found in source.name_candidates(name_keys(record), BLOCK_CAP):
        weight, reasons = compare(model, record, found, explain=True)
        if weight < MIN_NAME_BITS:
            continue
        tier = NAME_DOB if (record.dob and found.dob == record.dob) else NAME
        held = best.get(node)
        if held is None or (_TIER[tier], -weight) < (_TIER[held[0]], -held[1]):
            best[node] = (tier, round(weight, 2), tuple(reasons))
    return best


# -- the search --------------------------------------------------------------------------------
def search(source: Source, query: str, *, dob: str | None = None,
           alerts: AlertIndex | None = None, limit: int = 20,
           model: Model | None = None) -> list[Hit]:
    """The ranked hits for ``query`` (and ``dob``, a date of birth in any form the resolver
    reads), at most ``limit``, from ``source`` (the view, or a ``PipelineSource``)."""
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY:
        return []
    found: dict[str, tuple[str, float | None, tuple[str, ...]]] = {}
    for node, how in _identifier_hits(source, query):
        found[node] = (IDENTIFIER, None, (f"{query.strip()!r} read as {how}: {node}",))
    for node, hit in _name_hits(source, query, dob, model or Model()).items():
        found.setdefault(node, hit)
    ranked = sorted(found.items(), key=lambda item: (
        _TIER[item[1][0]], -(item[1][1] or 0.0), item[0]))[:max(0, limit)]
    nodes = source.nodes(node for node, _ in ranked)
    out = []
    for node, (match, score, reasons) in ranked:
        data = nodes.get(node)
        if data is None:
            continue
        out.append(Hit(node_id=node, kind=str(data.get("kind") or m.kind_of(node)),
                       label=str(data.get("label") or node.split(":", 1)[-1]),
                       match=match, score=score, reasons=reasons,
                       reports=len(data.get("report_ids") or ()),
                       alerts=alerts.of_node(node) if alerts is not None else ()))
    return out


__all__ = ["BLOCK_CAP", "IDENTIFIER", "MIN_NAME_BITS", "NAME", "NAME_DOB", "AlertIndex", "Hit",
           "PipelineSource", "Source", "identifier_nodes", "name_keys", "query_record",
           "search"]
