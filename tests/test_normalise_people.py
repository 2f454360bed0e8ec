"""Names, dates of birth and ages (rules/normalise/names.py, dates.py)."""

from datetime import date

import pytest

from linkwatch.rules.normalise import NameParts, age_at, dob, dob_iso, name

NAMES = [
    ("John Smith", NameParts("john", "smith", "john smith", "john")),
    ("Smith, John", NameParts("john", "smith", "john smith", "john")),  # family-first
    ("Mr. JON SMITH", NameParts("jon", "smith", "jon smith", "john")),  # title dropped, Jon->john
    ("Dr José Smith-Jones", NameParts("jose", "smith-jones", "jose smith-jones", "jose")),
    ("Bill O'Brien Jr", NameParts("bill", "obrien", "bill obrien", "william")),
    ("Liz van der Berg", NameParts("liz", "van der berg", "liz van der berg", "elizabeth")),
    ("Bob Alan Jones", NameParts("bob", "jones", "bob alan jones", "robert")),  # middle in full
    ("Madonna", NameParts(None, "madonna", "madonna", None)),  # one word: family only
]


@pytest.mark.parametrize(("raw", "expected"), NAMES)
def test_name(raw: str, expected: NameParts) -> None:
    assert name(raw) == expected, raw


def test_structured_fields_win() -> None:
    got = name(None, given="Jonathan", family="SMITH")
    assert got == NameParts("jonathan", "smith", "jonathan smith", "john"), got


@pytest.mark.parametrize("raw", ["", "   ", "Mr", "123", None])
def test_no_name(raw: str | None) -> None:
    assert name(raw) is None, raw


TODAY = date(2026, 11, 24)
DOBS = [
    ("1999-04-03", date(1999, 4, 3)),  # ISO
    ("3/4/1999", date(1999, 4, 3)),  # UK day first: 3 April, not 4 March
    ("03-04-1999", date(1999, 4, 3)),
    ("03.04.99", date(1999, 4, 3)),  # 2099 would be in the future -> 1999
    ("03/04/08", date(2008, 4, 3)),  # 2008 <= 2026 -> 2000s
    ("3rd April 1999", date(1999, 4, 3)),
    ("03041999", date(1999, 4, 3)),
    ("31/02/2000", None),  # no 31 February
    ("1/1/2030", None),  # in the future
    ("1/1/1850", None),  # before 1890, as the schema
    ("yesterday", None),
]


@pytest.mark.parametrize(("raw", "expected"), DOBS)
def test_dob(raw: str, expected: date | None) -> None:
    assert dob(raw, today=TODAY) == expected, raw


def test_dob_iso() -> None:
    assert dob_iso("3/4/1999") == "1999-04-03"


AGES = [
    (date(2008, 6, 1), date(2026, 5, 31), 17),  # day before 18th birthday: 2026-2008-1
    (date(2008, 6, 1), date(2026, 6, 1), 18),  # on the birthday: 2026-2008
    (date(2008, 2, 29), date(2026, 2, 28), 17),  # leapling: birthday taken as 1 March
    (date(2008, 2, 29), date(2026, 3, 1), 18),
    (date(2030, 1, 1), date(2026, 1, 1), None),  # born after the date
]


@pytest.mark.parametrize(("birth", "at", "expected"), AGES)
def test_age_at(birth: date, at: date, expected: int | None) -> None:
    assert age_at(birth, at) == expected, (birth, at)
