"""Referral decisions through the pure function, one table row per rule (docs/referrals.md).

Every person here is synthetic.  Each row: what the report and person say, and the services
expected as {service: (referred, basis)} plus the priority, with why in a comment.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from linkwatch.rules.referrals import (
    DecisionContext,
    ReferralRuleError,
    RoutingConfig,
    VictimHistory,
    audit_json,
    audit_record,
    cancellation,
    decide,
    diff_decisions,
)
from linkwatch.rules.referrals._table import Level, RuleTable, ServiceRules
from linkwatch.schemas import AnyReport, ReportAdapter

NO_HISTORY = DecisionContext(history=VictimHistory(prior_count=0))


def make_report(kind: str = "incident", person: dict[str, Any] | None = None,
                **overrides: Any) -> AnyReport:
    victim = {"person_ref": "v1", "role": "victim", "name": "Alex Example", "age": 40,
              "phones": ["07700 900123"], "emails": ["alex@example.invalid"],
              "postcode": "cv114ab", **(person or {})}
    value: dict[str, Any] = {
        "report_id": "RMS-0001", "kind": kind, "reported_at": "2026-11-23T10:00:00+00:00",
        "force": "Warwickshire Police", "narrative": "Synthetic narrative NARRATIVE-SECRET",
        "persons": [victim, {"person_ref": "s1", "role": "suspect", "name": "Sam Suspectname"}],
    }
    if kind == "incident":
        value["incident"] = {"category": "burglary"}
    value.update(overrides)
    return ReportAdapter.validate_python(value)


def run(report: AnyReport, ctx: DecisionContext = NO_HISTORY):
    return decide(report, report.persons[0], ctx)


def outcome(decisions) -> dict[str, tuple[bool, str]]:
    return {d.service: (d.referred, d.basis) for d in decisions}


VS, FVS, DA, CSC, NRM, MS1 = ("victim_support", "fraud_victim_support", "domestic_abuse",
                              "childrens_social_care", "nrm", "ms1_duty_to_notify")
OPT_OUT, CONSENT, NCN, DTN = "no_consent_needed", "consent", "no_consent_needed", "duty_to_notify"
YES = {"consent": {"victim_support": True}}
NO = {"consent": {"victim_support": False}}

ROWS = [
    # Right 4: burglary, consent null -> referred, opt-out basis; no criterion -> standard
    ("right4_opt_out", {}, {}, {VS: (True, OPT_OUT)}, "standard"),
    # opt-out: the victim said no -> a not-referred decision is still returned for the audit log
    ("right4_declined", {}, NO, {VS: (False, CONSENT)}, "standard"),
    # explicit consent first: rape marker and consent null -> held; sexual offence -> enhanced
    ("sexual_no_consent", {"markers": ["rape"]}, {}, {VS: (False, CONSENT)}, "enhanced"),
    # HO code 19C reads as class 19 (rape) -> sexual offence; consent true -> referred on consent
    ("sexual_ho_code_consent", {"incident": {"ho_code": "19C"}}, YES, {VS: (True, CONSENT)},
     "enhanced"),
    # bereaved relative (role associate, flag bereaved) needs explicit consent; null -> held
    ("bereaved_no_consent", {}, {"role": "associate", "flags": ["bereaved"]},
     {VS: (False, CONSENT)}, "enhanced"),
    ("bereaved_consent", {}, {"role": "associate", "flags": ["bereaved"], **YES},
     {VS: (True, CONSENT)}, "enhanced"),
    # domestic abuse goes to the DA service instead of victim_support, only with consent true
    ("da_consent", {"markers": ["domestic_abuse"]}, YES, {DA: (True, CONSENT)}, "enhanced"),
    ("da_not_asked", {"markers": ["domestic_abuse"]}, {}, {DA: (False, CONSENT)}, "enhanced"),
    ("da_declined", {"markers": ["domestic_abuse"]}, NO, {DA: (False, CONSENT)}, "enhanced"),
    # most serious crime: hate crime marker; attempted murder by HO class 2
    ("hate_crime", {"markers": ["hate_crime"]}, {}, {VS: (True, OPT_OUT)}, "enhanced"),
    ("attempted_murder", {"incident": {"ho_code": "2"}}, {}, {VS: (True, OPT_OUT)}, "enhanced"),
    # persistently targeted by flag (history by ctx is its own test below)
    ("repeat_flag", {}, {"flags": ["repeat_victim"]}, {VS: (True, OPT_OUT)}, "enhanced"),
    # vulnerable or intimidated flags
    ("disability", {}, {"flags": ["Disability"]}, {VS: (True, OPT_OUT)}, "enhanced"),
    ("intimidated", {}, {"flags": ["intimidated"]}, {VS: (True, OPT_OUT)}, "enhanced"),
    # a child victim: Right 4 plus MASH without consent; under 18 -> enhanced
    ("child", {}, {"age": 15}, {VS: (True, OPT_OUT), CSC: (True, NCN)}, "enhanced"),
    # a child who declined support still goes to the MASH (safeguarding needs no consent)
    ("child_declined", {}, {"age": 15, **NO}, {VS: (False, CONSENT), CSC: (True, NCN)},
     "enhanced"),
    # child in county lines: NRM + MASH without consent; child at current risk -> urgent
    ("child_county_lines", {"markers": ["county_lines"]}, {"age": 15},
     {VS: (True, OPT_OUT), NRM: (True, NCN), CSC: (True, NCN)}, "urgent"),
    # child flagged missing, no exploitation marker: no NRM, but urgent
    ("child_missing", {}, {"age": 14, "flags": ["missing_episode"]},
     {VS: (True, OPT_OUT), CSC: (True, NCN)}, "urgent"),
    # adult modern slavery with NRM consent: NRM on consent; the NRM meets the duty to notify;
    # a modern slavery victim is at current risk -> urgent (issue 19)
    ("ms_adult_consent", {"markers": ["modern_slavery"]}, {"consent": {"nrm": True}},
     {VS: (True, OPT_OUT), NRM: (True, CONSENT), MS1: (False, DTN)}, "urgent"),
    # adult declined NRM -> anonymous MS1 instead
    ("ms_adult_declined", {"markers": ["modern_slavery"]}, {"consent": {"nrm": False}},
     {VS: (True, OPT_OUT), NRM: (False, CONSENT), MS1: (True, DTN)}, "urgent"),
    # adult not asked about NRM (null) -> also MS1
    ("ms_adult_not_asked", {"markers": ["modern_slavery"]}, {},
     {VS: (True, OPT_OUT), NRM: (False, CONSENT), MS1: (True, DTN)}, "urgent"),
    # modern slavery without the marker (issue 19): HO code 106 under violent-crime
    ("ms_ho106_adult", {"incident": {"category": "violent-crime", "ho_code": "106"}}, {},
     {VS: (True, OPT_OUT), NRM: (False, CONSENT), MS1: (True, DTN)}, "urgent"),
    ("ms_ho106_adult_consent", {"incident": {"category": "violent-crime", "ho_code": "106"}},
     {"consent": {"nrm": True}},
     {VS: (True, OPT_OUT), NRM: (True, CONSENT), MS1: (False, DTN)}, "urgent"),
    ("ms_ho106_child", {"incident": {"category": "violent-crime", "ho_code": "10600"}},
     {"age": 16}, {VS: (True, OPT_OUT), NRM: (True, NCN), CSC: (True, NCN)}, "urgent"),
    # HO 72 (trafficking for sexual exploitation) is a sexual offence too: explicit consent
    ("trafficking_ho72", {"incident": {"ho_code": "72"}}, {},
     {VS: (False, CONSENT), NRM: (False, CONSENT), MS1: (True, DTN)}, "urgent"),
    ("trafficking_category", {"incident": {"category": "human-trafficking"}}, {},
     {VS: (True, OPT_OUT), NRM: (False, CONSENT), MS1: (True, DTN)}, "urgent"),
    # other violence (HO 105A, 8N...) is not modern slavery
    ("violence_not_ms", {"incident": {"category": "violent-crime", "ho_code": "105A"}}, {},
     {VS: (True, OPT_OUT)}, "standard"),
    # modern slavery victim flagged at risk -> urgent
    ("ms_adult_at_risk", {"markers": ["modern_slavery"]}, {"flags": ["at_risk"]},
     {VS: (True, OPT_OUT), NRM: (False, CONSENT), MS1: (True, DTN)}, "urgent"),
    # fraud victim -> fraud service instead of victim_support, level 1
    ("fraud_level1", {"kind": "fraud"}, {}, {FVS: (True, OPT_OUT)}, "standard"),
    # incident recorded in the fraud category is a fraud too
    ("fraud_category", {"incident": {"category": "fraud"}}, {}, {FVS: (True, OPT_OUT)},
     "standard"),
    ("fraud_declined", {"kind": "fraud"}, NO, {FVS: (False, CONSENT)}, "standard"),
    # fraud victim aged 82 (>= 75): level 2 + local safeguarding note; age alone is not enhanced
    ("fraud_elderly", {"kind": "fraud"}, {"age": 82}, {FVS: (True, OPT_OUT)}, "standard"),
    # fraud victim aged 16: fraud service + MASH
    ("fraud_child", {"kind": "fraud"}, {"age": 16}, {FVS: (True, OPT_OUT), CSC: (True, NCN)},
     "enhanced"),
    # no dob, no age, no child flag: adult; county_lines alone is not an adult NRM marker
    ("age_unknown_adult", {"markers": ["county_lines"]}, {"age": None}, {VS: (True, OPT_OUT)},
     "standard"),
    # no dob, no age, flag looked_after_child: a child
    ("age_unknown_child_flag", {}, {"age": None, "flags": ["looked_after_child"]},
     {VS: (True, OPT_OUT), CSC: (True, NCN)}, "enhanced"),
    # consent "no thanks" is neither true nor false: held, not referred, unknown recorded
    ("consent_unparsed", {}, {"consent": {"victim_support": "no thanks"}}, {VS: (False, CONSENT)},
     "standard"),
    # dob 2008-11-24, report 2026-11-23: 17 (birthday tomorrow) -> child
    ("dob_day_before_18", {}, {"age": None, "dob": "2008-11-24"},
     {VS: (True, OPT_OUT), CSC: (True, NCN)}, "enhanced"),
    # dob 2008-11-23: 18 on the report date -> adult
    ("dob_18_today", {}, {"age": None, "dob": "2008-11-23"}, {VS: (True, OPT_OUT)}, "standard"),
    # a witness is not referred at all
    ("witness", {}, {"role": "witness"}, {}, None),
]


@pytest.mark.parametrize(("report_over", "person_over", "expected", "priority"),
                         [pytest.param(*row[1:], id=row[0]) for row in ROWS])
def test_rule_table(report_over, person_over, expected, priority):
    over = dict(report_over)
    report = make_report(over.pop("kind", "incident"), person_over, **over)
    decisions = run(report)
    assert outcome(decisions) == expected, [d.model_dump(mode="json") for d in decisions]
    for d in decisions:
        assert d.priority == priority, (d.service, d.reasons)
        assert (d.referral is not None) == d.referred, d
        if d.referral:
            assert d.referral.basis == d.basis and d.referral.priority == d.priority


def test_fraud_levels_and_safeguarding_in_reasons():
    level1 = run(make_report("fraud"))[0]
    assert any("level 1" in r for r in level1.reasons), level1.reasons
    elderly = run(make_report("fraud", {"age": 82}))[0]
    text = " | ".join(elderly.reasons)
    assert "level 2" in text and "age 82 (>= 75)" in text, text
    assert "local force safeguarding" in text, text


def test_history_persistently_targeted():
    # 2 prior victimisations in the caller's 365-day window, threshold 1 -> enhanced
    ctx = DecisionContext(history=VictimHistory(prior_count=2, window_days=365))
    (d,) = run(make_report(), ctx)
    assert d.priority == "enhanced", d.reasons
    assert "persistently targeted (2 prior victimisations in 365 days)" in " ".join(d.reasons)


def test_unknowns_recorded():
    report = make_report(person={"age": None, "consent": {"victim_support": "yes?"}})
    (d,) = decide(report, report.persons[0], DecisionContext())  # history not looked up
    text = " | ".join(d.unknowns)
    assert "age: no dob or age; treated as adult" in text, text
    assert "consent.victim_support" in text and "history" in text, text
    assert d.rule == "consent_unreadable" and not d.referred


def test_contact_is_minimised():
    report = make_report(person={"age": 15, "consent": {"nrm": False}},
                         markers=["county_lines", "modern_slavery"])
    by_service = {d.service: d.referral for d in run(report) if d.referral}
    nrm = by_service[NRM].contact
    assert (nrm.name, nrm.postcode, nrm.phone) == ("Alex Example", "CV11 4AB", "+447700900123")
    assert nrm.email is None and nrm.preferred_contact is None, nrm
    for referral in by_service.values():
        wire = referral.model_dump_json()
        assert "NARRATIVE-SECRET" not in wire and "Suspectname" not in wire, wire


def test_ms1_is_anonymous():
    report = make_report(person={"consent": {"nrm": False}}, markers=["modern_slavery"])
    ms1 = next(d.referral for d in run(report) if d.service == MS1)
    assert ms1 is not None and all(v is None for v in ms1.contact.model_dump().values()), ms1


def test_replay_is_byte_identical():
    report = make_report(person={"age": 15}, markers=["county_lines"])
    first = [d.model_dump_json() for d in run(report)]
    second = [d.model_dump_json() for d in run(make_report(person={"age": 15},
                                                           markers=["county_lines"]))]
    assert first == second


def test_near_duplicate_reuses_original_ids():
    original = make_report(person={"age": 15})
    duplicate = make_report(person={"age": 15, "person_ref": "victim-A"}, report_id="AF-0099",
                            reported_at="2026-11-24T16:00:00+00:00")
    ctx = DecisionContext(history=VictimHistory(0), is_duplicate_of="RMS-0001",
                          original_person_ref="v1",
                          original_reported_at=original.reported_at)
    ids_a = [d.referral.model_dump_json() for d in run(original) if d.referral]
    ids_b = [d.referral.model_dump_json() for d in run(duplicate, ctx) if d.referral]
    assert ids_a == ids_b  # same ids, same report_id, same created_at/due_by: nothing sent twice


def test_consent_withdrawn_cancels():
    before = run(make_report(person=YES, markers=["domestic_abuse"]))
    after = run(make_report(person=NO, markers=["domestic_abuse"]))
    diff = diff_decisions(before, after)
    assert [r.service for r in diff.cancel] == [DA] and not diff.publish, diff
    cancelled = cancellation(diff.cancel[0], after[0].decided_at, "consent withdrawn")
    assert cancelled.referral_id == diff.cancel[0].referral_id and cancelled.status == "cancelled"
    assert all(v is None for v in cancelled.contact.model_dump().values())
    assert cancelled.reasons[-1].endswith("consent withdrawn")


def test_unchanged_update_publishes_nothing():
    diff = diff_decisions(run(make_report()), run(make_report()))
    assert not diff.cancel and not diff.publish and len(diff.unchanged) == 1, diff


def test_audit_record_has_ids_not_personal_data():
    report = make_report(person={"age": 15})
    for d in run(report):
        record = audit_record(d, report.report_id, "v1")
        text = json.dumps(record)
        for secret in ("Alex", "07700", "900123", "CV11", "example.invalid", "NARRATIVE"):
            assert secret not in text, (secret, record)
        assert record["action"] == "disclosure" and record["recipient"], record
    declined = run(make_report(person=NO))[0]
    assert audit_record(declined, "RMS-0001", "v1")["action"] == "decision"


def test_audit_json_is_the_json_module_s_content():
    """The audit body is orjson's bytes, but the same JSON ``json.dumps(default=str)``
    gave: real records, and the odd values a record may carry (datetimes as ``str``)."""
    import enum
    from datetime import UTC, date, datetime

    class Basis(enum.StrEnum):
        CONSENT = "consent"

    report = make_report(person={"age": 15})
    records = [audit_record(d, report.report_id, "v1") for d in run(report)]
    records.append({"at": datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "day": date(2026, 3, 29),
                    "basis": Basis.CONSENT, "fields": ("name", "phone"), "score": 0.1 + 0.2,
                    "nested": {"n": None, "when": [datetime(2026, 1, 1, 9, 0)]},
                    "odd": {3, 1}, "text": "café – “quoted”"})
    for record in records:
        assert json.loads(audit_json(record)) == json.loads(json.dumps(record, default=str))


def test_force_routes_and_fallback():
    routing = RoutingConfig(forces={
        **RoutingConfig().forces,
        "West Mercia Police": {"victim_support": {"name": "Synthetic West Mercia service"}},
    })
    ctx = DecisionContext(history=VictimHistory(0), routing=routing)
    (d,) = run(make_report(force="West Mercia Police"), ctx)
    assert d.recipient == "Synthetic West Mercia service" and not d.unknowns, d
    kid = run(make_report(person={"age": 9}, force="West Mercia Police"), ctx)
    csc = next(x for x in kid if x.service == CSC)
    assert csc.recipient == "Warwickshire Children's MASH" and "routing" in csc.unknowns[0]


def test_bad_config_fails_at_start_up():
    with pytest.raises(ValidationError, match="MS1 is anonymous"):
        RoutingConfig(contact_fields={**RoutingConfig().contact_fields,
                                      "ms1_duty_to_notify": ("name",)})
    with pytest.raises(ValidationError, match="unknown fields"):
        RoutingConfig(contact_fields={**RoutingConfig().contact_fields, "nrm": ("narrative",)})


def test_bad_rule_table_fails_at_construction():
    def no_example(facts):
        return "x"

    with pytest.raises(ReferralRuleError, match="Example"):
        RuleTable([ServiceRules("nrm", no_example, (Level(no_example, True, "consent", True),))],
                  [])


def test_unexpected_failure_becomes_a_decision():
    report = make_report()
    (d,) = decide(report, None, NO_HISTORY)  # type: ignore[arg-type]  # not a Person at all
    assert d.rule == "decision_error" and not d.referred and d.referral is None, d
