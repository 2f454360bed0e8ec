"""What every export shares: the handling marking, pseudonymisation, flat records, progress.

A node or edge is read once into a :class:`Record` (plain, flat values), so each
writer sees the same id, type, first/last seen and report references, already
pseudonymised when a key is given.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import networkx as nx

from linkwatch.graph import model as m

DEFAULT_HANDLING = "OFFICIAL-SENSITIVE"
ARRAY_SEP = ";"

# Kinds whose node id and label name a person or can be traced to one.  Reports,
# locations and technical indicators (url, domain, ip, hash, wallet) are kept.
PERSONAL_KINDS = frozenset({
    "person", "phone", "email", "account", "iban", "card", "address", "postcode",
    "handle", "username", "imei", "vehicle",
})
# Person attributes that identify on their own; dropped when pseudonymising.
_IDENTIFYING_ATTRS = frozenset({"dob", "postcode"})
_CORE = ("kind", "label", "first_seen", "last_seen", "report_ids", "type")

ProgressFn = Callable[[int], None]


class Pseudonymiser:
    """Keyed, stable pseudonyms: ``phone:+447700900123`` -> ``phone:h-3f1c…`` (HMAC-SHA256).

    The same key gives the same pseudonym in every file and every export, so
    recipients can still see that two reports share a phone without seeing it.
    Without a key every value passes through unchanged.
    """

    def __init__(self, key: bytes | None) -> None:
        self._key = key
        self._cache: dict[str, str] = {}

    @property
    def active(self) -> bool:
        return self._key is not None

    def token(self, node_id: str) -> str:
        if self._key is None:
            return node_id.split(":", 1)[-1]
        digest = hmac.new(self._key, node_id.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"h-{digest[:20]}"

    def node_id(self, node_id: str) -> str:
        if self._key is None or m.kind_of(node_id) not in PERSONAL_KINDS:
            return node_id
        cached = self._cache.get(node_id)
        if cached is None:
            cached = self._cache[node_id] = f"{m.kind_of(node_id)}:{self.token(node_id)}"
            if len(self._cache) > 100_000:
                self._cache.clear()
        return cached


@dataclass(slots=True)
class Record:
    """One node (``source`` empty) or edge, flat and ready to write."""

    id: str
    kind: str
    label: str
    first_seen: datetime | None
    last_seen: datetime | None
    report_ids: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    target: str = ""
    # the graph's own ids, for looking things up; never written when pseudonymising
    raw_id: str = ""
    raw_source: str = ""
    raw_target: str = ""

    @property
    def value(self) -> str:
        """The identifier part of the id: ``phone:+44…`` -> ``+44…``."""
        return self.id.split(":", 1)[-1]


def node_records(g: nx.MultiDiGraph, pseudo: Pseudonymiser) -> Iterator[Record]:
    for node_id, data in g.nodes(data=True):
        kind = data.get("kind") or m.kind_of(node_id)
        out_id = pseudo.node_id(node_id)
        private = out_id != node_id
        label = out_id.split(":", 1)[-1] if private else str(data.get("label") or node_id)
        extra = {k: v for k, v in data.items() if k not in _CORE and v is not None}
        if pseudo.active and kind == "person":
            extra = {k: v for k, v in extra.items() if k not in _IDENTIFYING_ATTRS}
        yield Record(out_id, kind, label, data.get("first_seen"), data.get("last_seen"),
                     sorted(data.get("report_ids") or ()), extra, raw_id=node_id)


def edge_records(g: nx.MultiDiGraph, pseudo: Pseudonymiser) -> Iterator[Record]:
    for u, v, key, data in g.edges(keys=True, data=True):
        etype = str(data.get("type") or key)
        extra = {k: v_ for k, v_ in data.items() if k not in _CORE and v_ is not None}
        yield Record(f"{pseudo.node_id(u)}|{etype}|{pseudo.node_id(v)}", etype, etype,
                     data.get("first_seen"), data.get("last_seen"),
                     sorted(data.get("report_ids") or ()), extra,
                     source=pseudo.node_id(u), target=pseudo.node_id(v),
                     raw_source=u, raw_target=v)


def text(value: Any) -> str | bool | int | float:
    """A flat value any writer can hold: sets/tuples -> ``"a;b"``, times -> ISO 8601."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple | list):
        return ARRAY_SEP.join(sorted(str(text(v)) for v in value))
    return str(value)


def iso(value: datetime | date | None) -> str:
    return value.isoformat() if value is not None else ""


def one_line(value: str) -> str:
    """CSV consumers (i2, neo4j-admin) read one record per line."""
    return " ".join(value.split()) if ("\n" in value or "\r" in value) else value


class Progress:
    """Calls ``fn(n)`` with the number of rows written since the last call
    (the shape of ``tqdm.update`` and ``rich.progress.Progress.advance``)."""

    def __init__(self, fn: ProgressFn | None, every: int = 1000) -> None:
        self._fn, self._every, self._pending = fn, every, 0

    def tick(self, n: int = 1) -> None:
        self._pending += n
        if self._fn is not None and self._pending >= self._every:
            self._fn(self._pending)
            self._pending = 0

    def flush(self) -> None:
        if self._fn is not None and self._pending:
            self._fn(self._pending)
        self._pending = 0


@dataclass(slots=True)
class Context:
    """Everything a writer needs besides the graph."""

    handling: str
    pseudo: Pseudonymiser
    progress: Progress
