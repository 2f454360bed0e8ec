"""The link stage's offender desk, through ``Pipeline.apply`` (pure, no broker): managed
offenders from the watchlist, network membership, diversion referrals, outside share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from linkwatch.config import Settings
from linkwatch.graph.alerts import AlertBook
from linkwatch.graph.detectors.base import Finding
from linkwatch.offender_desk import OffenderDesk
from linkwatch.pipeline import Outputs, Pipeline
from linkwatch.rules.enrichment import enrich
from linkwatch.rules.offenders import Watchlist, WatchlistEntry
from linkwatch.schemas import Alert, Referral, ReportAdapter
from linkwatch.schemas.accepted import AcceptedReport

LISTED = {"name": "Dale Hollins", "dob": "1988-03-14"}


def settings(**over: Any) -> Settings:
    return Settings(KAFKA_BOOTSTRAP="127.0.0.1:1", **over)


def payload(report: dict[str, Any], s: Settings, version: str = "") -> AcceptedReport:
    return enrich(ReportAdapter.validate_python(report), report["report_id"] + version, s)


def incident(rid: str, when: str, persons: list[dict[str, Any]], category: str = "burglary",
             **over: Any) -> dict[str, Any]:
    return {"report_id": rid, "kind": "incident", "source": "test", "reported_at": when,
            "force": "Warwickshire Police", "incident": {"category": category},
            "persons": persons, **over}


def suspect(ref: str = "s1", **over: Any) -> dict[str, Any]:
    return {"person_ref": ref, "role": "suspect", **LISTED, "postcode": "B6 5RQ", **over}


def alerts_of(out: Outputs) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json") for a in out.alerts]


def managed(out: Outputs) -> list[dict[str, Any]]:
    return [a for a in alerts_of(out) if a["type"] == "managed_offender"]


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    path = tmp_path / "iom.csv"
    path.write_text("entry_id,name,dob,scheme,severity,lead\n"
                    "W1,Dale Hollins,1988-03-14,IOM fixed,high,Nuneaton IOM team\n")
    return Pipeline(settings(watchlist_file=str(path), app_id=f"desk-{tmp_path.name}"))


def test_listed_suspect_alerts_with_evidence_and_versions(pipeline: Pipeline) -> None:
    s = pipeline.settings
    out = pipeline.apply(payload(incident("R1", "2026-11-02T10:00:00+00:00", [suspect()]), s))
    (alert,) = managed(out)
    assert alert["version"] == 1 and alert["severity"] == "high"
    assert alert["report_ids"] == ["R1"] and "Nuneaton IOM team" in alert["summary"]
    assert "W1 matched on name and date of birth" in alert["reasons"][0], alert["reasons"]
    # every alert carries the outside share: B6 is West Midlands, the owner Warwickshire
    assert alert["reasons"][-1] == ("1 of 1 persons with a known home live outside "
                                    "Warwickshire Police (West Midlands 1): 100%")
    # an hour later: within the AlertBook's 6 h cooldown, nothing new
    out = pipeline.apply(payload(incident("R2", "2026-11-02T11:00:00+00:00", [suspect()]), s))
    assert managed(out) == []
    # next day: a new appearance is new evidence -> version 2, same id, both reports
    out = pipeline.apply(payload(incident("R3", "2026-11-03T10:00:00+00:00", [suspect()]), s))
    (again,) = managed(out)
    assert (again["alert_id"], again["version"]) == (alert["alert_id"], 2)
    assert again["report_ids"] == ["R1", "R2", "R3"]
    assert {e["entity_id"] for e in again["entities"]} >= {"report:R2", "report:R3"}


def test_victims_do_not_alert_and_removal_stops_alerts(pipeline: Pipeline) -> None:
    s = pipeline.settings
    out = pipeline.apply(payload(incident("V1", "2026-11-02T10:00:00+00:00",
                                          [suspect(role="victim")]), s))
    assert managed(out) == []
    pipeline.offenders.watchlist.apply(b"W1", None)            # tombstone on the topic
    out = pipeline.apply(payload(incident("R9", "2026-11-05T10:00:00+00:00", [suspect()]), s))
    assert managed(out) == []
    pipeline.offenders.watchlist.apply(b"W2", {**LISTED, "scheme": "MAPPA"})  # added again
    out = pipeline.apply(payload(incident("R10", "2026-11-06T10:00:00+00:00", [suspect()]), s))
    (alert,) = managed(out)
    assert "MAPPA" in alert["title"] and alert["report_ids"] == ["R10"]


def test_a_listed_person_in_a_detected_network() -> None:
    s = settings()
    desk = OffenderDesk(s, watchlist=Watchlist([WatchlistEntry(entry_id="W1", **LISTED)]))
    pipeline = Pipeline(s)
    pipeline.offenders = desk
    # seen once (as a witness) so the desk knows which entity the listed person is
    pipeline.apply(payload(incident("R1", "2026-11-02T10:00:00+00:00",
                                    [suspect(role="witness")]), s))
    entity = next(e for e in desk.bound)
    network = AlertBook().consider(Finding(
        type="county_lines", key="county_lines:phone:+447700900417", severity="medium",
        score=0.7, title="t", summary="s", reasons=("deal line",), report_ids=("R0", "R1"),
        entities=(f"person:{entity}", "phone:+447700900417"), labels=("D", "phone"),
        cluster_id="C1"), pipeline.graph.g.nodes["report:R1"]["reported_at"])
    assert network is not None
    out = Outputs(alerts=[network])
    report = ReportAdapter.validate_python(incident("R2", "2026-11-03T10:00:00+00:00", []))
    desk.apply(report, None, out, pipeline.graph, pipeline.alerts)
    cl, mo = sorted(alerts_of(out), key=lambda a: a["type"])
    assert cl["type"] == "county_lines" and "persons with a known home" in cl["reasons"][-1]
    assert mo["type"] == "managed_offender" and mo["severity"] == "high"
    assert f"member of detected county_lines network {network.alert_id}" in mo["reasons"]
    assert mo["cluster_id"] == "C1" and set(mo["report_ids"]) == {"R0", "R1", "R2"}


def test_every_alert_says_where_its_persons_live() -> None:
    s = settings()
    share = OffenderDesk(s, watchlist=Watchlist())
    graph = Pipeline(s).graph
    bare = Alert(alert_id="A1", version=1, type="mule_account", severity="low", score=0.1,
                 title="t", summary="s", reasons=["r"], report_ids=[], entities=[], links=[],
                 created_at="2026-11-02T10:00:00+00:00", updated_at="2026-11-02T10:00:00+00:00")
    out = Outputs(alerts=[bare])
    share.apply(ReportAdapter.validate_python(incident("R1", "2026-11-02T10:00:00+00:00", [])),
                None, out, graph, AlertBook())
    (alert,) = alerts_of(out)
    assert alert["reasons"] == ["r", "no persons in this alert (outside Warwickshire Police: "
                                     "n/a)"]


# -- diversion referrals -------------------------------------------------------------------

def referrals(out: Outputs) -> list[Referral]:
    return [Referral.model_validate_json(body) for _key, body in out.referrals]


def test_drugs_consented_is_referred_once_and_cancelled_under_the_same_id() -> None:
    s = settings()
    pipeline = Pipeline(s)
    report = incident("D1", "2026-11-02T10:00:00+00:00", [suspect(consent={"diversion": True},
                                                                   phones=["07700 900123"])],
                      category="drugs", markers=["drugs"])
    out = pipeline.apply(payload(report, s))
    (ref,) = referrals(out)
    assert ref.service == "drug_alcohol_intervention" and ref.basis == "consent"
    assert ref.contact.model_dump(exclude_none=True) == {"name": "Dale Hollins",
                                                          "phone": "+447700900123"}
    audit = [json.loads(body) for _key, body in out.audit
             if json.loads(body)["topic"] == "offender_referral_decision"]
    assert [a["referral_id"] for a in audit] == [ref.referral_id]
    assert audit[0]["recipient"] == ("Warwickshire drug and alcohol service (criminal justice "
                                     "team)") and "Dale" not in json.dumps(audit)
    assert pipeline.apply(payload(report, s)).referrals == []          # the replayed report
    declined = {**report, "persons": [suspect(consent={"diversion": False})]}
    (cancelled,) = referrals(pipeline.apply(payload(declined, s, "v2")))
    assert (cancelled.referral_id, cancelled.status) == (ref.referral_id, "cancelled")
    assert cancelled.contact.model_dump(exclude_none=True) == {}


def test_child_suspect_goes_to_the_forces_own_youth_service(tmp_path: Path) -> None:
    routing = tmp_path / "offenders.yaml"
    routing.write_text(
        "forces:\n"
        "  Warwickshire Police:\n"
        "    drug_alcohol_intervention: {name: Warwickshire DAS}\n"
        "    youth_offending_team: {name: Warwickshire YJS}\n"
        "  West Mercia Police:\n"
        "    drug_alcohol_intervention: {name: West Mercia DAS}\n"
        "    youth_offending_team: {name: Worcestershire Youth Justice Service}\n")
    s = settings(offender_routing_file=str(routing))
    pipeline = Pipeline(s)
    child = suspect(dob="2010-03-03", name="Kai Testperson")
    out = pipeline.apply(payload(incident("Y1", "2026-11-06T10:00:00+00:00", [child],
                                          force="West Mercia Police"), s))
    (ref,) = referrals(out)
    assert (ref.service, ref.basis, ref.priority) == ("youth_offending_team",
                                                       "no_consent_needed", "enhanced")
    assert ref.due_by.isoformat() == "2026-11-09T10:00:00+00:00"  # Fri + 1 working day
    (record,) = [json.loads(b) for _k, b in out.audit if b"youth_offending_team" in b]
    assert record["recipient"] == "Worcestershire Youth Justice Service"
    assert ref.contact.email is None


def test_victim_referral_table_still_means_victim_services_only() -> None:
    from linkwatch.rules.referrals._config import SERVICES
    from linkwatch.schemas import OFFENDER_SERVICES

    assert not set(SERVICES) & set(OFFENDER_SERVICES)
    assert {"drug_alcohol_intervention", "youth_offending_team"} == set(OFFENDER_SERVICES)
