"""Issue 19 on the real broker (embedded Tansu + Valkey, a worker process): modern slavery
recognised without the marker (HO code; a network that a later report completes), one
referral per victim per event when the bank reports the victim's fraud again, and innocent
hubs (structure and the operator's allow-list) driving no alert.  Names are ASCII here:
the Unicode hashing fix is another change (see the robustness issue)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from kafka_helpers import collect, settle
from test_innocent_hubs import campaign, retailer, switchboard
from test_referrals_exploitation import fraud, sighting, worker

from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration


def test_slavery_without_marker_and_one_referral_per_event(lw_env) -> None:
    env = lw_env()
    env.start_worker()
    coded = {"report_id": "HO106-1", "kind": "incident", "source": "rms",
             "reported_at": "2026-10-02T08:00:00+00:00", "force": "Warwickshire Police",
             "incident": {"category": "violent-crime", "ho_code": "106"},
             "persons": [{"person_ref": "v1", "role": "victim", "name": "Elena Dumitru",
                          "dob": "1995-04-04", "consent": {"nrm": None}},
                         {"person_ref": "v2", "role": "victim", "name": "Andrei Dumitru",
                          "age": 16}]}
    network = [sighting("NET-1", 3, [worker("w1", "Ana Popescu", "1994-02-03"),
                                     worker("w2", "Ioana Marin", "1990-07-19")], 0),
               sighting("NET-2", 9, [worker("w1", "Mihai Stan", "1988-11-30",
                                            consent={"nrm": True})], 1)]
    own = {"person_ref": "v1", "role": "victim", "name": "Edith Parry", "dob": "1940-03-14",
           "address": "3 Church Walk, Rugby", "postcode": "CV21 3HQ"}
    bank = {"person_ref": "c7", "role": "victim", "given_name": "EDITH", "family_name": "Parry",
            "address": "3 CHURCH WALK RUGBY", "postcode": "cv213hq"}
    twice = [fraud("AF-100", own, "2026-10-04T10:00:00+00:00", "07700 900222", "4800",
                   source="report-fraud", narrative="A man said he was police."),
             fraud("BNK-9", bank, "2026-10-04T12:30:00+00:00", "+447700900222", "£4,800.00",
                   source="bank", narrative="Customer withdrew cash for a fake officer.")]
    for batch in ([coded], network[:1], twice[:1], twice[1:], network[1:]):
        asyncio.run(send_reports(env.settings, batch))   # in order: one event at a time
        asyncio.run(settle(env.settings, "referrals", quiet_s=2, timeout=90))
    want = {("HO106-1", "v1", "victim_support"), ("HO106-1", "v1", "ms1_duty_to_notify"),
            ("HO106-1", "v2", "victim_support"), ("HO106-1", "v2", "nrm"),
            ("HO106-1", "v2", "childrens_social_care"),
            ("NET-1", "w1", "ms1_duty_to_notify"), ("NET-1", "w2", "ms1_duty_to_notify"),
            ("NET-2", "w1", "nrm"), ("AF-100", "v1", "fraud_victim_support")}
    asyncio.run(collect(env.settings, "referrals", lambda rs: want <= {
        (r["report_id"], r["person_ref"], r["service"]) for r in rs}, 90))
    sent = asyncio.run(settle(env.settings, "referrals", quiet_s=3, timeout=90))
    ids = Counter((r["report_id"], r["person_ref"], r["service"]) for r in sent)
    assert want <= set(ids), sorted(want - set(ids))
    latest = {r["referral_id"]: r for r in sent}  # an update keeps its id; the last counts
    slavery = [r for r in latest.values() if r["report_id"] in {"HO106-1", "NET-1", "NET-2"}]
    assert {r["priority"] for r in slavery} == {"urgent"}, slavery
    # NET-1's victims were referred before the network was known, then upgraded, same id
    assert [r["priority"] for r in sent if (r["report_id"], r["person_ref"], r["service"])
            == ("NET-1", "w1", "victim_support")] == ["standard", "urgent"]
    # one referral per victim per event: nothing for the bank's copy, and one id each
    assert not [r for r in sent if r["report_id"] == "BNK-9"], sent
    assert ids[("AF-100", "v1", "fraud_victim_support")] == 1
    assert len(latest) == len(ids)
    assert ("NET-2", "w1", "ms1_duty_to_notify") not in ids  # the NRM with consent


def test_innocent_hubs_drive_no_alert(lw_env, tmp_path: Path) -> None:
    allow = tmp_path / "allow.yaml"
    # a bank number six courier victims rang in a week: structure alone reads a campaign
    # (tests/test_innocent_hubs.py); the operator's allow-list names it
    allow.write_text("- {type: phone, value: '+44 7700 900666', name: Example Bank, "
                     "reason: victims ring their bank}\n")
    env = lw_env(LINKWATCH_ALLOWLIST_FILE=str(allow))
    env.start_worker()
    reports = (retailer(20) + switchboard(6) + campaign(6, "sender")
               + campaign(6, "contact", start=900, phone="07700 900666"))
    asyncio.run(send_reports(env.settings, sorted(reports, key=lambda r: r["reported_at"])))
    asyncio.run(collect(env.settings, "alerts", lambda a: any(
        x["type"] == "fraud_campaign" for x in a), 120))
    alerts = asyncio.run(settle(env.settings, "alerts", quiet_s=4, timeout=90))
    hubs = {"email:customer.services@example-retail.co.uk", "phone:+443456004000",
            "phone:+447700900666"}
    on_hubs = [a for a in alerts if hubs & {e["entity_id"] for e in a["entities"]}]
    assert not on_hubs, on_hubs
    assert any(a["type"] == "fraud_campaign" and "phone:+447700900555" in {
        e["entity_id"] for e in a["entities"]} for a in alerts), alerts
