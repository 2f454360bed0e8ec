"""What intake computes for the link stage (``rules/enrichment.py``: ``er``, ``nd``,
``canon``) changes nothing the link stage decides: the same scenario through
``Pipeline.apply`` with and without those fields gives byte-identical outputs."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime

from linkwatch.config import Settings
from linkwatch.demo_scenario import generate
from linkwatch.pipeline import Pipeline
from linkwatch.rules.enrichment import enrich
from linkwatch.rules.intake import Accepted, Source, decode
from linkwatch.rules.normalise import _core, canonical, forget_cached, prime, primer

phone_module = importlib.import_module("linkwatch.rules.normalise.phone")


def _payloads(settings: Settings) -> list[dict]:
    scenario = generate(seed=5, background=150)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    out = []
    for i, report in enumerate(scenario.reports):
        src = Source(f"reports.{report['kind']}", 0, i, report["report_id"].encode())
        outcome = decode(src, json.dumps(report).encode(), report["kind"], received_at=now,
                         max_bytes=1_000_000)
        assert isinstance(outcome, Accepted), outcome
        out.append(json.loads(json.dumps(enrich(outcome.report, outcome.content_hash,
                                                settings))))
    return out


def _run(payloads: list[dict], settings: Settings) -> list[tuple]:
    pipeline = Pipeline(settings)
    outputs = []
    for payload in payloads:
        o = pipeline.apply(payload)
        outputs.append(([a.model_dump_json() for a in o.alerts], o.referrals, o.audit,
                        o.entities))
    return outputs


def test_precomputed_inputs_give_the_same_outputs_as_computing_them_here() -> None:
    settings = Settings(app_id="link-inputs")
    with_inputs = _payloads(settings)
    assert all({"er", "nd", "canon"} <= p.keys() for p in with_inputs)
    assert any(p["canon"] for p in with_inputs) and any(p["nd"]["blocking"] for p in with_inputs)
    without = [{k: v for k, v in p.items() if k not in {"er", "nd", "canon"}}
               for p in with_inputs]
    first = _run(with_inputs, settings)
    _core._PRIMED.clear()  # noqa: SLF001 - the second run must parse for itself
    second = _run(without, settings)
    assert first == second
    assert sum(len(a) for a, *_ in first) > 0 and sum(len(r) for _, r, *_ in first) > 0


def test_a_primed_form_is_returned_without_parsing_and_cards_are_never_primed() -> None:
    made = primer("phone", "07700 900123")
    assert made == ["phone", "07700 900123", "+447700900123", {"fictional": True}]
    _core._cached.cache_clear()  # noqa: SLF001 - as in a fresh link-stage process
    phone_module._parse.cache_clear()  # noqa: SLF001
    prime([made, ["card", "4111 1111 1111 1111", "x", {}]])
    try:
        got = canonical("phone", "07700 900123")
        assert got.node_id == "phone:+447700900123" and got.attrs["fictional"] is True
        assert phone_module._parse.cache_info().currsize == 0  # noqa: SLF001 - not parsed
        assert ("card", "4111 1111 1111 1111") not in _core._PRIMED  # noqa: SLF001
        forget_cached()  # what a retention purge's rebuild does
        assert not _core._PRIMED and _core._cached.cache_info().currsize == 0  # noqa: SLF001
    finally:
        _core._PRIMED.clear()  # noqa: SLF001
