"""mule_account, fraud_campaign, fraud_network on synthetic fraud reports."""

from __future__ import annotations

from linkwatch.graph.detectors.fraud import (
    detect_fraud_campaign,
    detect_fraud_network,
    detect_mule_account,
)
from linkwatch.testing.graphs import Scenario

MULE = "account:123456-12345678"
SWITCH = "phone:+443457404404"


def test_mule_account_three_victims_one_elderly() -> None:
    s = Scenario()
    touched = set()
    for i, age in enumerate((30, 82, 45)):
        touched = s.fraud(f"F{i}", f"v{i}", i, payee="12-34-56 12345678", victim_age=age)
    found = detect_mule_account(s.sub(touched), touched, s.cfg())
    assert [f.key for f in found] == [f"mule_account:{MULE}"], found
    # 0.4 base + 0.08*0 extra + 0.2 elderly = 0.6 -> high
    assert found[0].score == 0.6 and found[0].severity == "high", found[0]
    assert ("person:v1", MULE, "paid_to") in found[0].links


def test_same_victim_paying_three_times_is_not_a_mule() -> None:
    s = Scenario()
    touched = set()
    for i in range(3):
        touched = s.fraud(f"F{i}", "v0", i, payee="12-34-56 12345678")
    assert detect_mule_account(s.sub(touched), touched, s.cfg()) == []


def test_fraud_campaign_needs_five_victims_and_skips_hubs() -> None:
    s = Scenario()
    touched = set()
    for i in range(5):
        touched = s.fraud(f"F{i}", f"v{i}", i, sender="07700 900222")
        if i == 3:
            assert detect_fraud_campaign(s.sub(touched), touched, s.cfg()) == []  # 4 < 5
    found = detect_fraud_campaign(s.sub(touched), touched, s.cfg())
    assert [f.type for f in found] == ["fraud_campaign"] and found[0].report_ids[-1] == "F4"
    hub = s.cfg(hub_ignore=frozenset({"phone:+447700900222"}))
    assert detect_fraud_campaign(s.sub(touched), touched, hub) == []


def test_fraud_network_with_collector_and_discounted_hub() -> None:
    s = Scenario()
    # two mule accounts, each paid by 3 victims, all mentioning the bank switchboard
    for i in range(6):
        s.fraud(f"F{i}", f"v{i}", i, payee=f"11-11-11 1111111{i % 2}",
                extra=[{"type": "phone", "value": "03457 404404", "role": "contact"}])
    # a bank's report ties both mules to one collector account
    touched = s.add("B1", "fraud", 7, fraud={"fraud_type": "app"}, identifiers=[
        {"type": "bank_account", "value": "11-11-11 11111110", "role": "mule"},
        {"type": "bank_account", "value": "11-11-11 11111111", "role": "mule"},
        {"type": "bank_account", "value": "99-99-99 99999999", "role": "collector"}])
    cfg = s.cfg(hub_ignore=frozenset({SWITCH}))
    found = detect_fraud_network(s.sub(touched, hops=3), touched, cfg)
    assert len(found) == 1, found
    f = found[0]
    assert len(f.report_ids) == 7 and f.discounted_hubs == (SWITCH,), f
    assert any("collector" in r and "99999999" in r for r in f.reasons), f.reasons
    assert SWITCH not in f.entities
    assert f.key == f.cluster_id == "fraud_network:account:111111-11111110"  # earliest seen


def test_hub_does_not_glue_unrelated_victims_into_a_network() -> None:
    s = Scenario()
    touched = set()
    for i in range(6):   # pairs of victims paid one account each: three pairs, not a network
        touched = s.fraud(f"F{i}", f"v{i}", i, payee=f"20-00-0{i // 2} 1234567{i // 2}", extra=[
            {"type": "phone", "value": "03457 404404", "role": "contact"}])
    assert detect_fraud_network(s.sub(touched), touched, s.cfg(
        hub_ignore=frozenset({SWITCH}))) == []
    # without the hub list the switchboard would glue all six (4 shared identifiers), but
    # one identifier in every report is a star, not a network (issue 19)
    assert detect_fraud_network(s.sub(touched), touched, s.cfg()) == []
    assert detect_fraud_network(s.sub(touched), touched, s.cfg(network_max_star_share=1.01))


def test_a_star_is_not_a_network() -> None:
    """One sender across victims paying different payees, one of them reported twice with
    its payee (2 shared identifiers): a campaign, not a fraud network (issue 19)."""
    s = Scenario()
    touched = set()
    for i in range(6):
        touched = s.fraud(f"F{i}", f"v{i}", i, sender="07700 900555",
                          payee=f"20-00-0{i} 1234567{i}")
    touched = s.fraud("F9", "v0", 6.5, sender="07700 900555", payee="20-00-00 12345670")
    assert detect_fraud_network(s.sub(touched), touched, s.cfg()) == []
    assert detect_fraud_campaign(s.sub(touched), touched, s.cfg())


def test_one_shared_identifier_is_not_a_network() -> None:
    """Six victims of one sender are a fraud_campaign; a network joins several identifiers
    (network_min_shared = 2)."""
    s = Scenario()
    touched = set()
    for i in range(6):
        touched = s.fraud(f"F{i}", f"v{i}", i, sender="07700 900123")
    assert detect_fraud_network(s.sub(touched), touched, s.cfg()) == []
    assert detect_fraud_network(s.sub(touched), touched, s.cfg(
        network_min_shared=1, network_max_star_share=1.01))


def test_campaign_needs_one_script() -> None:
    """Five victims naming one contact across four fraud types is an organisation
    everyone mentions, not a campaign (commonest type 2/5 < campaign_min_type_share 0.7)."""
    s = Scenario()
    touched = set()
    for i, ftype in enumerate(["purchase", "purchase", "romance", "refund", "courier"]):
        touched = s.fraud(f"F{i}", f"v{i}", i, sender="07700 900555", fraud_type=ftype)
    assert detect_fraud_campaign(s.sub(touched), touched, s.cfg()) == []
    s2 = Scenario()
    for i in range(5):   # one script, one mislabelled: 4/5 >= 0.7
        touched = s2.fraud(f"G{i}", f"w{i}", i, sender="07700 900555",
                           fraud_type="courier" if i != 2 else "app")
    assert [f.type for f in detect_fraud_campaign(s2.sub(touched), touched, s2.cfg())] == [
        "fraud_campaign"]


def test_victims_own_phone_is_not_a_sender() -> None:
    """Victims who give their own (shared family) number are not contacted from it."""
    s = Scenario()
    touched = set()
    for i in range(5):
        touched = s.add(f"O{i}", "fraud", i, fraud={"fraud_type": "purchase"}, persons=[
            {"person_ref": "v", "role": "victim", "entity_id": f"v{i}"}],
            identifiers=[{"type": "phone", "value": "01632 960000", "role": "contact",
                          "person_ref": "v"}])
    assert detect_fraud_campaign(s.sub(touched), touched, s.cfg()) == []
