"""Bank accounts, IBANs and cards (rules/normalise/finance.py)."""

import hashlib
import hmac
import logging

import pytest

from linkwatch.rules.normalise import bank_account, canonical, card, card_hash, iban

ACCOUNTS = [
    ("12-34-56 12345678", "123456-12345678", "6 + 8 digits"),
    ("123456 12345678", "123456-12345678", "no dashes"),
    ("12.34.56/12345678", "123456-12345678", "dots and slash"),
    ("1234561234 5678", "123456-12345678", "odd grouping: first 6 digits are the sort code"),
    ("12-34-56 1234567", "123456-01234567", "7-digit account: left-pad one 0 (7 + 1 = 8)"),
    ("12-34-56 123456", "123456-00123456", "6-digit account: left-pad two 0s (6 + 2 = 8)"),
    ("12-34-56 0123456789", "123456-23456789", "10-digit account: last 8 kept (10 - 2)"),
    ("12-34-5 12345678", None, "sort code of 5 digits"),
    ("12-34-56 12345", None, "5-digit account is too short"),
    ("sort code 12-34-56", None, "words are not an account"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(("raw", "expected", "why"), ACCOUNTS)
def test_bank_account(raw: str, expected: str | None, why: str) -> None:
    assert bank_account(raw) == expected, f"{raw!r}: {why}"


IBANS = [
    ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "spaced, checksum 82 ok"),
    ("gb82west12345698765432", "GB82WEST12345698765432", "lower case"),
    ("IBAN: GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "IBAN label"),
    ("GB83 WEST 1234 5698 7654 32", None, "check digits 83: mod-97 fails"),
    ("GB82 WEST 1234", None, "too short for GB (22 chars)"),
]


@pytest.mark.parametrize(("raw", "expected", "why"), IBANS)
def test_iban(raw: str, expected: str | None, why: str) -> None:
    assert iban(raw) == expected, f"{raw!r}: {why}"


PAN = "4111 1111 1111 1111"  # the public Visa test number


def test_card_is_keyed_hash_with_last_four(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKWATCH_HASH_KEY", "test-key")
    c = canonical("card", PAN)
    expected = hmac.new(b"test-key", b"4111111111111111", hashlib.sha256).hexdigest()
    assert (c.value, c.valid, c.attrs) == (expected, True, {"last4": "1111"}), c
    assert c.node_id == f"card:{expected}"


def test_card_key_changes_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKWATCH_HASH_KEY", "key-a")
    a = card(PAN)
    monkeypatch.setenv("LINKWATCH_HASH_KEY", "key-b")
    assert a != card(PAN) and card_hash("4111111111111111", "key-a") == a


@pytest.mark.parametrize("raw", [PAN, "4111-1111-1111-1112", "4111111111111111"])
def test_full_card_number_never_appears(raw: str, caplog: pytest.LogCaptureFixture) -> None:
    c = canonical("card", raw)
    logging.getLogger("test").warning("identifier %r", c)
    digits = raw.replace(" ", "").replace("-", "")
    for text in (repr(c), str(c), c.raw, c.value or "", caplog.text):
        assert digits not in text.replace(" ", "").replace("-", ""), text
        assert digits[:12] not in text.replace(" ", "").replace("-", ""), text


CARDS = [
    ("4111 1111 1111 1111", True, "Luhn sum 30: valid"),
    ("4111 1111 1111 1112", False, "last digit off by one: Luhn fails"),
    ("5555 5555 5555 4444", True, "Mastercard test number"),
    ("4111 1111 111", False, "11 digits: below ISO/IEC 7812 minimum of 12"),
    ("4111 abcd 1111 1111", False, "letters"),
]


@pytest.mark.parametrize(("raw", "valid", "why"), CARDS)
def test_card_validity(raw: str, valid: bool, why: str) -> None:
    assert canonical("card", raw).valid is valid, f"{raw!r}: {why}"
