"""Property-based requests from the OpenAPI spec (schemathesis) against the app
in-process, on the real broker and Redis with planted data: no request may get a 5xx,
and every response must match the spec."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import schemathesis
from conftest import Env
from hypothesis import HealthCheck, settings
from kafka_helpers import write_view
from schemathesis.python.asgi import get_client
from schemathesis.specs.openapi.checks import positive_data_acceptance
from test_pipeline_e2e import mule_reports

from linkwatch.api import KeyRing, create_app
from linkwatch.api.auth import ApiSettings
from linkwatch.config import Settings
from linkwatch.kafka import producer
from linkwatch.pipeline import Pipeline
from linkwatch.schemas.accepted import AcceptedReport
from linkwatch.streams import topics

pytestmark = pytest.mark.integration
KEY = "fuzz-analyst-key"


async def plant(env: Env, reports: list[dict[str, Any]]) -> None:
    """Accepted reports, and the alerts a link stage makes of them, straight onto the topics;
    and the view it writes of its state (what the API reads the graph from)."""
    s, pipeline = env.settings, Pipeline(env.settings)
    prod = producer(s)
    await prod.start()
    try:
        for report in reports:
            payload = {"report": report, "hash": report["report_id"]}
            await prod.send_and_wait(topics.name(s, topics.ACCEPTED), json.dumps(payload).encode())
            for alert in pipeline.apply(AcceptedReport.of(payload)).alerts:
                await prod.send_and_wait(topics.name(s, topics.ALERTS),
                                         alert.model_dump_json().encode(),
                                         key=alert.alert_id.encode())
    finally:
        await prod.stop()
    write_view(s, pipeline)


def _report(n: int = 0, kind: str = "incident", **over: Any) -> dict[str, Any]:
    return {"report_id": f"F-{n}", "kind": kind, "reported_at": "2026-11-02T10:00:00+00:00",
            "persons": [], **over}


def _person(ref: str = "v1", role: str = "victim", **over: Any) -> dict[str, Any]:
    return {"person_ref": ref, "role": role, "name": "Fuzz Person", "dob": "1980-05-06", **over}


# the spec does not depend on the stack; the app starts (lifespan) on first use, on
# schemathesis' own event loop, with the settings the fixture gives it
APP = create_app(Settings(), KeyRing(f"{KEY}:analyst:fuzzer"),
                 # schemathesis' Host; its wrong-key probes must not trip the 429
                 ApiSettings(api_hosts="testserver,localhost",
                             api_auth_failures_per_minute=1_000_000))
schema = schemathesis.openapi.from_dict(APP.openapi()).exclude(
    path="/api/alerts/stream")  # endless by design; tested in test_api.py
schema.app = APP  # in-process calls, probes (e.g. ignored_auth) included


@pytest.fixture(scope="module")
def planted(stack):  # type: ignore[no-untyped-def]
    env = Env(stack)
    asyncio.run(plant(env, mule_reports(_report, _person)))
    APP.state.settings = env.settings
    # FastAPI is an ASGI app; schemathesis types one with dict scopes, Starlette with Mappings
    with get_client(APP) as client:  # type: ignore[arg-type]
        deadline = time.monotonic() + 60
        while client.get("/health").json()["status"] != "ok":
            assert time.monotonic() < deadline, "read model did not catch up"
            time.sleep(0.5)
        assert client.get("/api/alerts", headers={"X-API-Key": KEY}).json()["total"] >= 1
    return env


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_breaks_the_api(case, planted) -> None:  # type: ignore[no-untyped-def]
    # a generous read timeout: an outcomes page with plots takes seconds on a loaded machine
    response = case.call(headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
    assert response.status_code < 500, (case.method, case.path, response.text)
    # every check (the re-send without the key included), except that /api/export's
    # "one of alert, cluster or entity", /api/outcomes' "from on or before to, within
    # a century" and /api/search's "dob is a calendar date" are rules OpenAPI cannot
    # state: their 400 or 422 is right
    skip = ([positive_data_acceptance]
            if case.path in ("/api/export", "/api/outcomes", "/api/search") else [])
    case.validate_response(response, excluded_checks=skip)
