"""Later versions of a report through ``Pipeline.apply`` (pure, no broker): the link stage
keeps only the active referrals of each report's latest version, as JSON, and that is
enough to cancel, re-refer and stay quiet exactly as before, across a snapshot."""

from __future__ import annotations

import pickle

from linkwatch.config import Settings
from linkwatch.pipeline import Outputs, Pipeline
from linkwatch.rules.enrichment import enrich
from linkwatch.rules.referrals import cancellation
from linkwatch.schemas import Referral, ReportAdapter
from linkwatch.schemas.accepted import AcceptedReport

S = Settings(KAFKA_BOOTSTRAP="127.0.0.1:1")


def version(consent: bool | None, n: int) -> AcceptedReport:
    report = {"report_id": "V-1", "kind": "incident", "source": "test",
              "reported_at": f"2026-11-0{n}T10:00:00+00:00", "force": "Warwickshire Police",
              "incident": {"category": "burglary"},
              "persons": [{"person_ref": "v1", "role": "victim", "name": "Robin Tamsett",
                           "phones": ["07700 900456"], "consent": {"victim_support": consent}}]}
    return enrich(ReportAdapter.validate_python(report), f"V-1 v{n}", S)


def referrals(out: Outputs) -> list[tuple[Referral, bytes]]:
    return [(Referral.model_validate_json(body), body) for _key, body in out.referrals]


def test_versions_cancel_and_refer_again_from_what_is_kept() -> None:
    pipeline = Pipeline(S)
    ((first, body),) = referrals(pipeline.apply(version(True, 1)))
    assert (first.service, first.status) == ("victim_support", "active")
    # what is kept of version 1: its active referral's JSON, the very bytes published
    assert list(pipeline.active) == [("V-1", "v1")]
    assert pipeline.kept_referrals(("V-1", "v1")) == (body,)
    held = pipeline.active[("V-1", "v1")]  # packed (linkwatch/packing.py): a third of it
    assert isinstance(held, bytes) and len(held) * 2 < len(body)

    pipeline = pickle.loads(pickle.dumps(pipeline))  # as a snapshot restores it
    pipeline.restored(S)
    v2 = version(False, 2)
    ((cancelled, _),) = referrals(pipeline.apply(v2))
    when = v2.report.reported_at
    withdrawn = cancellation(first, when, "a later version of the report withdrew it")
    assert cancelled == withdrawn and cancelled.referral_id == first.referral_id
    assert pipeline.active == {}  # nothing active is left to compare with

    assert referrals(pipeline.apply(version(False, 3))) == []  # no change: nothing sent
    ((again, _),) = referrals(pipeline.apply(version(True, 4)))
    assert (again.referral_id, again.status) == (first.referral_id, "active")
    assert referrals(pipeline.apply(version(True, 4))) == []  # the same version replayed
