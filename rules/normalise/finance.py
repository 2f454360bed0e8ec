"""Payment identifiers: UK bank accounts, IBANs and payment cards.

* Sort code + account number -> ``SSSSSS-AAAAAAAA``.  UK account numbers are 6 to 10
  digits; 6- and 7-digit ones are left-padded with zeros to 8 (Vocalink/Pay.UK
  "Validating account numbers" spec: "7 digit: prefix with 0").  9- and 10-digit
  accounts have bank-specific rules in that spec; here the last 8 digits are kept
  (the NatWest rule), an approximation that is at least consistent between reports.
* IBAN -> compact upper case, checked (ISO 13616 mod-97) with ``stdnum.iban``
  (https://arthurdejong.org/python-stdnum/doc/latest/stdnum.iban).
* Cards: only a keyed hash and the last four digits are kept (PCI DSS 4.0 req. 3.4:
  the PAN is unreadable anywhere it is stored).  The HMAC-SHA256 key comes from
  ``LINKWATCH_HASH_KEY``; a development default is used otherwise.  Luhn checked
  with ``stdnum.luhn``; lengths 12-19 (ISO/IEC 7812).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from functools import lru_cache

from stdnum import iban as _iban
from stdnum import luhn

from ._text import MAX_LEN, digits

DEV_HASH_KEY = "linkwatch-development-key-not-secret"
_ACCOUNT_SHAPE = re.compile(r"^[\d\s\-./:|]+$")
_PAN_DIGIT = re.compile(r"\d(?=(?:\D*\d){4})")


def bank_account(raw: str) -> str | None:
    """``12-34-56 12345678`` / ``123456 1234567`` / ``12.34.56/12345678`` -> ``123456-12345678``.

    ``1234561234567`` (7-digit account) -> ``123456-01234567``.
    """
    text = raw.strip() if isinstance(raw, str) else ""
    if not text or len(text) > 40 or not _ACCOUNT_SHAPE.match(text):
        return None
    groups = re.findall(r"\d+", text)
    all_digits = "".join(groups)
    # "12-34-56 1234567": the last group is the account when the rest makes 6 digits
    head = len(all_digits) - len(groups[-1]) if groups else 0
    if len(groups) >= 2 and head == 6:
        sort_code, account = "".join(groups[:-1]), groups[-1]
    elif len(groups) >= 2 and head < 6:
        return None  # "12-34-5 12345678": the writer's own grouping says the sort code is short
    else:
        sort_code, account = all_digits[:6], all_digits[6:]
    if len(sort_code) != 6 or not 6 <= len(account) <= 10:
        return None
    account = account[-8:] if len(account) > 8 else account.zfill(8)
    return f"{sort_code}-{account}"


def iban(raw: str) -> str | None:
    """``gb82 west 1234 5698 7654 32`` -> ``GB82WEST12345698765432`` (checksum verified)."""
    return _iban_of(raw) if isinstance(raw, str) and len(raw) <= 64 else None


@lru_cache(maxsize=16384)
def _iban_of(raw: str) -> str | None:
    text = raw.strip()
    if text.upper().startswith("IBAN"):
        text = text[4:].lstrip(" :")
    try:
        return str(_iban.validate(text))
    except Exception:  # noqa: BLE001 - stdnum raises ValidationError subclasses
        return None


@lru_cache(maxsize=1)
def _key(env_value: str | None) -> bytes:
    return (env_value or DEV_HASH_KEY).encode("utf-8")


def card_hash(pan: str, key: str | None = None) -> str:
    """HMAC-SHA256 hex of the digits of ``pan`` under ``key`` (or ``LINKWATCH_HASH_KEY``)."""
    secret = key.encode("utf-8") if key else _key(os.environ.get("LINKWATCH_HASH_KEY"))
    return hmac.new(secret, pan.encode("utf-8"), hashlib.sha256).hexdigest()


def _pan(raw: str) -> str | None:
    if not isinstance(raw, str) or len(raw) > 64 or re.search(r"[^\d\s\-.]", raw.strip()):
        return None
    pan = digits(raw)
    return pan if 12 <= len(pan) <= 19 and luhn.is_valid(pan) else None


def card(raw: str) -> str | None:
    """Keyed hash of a Luhn-valid card number; the number itself never leaves here.

    ``4111 1111 1111 1111`` -> the 64-hex HMAC of ``4111111111111111``.
    """
    pan = _pan(raw)
    return card_hash(pan) if pan else None


def card_attrs(raw: str, value: str | None) -> dict[str, object]:
    """``{"last4": "1111"}`` for a valid card; nothing else about the number is kept."""
    pan = _pan(raw) if value else None
    return {"last4": pan[-4:]} if pan else {}


def mask_card(raw: str) -> str:
    """Every digit but the last four replaced by ``*``: ``4111 1111 1111 1111`` ->
    ``**** **** **** 1111``; safe to keep as ``raw``, in a repr or in a log."""
    text = raw if isinstance(raw, str) else ""
    return _PAN_DIGIT.sub("*", text[:MAX_LEN])
