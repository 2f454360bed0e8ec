"""An alert an analyst closed does not come back as new when the same structure gains
evidence at the same severity (the status is fed back from the API through Redis)."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis
from kafka_helpers import collect, settle
from test_pipeline_e2e import mule_reports

from linkwatch.graph.feedback import status_key
from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration


def test_a_closed_alert_is_not_republished(lw_env, report_factory, person_factory) -> None:
    env = lw_env()
    env.start_worker()
    reports = mule_reports(report_factory, person_factory, n=6)
    asyncio.run(send_reports(env.settings, reports[:3]))
    (first,) = asyncio.run(collect(env.settings, "alerts", lambda a: len(a) >= 1, 90))
    status = {"alert_id": first["alert_id"], "status": "closed", "severity": "critical",
              "reason": "known to the fraud team", "by": "alice", "version": first["version"]}
    client = redis.Redis.from_url(env.settings.redis_url)
    client.set(status_key(env.settings.app_id, first["alert_id"]), json.dumps(status))
    asyncio.run(send_reports(env.settings, reports[3:]))   # three more victims: a new version
    asyncio.run(collect(env.settings, "referrals", lambda r: len(r) >= 6, 60))
    alerts = asyncio.run(settle(env.settings, "alerts", quiet_s=4))
    assert [(a["alert_id"], a["version"]) for a in alerts] == [(first["alert_id"], 1)], alerts
    client.delete(status_key(env.settings.app_id, first["alert_id"]))
    client.close()
