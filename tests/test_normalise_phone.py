"""Phones -> E.164 (rules/normalise/phone.py)."""

import pytest

from linkwatch.rules.normalise import canonical, phone

CASES = [
    # raw, expected E.164 (or None), why
    ("07700 900123", "+447700900123", "national: drop trunk 0, prefix +44"),
    ("+44 7700 900123", "+447700900123", "international form, spaces dropped"),
    ("7700900123", "+447700900123", "no trunk 0: GB default region adds +44"),
    ("0044 7700 900123", "+447700900123", "00 is GB's international prefix"),
    ("(0)7700-900-123", "+447700900123", "brackets and dashes"),
    ("tel:+447700900123", "+447700900123", "RFC 3966 tel: URI"),
    ("020 7946 0018", "+442079460018", "London drama range 020 7946 0xxx"),
    ("+1 202 555 0143", "+12025550143", "foreign number: explicit country code wins"),
    ("+44 1000 123456", None, "no GB number starts 010: invalid range"),
    ("+33 1 42 68 53 00", "+33142685300", "foreign valid fixed line"),
    ("07700 90012", None, "one digit short"),
    ("hello", None, "not a number"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(("raw", "expected", "why"), CASES)
def test_phone(raw: str, expected: str | None, why: str) -> None:
    assert phone(raw) == expected, f"{raw!r}: {why}"


def test_four_spellings_are_one_node() -> None:
    spellings = ["07700 900123", "+44 7700 900123", "7700900123", "0044 7700 900123"]
    nodes = {canonical("phone", s).node_id for s in spellings}
    assert nodes == {"phone:+447700900123"}, nodes


def test_invalid_phone_keeps_raw_and_never_links() -> None:
    c = canonical("phone", " 12 ")
    assert (c.raw, c.value, c.valid, c.node_id) == (" 12 ", None, False, None), c


def test_drama_number_is_marked_fictional() -> None:
    assert canonical("phone", "07700 900123").attrs == {"fictional": True}
