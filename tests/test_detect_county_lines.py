"""county_lines and cuckooing on synthetic drugs incidents."""

from __future__ import annotations

from linkwatch.graph.detectors.base import DetectorConfig
from linkwatch.graph.detectors.county_lines import (
    detect_county_lines,
    detect_cuckooing,
    out_of_area,
)
from linkwatch.testing.graphs import Scenario

LINE = "phone:+447700900555"


def _drugs(s: Scenario, rid: str, day: float, lsoa: str, persons: list[dict], *,
           role: str = "deal_line", weapons: tuple[str, ...] = (), markers=()) -> set[str]:
    return s.add(rid, "incident", day, location={"lsoa_code": lsoa}, persons=persons,
                 markers=list(markers),
                 identifiers=[{"type": "phone", "value": "07700 900555", "role": role}],
                 incident={"category": "drugs", "weapons": list(weapons)})


def test_out_of_area_by_flag_and_postcode() -> None:
    cfg = DetectorConfig()
    assert out_of_area({"postcode": "B1 1AA"}, cfg)          # Birmingham
    assert not out_of_area({"postcode": "CV11 4AB"}, cfg)    # Nuneaton
    assert not out_of_area({"postcode": "B50 4AA"}, cfg)     # Bidford, Warwickshire
    assert out_of_area({"postcode": "B5 0AA"}, cfg)
    assert out_of_area({"out_of_area": True, "postcode": "CV1 1AA"}, cfg)
    assert not out_of_area({}, cfg)


def test_deal_line_with_child_runner_from_birmingham_and_knife() -> None:
    s = Scenario()
    _drugs(s, "D1", 0, "E01031000", [{"role": "suspect", "entity_id": "r1", "age": 15,
                                      "postcode": "B1 1AA", "flags": ["missing_episode"]}])
    touched = _drugs(s, "D2", 3, "E01031001", [{"role": "suspect", "entity_id": "r2",
                                                 "age": 19, "postcode": "B6 5AA"}],
                     weapons=("knife",))
    found = detect_county_lines(s.sub(touched), touched, s.cfg())
    assert [f.key for f in found] == [f"county_lines:{LINE}"], found
    f = found[0]
    # 0.25 deal line + 0.1 (2 drugs reports) + 0.1 two LSOAs + 0.15 out of area + 0.2 child
    # + 0.1 missing + 0.15 knife = 1.05 -> capped 1.0
    assert f.score == 1.0 and f.severity == "critical", f
    assert {"person:r1", "person:r2", LINE} <= set(f.entities)
    assert any("weapons: knife" in r for r in f.reasons), f.reasons


def test_phone_on_two_drugs_reports_without_indicators_stays_below_threshold() -> None:
    s = Scenario()
    _drugs(s, "D1", 0, "E01", [{"role": "suspect", "entity_id": "r1", "postcode": "CV1 1AA"}],
           role="contact")
    touched = _drugs(s, "D2", 1, "E01", [{"role": "suspect", "entity_id": "r2"}], role="contact")
    assert detect_county_lines(s.sub(touched), touched, s.cfg()) == []  # 0.1 < 0.4
    assert detect_county_lines(s.sub(touched), touched, s.cfg(county_lines_min_score=0.1))


def test_cuckooed_address() -> None:
    s = Scenario()
    resident = {"role": "victim", "entity_id": "res", "address": "4 Mill Lane",
                "postcode": "CV11 1AA", "flags": ["vulnerable"], "age": 58}
    s.add("A1", "incident", 0, persons=[resident], incident={"category": "anti-social-behaviour"})
    touched = s.add("A2", "incident", 2, persons=[
        resident, {"role": "suspect", "entity_id": "x1", "postcode": "B1 1AA"}],
        incident={"category": "drugs"})
    found = detect_cuckooing(s.sub(touched), touched, s.cfg())
    assert len(found) == 1 and found[0].type == "cuckooing", found
    # 0.45 + 0.05*(2-2) + 0.05*1 suspect + 0.1 out of area = 0.6
    assert found[0].score == 0.6, found[0]
    assert detect_cuckooing(s.sub(touched), touched, s.cfg(cuckoo_min_reports=3)) == []


def test_hostel_of_unrelated_residents_is_not_cuckooing() -> None:
    """Each drugs/ASB report concerns a different vulnerable resident of one hostel:
    nobody recurs, so nobody's home has been taken over."""
    s = Scenario()
    touched = set()
    for i in range(4):
        touched = s.add(f"H{i}", "incident", i, incident={"category": "drugs"}, persons=[
            {"role": "victim", "entity_id": f"r{i}", "address": "1 Station Approach",
             "postcode": "CV21 2AA", "flags": ["vulnerable"], "age": 40},
            {"role": "suspect", "entity_id": f"x{i}", "postcode": "B6 5RQ"}])
    assert detect_cuckooing(s.sub(touched), touched, s.cfg()) == []


def test_children_at_an_address_are_not_cuckooing() -> None:
    """Cuckooing is a vulnerable adult's home (domain.md s.5); children found at a
    trap house are child_exploitation's."""
    s = Scenario()
    child = {"role": "victim", "entity_id": "c1", "address": "9 Canal Row",
             "postcode": "CV11 1AA", "age": 15}
    touched = set()
    for i in range(3):
        touched = s.add(f"T{i}", "incident", i, incident={"category": "drugs"}, persons=[
            child, {"role": "suspect", "entity_id": f"x{i}", "postcode": "B6 5RQ"}])
    assert detect_cuckooing(s.sub(touched), touched, s.cfg()) == []
