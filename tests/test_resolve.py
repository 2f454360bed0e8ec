"""Person entity resolution: comparison levels, hard rules, merges, splits, determinism."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from linkwatch.rules.resolve import (
    BadModel,
    BadSplit,
    Comparison,
    InMemoryIndex,
    Level,
    Resolver,
    UnknownEntity,
    score_pair,
)
from linkwatch.rules.resolve._compare import (
    ADDRESS,
    DOB,
    FAMILY,
    GIVEN,
    IDENTIFIERS,
    PHONES,
    POSTCODE,
)
from linkwatch.rules.resolve._features import parse_dob, record_id, split_name, to_record
from linkwatch.schemas import Person

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def person_factory():
    def make(**fields: Any) -> Person:
        return Person(**{"given_name": "John", "family_name": "Smith", **fields})
    return make


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(InMemoryIndex())


# ---- comparison levels -----------------------------------------------------

@pytest.mark.parametrize(("comparison", "a", "b", "label"), [
    (GIVEN, "jonathan", "jonathan", "exact"),
    (GIVEN, "jon", "jonathan", "nickname"),
    (GIVEN, "bill", "william", "nickname"),
    (GIVEN, "jonathen", "jonathan", "jaro-winkler >= 0.92"),  # JW 0.97
    (GIVEN, "j", "jonathan", "initial agrees"),
    (GIVEN, "mary", "jonathan", "different"),
    (FAMILY, "smith", "smith", "exact"),
    (FAMILY, "smyth", "smith", "sounds alike"),  # JW 0.893, Soundex S530 both
    (FAMILY, "smithe", "smith", "jaro-winkler >= 0.92"),
    (FAMILY, "jones", "smith", "different"),
    (GIVEN, "łukasz", "lukasz", "same once folded to ASCII"),
    (GIVEN, "seán", "sean", "same once folded to ASCII"),
    (GIVEN, "seán", "seán", "exact"),
    (GIVEN, "seán", "john", "nickname"),  # sean is in john's group, on the ASCII form
    (FAMILY, "wiśniewski", "wisniewski", "same once folded to ASCII"),
    (FAMILY, "nguyễn", "nguyen", "same once folded to ASCII"),
    (FAMILY, "петров", "petrov", "same once folded to ASCII"),
    (FAMILY, "ışık", "işik", "same once folded to ASCII"),  # Turkish dotless i
    (FAMILY, "wiśniewski", "wisniewsky", "jaro-winkler >= 0.92"),  # fuzzy on ASCII forms
    (DOB, "19990403", "19990403", "exact"),
    (DOB, "19990403", "19990304", "day and month swapped"),
    (DOB, "19990403", "19990408", "one digit differs"),
    (DOB, "19990403", "19990430", "one digit differs"),  # neighbours swapped (OSA distance 1)
    (DOB, "19990403", "19850612", "different"),
    (POSTCODE, "CV11 4AB", "CV11 4AB", "exact"),
    (POSTCODE, "CV11 4AB", "CV11 4AD", "one character differs"),
    (POSTCODE, "CV11 4AB", "CV11 9ZZ", "same district"),
    (POSTCODE, "CV11 4AB", "B1 1AA", "different"),
    (ADDRESS, "10 high street nuneaton", "10 high street nuneaton", "token similarity >= 95"),
    (ADDRESS, "10 high street nuneaton", "10 high street", "token similarity >= 95"),  # subset
    (ADDRESS, "6 nicklin crescent longreach", "6 nicklin cre scent longreach",
     "token similarity >= 95"),
    (ADDRESS, "10 high street nuneaton", "4 mill lane rugby", "different"),
    (PHONES, ("+447700900123",), ("+447700900999", "+447700900123"), "a number in common"),
    (PHONES, ("+447700900123",), ("+447700900999",), "none in common"),
    (IDENTIFIERS, ("national_id:6794161",), ("national_id:6794611",), "one character differs"),
    (IDENTIFIERS, ("national_id:6794161",), ("national_id:1111111",), "different"),
])
def test_levels(comparison: Comparison, a: Any, b: Any, label: str) -> None:
    got = comparison.level(a, b).label
    assert got == label, (comparison.name, a, b, got)


@pytest.mark.parametrize(("level", "expected"), [
    (GIVEN.levels[0], 6.30),  # log2(0.79 / 0.01)
    (GIVEN.levels[1], 5.64),  # log2(0.01 / 0.0002): same once folded, below exact
    (FAMILY.levels[0], 8.66),  # log2(0.81 / 0.002)
    (FAMILY.levels[1], 7.64),  # log2(0.01 / 0.00005)
    (DOB.levels[0], 13.10),  # log2(0.88 / 0.0001)
    (DOB.levels[-1], -4.05),  # log2(0.06 / 0.9948)
    (POSTCODE.levels[0], 10.73),  # log2(0.85 / 0.0005)
])
def test_level_weights(level: Level, expected: float) -> None:
    assert math.isclose(level.weight, expected, abs_tol=0.01), (level.label, level.weight)


def test_bad_tables_fail_when_built() -> None:
    with pytest.raises(BadModel, match="else level"):
        Comparison("x", (Level("exact", 0.9, 0.1, lambda a, b: a == b),))
    with pytest.raises(BadModel, match="m sums to"):
        Comparison("x", (Level("exact", 0.9, 0.1, lambda a, b: a == b), Level("else", 0.2, 0.9)))
    with pytest.raises(BadModel, match="must be in"):
        Level("exact", 0.0, 0.1)


@pytest.mark.parametrize(("text", "expected"), [
    ("3/4/1999", "19990403"),  # UK order: 3 April
    ("1999-04-03", "19990403"),
    ("19990403", "19990403"),
    ("31/02/1999", None),
    ("yesterday", None),
])
def test_parse_dob(text: str, expected: str | None) -> None:
    assert parse_dob(text) == expected


@pytest.mark.parametrize(("full", "expected"), [
    ("Smith, John", ("john", "smith")),
    ("Mr John Paul Smith", ("john", "smith")),
    ("Zoë O'Neil", ("zoë", "oneil")),  # kept in its own script: "zoe" is a level below
    ("Zoe\u0308 O\u2019Neil", ("zoë", "oneil")),  # NFD and a typographic apostrophe
    ("Łukasz\u200b Wiśniewski", ("łukasz", "wiśniewski")),  # a zero-width space goes
    ("Smith", ("", "smith")),
])
def test_split_name(full: str, expected: tuple[str, str]) -> None:
    assert split_name(full) == expected


# ---- the hard rules --------------------------------------------------------

def test_two_john_smiths_with_different_dobs_are_two_people(resolver, person_factory) -> None:
    a, b = person_factory(dob=date(1980, 5, 12)), person_factory(dob=date(1992, 11, 3))
    first = resolver.resolve(a, "r1", WHEN)
    second = resolver.resolve(b, "r2", WHEN)
    assert not second.matched and first.entity_id != second.entity_id, second.reasons
    # 6.3 given + 8.7 family - 4.1 dob = 10.9 bits < 20 (in an index the two share no
    # block at all: two dates of birth, no postcode, phone or email in common)
    weight, reasons = score_pair(a, b)
    assert weight < resolver.threshold
    assert any("date of birth" in r and "different" in r for r in reasons), reasons


def test_john_smith_with_a_dob_one_digit_off_and_nothing_else_stays_apart(
        resolver, person_factory) -> None:
    resolver.resolve(person_factory(dob=date(1980, 5, 12)), "r1", WHEN)
    second = resolver.resolve(person_factory(dob=date(1980, 5, 13)), "r2", WHEN)
    # 6.3 + 8.7 + 3.3 (one digit differs) = 18.3 bits < 20
    assert not second.matched, second.reasons


def test_jon_smyth_and_jonathan_smith_are_probably_one_person(resolver) -> None:
    first = resolver.resolve(
        {"person_ref": "p1", "name": "Jon Smyth", "dob": "3/4/1999", "postcode": "cv11 4ab"},
        "r1", WHEN)
    second = resolver.resolve(
        Person(given_name="Jonathan", family_name="Smith", dob=date(1999, 4, 3)), "r2", WHEN)
    # nickname 4.6 + sounds alike 3.3 + dob exact 13.1 = 21.0 bits >= 20
    assert second.matched and second.entity_id == first.entity_id, second.reasons
    assert any("nickname" in r for r in second.reasons), second.reasons
    assert any("sounds alike" in r for r in second.reasons), second.reasons


def test_two_people_in_one_report_are_never_one(resolver, person_factory) -> None:
    a = resolver.resolve(person_factory(person_ref="p1", dob=date(1980, 1, 1)), "r1", WHEN)
    b = resolver.resolve(person_factory(person_ref="p2", dob=date(1980, 1, 1)), "r1", WHEN)
    assert a.entity_id != b.entity_id, b.reasons


@pytest.mark.parametrize(("a", "b", "matched"), [
    # crossed-over names: 6.3 + 8.7 - 1 + 13.1 = 27.1
    ({"given_name": "Smith", "family_name": "John", "dob": "1980-01-01"},
     {"given_name": "John", "family_name": "Smith", "dob": "1980-01-01"}, True),
    # alias carries the match: 6.3 + 8.7 + 13.1 = 28.1
    ({"name": "Dave Jones", "aliases": ["John Smith"], "dob": "1980-01-01"},
     {"given_name": "John", "family_name": "Smith", "dob": "1980-01-01"}, True),
    # same name and shared phone: 6.3 + 8.7 + 9.2 = 24.2
    ({"name": "John Smith", "phones": ["07700 900123"]},
     {"name": "John Smith", "phones": ["+44 7700 900123"]}, True),
    # same dob and postcode but different names: -6.5 - 5.0 + 13.1 + 10.7 = 12.3
    ({"name": "Mary Jones", "dob": "1980-01-01", "postcode": "CV11 4AB"},
     {"name": "John Smith", "dob": "1980-01-01", "postcode": "CV11 4AB"}, False),
    # name only: 6.3 + 8.7 = 15.0
    ({"name": "John Smith"}, {"name": "John Smith"}, False),
])
def test_pairs(a: dict[str, Any], b: dict[str, Any], matched: bool) -> None:
    weight, reasons = score_pair(a, b)
    assert (weight >= 20) is matched, (weight, reasons)
    resolver = Resolver(InMemoryIndex())
    resolver.resolve({"person_ref": "p1", **a}, "r1", WHEN)
    result = resolver.resolve({"person_ref": "p1", **b}, "r2", WHEN)
    assert result.matched is matched, result.reasons


# ---- merges, aliases, splits -------------------------------------------------

def _merge_scenario(resolver: Resolver, person_factory) -> tuple[str, str]:
    e1 = resolver.resolve(person_factory(dob=date(1980, 1, 1)), "r1", WHEN).entity_id
    e2 = resolver.resolve(person_factory(postcode="CV11 4AB"), "r2", WHEN).entity_id
    assert e1 != e2  # 15.0 bits each way: not enough alone
    return e1, e2


def test_merge_keeps_the_older_id_and_the_other_resolves_to_it(resolver, person_factory) -> None:
    e1, e2 = _merge_scenario(resolver, person_factory)
    third = resolver.resolve(person_factory(dob=date(1980, 1, 1), postcode="CV11 4AB"), "r3", WHEN)
    # vs r1: 15.0 + 13.1 = 28.1; vs r2: 15.0 + 10.7 = 25.7: both >= 20, so they merge
    assert third.entity_id == e1 and third.merged == (e2,), third.reasons
    assert resolver.resolve_alias(e2) == e1
    assert resolver.resolve_alias(e1) == e1
    assert resolver.entity_of("r2", "p1") == e1
    assert resolver.members(e2) == [("r1", "p1"), ("r2", "p1"), ("r3", "p1")]
    assert [e["event"] for e in resolver.events()] == ["merge"]


def test_split_moves_records_out_and_keeps_them_apart(resolver, person_factory) -> None:
    e1, e2 = _merge_scenario(resolver, person_factory)
    resolver.resolve(person_factory(dob=date(1980, 1, 1), postcode="CV11 4AB"), "r3", WHEN)
    new = resolver.split(e1, [("r2", "p1")], reason="officer: different man at the address")
    assert re.fullmatch(r"E[0-9a-f]{12}", new) and new not in (e1, e2)
    assert resolver.entity_of("r2", "p1") == new and resolver.entity_of("r1", "p1") == e1
    again = resolver.resolve(person_factory(dob=date(1980, 1, 1), postcode="CV11 4AB"), "r4", WHEN)
    assert again.entity_id == e1 and again.merged == (), again.reasons
    assert resolver.entity_of("r2", "p1") == new
    assert [e["event"] for e in resolver.events()] == ["merge", "split"]


def test_bad_splits_are_refused(resolver, person_factory) -> None:
    e1 = resolver.resolve(person_factory(dob=date(1980, 1, 1)), "r1", WHEN).entity_id
    with pytest.raises(BadSplit, match="proper subset"):
        resolver.split(e1, [("r1", "p1")])
    with pytest.raises(UnknownEntity):
        resolver.split("E000000000000", [("r1", "p1")])


# ---- determinism, redelivery, explain -------------------------------------------

def _stream() -> list[tuple[dict[str, Any], str, datetime]]:
    people: list[dict[str, Any]] = [
        {"name": "John Smith", "dob": "1980-01-01"},
        {"name": "Jon Smith", "dob": "1980-01-01", "postcode": "CV11 4AB"},
        {"name": "Mary Jones", "dob": "1975-06-30"},
        {"name": "John Smith", "postcode": "CV11 4AB"},
        {"name": "Mary Jones", "dob": "1975-06-30", "phones": ["07700900123"]},
        {"name": "John Smith", "dob": "1992-11-03"},
    ]
    return [({"person_ref": "p1", **p}, f"r{i}", WHEN) for i, p in enumerate(people)]


def test_same_input_order_gives_the_same_ids() -> None:
    runs = []
    for _ in range(2):
        resolver = Resolver(InMemoryIndex())
        resolver.resolve_many(_stream())
        runs.append(list(resolver.dump()))
    assert runs[0] == runs[1]
    ids = [row["entity_id"] for row in runs[0]]
    assert all(re.fullmatch(r"E[0-9a-f]{12}", i) for i in ids), ids
    assert ids[0] == "E" + record_id("r0", "p1")[:12]  # named after its first record
    assert len(set(ids)) == 3, runs[0]  # John Smith 1980, Mary Jones, John Smith 1992


def test_redelivery_is_idempotent(resolver, person_factory) -> None:
    first = resolver.resolve(person_factory(dob=date(1980, 1, 1)), "r1", WHEN)
    again = resolver.resolve(person_factory(dob=date(1980, 1, 1)), "r1", WHEN)
    assert again.entity_id == first.entity_id and len(list(resolver.dump())) == 1


def test_explain_writes_nothing_and_says_why(resolver, person_factory) -> None:
    resolver.resolve(person_factory(dob=date(1980, 1, 1)), "r1", WHEN)
    result = resolver.explain(person_factory(dob=date(1980, 1, 1)), "r2", WHEN)
    assert result.matched and result.candidates_considered == 1, result
    assert any("date of birth" in r and "exact" in r for r in result.reasons), result.reasons
    assert len(list(resolver.dump())) == 1


def test_record_json_round_trip(person_factory) -> None:
    record = to_record(person_factory(dob=date(1980, 1, 1), phones=["07700900123"],
                                      aliases=["Jack Smith"],
                                      identifiers=[{"type": "national_id", "value": "AB 12 34"}]),
                       "r1", WHEN)
    assert type(record).from_json(record.to_json()) == record
    assert record.ids == ("national_id:ab1234",) and record.phones == ("+447700900123",)


def test_estimate_refits_m_and_keeps_the_levels() -> None:
    from linkwatch.rules.resolve import Model, estimate

    same = [({"name": "John Smith", "dob": "1980-01-01"},
             {"name": "Jon Smith", "dob": "1980-01-01"})] * 5
    other = [({"name": "Mary Jones", "dob": "1975-06-30"},
              {"name": "John Smith", "dob": "1980-01-01"})] * 5
    fitted = estimate(same + other, iterations=5)
    default = Model()
    for name, comparison in fitted.fields().items():
        old = getattr(default, name)
        assert [lv.label for lv in comparison.levels] == [lv.label for lv in old.levels], name
        assert [lv.u for lv in comparison.levels] == [lv.u for lv in old.levels], name  # u kept
        assert all(0 < lv.m <= 1 for lv in comparison.levels), (name, comparison.levels)


def test_same_name_same_postcode_different_dob_are_two_people() -> None:
    # father and son: name (+15 bits) and postcode (+10.7) would pass the 20-bit threshold,
    # but full dates of birth that disagree outright cap the weight at 0 (no phone shared)
    from linkwatch.rules.resolve import score_pair

    father = {"name": "John Smith", "dob": "1975-09-30", "postcode": "B6 5RQ"}
    son = {"name": "John Smith", "dob": "2001-02-11", "postcode": "B6 5RQ"}
    weight, reasons = score_pair(father, son)
    assert weight <= 0.0 and any("kept apart" in r for r in reasons), reasons
    typo = {"name": "John Smith", "dob": "1975-09-03", "postcode": "B6 5RQ"}  # day/month swap
    assert score_pair(father, typo)[0] > 20.0


def test_a_family_landline_does_not_merge_the_family_but_an_identifier_does() -> None:
    from linkwatch.rules.resolve import score_pair

    mother = {"name": "Ann Cole", "dob": "1970-02-03", "phones": ["01632 960123"],
              "postcode": "CV11 4AB"}
    son = {"name": "Ben Cole", "dob": "2004-07-08", "phones": ["01632 960123"],
           "postcode": "CV11 4AB"}
    assert score_pair(mother, son)[0] <= 0.0  # same surname, phone, postcode: still two people
    alias = {"name": "Annie Coles", "dob": "1971-12-30",
             "identifiers": [{"type": "national_id", "value": "QQ123456C"}]}
    known = {"name": "Ann Cole", "dob": "1970-02-03",
             "identifiers": [{"type": "national_id", "value": "QQ123456C"}]}
    assert score_pair(alias, known)[0] > 20.0  # one NI number: the same person despite the dob


# ---- blocking at scale -----------------------------------------------------

def test_a_crowd_of_one_surname_and_birth_year_is_not_read_for_every_record(
        person_factory) -> None:
    """Two hundred unrelated Smiths born in 1990 (as a force-sized index holds): a new
    John Smith of 1990 with a mistyped date of birth reads only the Js among them, and
    still meets his own earlier record, including one written as a bare initial."""
    from linkwatch.rules.resolve._resolver import block_keys

    index = InMemoryIndex()
    resolver = Resolver(index)
    givens = ["Adam", "Brian", "Carl", "David", "Ewan", "Frank", "Gary", "Harry",
              "Ian", "Karl"]
    for i in range(200):
        other = person_factory(given_name=givens[i % 10], dob=f"1990-0{1 + i % 9}-1{i % 10}",
                               postcode=f"CV{i} 1AA")
        resolver.resolve(other, f"r{i}", WHEN)
    john = {"dob": "1990-04-03", "gender": "male", "address": "4 Mill Lane Rugby"}
    first = resolver.resolve(person_factory(**john), "john1", WHEN)
    # only the year block holds both: other date of birth, no postcode, phone or email
    again = resolver.resolve(person_factory(**{**john, "dob": "1990-04-08"}), "john2", WHEN)
    initial = resolver.resolve(person_factory(**{**john, "given_name": "J"}), "john3", WHEN)
    assert again.entity_id == first.entity_id
    assert initial.entity_id == first.entity_id
    record = to_record(person_factory(dob="1990-04-09"), "john4", WHEN)
    year_keys = [k for k in block_keys(record) if k.startswith("y:")]
    assert year_keys == ["y:1990:SM0:j"]
    assert index.lookup(record.rid, year_keys, 100).candidates.keys() <= {
        first.record_id, again.record_id, initial.record_id}


def test_a_common_name_pair_is_not_read_by_every_record_with_a_date_of_birth(
        person_factory) -> None:
    """A hundred unrelated John Smiths with dates of birth (as a force-sized index
    holds): the next John Smith with a date of birth does not read them all through the
    name-pair block (they file it under ``nd:``, it reads the ``n:`` of records without
    one), while a John Smith without a date of birth still reads every John Smith, and
    is read by them."""
    from linkwatch.rules.resolve._resolver import block_keys, read_keys

    index = InMemoryIndex()
    resolver = Resolver(index)
    for i in range(100):
        resolver.resolve(person_factory(dob=f"19{40 + i % 50}-0{1 + i % 9}-1{i % 10}",
                                        postcode=f"CV{i} 1AA"), f"r{i}", WHEN)
    dated = to_record(person_factory(dob="1975-02-03"), "dated", WHEN)
    keys = block_keys(dated)
    assert [k for k in keys if k.startswith(("n:", "nd:"))] == ["nd:JN:SM0"]
    assert read_keys(dated, keys).count("n:JN:SM0") == 1 and "nd:JN:SM0" not in read_keys(
        dated, keys)
    assert len(index.lookup(dated.rid, read_keys(dated, keys), 100).candidates) <= 2
    undated = resolver.resolve(person_factory(dob=None), "undated", WHEN)
    assert undated.candidates_considered == 100  # no date of birth: the name is all it has
    later = to_record(person_factory(dob="1975-02-03"), "later", WHEN)
    assert undated.record_id in index.lookup(
        later.rid, read_keys(later, block_keys(later)), 100).candidates
