"""VRMs, postcodes and addresses (rules/normalise/place.py)."""

import pytest

from linkwatch.rules.normalise import address, postcode, postcode_area, postcode_outward, vrm

POSTCODES = [
    # raw, canonical, outward, area
    ("cv114ab", "CV11 4AB", "CV11", "CV"),  # 4-char outward: area CV + district 11
    (" CV11  4AB ", "CV11 4AB", "CV11", "CV"),
    ("b1 1aa", "B1 1AA", "B1", "B"),  # 1-letter area
    ("EC1A1BB", "EC1A 1BB", "EC1A", "EC"),  # sub-district letter A
    ("W1A 0AX", "W1A 0AX", "W1A", "W"),
    ("gir0aa", "GIR 0AA", "GIR", None),  # Girobank's special code: no area letters pattern
    ("CV11 4CB", None, None, None),  # C never appears in the inward unit letters
    ("CV11", None, "CV11", "CV"),  # an outward code alone: no full postcode, helpers still work
    ("12345", None, None, None),
]


@pytest.mark.parametrize(("raw", "full", "outward", "area"), POSTCODES)
def test_postcode(raw: str, full: str | None, outward: str | None, area: str | None) -> None:
    got = (postcode(raw), postcode_outward(raw), postcode_area(raw))
    assert got == (full, outward, area), raw


VRMS = [
    ("ab12 cde", "AB12CDE", "current format, space dropped"),
    ("AB12-CDE", "AB12CDE", "dash dropped"),
    ("A123 BCD", "A123BCD", "prefix format"),
    ("1 A", "1A", "dateless cherished mark"),
    ("ABCDEF", None, "no digit"),
    ("AB12CDEFG", None, "9 characters: too long"),
]


@pytest.mark.parametrize(("raw", "expected", "why"), VRMS)
def test_vrm(raw: str, expected: str | None, why: str) -> None:
    assert vrm(raw) == expected, f"{raw!r}: {why}"


def test_address_spellings_meet() -> None:
    a = address("Flat 2, 14 High St., Nuneaton")
    b = address("flat 2 14 HIGH STREET  nuneaton")
    assert a == b == "flat 2 14 high street nuneaton", (a, b)


def test_address_empty_is_none() -> None:
    assert address(" ,. ") is None


def test_address_postcode_written_without_its_space_is_one_address() -> None:
    """Issue 19: the bank writes the postcode ``cv114ab``, the victim ``CV11 4AB``."""
    from linkwatch.rules.normalise import address

    forms = ["27 Mill Lane CV11 4AB", "27 MILL LANE cv114ab", "27 Mill Lane,  cv11 4ab "]
    assert {address(f) for f in forms} == {"27 mill lane cv11 4ab"}
    assert address("Flat 2, 14 High St.,  Nuneaton") == "flat 2 14 high street nuneaton"
    assert address("Unit 4 B11AA") == "unit 4 b1 1aa"
