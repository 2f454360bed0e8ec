"""Internet identifiers: e-mail addresses, URLs, domain names and IP addresses.

* Domains: refanged (``hxxp``, ``[.]``), IDNA-encoded with UTS #46 mapping (``idna``
  package, https://github.com/kjd/idna), lower case, trailing dot stripped.
* URLs: canonical ``scheme://host[:port]/path[?query]`` (RFC 3986 s.6.2.2: case of
  scheme and host, default port dropped, fragment dropped); the registered domain
  comes from ``tldextract`` using only its bundled Public Suffix List snapshot
  (``suffix_list_urls=()``, ``cache_dir=None``): it never fetches at run time.
* E-mail: lower case, ``mailto:`` and whitespace removed (followthemoney
  ``types/email.py``); optional provider rules (Gmail ignores dots and ``+tags``).
* IPs: ``ipaddress`` compressed form; private/reserved marked as attributes.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit

import idna
import tldextract

from ._text import key_text, normal_form, refang

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# RFC 5322 atext, and (RFC 6531, internationalised mail) letters, digits and marks of any
# script: ``łukasz@example.pl`` is an address
_LOCAL = re.compile(r"(?:[\w!#$%&'*+/=?^`{|}~.-]|[^\x00-\x7f\s])+")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
_GMAIL = {"gmail.com", "googlemail.com"}
_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss"})


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


def domain(raw: str) -> str | None:
    """``WWW.Example.CO.UK.`` -> ``www.example.co.uk``; ``bücher[.]ch`` -> ``xn--bcher-kva.ch``."""
    return _domain(raw) if isinstance(raw, str) and len(raw) <= 300 else None


@lru_cache(maxsize=65536)
def _domain(raw: str) -> str | None:
    text = refang(normal_form(raw)).strip().rstrip(".")
    if not text or any(c in text for c in "/@: \t"):
        return None
    try:
        text = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None
    labels = text.lower().split(".")
    if len(labels) < 2 or len(text) > 253 or not all(_LABEL.match(x) for x in labels):
        return None
    if labels[-1].isdigit():  # 10.0.0.1 is an IP, not a domain
        return None
    return ".".join(labels)


def registered_domain(host: str) -> str | None:
    """``login.bank.example.co.uk`` -> ``example.co.uk`` (Public Suffix List snapshot)."""
    return _registered(host) if isinstance(host, str) and len(host) <= 300 else None


@lru_cache(maxsize=65536)
def _registered(host: str) -> str | None:
    result = _extractor()(host)
    return result.top_domain_under_public_suffix or None


def email(raw: str, provider_rules: bool = False) -> str | None:
    """`` MAILTO:John.Smith@Example.COM `` -> ``john.smith@example.com``.

    With ``provider_rules``: ``j.o.h.n+shop@gmail.com`` -> ``john@gmail.com``.
    """
    if not isinstance(raw, str) or len(raw) > 320:
        return None
    text = refang(normal_form(raw)).strip().strip("<>").strip()
    if text[:7].lower() == "mailto:":
        text = text[7:].split("?", 1)[0]
    local, at, host = text.rpartition("@")
    if (not at or len(local) > 64 or not _LOCAL.fullmatch(local) or local.startswith(".")
            or ".." in local):
        return None
    host_c = domain(host)
    if host_c is None:
        return None
    local = key_text(local)
    if provider_rules and host_c in _GMAIL:
        local, host_c = local.split("+", 1)[0].replace(".", ""), "gmail.com"
    return f"{local}@{host_c}" if local and len(local) + len(host_c) < 254 else None


def url(raw: str) -> str | None:
    """``hxxp://Evil[.]EXAMPLE.com:80/Login?x=1#top`` -> ``http://evil.example.com/Login?x=1``.

    A bare host (``evil.example.com/login``) is read as ``http://``.
    """
    return _url(raw) if isinstance(raw, str) and len(raw) <= 2000 else None


@lru_cache(maxsize=65536)
def _url(raw: str) -> str | None:
    text = refang(raw).strip()
    if "://" not in text[:12]:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES or any(c.isspace() for c in text):
        return None
    host_c = domain(host) or ip(host.strip("[]"))
    if host_c is None:
        return None
    if ":" in host_c:
        host_c = f"[{host_c}]"
    netloc = host_c if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host_c}:{port}"
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{path}{query}"


def url_attrs(raw: str, value: str | None) -> dict[str, object]:
    """``{"host": ..., "registered_domain": ...}`` of a canonical URL."""
    return dict(_url_attrs(value)) if value is not None else {}


@lru_cache(maxsize=65536)
def _url_attrs(value: str) -> tuple[tuple[str, object], ...]:
    host = urlsplit(value).hostname or ""
    return (("host", host), ("registered_domain", registered_domain(host)))


def ip(raw: str) -> str | None:
    """``10[.]0.0.1`` -> ``10.0.0.1`` (leading zeros such as ``010`` are refused as ambiguous);
    ``2001:DB8:0:0::1`` -> ``2001:db8::1``; ``::ffff:1.2.3.4`` -> ``1.2.3.4``."""
    if not isinstance(raw, str) or len(raw) > 100:
        return None
    text = refang(raw).strip().strip("[]")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).compressed


def ip_attrs(raw: str, value: str | None) -> dict[str, object]:
    """``{"version": 4, "private": True, "reserved": False, "global": False}``."""
    if value is None:
        return {}
    address = ipaddress.ip_address(value)
    return {"version": address.version, "private": address.is_private,
            "reserved": address.is_reserved or address.is_loopback or address.is_link_local
            or address.is_multicast or address.is_unspecified, "global": address.is_global}


def domain_attrs(raw: str, value: str | None) -> dict[str, object]:
    return {"registered_domain": registered_domain(value)} if value else {}
