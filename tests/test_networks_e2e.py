"""Issue 19's alert classes end to end, through the real broker and Redis, on reports
written here by hand (not by the scenario generator):

1. one network, one live alert: a runner's own phone in two of a county line's reports
   does not get an alert of its own; a campaign reported twice is not also a network;
2. the right type: a cuckooed flat is ``cuckooing`` (not ``repeat_victim``); children tied
   by an adult's phone and a car, with missing episodes, are ``child_exploitation``;
   one sender to victims paying different payees is ``fraud_campaign``;
3. a cyber campaign whose indicators arrive for some reports only in the STIX bundle.
"""

from __future__ import annotations

from typing import Any

import pytest
from kafka_helpers import settle

from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration


def _at(day: int, hour: int = 10) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00+00:00"


def _stream() -> list[dict[str, Any]]:
    reps: list[dict[str, Any]] = []

    def add(kind: str, rid: str, day: int, hour: int, **fields: Any) -> None:
        reps.append({"report_id": rid, "kind": kind, "source": "test", "force":
                     "Warwickshire Police", "reported_at": _at(day, hour), **fields})

    # -- a county line: deal line in four drugs reports; runner Dwayne's own phone in two
    runner = {"person_ref": "s1", "role": "suspect", "name": "Dwayne Kershaw",
              "dob": "2001-02-03", "postcode": "B11 1AA"}
    child = {"person_ref": "s2", "role": "suspect", "name": "Tyrese Mbeki", "age": 15,
             "postcode": "B6 5RQ", "flags": ["missing_episode"]}
    for k, lsoa in enumerate(["E01031035", "E01031013", "E01031021", "E01031075"]):
        persons: list[dict[str, Any]] = [
            dict(runner, phones=["07700 900555"] if k in (1, 2) else [])]
        if k == 2:
            persons.append(child)
        add("incident", f"CL-{k}", 2 + k, 9, persons=persons,
            identifiers=[{"type": "phone", "role": "deal_line",
                          "value": ["07700 900417", "+44 7700 900417", "07700900417"][k % 3]}],
            incident={"category": "drugs"}, location={"lsoa_code": lsoa})
    # -- a cuckooed flat: its vulnerable resident the victim in three drugs/ASB reports
    resident = {"person_ref": "r1", "role": "victim", "name": "Maureen Ashby",
                "dob": "1961-04-09", "address": "Flat 3, 10 Mill Lane", "postcode": "CV21 3HQ",
                "flags": ["learning_disability"], "consent": {"victim_support": True}}
    suspects = [("Kyle Dunn", "drugs"), ("Reece Malik", "anti-social-behaviour"),
                ("Jordan Pike", "drugs")]
    for k, (who, cat) in enumerate(suspects):
        add("incident", f"CK-{k}", 3 + 2 * k, 14, persons=[
            resident, {"person_ref": "s1", "role": "suspect", "name": who, "dob": "1999-01-0"
                       f"{k + 1}", "postcode": "B23 6UE"}],
            incident={"category": cat}, location={"lsoa_code": "E01031124"})
    # -- children of three homes, one adult's phone and car, missing episodes
    kids = [("Chloe Barnes", "2011-03-01", "CV11 4AB"), ("Ellis Novak", "2010-07-12", "CV10 7PD"),
            ("Mason Reid", "2012-01-20", "CV34 4RL")]
    for k, cat in enumerate(["shoplifting", "drugs", "other-crime", "anti-social-behaviour"]):
        name, dob, pc = kids[k % 3]
        kid = {"person_ref": "c1", "role": "suspect" if k < 3 else "victim", "name": name,
               "dob": dob, "postcode": pc,
               "flags": ["missing_episode"] if k != 1 else [], "consent": {"victim_support": None}}
        extra: dict[str, Any] = {}
        if k % 2:
            extra["vehicles"] = [{"vrm": "FD61 XZR"}]
        add("incident", f"CE-{k}", 4 + 3 * k, 22, persons=[kid], incident={"category": cat},
            identifiers=[{"type": "phone", "role": "contact", "value": "07700 900777"}],
            location={"lsoa_code": "E01031095"}, **extra)
    # -- a fraud campaign: one sender, six victims, six payees; one reported again
    for k in range(6):
        victim = {"person_ref": "v1", "role": "victim", "name": f"Campaign Victim {k}",
                  "dob": f"19{45 + k}-06-1{k}", "consent": {"victim_support": True}}
        idents = [{"type": "phone", "role": "sender", "value": "07700 900600"},
                  {"type": "bank_account", "role": "payee", "value": f"20-00-1{k} 4444000{k}"}]
        if k:   # the campaign's e-mail too: two shared identifiers, yet one sender's star
            idents.append({"type": "email", "role": "sender", "value": "refunds@hmrc-tax.co.uk"})
        fraud = {"fraud_type": "impersonation", "amount_lost": f"{k + 1}00.00"}
        add("fraud", f"FC-{k}", 5 + k, 11, persons=[victim], identifiers=idents, fraud=fraud)
        if k == 2:   # the bank reports the same fraud: the payee is now in two reports
            add("fraud", "FC-2-BANK", 5 + k, 15, persons=[victim], identifiers=idents,
                fraud=fraud)
    # -- a cyber campaign: two reports give indicators, two only in a STIX bundle
    for k in range(4):
        cyber: dict[str, Any] = {"cyber_type": "phishing"}
        if k < 2:
            cyber["indicators"] = [
                {"type": "domain", "role": "phishing_site", "value": "royalmail-redeliver7.info"},
                {"type": "ip", "role": "phishing_site", "value": "185.44.12.9"}]
        else:
            cyber["stix"] = {"type": "bundle", "id": f"bundle--{k}", "objects": [
                {"type": "indicator", "id": f"indicator--{k}", "pattern_type": "stix",
                 "pattern": "[url:value = 'http://ROYALMAIL-REDELIVER7.info/pay'] OR "
                            "[ipv4-addr:value = '185.44.12.9']"}]}
        add("cyber", f"CY-{k}", 6 + k, 8, persons=[
            {"person_ref": "v1", "role": "victim", "name": f"Phished Person {k}",
             "dob": f"198{k}-02-02", "emails": [f"phished{k}@example.org"]}], cyber=cyber)
    return sorted(reps, key=lambda r: r["reported_at"])


