"""Indicators carried only inside a cyber report's STIX 2.x bundle (``cyber.stix``).

``stix_identifiers(bundle)`` reads, without raising:

* ``indicator`` objects' ``pattern``: each equality comparison ``[type:path = 'value']``
  (inside any ``AND``/``OR``/``FOLLOWEDBY`` expression; ``!=``, ``NOT =``, ``LIKE`` and
  ``MATCHES`` name no one value and are skipped);
* cyber observables (SCOs): top-level objects of a STIX 2.1 bundle, and the
  ``objects`` of STIX 2.0 ``observed-data``.

Each becomes an identifier dict (``type``, ``value``, ``role``) in the contract's
vocabulary, so a campaign whose domain arrives only in the bundle links like one in
``indicators``.  Mapping:

=================================  ================  ===============
STIX                               identifier type   role
=================================  ================  ===============
url:value                          url               phishing_site
domain-name:value                  domain            phishing_site
ipv4-addr:value / ipv6-addr:value  ip                infrastructure
email-addr:value, email-message    email             sender
  from_ref.value / sender_ref
file:hashes.*                      file_hash         infrastructure
x-linkwatch-phone:value            phone             sender
x-linkwatch-wallet:value,          crypto_wallet     payee
  cryptocurrency-wallet:value
=================================  ================  ===============

Example: ``{"type": "indicator", "pattern": "[url:value = 'http://x.co/a'] OR
[ipv4-addr:value = '185.1.2.3']"}`` -> ``[{"type": "url", "value": "http://x.co/a",
"role": "phishing_site"}, {"type": "ip", "value": "185.1.2.3", "role": "infrastructure"}]``.
"""

from __future__ import annotations

import re
from typing import Any

MAX_OBJECTS = 2000   # objects read from one bundle (bounded work on a hostile bundle)
MAX_FOUND = 200      # identifiers taken from one bundle

# object type -> (identifier type, role); for file, any ``hashes.*`` path
_TYPES: dict[str, tuple[str, str]] = {
    "url": ("url", "phishing_site"),
    "domain-name": ("domain", "phishing_site"),
    "ipv4-addr": ("ip", "infrastructure"),
    "ipv6-addr": ("ip", "infrastructure"),
    "email-addr": ("email", "sender"),
    "file": ("file_hash", "infrastructure"),
    "x-linkwatch-phone": ("phone", "sender"),
    "x-linkwatch-wallet": ("crypto_wallet", "payee"),
    "cryptocurrency-wallet": ("crypto_wallet", "payee"),
    "x-cryptocurrency-wallet": ("crypto_wallet", "payee"),
}
# one comparison: object type, property path, operator context, quoted value
_COMPARISON = re.compile(
    r"([a-z0-9][a-z0-9-]*):([A-Za-z0-9_.'\-\[\]*]+)\s+(NOT\s+)?(=|!=|<=|>=|<|>)\s*"
    r"'((?:[^'\\]|\\.)*)'")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _from_path(otype: str, path: str) -> tuple[str, str] | None:
    """The identifier type and role of ``otype:path``, when it names one."""
    if otype == "email-message" and path.replace("'", "") in {
            "from_ref.value", "sender_ref.value"}:
        return "email", "sender"
    found = _TYPES.get(otype)
    if found is None:
        return None
    if otype == "file":
        return found if path.startswith("hashes.") else None
    return found if path == "value" else None


def pattern_identifiers(pattern: str) -> list[dict[str, str]]:
    """Every ``type:path = 'value'`` comparison of a STIX pattern naming an identifier."""
    out = []
    for otype, path, negated, op, raw in _COMPARISON.findall(pattern or "")[:MAX_FOUND]:
        if negated or op != "=":
            continue
        found = _from_path(otype, path)
        value = _unquote(raw).strip()
        if found and value:
            out.append({"type": found[0], "value": value[:2000], "role": found[1]})
    return out


def _sco_identifiers(obj: dict[str, Any]) -> list[dict[str, str]]:
    otype = obj.get("type")
    if not isinstance(otype, str):
        return []
    if otype == "file":
        hashes = obj.get("hashes")
        return [{"type": "file_hash", "value": str(v)[:2000], "role": "infrastructure"}
                for v in (hashes.values() if isinstance(hashes, dict) else ())
                if isinstance(v, str) and v.strip()]
    found = _TYPES.get(otype)
    value = obj.get("value")
    if found is None or not isinstance(value, str) or not value.strip():
        return []
    return [{"type": found[0], "value": value.strip()[:2000], "role": found[1]}]


def stix_identifiers(bundle: Any) -> list[dict[str, str]]:
    """Identifier dicts named by a STIX bundle (or a single STIX object), each once, in
    the order met; ``[]`` for anything unreadable.  Never raises."""
    try:
        return _read(bundle)
    except Exception:  # noqa: BLE001 - a malformed bundle never stops a report
        return []


def _read(bundle: Any) -> list[dict[str, str]]:
    if not isinstance(bundle, dict):
        return []
    objects = bundle.get("objects") if bundle.get("type") == "bundle" else [bundle]
    if not isinstance(objects, list):
        return []
    found: list[dict[str, str]] = []
    for obj in objects[:MAX_OBJECTS]:
        if not isinstance(obj, dict):
            continue
        if obj.get("type") == "indicator" and isinstance(obj.get("pattern"), str):
            found += pattern_identifiers(obj["pattern"])
        elif obj.get("type") == "observed-data" and isinstance(obj.get("objects"), dict):
            for sco in list(obj["objects"].values())[:MAX_OBJECTS]:
                if isinstance(sco, dict):
                    found += _sco_identifiers(sco)
        else:
            found += _sco_identifiers(obj)
        if len(found) >= MAX_FOUND:
            break
    seen: set[tuple[str, str]] = set()
    out = []
    for ident in found[:MAX_FOUND]:
        k = (ident["type"], ident["value"].lower())
        if k not in seen:
            seen.add(k)
            out.append(ident)
    return out
