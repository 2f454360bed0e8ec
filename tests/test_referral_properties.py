"""``decide`` never raises and keeps its promises over odd, synthetic persons (hypothesis)."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from linkwatch.rules.referrals import DecisionContext, VictimHistory, audit_record, decide
from linkwatch.schemas import ReportAdapter

FLAGS = st.sampled_from(["vulnerable", "Disability", "bereaved", "repeat_victim", "at_risk",
                         "missing_episode", "looked_after_child", "child", " intimidated ", ""])
MARKERS = st.sampled_from(["domestic_abuse", "rape", "sexual_offence", "modern_slavery",
                           "county_lines", "child_exploitation", "hate_crime", "Modern Slavery"])
ODD = st.one_of(st.none(), st.booleans(), st.text(max_size=10), st.integers(-3, 3),
                st.lists(st.integers(), max_size=2))

persons = st.fixed_dictionaries({
    "role": st.sampled_from(["victim", "witness", "associate", "suspect"]),
    "dob": st.one_of(st.none(), st.dates(date(1890, 1, 1), date(2026, 11, 23)).map(str)),
    "age": st.one_of(st.none(), st.integers(0, 130)),
    "name": st.one_of(st.none(), st.text(max_size=30)),
    "phones": st.lists(st.text(max_size=20), max_size=2),
    "emails": st.lists(st.text(max_size=20), max_size=2),
    "postcode": st.one_of(st.none(), st.text(max_size=10)),
    "flags": st.lists(st.one_of(FLAGS, st.text(max_size=12)), max_size=4),
    "consent": st.fixed_dictionaries({"victim_support": ODD, "nrm": ODD}),
    "preferred_contact": ODD,
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(person=persons, markers=st.lists(MARKERS, max_size=3),
       kind=st.sampled_from(["incident", "fraud", "cyber"]),
       ho_code=st.one_of(st.none(), st.text(max_size=5)),
       prior=st.one_of(st.none(), st.integers(0, 50)),
       force=st.one_of(st.none(), st.sampled_from(["Warwickshire Police", "Unknown Force"])),
       duplicate=st.one_of(st.none(), st.just("RMS-ORIGINAL")))
def test_never_raises_and_never_refers_a_refusal(person, markers, kind, ho_code, prior, force,
                                                 duplicate):
    value = {"report_id": "RMS-P", "kind": kind, "reported_at": "2026-11-23T10:00:00+00:00",
             "force": force, "markers": markers, "persons": [person]}
    if kind == "incident":
        value["incident"] = {"ho_code": ho_code}
    try:
        report = ReportAdapter.validate_python(value)
    except ValidationError:
        assume(False)
        return
    ctx = DecisionContext(history=VictimHistory(prior), is_duplicate_of=duplicate)
    decisions = decide(report, report.persons[0], ctx)
    consent = report.persons[0].consent
    for d in decisions:
        assert d.rule != "decision_error", d
        audit_record(d, report.report_id, report.persons[0].person_ref or "")
        if d.referral is None:
            continue
        if d.service in ("victim_support", "fraud_victim_support", "domestic_abuse"):
            assert consent.victim_support is not False, d  # a declined victim is never referred
        if d.service == "nrm" and d.basis == "consent":
            assert consent.nrm is True, d
        if d.service == "ms1_duty_to_notify":
            assert not any(d.referral.contact.model_dump().values()), d
        if duplicate:
            assert d.referral.report_id == duplicate, d
