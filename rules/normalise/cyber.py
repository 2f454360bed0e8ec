"""Crypto wallets, file hashes and device IMEIs.

* Bitcoin: legacy Base58Check (P2PKH ``1...``, P2SH ``3...``) and bech32/bech32m
  (``bc1...``, BIP 173/350), verified with ``stdnum.bitcoin``; bech32 is lower-cased,
  Base58 is case-sensitive and kept.  A BIP 21 ``bitcoin:`` URI is reduced to its address.
* Ethereum: ``0x`` + 40 hex, lower-cased (the EIP-55 mixed-case checksum is display only).
* Other chains: kept as trimmed text when it looks like an address (20-120 alphanumerics).
* File hashes: hex, lower-cased; the length names the algorithm (md5 32, sha1 40,
  sha256 64, sha512 128), as in STIX 2.1 ``file.hashes``.
* IMEI: 15 digits with a Luhn check digit (3GPP TS 23.003 s.6.2.1; ``stdnum.luhn``).
"""

from __future__ import annotations

import re

from stdnum import bitcoin, luhn

from ._text import ascii_digits, digits, key_text, normal_form

_ETH = re.compile(r"^0x[0-9a-fA-F]{40}$")
_OTHER_WALLET = re.compile(r"^[A-Za-z0-9]{20,120}$")
_HEX = re.compile(r"^[0-9a-f]+$")
_HASH_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_IMEI_SHAPE = re.compile(r"^[0-9\s\-/.]+$")  # on ``ascii_digits`` of the input


def _chain(text: str) -> str | None:
    if _ETH.match(text):
        return "eth"
    if text[:1] in "13" or text[:3].lower() == "bc1":
        try:
            bitcoin.validate(text)
        except Exception:  # noqa: BLE001 - stdnum ValidationError
            return None
        return "btc"
    return "other" if _OTHER_WALLET.match(text) else None


def _strip_uri(raw: str) -> str:
    text = normal_form(raw).strip()  # case kept: Base58 is case-sensitive
    scheme, sep, rest = text.partition(":")
    if sep and scheme.lower() in {"bitcoin", "ethereum"}:
        text = rest.split("?", 1)[0].split("@", 1)[0]
    return text.strip()


def crypto_wallet(raw: str) -> str | None:
    """``0xAbC...`` -> ``0xabc...``; ``BC1Q...`` -> ``bc1q...``; ``1BvBM...`` kept as is."""
    if not isinstance(raw, str) or len(raw) > 300:
        return None
    text = _strip_uri(raw)
    chain = _chain(text)
    if chain is None:
        return None
    if chain == "eth" or text[:3].lower() == "bc1":
        return text.lower()
    return text


def crypto_wallet_attrs(raw: str, value: str | None) -> dict[str, object]:
    """``{"chain": "btc" | "eth" | "other"}``."""
    return {"chain": _chain(value)} if value else {}


def file_hash(raw: str) -> str | None:
    """``SHA256:AB12...`` / ``ab12...`` -> ``ab12...`` (hex lower); wrong length -> None."""
    if not isinstance(raw, str) or len(raw) > 200:
        return None
    text = key_text(raw)
    for prefix in ("md5", "sha1", "sha-1", "sha256", "sha-256", "sha512", "sha-512"):
        if text.startswith(prefix) and text[len(prefix):len(prefix) + 1] in (":", "="):
            text = text[len(prefix) + 1:].strip()
            break
    return text if len(text) in _HASH_LENGTHS and _HEX.match(text) else None


def file_hash_attrs(raw: str, value: str | None) -> dict[str, object]:
    return {"algorithm": _HASH_LENGTHS[len(value)]} if value else {}


def imei(raw: str) -> str | None:
    """``35-209900-176148-1`` -> ``352099001761481`` (15 digits, Luhn-valid)."""
    text = ascii_digits(raw).strip() if isinstance(raw, str) and len(raw) <= 40 else ""
    if not _IMEI_SHAPE.match(text or "x"):
        return None
    number = digits(text)
    return number if len(number) == 15 and luhn.is_valid(number) else None
