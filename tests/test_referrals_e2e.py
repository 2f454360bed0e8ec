"""Referrals through the real pipeline: an update that withdraws consent publishes a
cancellation under the same id, and every decision is in the audit log."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from kafka_helpers import collect, settle
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration


def test_consent_withdrawn_cancels_and_the_audit_log_explains(
        lw_env, report_factory, person_factory) -> None:
    env = lw_env()
    env.start_worker()
    first = report_factory("incident", report_id="WITHDRAW-1", incident={"category": "burglary"},
                           persons=[person_factory(consent={"victim_support": True})])
    withdrawn = {**first, "persons": [person_factory(consent={"victim_support": False})]}
    asyncio.run(send_reports(env.settings, [first]))
    asyncio.run(collect(env.settings, "referrals", lambda r: len(r) >= 1, 90))
    asyncio.run(send_reports(env.settings, [withdrawn]))
    sent = asyncio.run(collect(env.settings, "referrals", lambda r: len(r) >= 2, 60))
    assert [(r["status"], r["service"]) for r in sent] == [("active", "victim_support"),
                                                            ("cancelled", "victim_support")]
    assert sent[0]["referral_id"] == sent[1]["referral_id"]
    assert sent[1]["contact"] == {"name": None, "phone": None, "email": None, "postcode": None,
                                  "preferred_contact": None}
    asyncio.run(settle(env.settings, "linkwatch.audit", quiet_s=2))
    result = CliRunner().invoke(app, ["referrals", "--audit", "WITHDRAW-1"],
                                env={**os.environ, **env.vars})
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert len(records) >= 2 and {r.get("referred") for r in records} == {True, False}, records
    text = result.output
    assert "Test Person" not in text  # the audit log names ids and rules, not people
