"""What every export shares: the handling marking, pseudonymisation, flat records, progress.

A node or edge is read once into a :class:`Record` (plain, flat values), so each
writer sees the same id, type, first/last seen and report references, already
pseudonymised when a key is given.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
from collections.abc import Callable, Collection, Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

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
# What a pseudonymised node of a personal kind keeps besides its pseudonym, first/last
# seen and report ids: a person's descriptive attributes (the age as a band), and nothing
# of a phone, account, address...  An attribute not named here (a date of birth, a home
# postcode, an identifier in clear that a future stage adds) is not written.
_KEPT_PSEUDONYMISED = {"person": frozenset({"age", "flags", "home_force", "nationality",
                                            "out_of_area", "roles", "under_18",
                                            "vulnerable"}),
                       "vehicle": frozenset({"make", "colour"})}
# Pseudonymised packages coarsen what narrows a person down: coordinates to this many
# decimal places (0.01 degree: about 1.1 km north-south, 0.7 km east-west in the UK),
# ages to 10-year bands ("30-39").
COORD_DECIMALS = 2
AGE_BAND = 10
_COORD_ATTRS = frozenset({"lat", "lon"})
_CORE = ("kind", "label", "first_seen", "last_seen", "report_ids", "type")

ProgressFn = Callable[[int], None]
BUFFER = 1 << 20  # bytes buffered per export file (written row by row: fewer system calls)


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
    # an edge's own ``type`` attribute (``kind`` is the key when it has none): ftm reads it
    raw_type: Any = None

    @property
    def value(self) -> str:
        """The identifier part of the id: ``phone:+44…`` -> ``+44…``."""
        return self.id.split(":", 1)[-1]


def node_records(g: nx.MultiDiGraph, pseudo: Pseudonymiser) -> Iterator[Record]:
    for node_id, data in g.nodes(data=True):
        yield node_record(node_id, data, pseudo)


def node_record(node_id: str, data: dict[str, Any], pseudo: Pseudonymiser) -> Record:
    kind = data.get("kind") or m.kind_of(node_id)
    out_id = pseudo.node_id(node_id)
    private = out_id != node_id
    label = out_id.split(":", 1)[-1] if private else str(data.get("label") or node_id)
    extra = {k: v for k, v in data.items() if k not in _CORE and v is not None}
    if pseudo.active:
        extra = coarsen(kind, extra)
    return Record(out_id, kind, label, data.get("first_seen"), data.get("last_seen"),
                  sorted(data.get("report_ids") or ()), extra, raw_id=node_id)


def coarsen(kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    """A pseudonymised node's attributes: for a personal kind only those
    ``_KEPT_PSEUDONYMISED`` names (a person's date of birth and home postcode go), the age
    as a 10-year band, coordinates rounded to ``COORD_DECIMALS``."""
    if kind in PERSONAL_KINDS:
        kept = _KEPT_PSEUDONYMISED.get(kind, frozenset())
        out = {k: v for k, v in extra.items() if k in kept}
    else:
        out = dict(extra)
    if "age" in out:
        out["age"] = age_band(out["age"])
        if out["age"] is None:
            del out["age"]
    for key in _COORD_ATTRS & out.keys():
        value = out[key]
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and math.isfinite(value):
            out[key] = round(float(value), COORD_DECIMALS)
        else:
            del out[key]
    return out


def coarsen_edge(u: str, v: str, extra: dict[str, Any]) -> dict[str, Any]:
    """A pseudonymised edge's attributes: at a node of a personal kind only its role and
    weight (a number as written, say, would undo the pseudonym at its end)."""
    if m.kind_of(u) in PERSONAL_KINDS or m.kind_of(v) in PERSONAL_KINDS:
        return {k: v_ for k, v_ in extra.items() if k in _KEPT_EDGE_PSEUDONYMISED}
    return extra


_KEPT_EDGE_PSEUDONYMISED = frozenset({"role", "weight"})


def age_band(age: Any) -> str | None:
    """``34`` -> ``"30-39"``; anything not a whole number of years -> ``None``."""
    try:
        years = int(age)
    except (TypeError, ValueError, OverflowError):
        return None
    if years < 0 or isinstance(age, bool):
        return None
    low = years // AGE_BAND * AGE_BAND
    return f"{low}-{low + AGE_BAND - 1}"


def edge_records(g: nx.MultiDiGraph, pseudo: Pseudonymiser) -> Iterator[Record]:
    for u, v, key, data in g.edges(keys=True, data=True):
        yield edge_record(u, v, key, data, pseudo)


def edge_record(u: str, v: str, key: str, data: dict[str, Any], pseudo: Pseudonymiser
                ) -> Record:
    etype = str(data.get("type") or key)
    extra = {k: v_ for k, v_ in data.items() if k not in _CORE and v_ is not None}
    if pseudo.active:
        extra = coarsen_edge(u, v, extra)
    source, target = pseudo.node_id(u), pseudo.node_id(v)
    return Record(f"{source}|{etype}|{target}", etype, etype, data.get("first_seen"),
                  data.get("last_seen"), sorted(data.get("report_ids") or ()), extra,
                  source=source, target=target, raw_source=u, raw_target=v,
                  raw_type=data.get("type"))


def text(value: Any) -> str | bool | int | float:
    """A flat value any writer can hold: sets/tuples -> ``"a;b"``, times -> ISO 8601."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple | list):
        return ARRAY_SEP.join(sorted(str(text(v)) for v in value))
    return str(value)


Scalar = str | bool | int | float


@dataclass(slots=True)
class Flat:
    """One node (``source`` empty) or edge as the text formats write it (csv, json,
    graphml, gexf, i2, neo4j): ids pseudonymised, first/last seen as ISO 8601 text (``""``
    when unknown), the report ids sorted and joined by ``;`` (``reports`` of them), and the
    other attributes in the graph's order, each through ``text``.

    What a value was before ``text`` (Neo4j types its columns by it): ``record``, the
    typed ``Record`` the row was made from, when it was; else ``types``, the view's codec
    kind of each attribute that is not plain JSON (``"d"`` a datetime, ``"D"`` a date,
    ``"s"``/``"t"`` a set/tuple of scalars, no member holding a line break)."""

    id: str
    kind: str
    label: str
    first_seen: str
    last_seen: str
    report_ids: str
    reports: int
    extra: dict[str, Scalar]
    source: str = ""
    target: str = ""
    types: dict[str, str] | None = None
    record: Record | None = None


def flat(rec: Record) -> Flat:
    return Flat(rec.id, rec.kind, rec.label, iso(rec.first_seen), iso(rec.last_seen),
                ARRAY_SEP.join(rec.report_ids), len(rec.report_ids),
                {k: text(v) for k, v in rec.extra.items()}, rec.source, rec.target,
                record=rec)


class Rows(Protocol):
    """What the formats are written from: the nodes, then the edges (both ends among
    the nodes), in the order ``MultiDiGraph.nodes`` and ``.edges`` give them, as text
    (``nodes``, ``edges``) or typed (``node_records``, ``edge_records``: what a format
    that needs only some reads, or reads again); nodes looked up by id; and the sources
    of a node's in-edges (``sources_into``: ftm, the persons using an account).
    ``GraphRows`` reads a graph; ``linkwatch.view.ViewRows`` reads the link view's
    tables as they stand, without building the graph."""

    def nodes(self, pseudo: Pseudonymiser) -> Iterator[Flat]: ...

    def edges(self, pseudo: Pseudonymiser) -> Iterator[Flat]: ...

    def node_records(self, pseudo: Pseudonymiser, kinds: Container[str] | None = None
                     ) -> Iterator[Record]:
        """The nodes of ``kinds`` (all when ``None``)."""
        ...

    def edge_records(self, pseudo: Pseudonymiser, touching: Container[str] | None = None
                     ) -> Iterator[Record]:
        """The edges with an end among the node ids ``touching`` (all when ``None``)."""
        ...

    def node_attrs(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The attributes of each of ``ids`` held, as the graph holds them."""
        ...

    def sources_into(self, types: Collection[str], kinds: Collection[str]
                     ) -> dict[str, list[str]]:
        """Each node with an in-edge whose own ``type`` attribute is one of ``types`` from a
        node of ``kinds`` (its id's kind): those sources, once each, in the order
        ``MultiDiGraph.in_edges`` gives them (ftm: the persons using an account)."""
        ...


class GraphRows:
    """``Rows`` of a graph in memory."""

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.g = g

    def nodes(self, pseudo: Pseudonymiser) -> Iterator[Flat]:
        return (flat(rec) for rec in node_records(self.g, pseudo))

    def edges(self, pseudo: Pseudonymiser) -> Iterator[Flat]:
        return (flat(rec) for rec in edge_records(self.g, pseudo))

    def node_records(self, pseudo: Pseudonymiser, kinds: Container[str] | None = None
                     ) -> Iterator[Record]:
        for node_id, data in self.g.nodes(data=True):
            if kinds is None or (data.get("kind") or m.kind_of(node_id)) in kinds:
                yield node_record(node_id, data, pseudo)

    def edge_records(self, pseudo: Pseudonymiser, touching: Container[str] | None = None
                     ) -> Iterator[Record]:
        for u, v, key, data in self.g.edges(keys=True, data=True):
            if touching is None or u in touching or v in touching:
                yield edge_record(u, v, key, data, pseudo)

    def node_attrs(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        nodes = self.g.nodes
        return {n: nodes[n] for n in ids if n in nodes}

    def sources_into(self, types: Collection[str], kinds: Collection[str]
                     ) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for v, preds in self.g.pred.items():
            found = [u for u, keys in preds.items() if m.kind_of(u) in kinds
                     and any(of_types(d.get("type"), types) for d in keys.values())]
            if found:
                out[v] = found
        return out


def of_types(value: Any, types: Collection[str]) -> bool:
    return isinstance(value, str) and value in types


def json_encoder(sort_keys: bool = False) -> Callable[[Any], str]:
    """``json.dumps(obj, ensure_ascii=False, sort_keys=...)``, its encoder made once (the
    text formats encode a small object per row; ``dumps`` builds an encoder each call)."""
    enc = json.JSONEncoder(ensure_ascii=False, sort_keys=sort_keys)
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)  # CPython's C encoder
    encode_basestring = json.encoder.encode_basestring
    if c_make_encoder is None:  # pragma: no cover - another Python
        return enc.encode
    # what JSONEncoder.iterencode(obj, _one_shot=True) makes, without the cycle check
    # (rows are flat) and without being made again for each row
    chunks = c_make_encoder(None, enc.default, encode_basestring, None, enc.key_separator,
                            enc.item_separator, sort_keys, False, True)
    join = "".join

    def encode(obj: Any) -> str:
        if isinstance(obj, str):
            return str(encode_basestring(obj))
        return join(chunks(obj, 0))

    return encode


def iso(value: datetime | date | None) -> str:
    return value.isoformat() if value is not None else ""


def one_line(value: str) -> str:
    """CSV consumers (i2, neo4j-admin) read one record per line."""
    return " ".join(value.split()) if ("\n" in value or "\r" in value) else value


# Spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with one of
# these is read as a formula by Excel, LibreOffice and Google Sheets.  The apostrophe
# itself is included so that neutralising can be undone without doubt (``plain``).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def cell(value: Any) -> Any:
    """A CSV cell safe to open in a spreadsheet: text starting with ``= + - @``, tab, CR
    or ``'`` gets a leading ``'`` (OWASP).  Plain numbers (``-1.46``, ``+447700900123``)
    are left alone: a spreadsheet reads them as numbers, which runs nothing, and
    coordinates and amounts stay numbers.  Every CSV writer passes every cell through here."""
    if isinstance(value, str) and value.startswith(FORMULA_START) \
            and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def plain(value: str) -> str:
    """Undo :func:`cell` (for a reader that wants the stored text back)."""
    return value[1:] if value.startswith("'") else value


_FORMULA_FIRST = frozenset(FORMULA_START)


def cells(row: list[Any]) -> list[Any]:
    """``cell`` of each: ``row`` itself when every cell is text that starts with no
    formula character (the common case, checked first: an export passes millions)."""
    for v in row:
        if v.__class__ is not str or v[:1] in _FORMULA_FIRST:
            return [cell(v) for v in row]
    return row


def private_dir(path: Path) -> Path:
    """``path`` created owner-only (0700) if it does not exist; an existing folder is kept
    as it is (it is the caller's)."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is reduced by the umask; say it exactly
    return path


def write_private(path: Path, data: str, encoding: str = "utf-8") -> Path:
    """``path`` written with mode 0600 from its creation on (personal data, like the
    link-stage snapshots)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode under O_CREAT: set it
    with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
        fh.write(data)
    return path


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