def _live(alerts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each alert's last version, the superseded ones left out."""
    last: dict[str, dict[str, Any]] = {}
    for a in alerts:
        if a["version"] >= last.get(a["alert_id"], {"version": 0})["version"]:
            last[a["alert_id"]] = a
    return {k: a for k, a in last.items() if a.get("status", "live") == "live"}


def _over(live: dict[str, dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [a for a in live.values() if any(r.startswith(prefix) for r in a["report_ids"])]


async def test_each_network_one_alert_of_the_right_type(lw_env):  # type: ignore[no-untyped-def]
    env = lw_env()
    env.start_worker()
    reports = _stream()
    await send_reports(env.settings, reports)
    alerts = await settle(env.settings, "alerts", quiet_s=8, timeout=150)
    live = _live(alerts)

    line = _over(live, "CL-")
    assert [a["type"] for a in line] == ["county_lines"], line
    ents = {e["entity_id"] for e in line[0]["entities"]}
    assert {"phone:+447700900417", "phone:+447700900555"} <= ents

    flat = _over(live, "CK-")
    assert [a["type"] for a in flat] == ["cuckooing"], flat

    kids = _over(live, "CE-")
    assert [a["type"] for a in kids] == ["child_exploitation"], kids
    assert len([e for e in kids[0]["entities"] if e["kind"] == "person"]) == 3

    campaign = _over(live, "FC-")
    assert [a["type"] for a in campaign] == ["fraud_campaign"], campaign
    assert "phone:+447700900600" in {e["entity_id"] for e in campaign[0]["entities"]}

    cyber = _over(live, "CY-")
    assert [a["type"] for a in cyber] == ["cyber_campaign"], cyber
    assert {"CY-2", "CY-3"} <= set(cyber[0]["report_ids"]), cyber   # STIX-only reports

    # a superseded alert names the alert that carries its network on, which is live
    for a in alerts:
        if a.get("status") == "superseded":
            assert a["superseded_by"] in live, a
