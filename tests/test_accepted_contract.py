"""The internal accepted topic's one message type (``schemas/accepted.py``): what intake
writes decodes to the same report and link inputs, messages written before the typed
contract still decode, markers are told by their shape, and junk is one clear error
that quotes no value."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest

from linkwatch.config import Settings
from linkwatch.demo_scenario import generate
from linkwatch.retention import marker
from linkwatch.rules.enrichment import enrich
from linkwatch.rules.intake import Accepted, Source
from linkwatch.rules.intake import decode as intake_decode
from linkwatch.schemas.accepted import (
    AcceptedDecodeError,
    AcceptedReport,
    PurgeMarker,
    ReportHead,
    decode,
    decode_head,
    encode,
)

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def messages() -> list[AcceptedReport]:
    settings = Settings(app_id="contract")
    out = []
    for i, report in enumerate(generate(seed=3, background=40).reports):
        src = Source(f"reports.{report['kind']}", 0, i, None)
        outcome = intake_decode(src, json.dumps(report).encode(), report["kind"],
                                received_at=NOW)
        assert isinstance(outcome, Accepted), outcome
        message = enrich(outcome.report, outcome.content_hash, settings)
        message.source = src.coordinate
        out.append(message)
    return out


def _old_wire(message: AcceptedReport) -> bytes:
    """The bytes intake wrote before the typed contract: ``enrich`` made this dict and
    ``orjson.dumps`` wrote it."""
    return orjson.dumps({
        "hash": message.hash,
        "report": message.report.model_dump(mode="json", by_alias=True, exclude_none=True),
        "enrichment": message.enrichment, "er": message.resolution, "nd": message.near_dup,
        "canon": message.canon, "source": message.source})


def test_what_intake_writes_decodes_to_the_same_message(messages) -> None:
    assert len(messages) > 40
    for message in messages:
        back = decode(encode(message))
        assert isinstance(back, AcceptedReport)
        assert back.report == message.report, message.report_id
        assert (back.hash, back.source) == (message.hash, message.source)
        assert back.enrichment == message.enrichment
        assert back.near_dup == message.near_dup
        # the typed inputs: tuples where intake made lists, the same values
        assert json.loads(orjson.dumps(back.resolution)) == json.loads(
            orjson.dumps(message.resolution))
        assert [list(c) for c in back.canon] == [list(c) for c in message.canon]
        # encoding is stable: the decoded message writes the very same bytes
        assert encode(back) == encode(message)


def test_messages_written_before_the_typed_contract_still_decode(messages) -> None:
    for message in messages:
        old = _old_wire(message)
        back = decode(old)
        assert isinstance(back, AcceptedReport) and back.report == message.report
        assert orjson.loads(encode(back)) == {k: v for k, v in orjson.loads(old).items()
                                              if v not in (None, [])}
    # older still: no link inputs at all (the link stage computes them itself)
    bare = decode(orjson.dumps({"report": orjson.loads(_old_wire(messages[0]))["report"],
                                "hash": "h1"}))
    assert isinstance(bare, AcceptedReport)
    assert (bare.resolution, bare.near_dup, bare.enrichment, bare.canon, bare.source) == (
        None, None, None, [], None)


def test_the_head_agrees_with_the_full_decode(messages) -> None:
    for message in messages[:20]:
        head = decode_head(encode(message))
        assert isinstance(head, ReportHead)
        assert (head.report_id, head.hash, head.source) == (
            message.report_id, message.hash, message.source)
    assert isinstance(decode_head(marker("P1", NOW, ["R1"], requested_at=NOW)), PurgeMarker)


def test_a_marker_is_a_marker_whatever_its_key_order_or_spacing() -> None:
    body = json.loads(marker("P1", NOW, ["R1", "R2"], requested_at=NOW, part=2, parts=3))
    for raw in (json.dumps(body).encode(), json.dumps(body, indent=2).encode(),
                json.dumps({"purge": dict(reversed(list(body["purge"].items())))}).encode()):
        message = decode(raw)
        assert isinstance(message, PurgeMarker), raw
        assert message.report_ids == ["R1", "R2"]
        assert (message.purge.part, message.purge.parts, message.purge.before) == (2, 3, NOW)


@pytest.mark.parametrize(("junk", "says"), [
    (b"", "does not decode"),
    (None, "does not decode"),
    (b"\xff\xfe", "does not decode"),
    (b"[1, 2]", "Expected `object`"),
    (b"{}", "neither a report nor a purge marker"),
    (b'{"hash": "x"}', "neither a report nor a purge marker"),
    (b'{"purge": 3}', "$.purge"),
    (b'{"report": {"report_id": "R1"}, "purge": {"purge_id": "P", "report_ids": [],'
     b' "before": "2026-01-01T00:00:00Z", "requested_at": "2026-01-01T00:00:00Z"}}', "both"),
    (b'{"report": {"report_id": "R1", "kind": "fraud", "persons": "Jo Bloggs"}}',
     "not valid"),
    (b'{"report": {}, "er": "Jo Bloggs"}', "$.er"),
])
def test_junk_is_one_error_naming_where_never_what(junk: bytes | None, says: str) -> None:
    with pytest.raises(AcceptedDecodeError, match=None) as caught:
        decode(junk)
    text = str(caught.value)
    assert says in text, text
    assert "Jo Bloggs" not in text  # the values may be personal data
    assert isinstance(caught.value, ValueError)
