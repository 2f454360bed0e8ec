"""Near-duplicate reports (rules/neardup.py)."""

import json
from typing import Any

import pytest

from linkwatch.rules.neardup import (
    blocking_keys,
    is_near_duplicate,
    lookup_keys,
    match_persons,
    summary,
)
from linkwatch.schemas import ReportAdapter

MULE = "12-34-56 12345678"


def fraud(report_id: str, victim: dict[str, Any] | None = None, **over: Any) -> Any:
    """A courier-fraud report; victim, times and wording overridden per test."""
    person = {"person_ref": "v", "role": "victim", "name": "Jo Bloggs", "dob": "1948-05-06",
              "phones": ["07700 900123"], **(victim or {})}
    data: dict[str, Any] = {
        "report_id": report_id, "kind": "fraud", "source": "report-fraud",
        "reported_at": "2026-11-24T21:05:00+00:00",
        "occurred_at": "2026-11-24T15:00:00+00:00",
        "narrative": "Caller pretending to be from the bank said my account was compromised "
                     "and told me to move 2500 pounds to a safe account.",
        "location": {"address": "14 High Street, Nuneaton", "postcode": "CV11 4AB"},
        "persons": [person],
        "identifiers": [{"type": "bank_account", "value": MULE, "role": "payee"}],
        "fraud": {"fraud_type": "impersonation", "amount_lost": "2500"},
    }
    data.update(over)
    return ReportAdapter.validate_python(data)


def test_same_event_via_101_and_online_form() -> None:
    online = fraud("rf-1")
    call = fraud(
        "rms-9", source="rms", reported_at="2026-11-25T09:30:00+00:00",
        victim={"name": "Bloggs, Jo", "phones": ["+44 7700 900123"]},
        narrative="Victim states a man claiming to be her bank rang and said her account "
                  "was compromised; she moved £2,500 to a safe account as told.",
        location={"address": "14 High St Nuneaton", "postcode": "cv11 4ab"},
        fraud={"fraud_type": "impersonation", "amount_lost": "£2,500.00"})
    dup, reasons = is_near_duplicate(summary(call), summary(online))
    assert dup, reasons
    assert set(blocking_keys(online)) & set(lookup_keys(call)), "they must meet in Redis"


def test_victim_and_bank_report_same_event() -> None:
    victim = fraud("rf-1")
    # the bank knows name and dob, not the phone; its narrative shares little wording
    bank = fraud("bank-77", source="bank", victim={"phones": [], "name": "Mrs J. Bloggs",
                                                   "given_name": "Jo"},
                 narrative="Customer made a faster payment after a scam call.",
                 reported_at="2026-11-26T10:00:00+00:00")
    dup, reasons = is_near_duplicate(summary(bank), summary(victim))
    assert dup and "same victim" in reasons, reasons  # corroborated by payee + amount (2)


def test_anonymous_bank_report_needs_payee_amount_and_more() -> None:
    victim = fraud("rf-1")
    anonymous = fraud("bank-78", source="bank", persons=[],
                      narrative="Disputed payment.")  # the wording plays no part
    dup, reasons = is_near_duplicate(summary(anonymous), summary(victim))
    assert dup, reasons  # payee + amount + the same offence at the same time
    later = fraud("bank-79", source="bank", persons=[], narrative="Disputed payment.",
                  occurred_at="2026-11-25T09:00:00+00:00", reported_at="2026-11-25T10:00:00+00:00")
    dup, reasons = is_near_duplicate(summary(later), summary(victim))
    assert not dup, reasons  # payee + amount alone could be another victim of the mule


SENDER = "07700 900888"


def courier(report_id: str, victim: dict[str, Any], **over: Any) -> Any:
    """A courier fraud with no payee (cash collected), contacted from one sender phone."""
    data: dict[str, Any] = {
        "report_id": report_id, "kind": "fraud", "source": "report-fraud",
        "reported_at": "2026-11-24T18:00:00+00:00",
        "narrative": "A man said he was a detective and sent a courier for my cash.",
        "persons": [{"person_ref": "v1", "role": "victim", **victim}],
        "identifiers": [{"type": "phone", "role": "sender", "value": SENDER}],
        "fraud": {"fraud_type": "courier", "amount_lost": "4800"}}
    data.update(over)
    return ReportAdapter.validate_python(data)


def test_issue19_victim_and_bank_split_name_other_formats() -> None:
    """Class 6: the victim to the national service, the bank two hours later: new id, other
    words, the name split, the postcode and address written otherwise, the sender phone in
    another format, no dob on one side."""
    own = courier("AF-1", {"name": "Margaret O'Neill", "dob": "1941-06-12",
                           "postcode": "CV11 4AB", "address": "14 High Street, Nuneaton"})
    bank = courier("BANK-2", {"given_name": "MARGARET", "family_name": "o'neill",
                              "postcode": "cv114ab", "address": "14 HIGH ST NUNEATON"},
                   source="bank", reported_at="2026-11-24T20:10:00+00:00",
                   narrative="Customer withdrew GBP 4,800 after a call from a fake officer.",
                   identifiers=[{"type": "phone", "role": "contact",
                                 "value": "+44 7700 900888"}],
                   fraud={"fraud_type": "courier", "amount_lost": "£4,800.00"})
    new, old = summary(bank), summary(own)
    dup, reasons = is_near_duplicate(new, old)
    assert dup and "same victim" in reasons, reasons
    assert set(blocking_keys(own)) & set(lookup_keys(bank)), "they must meet"
    assert match_persons(new, old) == {"v1": "v1"}


