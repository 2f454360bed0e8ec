"""Dispatch from identifier type to its normaliser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import basic

# identifier type -> graph node id prefix
_PREFIX = {
    "phone": "phone", "email": "email", "bank_account": "account", "iban": "iban",
    "card": "card", "url": "url", "domain": "domain", "ip": "ip", "crypto_wallet": "wallet",
    "social_handle": "handle", "device_imei": "imei", "username": "username",
    "file_hash": "hash", "vrm": "vehicle", "postcode": "postcode", "address": "address",
}

_NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "phone": basic.phone,
    "email": basic.email,
    "vrm": basic.vrm,
    "postcode": basic.postcode,
    "bank_account": basic.bank_account,
    "address": basic.address,
}


@dataclass(frozen=True, slots=True)
class Canonical:
    type: str
    raw: str
    value: str | None
    valid: bool

    @property
    def node_id(self) -> str | None:
        return f"{node_prefix(self.type)}:{self.value}" if self.valid and self.value else None


def node_prefix(kind: str) -> str:
    return _PREFIX.get(kind, kind)


def canonical(kind: str, raw: str) -> Canonical:
    """Canonical form of one identifier; never raises."""
    normaliser = _NORMALISERS.get(kind, basic.generic)
    try:
        value = normaliser(raw)
    except Exception:  # noqa: BLE001 - a normaliser must never take the stream down
        value = None
    return Canonical(kind, raw, value, value is not None)
