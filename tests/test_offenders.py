"""Offender-side rules: keys, the watchlist, diversion referrals, outside share (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkwatch.graph.alerts import AlertBook
from linkwatch.graph.detectors.base import Finding
from linkwatch.reporting.watchlist import WatchlistFileError, load_watchlist_file
from linkwatch.rules import offenders as o
from linkwatch.rules.enrich import enrich_report
from linkwatch.schemas import ReportAdapter


def report(persons, **over):  # type: ignore[no-untyped-def]
    body = {"report_id": "R1", "kind": "incident", "reported_at": "2026-11-06T10:00:00+00:00",
            "force": "Warwickshire Police", "incident": {"category": "burglary"},
            "persons": persons, **over}
    return ReportAdapter.validate_python(body)


def suspect(**over):  # type: ignore[no-untyped-def]
    return {"person_ref": "s1", "role": "suspect", "name": "Bill Smith", "dob": "1990-01-02",
            **over}


def test_offender_key_is_entity_or_stable_identity() -> None:
    a = report([suspect(name="Smith, William")]).persons[0]
    b = report([suspect(name="BILL SMITH")]).persons[0]
    assert o.offender_key(a) == o.offender_key(b)          # nickname and order folded
    assert o.offender_key(report([suspect(entity_id="E9")]).persons[0]) == "E9"
    anon = report([{"person_ref": "s1", "role": "suspect"}]).persons[0]
    assert o.offender_key(anon, "R1") != o.offender_key(anon, "R2")  # nobody to join on


@pytest.mark.parametrize(("entry", "person", "how"), [
    ({"entity_id": "E1"}, suspect(entity_id="E1"), "resolved entity id"),
    ({"name": "William Smith", "dob": "1990-01-02"}, suspect(), "name and date of birth"),
    ({"name": "Bill Smith", "postcode": "cv11 4ab"}, suspect(dob=None, postcode="CV11 4AB"),
     "name and postcode"),
])
def test_watchlist_matches_a_suspect(entry, person, how) -> None:  # type: ignore[no-untyped-def]
    wl = o.Watchlist([o.WatchlistEntry(entry_id="W1", **entry)])
    (found,) = o.match_watchlist(report([person]), None, wl)
    assert found["type"] == "managed_offender" and found["report_ids"] == ("R1",)
    assert found["key"].startswith("managed_offender:") and how in found["reasons"][0]
    finding = Finding(**found)               # the pipeline's AlertBook takes it as it is
    alert = AlertBook().consider(finding)
    assert alert is not None and alert.type == "managed_offender" and alert.entities


def test_victims_and_witnesses_never_match() -> None:
    wl = o.Watchlist([o.WatchlistEntry(entry_id="W1", name="Bill Smith", dob="1990-01-02")])
    assert o.match_watchlist(report([suspect(role="victim")]), None, wl) == []
    assert o.match_watchlist(report([suspect(dob="1990-01-03")]), None, wl) == []


def test_add_and_remove_without_restart() -> None:
    wl = o.Watchlist()
    r = report([suspect(entity_id="E1")])
    assert o.match_watchlist(r, None, wl) == []
    wl.apply(b"W1", {"entity_id": "E1", "scheme": "IOM fixed", "severity": "high"})
    (hit,) = o.match_watchlist(r, None, wl)
    assert hit["severity"] == "high" and "IOM fixed" in hit["title"]
    wl.apply(b"W1", None)                   # tombstone
    assert o.match_watchlist(r, None, wl) == [] and len(wl) == 0 and wl.version == 2
    wl.apply(b"W2", {"scheme": "IOM"})      # nothing to match on: refused, recorded
    assert len(wl) == 0 and wl.rejected


def test_network_membership_raises_severity() -> None:
    wl = o.Watchlist([o.WatchlistEntry(entry_id="W1", entity_id="E1", severity="medium")])
    alert = {"alert_id": "A1", "type": "county_lines", "report_ids": ["R0", "R1"],
             "updated_at": "2026-11-06T10:00:00+00:00", "cluster_id": "C1",
             "entities": [{"entity_id": "person:E1", "kind": "person", "label": "Bill"},
                          {"entity_id": "phone:+447700900417", "kind": "phone", "label": "x"}]}
    (hit,) = o.match_watchlist(None, [], wl, network=alert)
    assert hit["severity"] == "high" and hit["report_ids"] == ("R0", "R1")
    assert "member of detected county_lines network A1" in hit["reasons"]
    assert Finding(**hit).cluster_id == "C1"
    # the same person also named in the report: one finding, both reasons
    (both,) = o.match_watchlist(report([suspect(entity_id="E1")]), None, wl, network=alert)
    assert len(both["reasons"]) == 3 and both["severity"] == "high"
    assert o.match_watchlist(None, [], wl, network={**alert, "type": "mule_account"}) == []


def test_watchlist_file(tmp_path: Path) -> None:
    path = tmp_path / "iom.csv"
    path.write_text("entry_id,entity_id,name,dob,postcode,scheme\n"
                    "W1,E1,,,,IOM fixed\nW2,,Bill Smith,1990-01-02,,IOM flex\n")
    wl = load_watchlist_file(path)
    assert sorted(wl.entries) == ["W1", "W2"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"name": "X", "dob": "not a date"}\n')
    with pytest.raises(WatchlistFileError, match="bad.jsonl:1: dob"):
        load_watchlist_file(bad)


# -- diversion referrals -------------------------------------------------------------------

@pytest.mark.parametrize(("category", "markers", "person", "expected"), [
    # (service, referred, basis) per decision
    ("drugs", [], suspect(consent={"diversion": True}),
     [("drug_alcohol_intervention", True, "consent")]),
    ("drugs", [], suspect(), [("drug_alcohol_intervention", False, "consent")]),  # offer first
    ("public-order", ["alcohol_related"], suspect(consent={"diversion": False}),
     [("drug_alcohol_intervention", False, "consent")]),
    ("drugs", ["positive_drug_test"], suspect(consent={"diversion": False}),
     [("drug_alcohol_intervention", True, "no_consent_needed")]),  # Drugs Act 2005 assessment
    ("burglary", [], suspect(dob="2010-03-03"),
     [("youth_offending_team", True, "no_consent_needed")]),
    ("burglary", [], suspect(), []),
    ("drugs", [], suspect(role="victim", consent={"diversion": True}), []),
])
def test_diversion_table(category, markers, person, expected) -> None:  # type: ignore[no-untyped-def]
    r = report([person], incident={"category": category}, markers=markers)
    got = [(d.service, d.referred, d.basis) for d in o.decide_diversion(r, r.persons[0])]
    assert got == expected, got


def test_diversion_referral_is_deterministic_minimised_and_audited() -> None:
    r = report([suspect(dob="2010-03-03", phones=["07700 900123"], postcode="cv11 4ab",
                        emails=["b@example.com"])], markers=["county_lines"],
               incident={"category": "drugs"})
    yot = next(d for d in o.decide_diversion(r, r.persons[0]) if d.service ==
               "youth_offending_team")
    ref = yot.referral
    assert ref is not None and ref == o.decide_diversion(r, r.persons[0])[1].referral
    assert ref.priority == "urgent"               # a child with exploitation markers
    assert ref.contact.email is None and ref.contact.postcode == "CV11 4AB"
    assert ref.due_by.isoformat() == "2026-11-09T10:00:00+00:00"  # Fri + 1 working day = Mon
    assert yot.recipient == "Warwickshire Youth Justice Service"
    audit = o.offender_audit_record(yot, "R1", "s1")
    assert audit["action"] == "disclosure" and audit["referral_id"] == ref.referral_id
    assert "Bill" not in str(audit)                # ids and field names only


def test_routing_config_is_checked() -> None:
    with pytest.raises(ValueError, match="unknown services"):  # pydantic wraps it
        o.OffenderRoutingConfig(forces={"Warwickshire Police": {"probation": {"name": "x"}}})


def test_rule_table_needs_examples_and_otherwise() -> None:
    def bare(f):  # type: ignore[no-untyped-def]
        return "x"
    with pytest.raises(o.OffenderRuleError, match="Example"):
        o.ServiceTable("youth_offending_team", bare, (o.Level(bare, True, "consent", True),))


# -- outside the force ---------------------------------------------------------------------

def test_outside_share_of_a_report() -> None:
    r = report([suspect(person_ref="s1", postcode="B6 5RQ"),
                suspect(person_ref="s2", name="Al Other", postcode="B11 1AA"),
                suspect(person_ref="s3", name="Cy Local", postcode="CV11 4AB"),
                {"person_ref": "v1", "role": "victim", "postcode": "LS1 1AA"}])
    _copy, enrichment = enrich_report(r)
    roles = {p.person_ref: p.role for p in r.persons}
    # suspects: 2 West Midlands + 1 Warwickshire; the Leeds victim is not counted
    assert o.outside_share(enrichment, roles) == {
        "share": 0.6667, "known": 3, "outside": 2, "forces": {"West Midlands": 2}}
    assert o.outside_share(enrichment.as_dict())["known"] == 4   # everyone, from the dict


def test_outside_share_of_an_alert_and_its_reason() -> None:
    alert = {"entities": [{"entity_id": f"person:E{i}", "kind": "person", "label": ""}
                          for i in range(4)] + [{"entity_id": "phone:+44", "kind": "phone"}]}
    homes = {"person:E0": "West Midlands", "person:E1": "West Midlands",
             "E2": "Warwickshire", "person:E3": None}
    share = o.alert_outside_share(alert, homes, "Warwickshire Police")
    assert share == {"share": 0.6667, "known": 3, "outside": 2, "forces": {"West Midlands": 2},
                     "persons": 4}
    assert o.outside_reason(share, "Warwickshire Police") == (
        "2 of 3 persons with a known home live outside Warwickshire Police (West Midlands 2): 67%")
