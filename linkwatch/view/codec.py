"""Node and edge attributes as JSON, and back, without loss.

The link graph's attributes hold sets (``report_ids``, ``roles``), tuples (``markers``),
datetimes (``first_seen``) and dates; JSON has none of them.  Each such value is written
as a one-key object naming its type, so that a reader gets back exactly what the link
stage holds (the equality tests compare the two)::

    {"report_ids": {"$s": ["R1", "R2"]}, "first_seen": {"$d": "2026-01-02T03:04:05+00:00"}}
"""

from __future__ import annotations

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


def encode(attrs: Mapping[str, Any]) -> str:
    """``attrs`` as JSON text, ``None`` values left out (a reader treats a missing
    attribute and ``None`` alike, as ``dict.get`` does)."""
    return orjson.dumps({k: _tagged(v) for k, v in attrs.items() if v is not None},
                        option=orjson.OPT_SORT_KEYS).decode()


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


def decode(text: str | bytes) -> dict[str, Any]:
    """The attributes ``encode`` wrote."""
    raw = orjson.loads(text)
    return {k: _plain(v) for k, v in raw.items()}
