"""Enrichment: geography, harm, vulnerability and enrich_report (rules/enrich/)."""

from datetime import date
from typing import Any

import pytest

from linkwatch.rules.enrich import (
    enrich_report,
    force_for_lsoa,
    force_for_postcode,
    force_key,
    harm_weight,
    is_under_18,
    local_authority_for_lsoa,
    out_of_area,
    outside_force,
    vulnerability,
)
from linkwatch.schemas import ReportAdapter

WARKS = "Warwickshire Police"


def make_report(**over: Any) -> Any:
    """A valid fraud report with defaults; tests override what they are about."""
    data: dict[str, Any] = {
        "report_id": "r1", "kind": "fraud", "reported_at": "2026-11-24T21:05:00+00:00",
        "persons": [{"person_ref": "v", "role": "victim", "name": "Jo Bloggs",
                     "postcode": "CV11 4AB", "dob": "1950-01-02"}],
        "identifiers": [{"type": "phone", "value": "07700 900123", "role": "contact"}],
    }
    data.update(over)
    return ReportAdapter.validate_python(data)


LSOAS = [
    ("E01031035", "North Warwickshire", "Warwickshire"),
    ("E01009589", "Coventry", "West Midlands"),  # Coventry is policed by West Midlands
    ("e01009589 ", "Coventry", "West Midlands"),  # case and spaces
    ("E99999999", None, None),  # unknown code
    ("CV11 4AB", None, None),  # a postcode is not an LSOA
]


@pytest.mark.parametrize(("code", "la", "force"), LSOAS)
def test_lsoa_lookup(code: str, la: str | None, force: str | None) -> None:
    assert (local_authority_for_lsoa(code), force_for_lsoa(code)) == (la, force), code


POSTCODES = [
    ("CV11 4AB", "Warwickshire", False),  # Nuneaton
    ("CV8 1AA", "Warwickshire", False),  # Kenilworth: CV8 is not Coventry
    ("CV1 2AA", "West Midlands", True),  # Coventry city centre
    ("CV7 9AA", None, None),  # split between Solihull and Nuneaton & Bedworth: unknown
    ("CV13 0AA", "Leicestershire", True),  # Market Bosworth
    ("B6 4AA", "West Midlands", True),  # Aston, Birmingham
    ("B50 4AA", "Warwickshire", False),  # Bidford-on-Avon
    ("L4 0TH", "Merseyside", True),
    ("M1 1AA", "Greater Manchester", True),
    ("SE1 7PB", "Metropolitan Police", True),
    ("EC2V 7HH", "City of London", True),
    ("ZE1 0AA", None, None),  # Shetland: not in the table
    ("not a postcode", None, None),
]


@pytest.mark.parametrize(("pc", "force", "outside"), POSTCODES)
def test_postcode_force(pc: str, force: str | None, outside: bool | None) -> None:
    assert force_for_postcode(pc) == force, pc
    assert out_of_area(pc, WARKS) is outside, pc


@pytest.mark.parametrize(("theirs", "ours", "outside"), [
    ("West Midlands", "Warwickshire Police", True),
    ("Warwickshire", "Warwickshire Police", False),        # one force, two spellings
    ("Metropolitan Police Service", "Metropolitan", False),
    (None, "Warwickshire Police", None),                   # home not known
    ("West Midlands", None, None),                         # owning force not known
])
def test_outside_force_is_the_one_rule(theirs: str | None, ours: str | None,
                                       outside: bool | None) -> None:
    """What enrichment, the alerts' outside-share line and the API's evidence all use."""
    assert outside_force(theirs, ours) is outside, (theirs, ours)


def test_lsoa_wins_over_postcode() -> None:
    assert out_of_area("CV1 2AA", WARKS, lsoa="E01031035") is False


@pytest.mark.parametrize(("name", "key"), [
    ("Warwickshire Police", "warwickshire"), ("Metropolitan Police Service", "metropolitan"),
    ("West Midlands Police", "west midlands"), ("Devon & Cornwall Police", "devon and cornwall"),
])
def test_force_key(name: str, key: str) -> None:
    assert force_key(name) == key


def incident(**detail: Any) -> Any:
    return make_report(kind="incident", incident=detail, identifiers=[])


