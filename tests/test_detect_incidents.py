"""repeat_victim, knife_crime and cyber_campaign on synthetic reports."""

from __future__ import annotations

from typing import Any

from linkwatch.graph.detectors.cyber import detect_cyber_campaign
from linkwatch.graph.detectors.incidents import detect_knife_crime, detect_repeat_victim
from linkwatch.testing.graphs import Scenario


def _assault(s: Scenario, rid: str, day: float, *, victim: str = "da1", markers=(),
             lsoa: str | None = None, lat=None, lon=None, weapons=()) -> set[str]:
    loc = {k: v for k, v in {"lsoa_code": lsoa, "lat": lat, "lon": lon}.items() if v is not None}
    return s.add(rid, "incident", day, location=loc or None, markers=list(markers),
                 persons=[{"role": "victim", "entity_id": victim},
                          {"role": "suspect", "entity_id": f"s-{rid}"}],
                 incident={"category": "violent-crime", "weapons": list(weapons)})


def test_repeat_victim_domestic_abuse() -> None:
    s = Scenario()
    touched = set()
    for i in range(3):
        touched = _assault(s, f"R{i}", i * 10, markers=("domestic_abuse",))
    found = detect_repeat_victim(s.sub(touched), touched, s.cfg())
    assert [f.key for f in found] == ["repeat_victim:person:da1"], found
    assert found[0].score == 0.65 and found[0].severity == "high"  # 0.4 + 0.25 DA


def test_repeat_victim_below_threshold_and_window() -> None:
    s = Scenario()
    _assault(s, "R0", 0)
    touched = _assault(s, "R1", 100)
    touched = _assault(s, "R2", 101)  # R0 is 101 days back: outside 90
    assert detect_repeat_victim(s.sub(touched), touched, s.cfg()) == []


def test_knife_cluster_same_lsoa_and_time_window() -> None:
    s = Scenario()
    _assault(s, "K1", 0, victim="a", lsoa="E01", weapons=("knife",))
    _assault(s, "K2", 5, victim="b", lsoa="E01", markers=("knife",))
    _assault(s, "X1", 6, victim="c", lsoa="E01")                 # no knife: not counted
    touched = _assault(s, "K3", 10, victim="d", lsoa="E01", weapons=("Knife",))
    found = detect_knife_crime(s.sub(touched), touched, s.cfg())
    assert len(found) == 1 and found[0].report_ids == ("K1", "K2", "K3"), found
    assert found[0].key == "knife_crime:location:E01"
    assert detect_knife_crime(s.sub(touched), touched, s.cfg(knife_window_days=7)) == []


def test_knife_cluster_by_radius() -> None:
    s = Scenario()
    # ~0.001 deg lat = 111 m: all three within 500 m of K3, different LSOAs
    _assault(s, "K1", 0, victim="a", lsoa="E1", lat=52.520, lon=-1.465, weapons=("knife",))
    _assault(s, "K2", 1, victim="b", lsoa="E2", lat=52.521, lon=-1.465, weapons=("knife",))
    touched = _assault(s, "K3", 2, victim="c", lsoa="E3", lat=52.522, lon=-1.465,
                       weapons=("knife",))
    whole = s.lg.g.subgraph(s.lg.g.nodes)  # spatial neighbours are not graph neighbours
    found = detect_knife_crime(whole, touched, s.cfg())
    assert len(found) == 1 and len(found[0].report_ids) == 3, found
    assert detect_knife_crime(whole, touched, s.cfg(knife_radius_m=150)) == []  # K1 222 m away


def test_cyber_campaign_names_indicators() -> None:
    s = Scenario()
    touched = set()
    for i in range(3):
        touched = s.add(f"C{i}", "cyber", i, cyber={"cyber_type": "phishing", "indicators": [
            {"type": "domain", "value": "evil-bank.example"},
            {"type": "ip", "value": "203.0.113.7"}]})
    found = detect_cyber_campaign(s.sub(touched), touched, s.cfg())
    # one campaign, one alert: keyed by its earliest-seen indicator, naming both
    assert [f.key for f in found] == ["cyber_campaign:domain:evil-bank.example"], found
    f = found[0]
    assert {"domain:evil-bank.example", "ip:203.0.113.7"} <= set(f.entities), f.entities
    assert "also shared: ip:203.0.113.7" in f.reasons, f.reasons
    assert f.score == 0.5  # 0.4 + 0.05*0 + 0.1 for one more shared indicator


def _phish(s: Scenario, rid: str, day: float, indicators: list[dict], ctype: str = "phishing",
           victim: str | None = None) -> set[str]:
    persons = [{"person_ref": "v", "role": "victim", "entity_id": victim}] if victim else []
    return s.add(rid, "cyber", day, persons=persons,
                 cyber={"cyber_type": ctype, "indicators": indicators})


def test_one_site_written_three_ways_is_one_campaign() -> None:
    """www., case and URLs of one registered domain are one site, even when no other
    node joins the reports; one alert, keyed by the site."""
    s = Scenario()
    forms = [{"type": "domain", "value": "hsbc-verify93.com"},
             {"type": "domain", "value": "WWW.HSBC-VERIFY93.COM"},
             {"type": "url", "value": "http://hsbc-verify93.com/account?id=7"}]
    touched = set()
    for i, form in enumerate(forms):
        touched = _phish(s, f"P{i}", i, [form])
    found = detect_cyber_campaign(s.sub(touched), touched, s.cfg())
    assert [f.key for f in found] == ["cyber_campaign:site:hsbc-verify93.com"], found
    assert len(found[0].report_ids) == 3


def test_ip_alone_or_victims_own_is_not_a_campaign() -> None:
    """A café's public Wi-Fi: strangers behind one IP (alone, no other shared
    indicator), and when victims give it as their own connection it is no evidence."""
    s = Scenario()
    touched = set()
    for i, ctype in enumerate(["phishing", "hacking", "sextortion", "ransomware"]):
        touched = _phish(s, f"W{i}", i, [{"type": "ip", "value": "81.134.20.6"}], ctype)
    assert detect_cyber_campaign(s.sub(touched), touched, s.cfg()) == []
    s2 = Scenario()
    for i in range(4):
        touched = _phish(s2, f"V{i}", i, [
            {"type": "ip", "value": "81.134.20.6", "person_ref": "v"},
            {"type": "domain", "value": f"site{i}.example.com"}], victim=f"v{i}")
    assert detect_cyber_campaign(s2.sub(touched), touched, s2.cfg()) == []


def test_knife_wording_and_case() -> None:
    """"Knife", "bladed article" and a marker alone all count as knife incidents."""
    s = Scenario()
    touched = set()
    extras: list[dict[str, Any]] = [
        {"incident": {"category": "violent-crime", "weapons": ["Knife"]}},
        {"incident": {"category": "robbery", "weapons": ["bladed article"]}},
        {"incident": {"category": "violent-crime"}, "markers": ["knife"]}]
    for i, extra in enumerate(extras):
        touched = s.add(f"K{i}", "incident", i, location={"lsoa_code": "E01031035"}, **extra)
    found = detect_knife_crime(s.sub(touched), touched, s.cfg())
    assert len(found) == 1 and len(found[0].report_ids) == 3, found
