"""Innocent hubs: detected from the data, configured, remembered, and bounded traversal."""

from __future__ import annotations

from linkwatch.graph.detectors import run_detectors
from linkwatch.graph.hubs import HubIndex, assess_hub, bounded_neighbourhood, detect_hubs
from linkwatch.testing.graphs import Scenario

SWITCHBOARD = "03457 404404"
SWITCH_NODE = "phone:+443457404404"
FRAUD_TYPES = ("romance", "investment", "purchase", "courier", "phishing", "app")


def _switchboard(s: Scenario, n: int = 40) -> set[str]:
    """n unrelated victims, each with own payee, all naming the bank's number as contact."""
    touched: set[str] = set()
    for i in range(n):
        touched = s.fraud(f"F{i}", f"v{i}", i * 0.5, fraud_type=FRAUD_TYPES[i % 6],
                          payee=f"20-00-{i:02d} 1000{i:04d}",
                          extra=[{"type": "phone", "value": SWITCHBOARD, "role": "contact"}])
    return touched


def _campaign(s: Scenario, n: int = 40) -> set[str]:
    """n victims of one fraud type, paying into 4 shared mule accounts, one sender phone."""
    touched: set[str] = set()
    for i in range(n):
        touched = s.fraud(f"C{i}", f"c{i}", i * 0.5, sender="07700 900111",
                          payee=f"30-00-00 2000000{i % 4}")
    return touched


def test_switchboard_is_a_hub() -> None:
    s = Scenario()
    touched = _switchboard(s)
    v = assess_hub(s.sub(touched), SWITCH_NODE, s.cfg())
    # 40 reports, 6 categories, no report shares a payee/victim with another: relatedness 0
    assert v.is_hub and v.reports == 40 and v.categories == 6 and v.relatedness == 0.0, v
    assert detect_hubs(s.sub(touched), touched, s.cfg()) == {SWITCH_NODE}


def test_campaign_phone_is_not_a_hub() -> None:
    s = Scenario()
    touched = _campaign(s)
    v = assess_hub(s.sub(touched), "phone:+447700900111", s.cfg())
    assert not v.is_hub and v.relatedness == 1.0 and v.categories == 1, v  # all share payees


def test_rules_in_order_allow_ignore_small_and_too_common() -> None:
    s = Scenario()
    touched = _switchboard(s, 25)
    sub = s.sub(touched)
    assert not assess_hub(sub, SWITCH_NODE, s.cfg(hub_allow=frozenset({SWITCH_NODE}))).is_hub
    assert assess_hub(sub, "phone:+447000000000", s.cfg(
        hub_ignore=frozenset({"phone:+447000000000"}))).reason == "configured hub"
    assert not assess_hub(sub, SWITCH_NODE, s.cfg(hub_min_reports=26,
                                                  contact_min_reports=99)).is_hub  # 25 < 26
    # named only as a contact, by unrelated victims of many fraud types: the victims' contact
    contact = assess_hub(sub, SWITCH_NODE, s.cfg(hub_min_reports=26))
    assert contact.is_hub and "contact" in contact.reason, contact
    too_common = assess_hub(sub, SWITCH_NODE, s.cfg(hub_max_reports=25, hub_min_categories=99))
    assert too_common.is_hub and "too common" in too_common.reason, too_common
    assert not assess_hub(sub, "report:F0", s.cfg()).is_hub


def test_run_detectors_discounts_switchboard() -> None:
    s = Scenario()
    touched = _switchboard(s)
    keys = [f.key for f in run_detectors(s.sub(touched), touched, s.cfg())]
    assert f"shared_identifier:{SWITCH_NODE}" not in keys, keys


def test_hub_index_remembers_and_round_trips() -> None:
    s = Scenario()
    touched = _switchboard(s)
    index = HubIndex()
    assert index.observe(s.sub(touched), touched, s.cfg()) == {SWITCH_NODE}
    again = HubIndex.from_dict(index.to_dict())
    assert again.hubs == {SWITCH_NODE} and again.verdicts == index.verdicts


def test_bounded_neighbourhood_stops_at_hubs() -> None:
    s = Scenario()
    _switchboard(s, 30)
    touched = s.fraud("N1", "vn", 20, extra=[{"type": "phone", "value": SWITCHBOARD,
                                              "role": "contact"}])
    full = s.lg.neighbourhood(touched, hops=2)
    bounded = bounded_neighbourhood(s.lg.g, {"report:N1"}, 2, frozenset({SWITCH_NODE}))
    assert "report:F0" in full and "report:F0" not in bounded
    assert SWITCH_NODE in bounded
