"""shared_identifier on synthetic graphs built through LinkGraph.add_report."""

from __future__ import annotations

from linkwatch.graph.detectors.shared import detect_shared_identifier
from linkwatch.testing.graphs import Scenario

PHONE = "phone:+447700900001"


def _three_victims(s: Scenario, ages=(40, 41, 42), days=(0, 1, 2)) -> set[str]:
    touched: set[str] = set()
    for i, (age, day) in enumerate(zip(ages, days, strict=True)):
        touched = s.fraud(f"F{i}", f"v{i}", day, sender="07700 900001", victim_age=age)
    return touched


def test_three_distinct_reporters_fire() -> None:
    s = Scenario()
    touched = _three_victims(s)
    found = detect_shared_identifier(s.sub(touched), touched, s.cfg())
    assert [f.key for f in found] == [f"shared_identifier:{PHONE}"], found
    f = found[0]
    assert f.type == "shared_identifier"
    assert f.report_ids == ("F0", "F1", "F2")
    assert set(f.entities) == {PHONE, "person:v0", "person:v1", "person:v2"}
    assert "3 different reporting persons" in f.reasons[0], f.reasons
    assert f.score == 0.35 and f.severity == "low", f  # 0.35 base, nothing else
    assert len(f.labels) == len(f.entities) and len(f.link_report_ids) == len(f.links)
    assert ("report:F0", PHONE, "mentions") in f.links


def test_same_victim_three_times_is_one_reporter() -> None:
    s = Scenario()
    touched = set()
    for i in range(3):
        touched = s.fraud(f"F{i}", "v0", i, sender="07700 900001")
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg()) == []


def test_reports_without_persons_count_as_own_reporters() -> None:
    s = Scenario()
    touched = set()
    for i in range(3):
        touched = s.fraud(f"F{i}", None, i, sender="07700 900001")
    found = detect_shared_identifier(s.sub(touched), touched, s.cfg())
    assert len(found) == 1 and found[0].entities == (PHONE,), found


def test_window_excludes_old_reports() -> None:
    s = Scenario()
    touched = _three_victims(s, days=(0, 95, 96))  # F0 is 96 days before now > 90
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg()) == []
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg(window_days=100))


def test_threshold_is_configurable() -> None:
    s = Scenario()
    touched = _three_victims(s)
    assert detect_shared_identifier(s.sub(touched), touched,
                                    s.cfg(shared_identifier_min_reporters=4)) == []


def test_hub_ignore_and_detected_hubs_skip_the_node() -> None:
    s = Scenario()
    touched = _three_victims(s)
    assert detect_shared_identifier(s.sub(touched), touched,
                                    s.cfg(hub_ignore=frozenset({PHONE}))) == []
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg(hubs=frozenset({PHONE}))) == []
    allowed = s.cfg(hubs=frozenset({PHONE}), hub_allow=frozenset({PHONE}))
    assert detect_shared_identifier(s.sub(touched), touched, allowed)


def test_vulnerable_and_harm_raise_severity() -> None:
    s = Scenario()
    touched = set()
    for i, age in enumerate((40, 81, 42)):
        touched = s.fraud(f"F{i}", f"v{i}", i, sender="07700 900001", victim_age=age,
                          harm=365.0)
    f = detect_shared_identifier(s.sub(touched), touched, s.cfg())[0]
    # 0.35 base + 0.15 vulnerable + 0.15 * harm(1095 days -> capped 1.0) = 0.65
    assert f.score == 0.65 and f.severity == "high", f
    assert any("aged 81" in r for r in f.reasons), f.reasons


def test_shared_home_address_is_not_an_identifier_alert() -> None:
    """Three victims living at one address (a hostel, a block) is where they live, not
    something an offender used: addresses are cuckooing's and modern_slavery's."""
    s = Scenario()
    touched = set()
    for i in range(3):
        touched = s.add(f"I{i}", "incident", i, persons=[
            {"role": "victim", "entity_id": f"v{i}", "address": "1 High Street",
             "postcode": "CV1 1AA"}], incident={"category": "burglary"})
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg()) == []


def _own_phone(s: Scenario, rid: str, day: float, who: str, cat: str, home: str) -> set[str]:
    return s.add(rid, "incident", day, incident={"category": cat}, persons=[
        {"role": "victim", "entity_id": who, "phones": ["01632 960000"], "address": home,
         "postcode": "CV1 1AA"}])


def test_family_landline_is_one_household_and_their_own() -> None:
    """Victims giving their own home phone are no evidence of an offender, and people
    sharing a home count once."""
    s = Scenario()
    touched = set()
    for i in range(4):
        touched = _own_phone(s, f"H{i}", i, f"fam{i}", "burglary", "2 Mill Lane")
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg()) == []


def test_mixed_crime_types_do_not_make_a_shared_identifier() -> None:
    """A retailer's email named by victims of three different frauds: no one story
    (commonest type 1/3 < shared_identifier_min_type_share 0.8)."""
    s = Scenario()
    touched = set()
    for i, ftype in enumerate(["purchase", "phishing", "refund"]):
        touched = s.fraud(f"R{i}", f"r{i}", i, fraud_type=ftype, extra=[
            {"type": "email", "value": "help@shop.example.com", "role": "contact"}])
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg()) == []
    assert detect_shared_identifier(s.sub(touched), touched,
                                    s.cfg(shared_identifier_min_type_share=0.3))


def test_untouched_identifier_is_not_assessed() -> None:
    s = Scenario()
    _three_victims(s)
    touched = s.fraud("F9", "v9", 3, sender="07700 900999")
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg()) == []


def test_duplicate_reports_do_not_count() -> None:
    s = Scenario()
    s.fraud("F0", "v0", 0, sender="07700 900001")
    s.fraud("F1", "v1", 1, sender="07700 900001")
    touched = s.fraud("F2", "v2", 2, sender="07700 900001")
    s.lg.g.nodes["report:F1"]["duplicate_of"] = "F0"
    assert detect_shared_identifier(s.sub(touched), touched, s.cfg()) == []
