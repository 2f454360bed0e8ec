"""Dispatch from identifier type to its normaliser; :class:`Canonical` is the result.

Each family lives in its own module (``phone``, ``finance``, ``web``, ``cyber``,
``online``, ``place``); here each identifier type is declared once, as data: its
normaliser, its attribute function and its graph node prefix.  Graph node ids
are typed URIs (followthemoney ``graph.py``): ``phone:+447700900123``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from .._memo import text_cache
from . import cyber, finance, online, phone, place, web
from ._text import key_text

Normaliser = Callable[[str], str | None]
AttrsOf = Callable[[str, str | None], dict[str, object]]


class _Rule(NamedTuple):
    prefix: str
    normalise: Normaliser
    attrs: AttrsOf | None = None


def _generic(raw: str) -> str | None:
    text = key_text(raw) if isinstance(raw, str) else ""
    return text[:500] or None


RULES: Mapping[str, _Rule] = MappingProxyType({
    "phone": _Rule("phone", phone.phone, phone.phone_attrs),
    "email": _Rule("email", web.email),
    "bank_account": _Rule("account", finance.bank_account),
    "iban": _Rule("iban", finance.iban),
    "card": _Rule("card", finance.card, finance.card_attrs),
    "url": _Rule("url", web.url, web.url_attrs),
    "domain": _Rule("domain", web.domain, web.domain_attrs),
    "ip": _Rule("ip", web.ip, web.ip_attrs),
    "crypto_wallet": _Rule("wallet", cyber.crypto_wallet, cyber.crypto_wallet_attrs),
    "social_handle": _Rule("handle", online.social_handle, online.social_handle_attrs),
    "device_imei": _Rule("imei", cyber.imei),
    "username": _Rule("username", online.username),
    "file_hash": _Rule("hash", cyber.file_hash, cyber.file_hash_attrs),
    "vrm": _Rule("vehicle", place.vrm),
    "postcode": _Rule("postcode", place.postcode),
    "address": _Rule("address", place.address),
})
_SECRET_RAW = frozenset({"card"})  # raw text masked before it is kept anywhere


@dataclass(frozen=True, slots=True)
class Canonical:
    """One identifier, normalised.  ``valid`` False means: kept as raw text, never linked.

    ``attrs`` carries facts found on the way (``private`` for an IP, ``last4`` for a
    card, ``registered_domain`` for a URL).  For a card, ``raw`` is masked.
    """

    type: str
    raw: str
    value: str | None
    valid: bool
    attrs: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def node_id(self) -> str | None:
        return f"{node_prefix(self.type)}:{self.value}" if self.valid and self.value else None


def node_prefix(kind: str) -> str:
    """``bank_account`` -> ``account``; an unknown type is its own prefix."""
    rule = RULES.get(kind)
    return rule.prefix if rule else kind


def canonical(kind: str, raw: str) -> Canonical:
    """Canonical form of one identifier; never raises.

    ``canonical("phone", "07700 900123").node_id`` -> ``"phone:+447700900123"``.
    An unknown ``kind`` is trimmed, space-collapsed and lower-cased.

    Results are cached (the same phone or account recurs across reports, and phone
    parsing is the dearest step of intake and entity resolution); a ``Canonical`` is
    frozen and its ``attrs`` read-only, so a shared result cannot be changed.  Card
    numbers are never cached (they stay in memory no longer than one call).
    """
    if isinstance(raw, str) and isinstance(kind, str) and kind not in _SECRET_RAW:
        return _PRIMED.get((kind, raw)) or _cached(kind, raw)  # never a full card number
    return _canonical(kind, "" if raw is None else str(raw))


# Canonical forms another process already computed (``prime``): intake parses each
# person's phones, and ships the results so the link stage does not parse them again.
_PRIMED: dict[tuple[str, str], Canonical] = {}
_PRIMED_MAX = 1 << 18


def primer(kind: str, raw: str) -> list[Any]:
    """``[kind, raw, value, attrs]``: one computed form, JSON-able, for ``prime``."""
    c = canonical(kind, raw)
    return [kind, c.raw, c.value, dict(c.attrs)]


def prime(entries: Iterable[Sequence[Any]]) -> None:
    """Remember forms made by ``primer`` (in another process) so ``canonical`` returns
    them without parsing.  Only for kinds whose raw text may be kept (never cards)."""
    if len(_PRIMED) >= _PRIMED_MAX:
        _PRIMED.clear()  # bounded: the worst case is parsing again
    for kind, raw, value, attrs in entries:
        if kind not in _SECRET_RAW and isinstance(raw, str):
            _PRIMED[(kind, raw)] = Canonical(
                kind, raw, value, value is not None,
                MappingProxyType(dict(attrs)) if attrs else _NO_ATTRS)


def forget_cached() -> None:
    """Drop every remembered form (primed and parsed): a retention purge must not leave
    the raw identifiers of purged reports in this process's caches."""
    _PRIMED.clear()
    _cached.cache_clear()
    phone.clear_cache()


@text_cache(1 << 18)
def _cached(kind: str, raw: str) -> Canonical:
    return _canonical(kind, raw)


def _canonical(kind: str, text: str) -> Canonical:
    rule = RULES.get(kind)
    value: str | None = None
    attrs: Mapping[str, object] = _NO_ATTRS
    try:
        value = rule.normalise(text) if rule else _generic(text)
        if rule and rule.attrs and value is not None:
            attrs = MappingProxyType(dict(rule.attrs(text, value)))
    except Exception:  # noqa: BLE001 - a normaliser must never take the stream down
        value, attrs = None, _NO_ATTRS
    if kind in _SECRET_RAW:
        text = finance.mask_card(text)
    return Canonical(kind, text, value, value is not None, attrs)


_NO_ATTRS: Mapping[str, object] = MappingProxyType({})
