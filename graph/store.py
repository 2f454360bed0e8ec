"""The one owner of the networkx link graph.

``LinkGraph.add_report`` folds one enriched report into the graph and returns the
nodes it touched, so detectors run on that part only (bounded work).
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, get_args

import networkx as nx

from linkwatch.rules.normalise import canonical
from linkwatch.schemas import AnyReport, Identifier
from linkwatch.schemas.report import Role

from . import model as m

_PERSON_LINK = {"phone": m.USES_PHONE, "email": m.USES_EMAIL}
_NO_KEYS: dict[Any, Any] = {}  # read only: what a missing node or edge has
# Memory (issue 21): a node with no edge out (an identifier) or in (a report) shares this
# empty adjacency dict (64 B each) until ``LinkGraph._edge``, the one place that adds
# edges to the graph, gives it its own (a snapshot's nodes share another empty one)
_NO_NEIGHBOURS: dict[str, Any] = {}
_SHARED: dict[frozenset[str], set[str]] = {}  # roles/flags sets, one of each (``_shared``)
_SHARED_MAX = 10_000  # distinct sets shared; past that each node gets its own


_VALUES: dict[Any, Any] = {}  # values that repeat (harm, outside share, dates), one of each
_VALUES_MAX = 100_000


def _interned(value: Any) -> Any:
    """A text that repeats across nodes (a force's name) as one string; a float (a harm
    score, an outside share) or a date (of birth) as one object."""
    kind = type(value)
    if kind is str:
        return sys.intern(value)
    if kind is date or (kind is float and value == value and math.copysign(1.0, value) > 0):
        found = _VALUES.get(value)  # (a float not NaN, nor -0.0, which equals 0.0)
        if found is None:
            found = value
            if len(_VALUES) < _VALUES_MAX:
                _VALUES[value] = value
        return found
    return value


def _shared(values: Iterable[str]) -> set[str]:
    """The one set of these values every node holding them shares (``LinkGraph._node``
    replaces a shared set, never changes it): a person's roles and flags repeat."""
    key = frozenset(values)
    found = _SHARED.get(key)
    if found is None:
        found = set(key)
        if len(_SHARED) < _SHARED_MAX:
            _SHARED[key] = found
    return found


_NO_FLAGS = _shared(())
_ROLES = {role: _shared((role,)) for role in get_args(Role)}  # one role: the common case

# Memory (issue 21): a node holds an attribute only when it says something, not when it
# is None nor when it is its kind's default (here: a report's empty markers and weapons, a
# person's empty flags and ``under_18`` False); an attribute whose default is not None
# holds None when None.  A reader gets ``.get``'s None for an attribute not held (falsy,
# as the defaults are), and ``node_attrs`` gives the attributes whole (the view).  Each
# kind's attributes in the order ``LinkGraph.add_report`` makes them, with their default:
_NODE_ATTRS: dict[str, tuple[tuple[str, Any], ...]] = {
    "report": (("report_kind", None), ("reported_at", None), ("force", None),
               ("markers", ()), ("category", None), ("weapons", ()), ("lsoa", None),
               ("lat", None), ("lon", None), ("harm", None), ("duplicate_of", None),
               ("outside_share", None)),
    "person": (("roles", None), ("flags", _NO_FLAGS), ("dob", None), ("age", None),
               ("postcode", None), ("nationality", None), ("out_of_area", None),
               ("home_force", None), ("under_18", False), ("vulnerable", None)),
    "vehicle": (("make", None), ("colour", None)),
}
_DEFAULTS = {kind: {k: d for k, d in attrs if d is not None} for kind, attrs in _NODE_ATTRS.items()}
_BASE = ("kind", "label", "first_seen", "last_seen", "report_ids")  # every node's (``_node``)


LEFT_OUT = "node_defaults_left_out"  # in ``g.graph`` of a ``LinkGraph``'s graph


