"""Property: a VALID report whose every name, alias, address, narrative and free-text
field is any Unicode text goes through intake and the link stage without an exception
(issue 18: one Polish name stopped the intake agents).

Reports are built from the contract's shapes (as ``conftest.report_factory`` makes them),
with text drawn from the whole of Unicode (``st.text()``: every code point but lone
surrogates, which UTF-8 cannot carry) and from a curated list: Latin with diacritics,
Irish fadas, Welsh circumflexes, Vietnamese, Greek, Cyrillic, Arabic, Hebrew, Chinese,
Japanese, emoji, NFD forms, zero-width and bidi controls, Turkish i, full-width digits.

Each report runs intake's pure path in process (``rules.intake.decode`` and
``rules.enrichment.enrich``, as ``agents/intake.py`` ``_decode_batch`` does), then the link
stage's ``Pipeline.apply`` on the payload's JSON round trip (what the accepted topic
carries), on one pipeline for the whole run, so reports meet each other's names.  Every
report must be accepted (it is valid) and applied; the same payload again yields nothing.
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkwatch.config import Settings
from linkwatch.pipeline import Pipeline
from linkwatch.rules.enrichment import enrich
from linkwatch.rules.intake import Accepted, Source, decode
from linkwatch.schemas import accepted

EXAMPLES = 300  # the note quotes this count

CURATED = [
    "Łukasz Wiśniewski", "Lukasz Wisniewski", "Zażółć Gęślą-Jaźń", "Ștefan Țăran",
    "Mihăiță Ionuț", "José Muñoz", "Jürgen Müller", "Strauß", "Seán O'Brien", "Sean OBrien",
    "Siobhán Ní Bhraonáin", "Siân Ŵyn", "Dafydd ap Rhys Ŷ", "Nguyễn Văn Minh",
    "Nguyen Van Minh", "Trần Thị Hồng Nhung", "Αλέξανδρος Παπαδόπουλος",
    "Иван Петрович Сидоров", "محمد بن عبد الله", "דוד כהן", "王小明", "山田 太郎",
    "やまだ たろう", "김민준", "Arbër Hoxha", "Chukwuemeka Okafor", "😀", "👩‍👩‍👧‍👦", "🇬🇧",
    unicodedata.normalize("NFD", "Seán Ó Briain"), "Jo\u200bhn\u200d Smith",
    "\u202eevil\u202c", "\u2066Smith\u2069", "\u200f\u0645\u062d\u0645\u062f\u200e",
    "İstanbul", "IŞIK Işık ışık", "０７７００ ９００１２３", "٠٧٧٠٠٩٠٠١٢٣", "ＣＶ１１ ４ＡＢ",
    "\ufeffBOM", "\u00ad", " ", "\x00", "\n\t", "\u0301\u0302", "ﬁ Ⅻ ①②", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "a\u0308\u0308\u0308\u0308", "O’Brien", "12-34-56 12345678",
    "４１１１ １１１１ １１１１ １１１１",
    "jo\u200b@example.com", "łukasz@example.pl", "用户@例子.广告", "bücher.example",
]
PHONES = ["07700 900123", "０７７００ ９００１２３", "٠٧٧٠٠٩٠٠١٢٣", "+44\u200b7700900124",
          "\u202a07700 900125\u202c", "07700900126"]
ID_TYPES = ["phone", "email", "bank_account", "iban", "card", "url", "domain", "ip",
            "crypto_wallet", "social_handle", "device_imei", "username", "file_hash"]
ROLES = ["victim", "suspect", "offender", "witness", "reporter", "associate"]

_any_text = st.text(max_size=40)
_curated = st.sampled_from(CURATED)
# whole Unicode, curated, and the two joined (a curated name with stray code points)
text = st.one_of(_any_text, _curated,
                 st.builds(lambda a, b: a + b, _curated, st.text(max_size=6)))
short = text.map(lambda s: s[:500])
nonempty = short.filter(lambda s: s.strip() != "")  # the contract strips whitespace


@st.composite
def persons(draw: Any, ref: str) -> dict[str, Any]:
    person: dict[str, Any] = {
        "person_ref": ref, "role": draw(st.sampled_from(ROLES)), "name": draw(short),
        "aliases": draw(st.lists(short, max_size=2)),
        "dob": draw(st.sampled_from(["1980-05-06", "1990-01-02", "1948-03-02"])),
        "address": draw(short), "postcode": draw(short), "gender": draw(short),
        "nationality": draw(short), "flags": draw(st.lists(short, max_size=2)),
        "phones": draw(st.lists(st.one_of(st.sampled_from(PHONES), short), max_size=2)),
        "emails": draw(st.lists(short, max_size=2)),
        "consent": {"victim_support": True},
    }
    if draw(st.booleans()):
        person["given_name"], person["family_name"] = draw(short), draw(short)
    return person


@st.composite
def reports(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["incident", "fraud", "cyber"]))
    people = [draw(persons(f"p{i}")) for i in range(1, draw(st.integers(1, 3)) + 1)]
    identifiers = draw(st.lists(st.fixed_dictionaries({
        "type": st.sampled_from(ID_TYPES), "value": nonempty,
        "role": st.sampled_from(["payee", "contact", "deal_line", "sender"])}), max_size=3))
    report: dict[str, Any] = {
        "kind": kind, "source": draw(short), "reported_at": "2026-11-24T10:00:00+00:00",
        "force": draw(st.one_of(st.just("Warwickshire Police"), short)),
        "location": {"address": draw(short), "postcode": draw(short),
                     "description": draw(short)},
        "narrative": draw(text), "persons": people, "identifiers": identifiers,
        "vehicles": [{"vrm": draw(nonempty.map(lambda s: s.strip()[:20])), "make": draw(short),
                      "colour": draw(short), "person_ref": "p1"}],
        "markers": draw(st.lists(short, max_size=2)),
    }
    if kind == "incident":
        report["incident"] = {"category": draw(short), "description": draw(short),
                              "weapons": draw(st.lists(short, max_size=2)),
                              "outcome": draw(short), "ho_code": draw(short)}
    elif kind == "fraud":
        report["fraud"] = {"fraud_type": draw(short), "amount_lost": 250,
                           "payment_method": draw(short), "contact_method": draw(short)}
    else:
        report["cyber"] = {"cyber_type": draw(short), "indicators": identifiers[:1]}
    return report


@pytest.fixture(scope="module")
def link() -> dict[str, Any]:
    s = Settings(app_id="unicode-property")
    return {"settings": s, "pipeline": Pipeline(s), "ids": itertools.count(1), "seen": []}


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(report=reports())
def test_any_unicode_text_in_a_valid_report_never_stops_intake_or_link(
    link: dict[str, Any], report: dict[str, Any],
) -> None:
    n = next(link["ids"])
    report = {"report_id": f"U-{n:05d}", **report}
    raw = json.dumps(report, ensure_ascii=False).encode("utf-8")
    src = Source(f"reports.{report['kind']}", 0, n, report["report_id"].encode())
    outcome = decode(src, raw, report["kind"], received_at=datetime.now(UTC))
    assert isinstance(outcome, Accepted), getattr(outcome, "errors", outcome)  # valid: accepted
    payload = enrich(outcome.report, outcome.content_hash, link["settings"])
    payload.source = src.coordinate
    message = accepted.decode(accepted.encode(payload))  # what the accepted topic carries
    assert isinstance(message, accepted.AcceptedReport)
    pipeline: Pipeline = link["pipeline"]
    out = pipeline.apply(message)
    assert len(out.entities) == len(report["persons"])  # every person resolved
    for _, body in out.entities:
        assert json.loads(body)["entity_id"].startswith("E")
    again = pipeline.apply(accepted.decode(accepted.encode(message)))  # type: ignore[arg-type]
    assert (again.alerts, again.referrals, again.audit, again.entities) == ([], [], [], [])
    link["seen"].append(report["report_id"])


def test_the_property_ran_its_examples(link: dict[str, Any]) -> None:
    """Runs after the property (file order): every example went through the pipeline."""
    assert len(link["seen"]) >= EXAMPLES * 0.9, len(link["seen"])
    assert link["pipeline"].reports == len(link["seen"])