HARM = [
    # incident detail / markers, expected weight, why
    ({"injury": "fatal", "category": "violent-crime"}, 5475, "fatal beats category (10)"),
    ({"ho_code": "4/1"}, 5475, "4/1 manslaughter is in the homicide row 1/4.1/4.10/4.2"),
    ({"ho_code": "19C"}, 2555, "rape offences"),
    ({"ho_code": "8L"}, 10, "harassment: stalking and harassment"),
    ({"ho_code": "28A"}, 274, "domestic burglary = residential burglary"),
    ({"category": "violent-crime", "injury": "serious"}, 365, "injury beats 10"),
    ({"category": "violent-crime", "weapons": ["knife"]}, 274, "weapon: max(10, 274)"),
    ({"category": "shoplifting"}, 1, "shoplifting"),
    ({"category": "Anti-social behaviour"}, 0, "label spelled out; ASB is not notifiable"),
    ({"category": "public-order"}, 7.5, ""),
    ({}, 1, "nothing known: default"),
]


@pytest.mark.parametrize(("detail", "weight", "why"), HARM)
def test_harm_weight(detail: dict[str, Any], weight: float, why: str) -> None:
    harm = harm_weight(incident(**detail))
    assert harm.weight == weight, (harm, why)


def test_one_stabbing_outranks_fifty_shoplifting() -> None:
    stabbing = harm_weight(incident(category="violent-crime", injury="serious")).weight
    assert stabbing > 50 * harm_weight(incident(category="shoplifting")).weight  # 365 > 50


def test_harm_override_and_rule_text() -> None:
    harm = harm_weight(make_report(), weights={"fraud": 30})
    assert (harm.weight, harm.rule) == (30, "fraud report default: 30 days"), harm


def test_harm_never_raises_on_junk() -> None:
    assert harm_weight(object()).weight == 1


class P:  # a person-like object: enrichment reads attributes only
    def __init__(self, dob: date | None = None, age: int | None = None, flags: tuple = ()):
        self.dob, self.age, self.flags = dob, age, flags


UNDER_18 = [
    (P(dob=date(2008, 6, 1)), date(2026, 5, 31), True),  # 17: day before the 18th birthday
    (P(dob=date(2008, 6, 1)), date(2026, 6, 1), False),  # 18 today
    (P(age=15), date(2026, 1, 1), True),
    (P(age=18), date(2026, 1, 1), False),
    (P(dob=date(2010, 1, 1), age=30), date(2026, 1, 1), True),  # dob wins over age: 16
    (P(), date(2026, 1, 1), None),  # unknown
]


@pytest.mark.parametrize(("person", "at", "expected"), UNDER_18)
def test_is_under_18(person: P, at: date, expected: bool | None) -> None:
    assert is_under_18(person, at) is expected


def test_vulnerability_reasons() -> None:
    report = make_report(markers=["domestic_abuse", "knife"])
    v = vulnerability(P(age=70, flags=("Missing Episode", "likes_cats")), report)
    assert (v.under_18, v.elderly, v.flags, v.markers) == (
        False, True, ("missing_episode",), ("domestic_abuse",)), v
    assert v.vulnerable and v.reasons[0] == "aged 70: 65 or over", v.reasons


class Settings:
    force = WARKS


def test_enrich_report_fills_identifiers_and_persons() -> None:
    report = make_report(
        persons=[
            {"person_ref": "v", "role": "victim", "postcode": "CV11 4AB", "dob": "2010-03-04"},
            {"person_ref": "s1", "role": "suspect", "postcode": "B6 4AA"},
            {"person_ref": "s2", "role": "suspect", "postcode": "L4 0TH"},
            {"person_ref": "w", "role": "witness"},
        ],
        identifiers=[
            {"type": "phone", "value": "07700 900123"},
            {"type": "card", "value": "4111 1111 1111 1111"},
            {"type": "email", "value": "not an email"},
        ],
    )
    copy, facts = enrich_report(report, Settings())
    assert report.identifiers[0].canonical is None, "input must not change"
    got = [(i.canonical, i.valid) for i in copy.identifiers]
    assert got[0] == ("+447700900123", True) and got[2] == (None, False), got
    assert copy.identifiers[1].value == "**** **** **** 1111", "card masked in the copy"
    assert "4111111111111111" not in copy.model_dump_json().replace(" ", "")
    assert facts.invalid_identifiers == 1 and len(facts.marks) == 1, facts.marks
    p = facts.persons
    assert (p["v"].out_of_area, p["v"].under_18) == (False, True)  # born 2010: 16 in 2026
    assert (p["s1"].home_force, p["s1"].out_of_area) == ("West Midlands", True)
    assert p["w"].out_of_area is None  # no postcode: unknown
    assert facts.outside_share == round(2 / 3, 4)  # 2 of the 3 persons with a known force
    assert facts.as_dict()["harm"] == 2  # fraud report default


def test_enrich_report_never_raises() -> None:
    copy, facts = enrich_report(object())
    assert copy is not None and facts.marks and facts.harm is None, facts