def whole(g: nx.MultiDiGraph, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A node's attributes whole (``node_attrs``) when ``g`` is (a view of) a ``LinkGraph``'s
    graph; another graph's as they are."""
    return node_attrs(data) if g.graph.get(LEFT_OUT) else data


def node_attrs(data: Mapping[str, Any]) -> dict[str, Any]:
    """A ``LinkGraph`` node's attributes whole, as the graph held them before it left
    defaults out: its kind's defaults filled in, ``None`` values left out (as the view
    does), in the order they are made.  The view writes these (``linkwatch.view.writer``)."""
    order = _NODE_ATTRS.get(data.get("kind"))  # type: ignore[arg-type]
    if order is None:
        return {k: v for k, v in data.items() if v is not None}
    out = {k: data[k] for k in _BASE if data.get(k) is not None}
    for key, default in order:
        value = data.get(key, default)
        if value is not None:
            out[key] = value
    if len(data) > len(out):  # something else (or None values, from an older snapshot)
        for key, value in data.items():
            if value is not None and key not in out:
                out[key] = value
    return out


class CoOffenders:
    """Connected components of the co-offender edges, kept up to date as edges arrive
    (the graph only grows), so a detector finds a person's component without walking it.

    ``version`` of a component changes whenever one of its co-offender edges is added
    or gains a report; it is a global counter, so ``(root, version)`` names one state
    of one component and results computed from it can be remembered (``memo``).
    ``shared``: each person's co-offenders with the number of reports they share (the
    report ids on the co-offender edges between them, both directions), so a detector
    reads those and not the whole adjacency of a busy offender (every report and phone).
    """

    def __init__(self) -> None:
        self.shared: dict[str, dict[str, int]] = {}
        self.parent: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        self.version: dict[str, int] = {}
        self.memo: dict[Any, Any] = {}   # detector results per component state (ocg.py)
        self._clock = 0

    def find(self, x: str) -> str | None:
        parent = self.parent
        if x not in parent:
            return None
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def link(self, a: str, b: str, new_report: bool = True) -> None:
        """A co-offender edge ``a`` -> ``b`` was added or seen again; ``new_report``: it
        gained a report id."""
        if a != b and new_report:
            for x, y in ((a, b), (b, a)):
                counts = self.shared.setdefault(x, {})
                counts[y] = counts.get(y, 0) + 1
        for x in (a, b):
            if x not in self.parent:
                self.parent[x] = x
                self.members[x] = {x}
        ra, rb = self.find(a), self.find(b)
        assert ra is not None and rb is not None  # noqa: S101 - both were just added
        if ra != rb:
            if len(self.members[ra]) < len(self.members[rb]):
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.members[ra] |= self.members.pop(rb)
            self.version.pop(rb, None)
        self._clock += 1
        self.version[ra] = self._clock

    def component(self, x: str) -> tuple[str, set[str], int] | None:
        """(root, members, version) of ``x``'s component, or ``None`` without co-offenders."""
        root = self.find(x)
        return None if root is None else (root, self.members[root], self.version[root])


def time_key(when: Any) -> float | None:
    """A report time as a number that sorts like it: POSIX seconds (a naive time taken
    as UTC); ``None`` for anything that is not a datetime."""
    if not isinstance(when, datetime):
        return None
    try:
        return (when if when.utcoffset() is not None else when.replace(tzinfo=UTC)).timestamp()
    except (OverflowError, ValueError, OSError):
        return None


class NodeTimes:
    """One node's reports ordered by time: ``keys`` (``time_key``) parallel to ``rids``;
    ``odd``: its irregular reports (``ReportTimes``)."""

    __slots__ = ("keys", "naive", "odd", "rids", "seen", "size")

    def __init__(self) -> None:
        self.keys = array("d")
        self.rids: list[str] = []
        self.naive = 0   # entries whose time is naive (no UTC offset)
        self.size = 0    # report ids of the node accounted for (indexed or not)
        self.odd: set[str] = set()
        self.seen = 0    # how much of ``ReportTimes.log`` has been checked for ``odd``

    def add(self, key: float, rid: str, naive: bool) -> None:
        i = bisect_left(self.keys, key)
        while i < len(self.keys) and self.keys[i] == key and self.rids[i] < rid:
            i += 1
        self.keys.insert(i, key)
        self.rids.insert(i, rid)
        self.naive += naive


class ReportTimes:
    """Busy nodes' reports ordered by report time, so "its reports within N days of t"
    is a bisect rather than a scan of every report the node ever had (``graph/hubs.py``).

    A node's ``NodeTimes`` is built on first use (``of``), then kept up to date as the
    node gains reports.  It holds the reports that were not near-duplicates, under their
    time, when entered.  A report whose time or duplicate mark changes afterwards (a
    later version of it), or that has no time, is ``irregular``: its old entries stay,
    under the key ``irregular`` maps it to, and readers judge it from the graph instead.
    """

    BUILD_FROM = 64  # fewer reports: a reader scans them, no index

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.g = g
        self.nodes: dict[str, NodeTimes] = {}
        self.irregular: dict[str, float | None] = {}
        self.log: list[str] = []  # irregular reports in the order they became so

    def of(self, node: str) -> NodeTimes | None:
        """The node's index, built if it has ``BUILD_FROM`` reports or more (else None)."""
        data = self.g._node.get(node)  # noqa: SLF001 - plain dict read
        ids = (data.get("report_ids") or ()) if data is not None else ()
        times = self.nodes.get(node)
        if times is not None and times.size == len(ids):
            if times.seen < len(self.log):
                times.odd.update(r for r in self.log[times.seen:] if r in ids)
                times.seen = len(self.log)
            return times
        if len(ids) < self.BUILD_FROM:
            return None
        times = self.nodes[node] = NodeTimes()
        entries = []
        for rid in ids:
            entry = self._entry(rid)
            if entry is not None:
                entries.append(entry)
        entries.sort()
        times.keys.extend(k for k, _, _ in entries)
        times.rids.extend(r for _, r, _ in entries)
        times.naive = sum(naive for _, _, naive in entries)
        times.size = len(ids)
        times.odd = {r for r in ids if r in self.irregular}
        times.seen = len(self.log)
        return times

    def added(self, node: str, rid: str) -> None:
        """``rid`` is new on ``node`` (its report node already up to date)."""
        times = self.nodes.get(node)
        if times is not None:
            times.size += 1
            entry = self._entry(rid)
            if entry is not None:
                times.add(*entry)
            elif rid in self.irregular:
                times.odd.add(rid)

    def updating(self, rid: str, when: Any, duplicate_of: str | None) -> None:
        """A report is about to be (re)written with this time and duplicate mark."""
        old = self.g._node.get(f"report:{rid}")  # noqa: SLF001
        if old is None or rid in self.irregular:
            return
        if ((when is not None and when != old.get("reported_at"))
                or (duplicate_of is not None and duplicate_of != old.get("duplicate_of"))):
            self._irregular(rid, time_key(old.get("reported_at")))

    def _irregular(self, rid: str, key: float | None) -> None:
        self.irregular[rid] = key
        self.log.append(rid)

    def _entry(self, rid: str) -> tuple[float, str, bool] | None:
        if rid in self.irregular:
            return None
        data = self.g._node.get(f"report:{rid}")  # noqa: SLF001
        when = data.get("reported_at") if data is not None else None
        key = time_key(when)
        if key is None:
            self._irregular(rid, None)  # no report node or no time: judged from the graph
            return None
        if data.get("duplicate_of"):  # type: ignore[union-attr]
            return None  # a near-duplicate is never in a window (``_util.in_window``)
        return key, rid, when is not None and when.utcoffset() is None  # a key: a time


class LinkGraph:
    def __init__(self) -> None:
        self.g: nx.MultiDiGraph = nx.MultiDiGraph()
        self.report_nodes = 0  # how many report nodes ``g`` has
        self.co_offenders = CoOffenders()
        self.g.graph["co_offenders"] = self.co_offenders  # read by the ocg detector
        self.report_times = ReportTimes(self.g)
        self.g.graph["report_times"] = self.report_times  # read by graph/hubs.py
        self.g.graph[LEFT_OUT] = True  # read by ``whole``
        # what changed since the view last took it (``take_changes``, linkwatch/view):
        # node ids, and (u, v, type) edge keys; an edge's ends are changed nodes too (their
        # neighbour counts moved)
        self.changed: set[str] = set()
        self.changed_edges: set[tuple[str, str, str]] = set()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("changed", set())
        self.__dict__.setdefault("changed_edges", set())
        if "report_nodes" not in state:  # pickled when every report id was kept in a set
            self.report_nodes = len(self.__dict__.pop("reports_seen", ()))
        if "report_times" not in state:  # pickled before the index existed
            self.report_times = ReportTimes(self.g)
            self.g.graph["report_times"] = self.report_times

    # -- building ---------------------------------------------------------
    # Memory (issue 21): most nodes and edges have one report.  A report's nodes and edges
    # that are new share one ``{report id}`` set (``add_report``), and ``roles``/``flags``
    # sets are shared by every node holding the same ones (``_shared``); so a set of one
    # report id, and a roles or flags set, is never changed in place but replaced.  A set
    # of two report ids or more is the node's (or edge's) own and grows in place.
    def _node(self, node_id: str, when: datetime, report_id: str, ids: set[str],
              **attrs: Any) -> str:
        g = self.g
        self.changed.add(node_id)
        data = g._node.get(node_id)  # noqa: SLF001 - plain dict read
        if data is not None:
            if _seen_in(data, when, report_id):
                self.report_times.added(node_id, report_id)
            defaults = _DEFAULTS.get(data.get("kind"), _NO_KEYS)  # type: ignore[arg-type]
            for key, value in attrs.items():
                if isinstance(value, set):
                    old = data.get(key)
                    if old is None:
                        if value or key not in defaults:
                            data[key] = value
                    elif not value <= old:
                        data[key] = _shared(old | value)
                elif value is not None:
                    default = defaults.get(key)
                    if default is not None and type(value) is type(default) \
                            and value == default:  # False, not 0
                        data.pop(key, None)
                    else:
                        data[key] = value
        else:
            kind = sys.intern(m.kind_of(node_id))
            label = attrs.pop("label", None) or node_id.split(":", 1)[1]
            defaults = _DEFAULTS.get(kind, _NO_KEYS)
            kept = {}
            for key, value in attrs.items():  # the type too: False is a default, 0 is not
                default = defaults.get(key)
                if default is None:
                    if value is not None:
                        kept[key] = value
                elif type(value) is not type(default) or value != default:
                    kept[key] = value  # None too: it differs from the default
            g.add_node(node_id, kind=kind, label=label, first_seen=when, last_seen=when,
                       report_ids=ids, **kept)
            g._succ[node_id] = g._pred[node_id] = _NO_NEIGHBOURS  # noqa: SLF001 - (``_edge``)
        return node_id

    def _edge(self, u: str, v: str, etype: str, when: datetime, report_id: str,
              ids: set[str], **attrs: Any) -> None:
        g = self.g
        new = True
        self.changed_edges.add((u, v, etype))
        self.changed.add(u)
        self.changed.add(v)
        data = g._succ.get(u, _NO_KEYS).get(v, _NO_KEYS).get(etype)  # noqa: SLF001 - plain dict reads
        if data is not None:
            new = _seen_in(data, when, report_id)
            data.update({k: v_ for k, v_ in attrs.items() if v_ is not None})
        else:
            succ, pred = g._succ, g._pred  # noqa: SLF001
            if u in succ and not succ[u]:  # maybe shared (``_NO_NEIGHBOURS``): its own now
                succ[u] = {}
            if v in pred and not pred[v]:
                pred[v] = {}
            g.add_edge(u, v, key=etype, type=etype, first_seen=when, last_seen=when,
                       report_ids=ids, **attrs)
        if etype == m.CO_OFFENDER:
            self.co_offenders.link(u, v, new)

    def _identifier(self, ident: Identifier, when: datetime, rid: str,
                    ids: set[str]) -> str | None:
        node_id = ident.canonical and ident.valid and f"{_prefix(ident.type)}:{ident.canonical}"
        if not node_id:
            c = canonical(ident.type, ident.value)
            node_id = c.node_id
        if not node_id:
            return None  # unparseable identifiers stay in the report, never link
        return self._node(node_id, when, rid, ids)

    def add_report(self, report: AnyReport, enrichment: Mapping[str, Any] | None = None,
                   duplicate_of: str | None = None) -> set[str]:
        """Fold one report into the graph; return the ids of every node it touched.

        ``enrichment`` is ``rules.enrich.Enrichment.as_dict()``: its harm goes on the
        report node and each person's home force / out-of-area / under-18 / vulnerable
        on the person node.  ``duplicate_of`` marks a near-duplicate of an earlier report.
        """
        enrichment = enrichment or {}
        harm = enrichment.get("harm")
        facts = enrichment.get("persons") or {}
        rid, when = report.report_id, report.reported_at
        report_node = f"report:{rid}"
        g_nodes = self.g._node  # noqa: SLF001 - plain dict reads
        # the report's new nodes and edges share one set of its id (``_node``); its report
        # node's set is always this one, the report's own
        old = g_nodes.get(report_node)
        ids: set[str] = old["report_ids"] if old is not None else {rid}
        loc = report.location
        detail = getattr(report, report.kind, None)
        self.report_times.updating(rid, when, duplicate_of)
        touched = {self._node(
            report_node, when, rid, ids, label=rid, report_kind=report.kind,
            reported_at=when, force=report.force, markers=tuple(report.markers),
            category=getattr(detail, "category", None) or getattr(detail, "fraud_type", None)
            or getattr(detail, "cyber_type", None),
            weapons=tuple(getattr(detail, "weapons", ()) or ()),
            lsoa=loc.lsoa_code if loc else None, lat=loc.lat if loc else None,
            lon=loc.lon if loc else None, harm=_interned(harm),
            duplicate_of=duplicate_of,
            outside_share=_interned(enrichment.get("outside_share")),
        )}
        self.report_nodes += old is None
        if loc and loc.lsoa_code:
            touched.add(self._node(f"location:{loc.lsoa_code}", when, rid, ids))
            self._edge(report_node, f"location:{loc.lsoa_code}", m.OCCURRED_AT, when, rid,
                       ids)

        person_nodes: dict[str, str] = {}
        for person in report.persons:
            ref = person.person_ref or ""
            pid = f"person:{person.entity_id or f'{rid}/{ref}'}"
            person_nodes[ref] = pid
            fact = facts.get(ref) or {}
            touched.add(self._node(
                pid, when, rid, ids, label=person.display_name() or ref,
                roles=_ROLES.get(person.role) or _shared((person.role,)),
                flags=_shared(person.flags) if person.flags else _NO_FLAGS,
                dob=_interned(person.dob),
                age=person.age,
                postcode=person.postcode, nationality=person.nationality,
                out_of_area=fact.get("out_of_area"),
                home_force=_interned(fact.get("home_force")),
                under_18=fact.get("under_18"), vulnerable=fact.get("vulnerable") or None,
            ))
            self._edge(report_node, pid, m.INVOLVED, when, rid, ids, role=person.role)
            # an empty string is a valid list entry but not an identifier (min_length 1)
            for raw in filter(None, person.phones):
                touched |= self._link_person(pid, Identifier(type="phone", value=raw), when,
                                             rid, ids)
            for raw in filter(None, person.emails):
                touched |= self._link_person(pid, Identifier(type="email", value=raw), when,
                                             rid, ids)
            home = person.postcode and canonical("postcode", person.postcode).node_id
            if person.address:
                addr = canonical("address", f"{person.address} {person.postcode or ''}").node_id
                home = addr or home
            if home:
                # a postcode node's label is the person's postcode as written, when it is
                # the canonical one: one string, not two
                pc = person.postcode
                touched.add(self._node(home, when, rid, ids) if not pc or home[9:] != pc
                            or home[:9] != "postcode:" or home in g_nodes
                            else self._node(home, when, rid, ids, label=pc))
                self._edge(pid, home, m.LIVES_AT, when, rid, ids)

        for ident in report.all_identifiers():
            node = self._identifier(ident, when, rid, ids)
            if not node:
                continue
            touched.add(node)
            self._edge(report_node, node, m.MENTIONS, when, rid, ids, role=ident.role)
            owner = person_nodes.get(ident.person_ref or "")
            if owner:
                self._edge(owner, node, _person_edge(ident), when, rid, ids)
            elif ident.role in {"payee"}:
                for ref, pid in person_nodes.items():
                    if report.person(ref) and report.person(ref).role == "victim":  # type: ignore[union-attr]
                        self._edge(pid, node, m.PAID_TO, when, rid, ids)
            elif ident.role in {"sender", "contact"}:
                for ref, pid in person_nodes.items():
                    if report.person(ref) and report.person(ref).role == "victim":  # type: ignore[union-attr]
                        self._edge(node, pid, m.CONTACTED, when, rid, ids)

        for vehicle in report.vehicles:
            vnode = canonical("vrm", vehicle.vrm).node_id
            if not vnode:
                continue
            touched.add(self._node(vnode, when, rid, ids, make=vehicle.make, colour=vehicle.colour))
            self._edge(report_node, vnode, m.MENTIONS, when, rid, ids)
            owner = person_nodes.get(vehicle.person_ref or "")
            if owner:
                self._edge(owner, vnode, m.SEEN_IN_VEHICLE, when, rid, ids)

        offenders = [pid for p in report.persons if p.role in m.OFFENDER_ROLES
                     for pid in [person_nodes[p.person_ref or ""]]]
        victims = [person_nodes[p.person_ref or ""] for p in report.persons if p.role == "victim"]
        for i, a in enumerate(offenders):
            for b in offenders[i + 1:]:
                if a != b:
                    self._edge(a, b, m.CO_OFFENDER, when, rid, ids)
            for v in victims:
                if v != a:
                    self._edge(v, a, m.VICTIM_OF, when, rid, ids)
        touched |= set(person_nodes.values())
        return touched

    def _link_person(self, pid: str, ident: Identifier, when: datetime, rid: str,
                     ids: set[str]) -> set[str]:
        node = self._identifier(ident, when, rid, ids)
        if not node:
            return set()
        self._edge(pid, node, _person_edge(ident), when, rid, ids)
        self._edge(f"report:{rid}", node, m.MENTIONS, when, rid, ids, role="person")
        return {node}

    # -- reading ----------------------------------------------------------
    def take_changes(self) -> tuple[set[str], set[tuple[str, str, str]]]:
        """The node ids and edge keys changed since the last call (the view's writer)."""
        nodes, edges = self.changed, self.changed_edges
        self.changed, self.changed_edges = set(), set()
        return nodes, edges

    def report_ids(self, rid: str) -> set[str]:
        """The report node's ``{rid}``, which the report's new nodes and edges share: never
        to be changed (``_node``)."""
        return self.g._node[f"report:{rid}"]["report_ids"]  # type: ignore[no-any-return]  # noqa: SLF001

    def reports_of(self, node_id: str) -> set[str]:
        return set(self.g.nodes[node_id]["report_ids"]) if node_id in self.g else set()

    def neighbourhood(self, nodes: Iterable[str], hops: int = 2,
                      max_degree: int = 250) -> nx.MultiDiGraph:
        """The sub-graph within ``hops`` of ``nodes`` (undirected), as a view.

        Bounded work: a node with more than ``max_degree`` neighbours (a hub: a bank's
        switchboard, a busy LSOA, a hostel) is included but never expanded through,
        so the cost of one report does not grow with the size of the graph."""
        succ, pred = self.g._succ, self.g._pred  # noqa: SLF001 - adjacency dicts, O(1) sizes
        frontier = {n for n in nodes if n in succ}
        seen = set(frontier)
        for _ in range(hops):
            nxt: set[str] = set()
            for n in frontier:
                out, into = succ[n], pred[n]
                if len(out) + len(into) > max_degree:
                    continue
                nxt.update(out)
                nxt.update(into)
            frontier = nxt - seen
            seen |= frontier
        view = self.g.subgraph(seen)
        # its nodes as a plain dict of the same nodes and attributes: every detector asks
        # ``n in sub`` of each touched node, which networkx's filtered view answers in
        # four Python calls (36 a report, 3 % of the apply CPU)
        held = self.g._node  # noqa: SLF001
        view._node = {n: held[n] for n in seen}  # noqa: SLF001
        return view

    def __len__(self) -> int:
        return self.g.number_of_nodes()


def _seen_in(data: dict[str, Any], when: datetime, report_id: str) -> bool:
    """A node's or edge's first/last seen widened to ``when`` and ``report_id`` added to
    its report ids; whether it was new there."""
    if when < data["first_seen"]:
        data["first_seen"] = when
    if when > data["last_seen"]:
        data["last_seen"] = when
    held = data["report_ids"]
    if report_id in held:
        return False
    if len(held) == 1:  # maybe shared by a report's new nodes and edges: replaced
        data["report_ids"] = {*held, report_id}
    else:
        held.add(report_id)
    return True


def _prefix(kind: str) -> str:
    from linkwatch.rules.normalise import node_prefix

    return node_prefix(kind)


def _person_edge(ident: Identifier) -> str:
    return _PERSON_LINK.get(ident.type, m.PAID_TO if ident.role == "payee" else m.USES_IDENTIFIER)
