"""Node and edge attributes as JSON, and back, without loss.

The link graph's attributes hold sets (``report_ids``, ``roles``), tuples (``markers``),
datetimes (``first_seen``) and dates; JSON has none of them.  The attributes are
written as JSON with their types named once, so that a reader gets back exactly what the
link stage holds (the equality tests compare the two)::

    {"report_ids": ["R1", "R2"], "first_seen": "2026-01-02T03:04:05+00:00",
     "$types": {"report_ids": "s", "first_seen": "d"}}

Values nested in a list or dict are tagged one by one (``{"$s": [...]}``).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import orjson

_SET, _TUPLE, _DATETIME, _DATE, _DICT = "$s", "$t", "$d", "$D", "$o"


def _tagged(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    if isinstance(value, (set, frozenset)):
        return {_SET: sorted((_tagged(v) for v in value), key=_order)}
    if isinstance(value, tuple):
        return {_TUPLE: [_tagged(v) for v in value]}
    if isinstance(value, list):
        return [_tagged(v) for v in value]
    if isinstance(value, dict):
        inner = {str(k): _tagged(v) for k, v in value.items()}
        # a dict of one "$..." key would read as a tag: such dicts are wrapped
        return {_DICT: inner} if len(inner) == 1 and next(iter(inner)).startswith("$") \
            else inner
    return value


def _order(value: Any) -> tuple[str, str]:
    return type(value).__name__, str(value)


_KINDS = {set: "s", frozenset: "s", tuple: "t", datetime: "d", date: "D"}
_TYPES = "$types"  # the one key that says which attributes are not plain JSON
_SCALARS = frozenset({str, int, float, bool})


def encode(attrs: Mapping[str, Any]) -> str:
    """``attrs`` as JSON text, ``None`` values left out (a reader treats a missing
    attribute and ``None`` alike, as ``dict.get`` does).  Flat attributes (all the link
    graph holds) are written by orjson as they are, their types named once under
    ``$types``; a nested list or dict is tagged value by value (``g``)."""
    out: dict[str, Any] = {}
    types: dict[str, str] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        kind = _KINDS.get(type(value))
        if kind in ("s", "t") and not _SCALARS.issuperset(map(type, value)):
            kind = None  # holds datetimes or tuples: tagged value by value, below
        if kind is not None:
            types[key] = kind
            if kind == "s":
                value = list(value)  # in no order: it is read back as a set
        elif isinstance(value, (list, dict)):
            types[key] = "g"
            value = _tagged(value)
        elif isinstance(value, (set, frozenset, tuple, datetime, date)):  # nested, a subclass
            types[key] = "g"
            value = _tagged(value)
        out[key] = value
    if types:
        out[_TYPES] = types
    return orjson.dumps(out, default=_unknown).decode()


def _unknown(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=_order)
    raise TypeError(f"cannot store a {type(value).__name__} in the link view")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, inner), = value.items()
            if tag == _SET:
                return {_plain(v) for v in inner}
            if tag == _TUPLE:
                return tuple(_plain(v) for v in inner)
            if tag == _DATETIME:
                return datetime.fromisoformat(inner)
            if tag == _DATE:
                return date.fromisoformat(inner)
            if tag == _DICT:
                return {k: _plain(v) for k, v in inner.items()}
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Capped:
    """The first ``cap`` of a long collection (smallest first) and how many it holds: what
    ``decode(..., cap=)`` gives for a hub's ``report_ids`` (tens of thousands) when a
    reader shows only the first few (the API's chart)."""

    __slots__ = ("first", "total")

    def __init__(self, first: list[Any], total: int) -> None:
        self.first, self.total = first, total

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Capped) and (self.first, self.total) == (other.first,
                                                                          other.total)

    __hash__ = None  # type: ignore[assignment]


def smallest(n: int, values: Any) -> list[Any]:
    """The ``n`` smallest of ``values``, compared as they are (report ids are strings),
    else by their text."""
    try:
        return heapq.nsmallest(n, values)
    except TypeError:
        return heapq.nsmallest(n, values, key=str)


def decode(text: str | bytes, cap: int | None = None) -> dict[str, Any]:
    """The attributes ``encode`` wrote; with ``cap``, a set or tuple longer than that is a
    ``Capped`` (its first ``cap`` and its length), not built whole."""
    raw = orjson.loads(text)
    types = raw.pop(_TYPES, None)
    if types:
        for key, kind in types.items():
            value = raw[key]
            if cap is not None and kind in ("s", "t") and len(value) > cap:
                raw[key] = Capped(smallest(cap, value), len(value))
            elif kind == "s":  # of scalars only (``encode``)
                raw[key] = set(value)
            elif kind == "t":
                raw[key] = tuple(value)
            elif kind == "d":
                raw[key] = datetime.fromisoformat(value)
            elif kind == "D":
                raw[key] = date.fromisoformat(value)
            else:
                raw[key] = _plain(value)
    return raw
