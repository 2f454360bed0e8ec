"""Indicators only inside a cyber report's STIX bundle (``rules/enrich/stix.py``): read
at intake into ``cyber.indicators``, so they link like given ones (issue 19 class 3)."""

from __future__ import annotations

from typing import Any

import pytest

from linkwatch.graph.detectors import cyber as cy
from linkwatch.graph.detectors.base import DetectorConfig
from linkwatch.graph.store import LinkGraph
from linkwatch.rules.enrich.report import enrich_report
from linkwatch.rules.enrich.stix import pattern_identifiers, stix_identifiers
from linkwatch.schemas import ReportAdapter


def test_pattern_comparisons_become_identifiers() -> None:
    got = pattern_identifiers(
        "([url:value = 'http://x.co/a?q=it\\'s'] OR [domain-name:value = 'x.co']) AND "
        "[ipv4-addr:value = '185.1.2.3'] FOLLOWEDBY [email-message:from_ref.value = "
        "'boss@x.co'] AND [file:hashes.'SHA-256' = 'ab12'] AND [ipv6-addr:value = '2001:db8::1']")
    assert got == [
        {"type": "url", "value": "http://x.co/a?q=it's", "role": "phishing_site"},
        {"type": "domain", "value": "x.co", "role": "phishing_site"},
        {"type": "ip", "value": "185.1.2.3", "role": "infrastructure"},
        {"type": "email", "value": "boss@x.co", "role": "sender"},
        {"type": "file_hash", "value": "ab12", "role": "infrastructure"},
        {"type": "ip", "value": "2001:db8::1", "role": "infrastructure"},
    ]


@pytest.mark.parametrize("pattern", [
    "[domain-name:value != 'x.co']", "[domain-name:value NOT = 'x.co']",
    "[url:value LIKE '%x.co%']", "[url:value MATCHES '^http']", "[file:name = 'a.exe']",
    "[domain-name:resolves_to_refs[*].value = '1.2.3.4']", "", "[[[", "'''",
])
def test_comparisons_naming_no_one_value_are_skipped(pattern: str) -> None:
    assert pattern_identifiers(pattern) == []


def test_observables_and_observed_data_and_junk() -> None:
    bundle = {"type": "bundle", "objects": [
        {"type": "domain-name", "value": "Bad.Example"},
        {"type": "observed-data", "objects": {"0": {"type": "email-addr", "value": "a@b.c"},
                                              "1": {"type": "file", "hashes": {"MD5": "f0"}}}},
        {"type": "indicator", "pattern": "[domain-name:value = 'bad.example']"},  # again
        {"type": "indicator", "pattern": None}, 7, None, {"type": "x-linkwatch-wallet",
                                                          "value": "bc1qzz"},
        {"type": "identity", "name": "Someone"},
    ]}
    assert stix_identifiers(bundle) == [
        {"type": "domain", "value": "Bad.Example", "role": "phishing_site"},
        {"type": "email", "value": "a@b.c", "role": "sender"},
        {"type": "file_hash", "value": "f0", "role": "infrastructure"},
        {"type": "crypto_wallet", "value": "bc1qzz", "role": "payee"},
    ]
    junks: tuple[object, ...] = (None, 3, "bundle", [], {"type": "bundle", "objects": "x"},
                                 {"objects": [1]})
    for junk in junks:
        assert stix_identifiers(junk) == []


def _cyber(rid: str, day: int, **cyber: Any) -> Any:
    return ReportAdapter.validate_python({
        "report_id": rid, "kind": "cyber", "reported_at": f"2026-07-0{day}T10:00:00+00:00",
        "persons": [{"person_ref": "v1", "role": "victim", "name": f"Victim {rid}"}],
        "cyber": {"cyber_type": "phishing", **cyber}})


def test_stix_only_reports_join_the_campaign() -> None:
    lg = LinkGraph()
    touched: set[str] = set()
    given = [{"type": "domain", "role": "phishing_site", "value": "evri-parcel9.com"}]
    reports = [_cyber("C1", 1, indicators=given)]
    for i, rid in enumerate(("C2", "C3")):
        reports.append(_cyber(rid, 2 + i, stix={"type": "bundle", "objects": [
            {"type": "indicator", "pattern": "[url:value = 'https://EVRI-PARCEL9.com/pay']"}]}))
    for r in reports:
        enriched, record = enrich_report(r)
        touched = lg.add_report(enriched, record.as_dict())
    assert "url:https://evri-parcel9.com/pay" in touched
    found = cy.detect_cyber_campaign(lg.neighbourhood(touched, hops=2), touched,
                                     DetectorConfig())
    assert [f.report_ids for f in found] == [("C1", "C2", "C3")]
    # the bundle's indicator is added once, beside a given one of the same value
    twice = _cyber("C4", 5, indicators=given, stix={"type": "bundle", "objects": [
        {"type": "domain-name", "value": "EVRI-PARCEL9.com"}]})
    enriched, record = enrich_report(twice)
    assert len(enriched.cyber.indicators) == 1
    assert len(twice.cyber.indicators) == 1   # the input report is not changed
