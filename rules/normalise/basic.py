"""First-pass normalisers (phones, emails, VRMs, postcodes, accounts, addresses)."""

from __future__ import annotations

import re

import phonenumbers

_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def phone(raw: str, region: str = "GB") -> str | None:
    """``07700 900123`` / ``+44 7700 900123`` / ``7700900123`` -> ``+447700900123``."""
    text = raw.strip()
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(raw: str) -> str | None:
    text = raw.strip().lower()
    text = text.removeprefix("mailto:")
    return text if _EMAIL.match(text) and len(text) <= 254 else None


def vrm(raw: str) -> str | None:
    text = _NON_ALNUM.sub("", raw).upper()
    return text if 2 <= len(text) <= 8 else None


def postcode(raw: str) -> str | None:
    """``cv114ab`` -> ``CV11 4AB``."""
    text = _NON_ALNUM.sub("", raw).upper()
    match = _POSTCODE.match(text)
    return f"{match.group(1)} {match.group(2)}" if match else None


def bank_account(raw: str) -> str | None:
    """Sort code + account number in any punctuation -> ``SSSSSS-AAAAAAAA``."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 12 or len(digits) > 14:
        return None
    sort_code, account = digits[:6], digits[6:]
    if len(account) < 8:
        return None
    return f"{sort_code}-{account[-8:]}"


def address(raw: str) -> str | None:
    text = _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", raw.lower())).strip()
    return text or None


def generic(raw: str) -> str | None:
    text = _SPACES.sub(" ", raw.strip()).lower()
    return text or None