def test_issue19_family_name_of_two_words_split_or_whole() -> None:
    """"Jolie Unruoch Hunerik" written whole splits as family "Hunerik"; the bank records
    family name "UNRUOCH HUNERIK": the same victim."""
    own = courier("AF-1", {"name": "Jolie Unruoch Hunerik", "postcode": "CV22 5UA"})
    bank = courier("BANK-2", {"given_name": "JOLIE", "family_name": "Unruoch Hunerik",
                              "postcode": "cv22 5ua"}, source="bank",
                   reported_at="2026-11-24T23:00:00+00:00")
    dup, reasons = is_near_duplicate(summary(bank), summary(own))
    assert dup and "same victim" in reasons, reasons


def test_issue19_same_victim_other_fraud_same_day_is_not_a_duplicate() -> None:
    own = courier("AF-1", {"name": "Jo Bloggs", "dob": "1941-06-12"})
    other = courier("AF-2", {"name": "Jo Bloggs", "dob": "1941-06-12"},
                    identifiers=[{"type": "phone", "role": "sender", "value": "07700 900111"}],
                    fraud={"fraud_type": "purchase", "amount_lost": "60"})
    dup, reasons = is_near_duplicate(summary(other), summary(own))
    assert not dup, reasons


def test_match_persons_pairs_by_identity_not_order() -> None:
    a = {"people": {"p1": ["x"], "p2": ["y"]}}
    b = {"people": {"v9": ["y"], "v8": ["x", "z"]}}
    assert match_persons(a, b) == {"p1": "v8", "p2": "v9"}
    assert match_persons({"people": {"p1": ["q"]}}, {"people": {"v1": ["r"]}}) == {"p1": "v1"}
    assert match_persons({"people": {"p1": ["q"], "p2": ["s"]}}, {"people": {}}) == {}
    assert match_persons({}, {}) == {}


def test_two_victims_paying_one_mule_are_not_duplicates() -> None:
    a = fraud("rf-1")
    b = fraud("rf-2", victim={"name": "Sam Jones", "dob": "1952-01-01",
                              "phones": ["07700 900456"]})
    dup, reasons = is_near_duplicate(summary(b), summary(a))
    assert not dup and reasons[-1] == "different victims", reasons
    assert set(blocking_keys(a)) & set(lookup_keys(b)), "payee key still blocks them together"


NEGATIVE = [
    ({"occurred_at": "2026-11-20T15:00:00+00:00"}, "h apart"),  # 96 h > 72 h window
    ({"report_id": "rf-1"}, "redelivery"),
    ({"kind": "cyber", "fraud": None}, "different kinds"),
]


@pytest.mark.parametrize(("over", "reason"), NEGATIVE)
def test_not_duplicates(over: dict[str, Any], reason: str) -> None:
    base = summary(fraud("rf-1"))
    other = {**summary(fraud("rf-3")), **{k: v for k, v in over.items() if k in base}}
    if "occurred_at" in over:
        other = summary(fraud("rf-3", occurred_at=over["occurred_at"]))
    dup, reasons = is_near_duplicate(other, base)
    assert not dup and reason in " ".join(reasons), reasons


def test_repeat_victim_new_fraud_is_not_a_duplicate() -> None:
    first = fraud("rf-1")
    second = fraud("rf-5", identifiers=[{"type": "bank_account", "value": "20-00-00 87654321",
                                         "role": "payee"}],
                   narrative="Bought a puppy online, seller stopped answering.",
                   fraud={"fraud_type": "purchase", "amount_lost": "400"})
    dup, reasons = is_near_duplicate(summary(second), summary(first))
    assert not dup, reasons  # same victim, same place, nothing else agrees (1 < 2)


def test_summary_is_small_json_without_clear_identities() -> None:
    s = summary(fraud("rf-1"))
    text = json.dumps(s)
    assert len(text) < 1200, len(text)
    for secret in ("7700900123", "bloggs", "12345678"):
        assert secret not in text.lower().replace(" ", ""), secret


def test_summary_survives_junk() -> None:
    assert is_near_duplicate({"report_id": "a"}, {})[0] is False


def test_second_sighting_with_a_new_victim_is_another_event() -> None:
    """Two reports at one house hours apart share a worker but each names a worker the
    other does not: two events (each victim is referred), not one told twice."""
    def sighting(rid: str, hour: int, names: list[tuple[str, str]]) -> Any:
        return ReportAdapter.validate_python({
            "report_id": rid, "kind": "incident", "source": "rms",
            "reported_at": f"2026-11-24T{hour:02d}:00:00+00:00",
            "location": {"address": "27 Mill Lane", "postcode": "CV11 6QT"},
            "incident": {"category": "violent-crime", "ho_code": "106"},
            "persons": [{"person_ref": f"w{i}", "role": "victim", "name": n, "dob": d}
                        for i, (n, d) in enumerate(names)]})

    ana, ion, mara = ("Ana Pop", "1990-01-02"), ("Ion Rusu", "1992-03-04"), ("Mara Ilie",
                                                                          "1995-05-06")
    a = summary(sighting("S-1", 8, [ana, ion]))
    dup, reasons = is_near_duplicate(summary(sighting("S-2", 14, [ana, mara])), a)
    assert not dup, reasons
    # the same pair (or one of them) told again a few hours later is the same event
    assert is_near_duplicate(summary(sighting("S-3", 12, [ion, ana])), a)[0]
    assert is_near_duplicate(summary(sighting("S-4", 12, [ana])), a)[0]
