"""decode(): every bad input becomes a dead letter with a precise reason; never raises."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkwatch.rules.intake import Accepted, Source, decode
from linkwatch.schemas import DeadLetter

NOW = datetime(2026, 11, 26, tzinfo=UTC)
SRC = Source("reports.incident", 1, 42, b"k")
OK = {"report_id": "R1", "kind": "incident", "reported_at": "2026-11-01T10:00:00Z"}


def run(raw: bytes | None, max_bytes: int = 1_000_000):  # type: ignore[no-untyped-def]
    return decode(SRC, raw, "incident", received_at=NOW, max_bytes=max_bytes)


@pytest.mark.parametrize(("raw", "loc", "reason"), [
    (None, "$", "empty message"),
    (b"", "$", "empty message"),
    (b"\xff\xfe", "$", "not UTF-8"),
    (b"{oops", "$", "not JSON"),
    (b'"a string"', "$", "expected a JSON object, got str"),
    (json.dumps({**OK, "report_id": ""}).encode(), "report_id", "missing report_id"),
    (json.dumps({"kind": "incident"}).encode(), "report_id", "missing report_id"),
    (json.dumps({**OK, "kind": "fraud"}).encode(), "kind", "does not match topic"),
    (json.dumps({**OK, "kind": "burglary"}).encode(), "kind", "does not match topic"),
    (json.dumps({**OK, "reported_at": "yesterday"}).encode(), "incident.reported_at", "datetime"),
    (json.dumps({**OK, "persons": [{"role": "bystander"}]}).encode(), "incident.persons.0.role",
     "Input should be"),
    (json.dumps({**OK, "persons": [{"age": 300}]}).encode(), "incident.persons.0.age",
     "less than or equal to 130"),
    (json.dumps({**OK, "persons": [{"person_ref": "a"}, {"person_ref": "a"}]}).encode(),
     "incident", "appears twice"),
    (json.dumps({**OK, "occurred_at": "2027-01-01T00:00:00Z"}).encode(), "incident",
     "occurred_at is after reported_at"),
    (b"[" * 100_000, "$", "not JSON"),                     # pathological nesting
])
def test_bad_input_is_a_dead_letter_with_its_reason(raw, loc, reason) -> None:  # type: ignore[no-untyped-def]
    out = run(raw)
    assert isinstance(out, DeadLetter), out
    assert any(e.loc == loc and reason in e.msg for e in out.errors), out.errors
    assert (out.topic, out.partition, out.offset, out.key) == ("reports.incident", 1, 42, "k")


def test_oversize_is_dead_lettered_with_a_truncated_copy_and_its_digest() -> None:
    raw = json.dumps({**OK, "narrative": "x" * 600_000}).encode()
    out = run(raw, max_bytes=500_000)
    assert isinstance(out, DeadLetter)
    assert "exceeds the 500000-byte limit" in out.errors[0].msg
    assert "sha256=" in out.errors[-1].msg and len(out.value or "") == 256 * 1024


def test_a_good_report_is_accepted_and_its_unknown_fields_kept() -> None:
    out = run(json.dumps({**OK, "custom": {"a": 1}}).encode())
    assert isinstance(out, Accepted) and out.report.model_extra == {"custom": {"a": 1}}
    same = run(json.dumps({"custom": {"a": 1}, **OK}).encode())
    assert isinstance(same, Accepted) and same.content_hash == out.content_hash  # key order


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_report_or_a_dead_letter(raw: bytes) -> None:
    assert isinstance(run(raw), Accepted | DeadLetter)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
                        st.sampled_from(["report_id", "kind", "reported_at", "persons", "role",
                                         "dob", "age", "location", "lat", "identifiers", "type",
                                         "value", "incident", "weapons"]), kids, max_size=5),
                    max_leaves=20))
def test_any_json_gives_a_report_or_a_dead_letter(obj: object) -> None:
    if isinstance(obj, dict):
        obj = {**OK, **obj}
    assert isinstance(run(json.dumps(obj).encode()), Accepted | DeadLetter)
