"""`linkwatch serve` against the real embedded broker, Redis and a worker: roles,
status changes fed back for suppression, the s.62 audit trail, and the live stream.

One worker and one API process serve the whole module (starting them is most of
the cost); each test reads or changes only what it is about."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import networkx as nx
import pytest
import redis
from conftest import ARTIFACTS, Env
from kafka_helpers import settle
from test_pipeline_e2e import mule_reports

from linkwatch.api import status_key, suppress
from linkwatch.ingest import send_reports
from linkwatch.schemas import Alert
from linkwatch.stack import spawn_child

pytestmark = pytest.mark.integration

KEYS = {"analyst": "key-analyst-alice-0123456789abcdef", "referral_officer":
        "key-officer-bob-0123456789abcdefgh", "read_only": "key-reader-carol-0123456789abcdef"}
NAMES = {"analyst": "alice", "referral_officer": "bob", "read_only": "carol"}


@dataclass
class Served:
    env: Env
    url: str
    alert: dict[str, Any]   # the mule alert the worker raised

    def client(self, role: str | None = None, header: str = "bearer") -> httpx.Client:
        headers = {}
        if role and header == "bearer":
            headers["Authorization"] = f"Bearer {KEYS[role]}"
        elif role:
            headers["X-API-Key"] = KEYS[role]
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_api(env: Env, **extra: str) -> tuple[Any, str]:
    """``python -m linkwatch.api`` (what ``linkwatch serve`` runs) on a free port."""
    port = free_port()
    keys = ",".join(f"{KEYS[r]}:{r}:{NAMES[r]}" for r in KEYS)
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"{env.vars['LINKWATCH_APP_ID']}-api.log", "ab")  # noqa: SIM115
    proc = spawn_child([sys.executable, "-m", "linkwatch.api", "--port", str(port)],
                       env={**os.environ, **env.vars, "LINKWATCH_API_KEYS": keys, **extra},
                       output=log)
    env.workers.append(proc)  # stopped with the worker
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"API exited {proc.returncode}; see {log.name}"
        try:
            if httpx.get(f"{url}/health", timeout=2).json()["status"] == "ok":
                return proc, url
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"API did not become ready; see {log.name}")


def wait_for_alert(url: str, key: str, pred: Any, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=10) as c:
        while time.monotonic() < deadline:
            found = [a for a in c.get("/api/alerts", params={"limit": 500}).json()["items"]
                     if pred(a)]
            if found:
                return found[0]
            time.sleep(1)
    raise AssertionError("no matching alert reached the API")


@pytest.fixture(scope="module")
def served(stack) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    from itertools import count

    env = Env(stack)
    try:
        env.start_worker()
        _proc, url = start_api(env)
        n = count(1)

        def report(kind: str = "incident", **over: Any) -> dict[str, Any]:
            return {"report_id": f"T-{next(n)}", "kind": kind, "source": "test",
                    "reported_at": "2026-11-02T10:00:00+00:00", "persons": [], **over}

        def person(ref: str = "v1", role: str = "victim", **over: Any) -> dict[str, Any]:
            return {"person_ref": ref, "role": role, "name": f"Test Person {ref}",
                    "dob": "1980-05-06", "consent": {"victim_support": True}, **over}
        asyncio.run(send_reports(env.settings, mule_reports(report, person)))
        alert = wait_for_alert(url, KEYS["analyst"], lambda a: a["reports"] >= 3)
        yield Served(env, url, alert)
    finally:
        env.stop()


def test_anonymous_sees_only_health(served: Served) -> None:
    with served.client() as c:
        assert c.get("/health").json()["status"] == "ok"
        for path in ("/api/alerts", "/api/referrals", "/api/me",
                     f"/api/alerts/{served.alert['alert_id']}"):
            r = c.get(path)
            assert r.status_code == 401, (path, r.text)
            assert r.headers["www-authenticate"] == "Bearer", (path, r.text)
            assert "API key" in r.json()["detail"]
        bad_bearer = {"Authorization": "Bearer not-a-key"}
        assert c.get("/api/alerts", headers=bad_bearer).status_code == 401
        assert c.get("/api/alerts", headers={"X-API-Key": KEYS["analyst"][:-1]}).status_code == 401
    with served.client("read_only", header="x-api-key") as c:
        assert c.get("/api/me").json() == {"name": "carol", "role": "read_only"}


def test_roles_matrix(served: Served) -> None:
    aid = served.alert["alert_id"]
    node = "account:401162-31926819"
    calls: dict[str, tuple[str, str, Any]] = {  # name: (method, path, params/body)
        "alerts": ("GET", "/api/alerts", {"severity": served.alert["severity"]}),
        "detail": ("GET", f"/api/alerts/{aid}", None),
        "graph": ("GET", f"/api/alerts/{aid}/graph", None),
        "neighbourhood": ("GET", "/api/entities/neighbourhood", {"node": node, "hops": 1}),
        "clusters": ("GET", "/api/clusters", None),
        "search": ("GET", "/api/search", {"q": "40-11-62 31926819"}),
        "referrals": ("GET", "/api/referrals", None),
        "export": ("GET", "/api/export", {"format": "csv", "alert": aid}),
        "status": ("PUT", f"/api/alerts/{aid}/status", {"status": "acknowledged"}),
        "outcomes": ("GET", "/api/outcomes", {"from": "2026-11-10", "to": "2026-11-12",
                                              "format": "json"}),
    }
    allowed = {
        "analyst": set(calls),
        "referral_officer": {"referrals"},
        "read_only": {"alerts", "detail", "graph", "neighbourhood", "clusters", "search",
                      "outcomes"},
    }
    got = {}
    for role in KEYS:
        with served.client(role) as c:
            for name, (method, path, arg) in calls.items():
                r = (c.put(path, json=arg) if method == "PUT" else c.get(path, params=arg))
                got[(role, name)] = r.status_code
    want = {(role, name): 200 if name in allowed[role] else 403
            for role in KEYS for name in calls}
    assert got == want, {k: (got[k], want[k]) for k in got if got[k] != want[k]}


def test_bad_requests_get_clear_json_errors(served: Served) -> None:
    aid = served.alert["alert_id"]
    with served.client("analyst") as c:
        cases: list[tuple[str, str, Any, int, str]] = [
            # (method, path, params or body, status, words in the detail)
            ("PUT", f"/api/alerts/{aid}/status", {"status": "closed"}, 422, "reason"),
            ("PUT", f"/api/alerts/{aid}/status", {"status": "assigned"}, 422, "assignee"),
            ("PUT", f"/api/alerts/{aid}/status", {"status": "deleted"}, 422, "acknowledged"),
            ("PUT", f"/api/alerts/{aid}/status", {"status": "closed", "reason": "  "}, 422, "S"),
            ("PUT", "/api/alerts/NOPE/status", {"status": "acknowledged"}, 404, "no alert"),
            ("GET", "/api/alerts/NOPE", None, 404, "no alert 'NOPE'"),
            ("GET", "/api/alerts", {"severity": "dire"}, 422, "critical"),
            ("GET", "/api/alerts", {"limit": 0}, 422, "greater than or equal to 1"),
            ("GET", "/api/entities/neighbourhood", {"node": "phone:+440"}, 404, "no node"),
            ("GET", "/api/entities/neighbourhood", {"node": "account:401162-31926819",
                                                    "hops": 9}, 422, "less than or equal to 3"),
            ("GET", "/api/search", {"q": ""}, 422, "at least 1 character"),
            ("GET", "/api/search", {"q": "x" * 301}, 422, "at most 300 characters"),
            ("GET", "/api/search", {"q": "Victim 1", "dob": "soon"}, 422, "pattern"),
            ("GET", "/api/search", {"q": "Victim 1", "dob": "1990-02-31"}, 422, "not a date"),
            ("GET", "/api/search", {"q": "Victim 1", "limit": 0}, 422, "greater than"),
            ("GET", "/api/export", {"format": "graphml"}, 400, "alert, cluster or entity"),
            ("GET", "/api/export", {"format": "docx", "alert": aid}, 422, "graphml"),
            ("GET", "/api/export", {"alert": aid, "pseudonymise": "true"}, 400,
             "LINKWATCH_PSEUDONYM_KEY"),
            # one value expected, two given: refused, not one of them silently used
            ("GET", "/api/referrals", [("service", "a"), ("service", "b")], 422, "once"),
            ("GET", "/api/alerts", [("limit", "5"), ("limit", "6")], 422, "limit"),
        ]
        for method, path, arg, status, words in cases:
            r = c.put(path, json=arg) if method == "PUT" else c.get(path, params=arg)
            assert r.status_code == status, (path, arg, r.status_code, r.text)
            assert r.headers["content-type"] == "application/json", r.headers
            assert words in json.dumps(r.json()["detail"]), (path, arg, r.text)
        # a parameter that takes several values still may be repeated
        r = c.get("/api/export", params=[("alert", aid), ("recipient", "a"), ("recipient", "b")])
        assert r.status_code == 200, r.text


def test_alert_detail_graph_and_neighbourhood(served: Served) -> None:
    aid = served.alert["alert_id"]
    with served.client("read_only") as c:
        detail = c.get(f"/api/alerts/{aid}").json()
        graph = c.get(f"/api/alerts/{aid}/graph").json()
        hood = c.get("/api/entities/neighbourhood",
                     params={"node": "account:401162-31926819", "hops": 1}).json()
    alert = detail["alert"]
    assert alert["reasons"] and set(alert["report_ids"]) == {"MULE-0", "MULE-1", "MULE-2"}
    assert {e["report_id"]: e["kind"] for e in detail["evidence"]} == {
        "MULE-0": "fraud", "MULE-1": "fraud", "MULE-2": "fraud"}, detail["evidence"]
    ids = {n["data"]["id"] for n in graph["elements"]["nodes"]}
    assert {"account:401162-31926819", "report:MULE-0"} <= ids, ids
    assert all({"source", "target", "type"} <= set(e["data"]) for e in graph["elements"]["edges"])
    assert hood["node"]["kind"] == "account" and hood["node"]["degree"] >= 3, hood["node"]
    assert {f"report:MULE-{i}" for i in range(3)} <= {n["data"]["id"]
                                                      for n in hood["elements"]["nodes"]}


def test_search_by_identifier_and_name_is_audited(served: Served) -> None:
    aid = served.alert["alert_id"]
    with served.client("read_only") as c:
        by_account = c.get("/api/search", params={"q": "40-11-62 31926819"})
        by_name = c.get("/api/search", params={"q": "victim 1", "dob": "02/01/1951"})
        nothing = c.get("/api/search", params={"q": "07700 900999"})
    assert by_account.status_code == 200, by_account.text
    hit = by_account.json()["hits"][0]
    assert (hit["node_id"], hit["kind"], hit["match"], hit["reports"]) == (
        "account:401162-31926819", "account", "identifier", 3), hit
    assert aid in {a["alert_id"] for a in hit["alerts"]}, hit
    people = by_name.json()["hits"]
    assert [(h["kind"], h["label"], h["match"]) for h in people] == [
        ("person", "Victim 1", "name_and_dob")], people
    assert people[0]["score"] > 20 and people[0]["reports"] == 1
    assert nothing.json()["hits"] == []
    audit = asyncio.run(settle(served.env.settings, "linkwatch.audit", quiet_s=2))
    searches = [a for a in audit if a.get("endpoint") == "/api/search"
                and a.get("user") == "carol"]
    assert [(a["event"], a["query"], a["object"]) for a in searches[-3:]] == [
        ("consultation", "40-11-62 31926819", ["account:401162-31926819"]),
        ("consultation", "victim 1", [people[0]["node_id"]]),
        ("consultation", "07700 900999", [])], searches[-3:]
    assert searches[-2]["dob"] == "02/01/1951"


def test_status_change_is_stored_for_suppression(served: Served) -> None:
    aid = served.alert["alert_id"]
    with served.client("analyst") as c:
        r = c.put(f"/api/alerts/{aid}/status", json={"status": "assigned", "assignee": "dc-jones"})
        assert r.status_code == 200 and r.json()["assignee"] == "dc-jones", r.text
        r = c.put(f"/api/alerts/{aid}/status",
                  json={"status": "closed", "reason": "known family account, no offence"})
        assert r.status_code == 200, r.text
        closed = c.get("/api/alerts", params={"status": "closed"}).json()["items"]
        detail = c.get(f"/api/alerts/{aid}").json()
    assert [a["alert_id"] for a in closed] == [aid]
    assert detail["status"]["status"] == "closed" and detail["status"]["by"] == "alice"
    # what the link stage reads back before it publishes the next version
    raw = redis.Redis.from_url(served.env.settings.redis_url or "").get(
        status_key(served.env.settings.app_id, aid))
    stored = json.loads(raw or "null")
    assert stored["status"] == "closed" and stored["severity"] == served.alert["severity"], stored
    same = Alert.model_validate({**detail["alert"], "version": detail["alert"]["version"] + 1})
    assert suppress(same, stored)
    worse = same.model_copy(update={"severity": "critical"})
    assert served.alert["severity"] == "critical" or not suppress(worse, stored)


def test_reads_and_exports_are_audited(served: Served, tmp_path) -> None:  # type: ignore[no-untyped-def]
    aid = served.alert["alert_id"]
    with served.client("read_only") as c:
        assert c.get(f"/api/alerts/{aid}").status_code == 200
    with served.client("analyst") as c:
        r = c.get("/api/export", params={"format": "graphml", "alert": aid,
                                         "recipient": ["DS Patel, ROCU West Midlands"]})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/graphml+xml"
    assert "attachment" in r.headers["content-disposition"]
    path = tmp_path / "alert.graphml"
    path.write_bytes(r.content)
    g = nx.read_graphml(path)
    assert "account:401162-31926819" in g and "OFFICIAL-SENSITIVE" in r.text
    audit = asyncio.run(settle(served.env.settings, "linkwatch.audit", quiet_s=2))
    reads = [a for a in audit if a.get("event") == "consultation" and a.get("object") == aid
             and a.get("user") == "carol"]
    assert reads and reads[-1]["role"] == "read_only" and reads[-1]["at"], audit[-5:]
    assert reads[-1]["endpoint"] == "/api/alerts/{alert_id}"
    shares = [a for a in audit if a.get("event") == "disclosure" and a.get("format") == "graphml"]
    assert shares and shares[-1]["recipients"] == ["DS Patel, ROCU West Midlands"], audit[-5:]
    assert shares[-1]["user"] == "alice" and shares[-1]["nodes"] == g.number_of_nodes()
    changes = [a for a in audit if a.get("event") == "alteration"]
    assert all(a["role"] == "analyst" for a in changes)


async def test_stream_delivers_a_new_alert(served: Served, report_factory, person_factory
                                           ) -> None:
    account = ["20-00-00 55779911", "200000 55779911", "20 00 00-55779911"]
    reports = [report_factory(
        "fraud", report_id=f"LIVE-{i}", reported_at=f"2026-11-{12 + i:02d}T09:00:00+00:00",
        persons=[person_factory("v1", name=f"Live Victim {i}", dob=f"19{60 + i}-03-04")],
        identifiers=[{"type": "bank_account", "role": "payee", "value": account[i]}],
        fraud={"fraud_type": "romance", "amount_lost": "£900.00"}) for i in range(3)]
    headers = {"Authorization": f"Bearer {KEYS['read_only']}"}
    events: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=served.url, headers=headers, timeout=None) as c:
        async with c.stream("GET", "/api/alerts/stream") as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            await send_reports(served.env.settings, reports)

            async def read() -> None:
                event = None
                async for line in resp.aiter_lines():
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and event == "alert":
                        events.append(json.loads(line.split(":", 1)[1]))
                        if events[-1]["reports"] >= 3:
                            return
            await asyncio.wait_for(read(), 120)
    assert events[-1]["type"] == "mule_account" and events[-1]["status"] == "new", events
    with served.client("analyst") as client:
        detail = client.get(f"/api/alerts/{events[-1]['alert_id']}").json()
    assert set(detail["alert"]["report_ids"]) == {"LIVE-0", "LIVE-1", "LIVE-2"}


def test_outcomes_page_is_served(served: Served) -> None:
    """The plan's measures from what the API follows, checked against the fixture's input:
    fraud reports MULE-0 (10 Nov 2026) and MULE-1 (11 Nov), each with one consenting victim
    (MULE-2 and the stream test's reports are from 12 Nov on)."""
    period = {"from": "2026-11-10", "to": "2026-11-11"}
    deadline = time.monotonic() + 60
    with served.client("analyst") as c:
        while True:
            body = c.get("/api/outcomes", params={**period, "format": "json"}).json()
            cur = body["current"]
            if (cur["reports"], cur["fraud_cyber"]["referred"]) == (2, 2) \
                    or time.monotonic() > deadline:
                break
            time.sleep(1)
        page = c.get("/api/outcomes", params=period)
        bad = c.get("/api/outcomes", params={"from": "2026-11-11", "to": "2026-11-10"})
        dues = [datetime.fromisoformat(r["due_by"]) for r in c.get(
            "/api/referrals", params={"limit": 500}).json()["items"]
            if r["report_id"] in {"MULE-0", "MULE-1"}]
    assert cur["reports"] == 2 and cur["by_category"] == {"investment": {"count": 2,
                                                                         "harm": cur["harm"]}}
    assert cur["fraud_cyber"]["victims"] == 2 and cur["fraud_cyber"]["referred"] == 2, cur
    # on time: published (just now, by the worker) no later than due (2 working days after
    # the report); the fixture's reports are dated, the publishing is not
    now = datetime.now(UTC)
    assert cur["fraud_cyber"]["timed"] == 2 and len(dues) == 2
    assert cur["fraud_cyber"]["on_time"] == sum(now <= d for d in dues), (cur, dues)
    assert body["previous"]["reports"] == 0 and body["comparable"] is False
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count("OFFICIAL-SENSITIVE") >= 2 and "<svg" in page.text
    assert "2026-11-10 to 2026-11-11" in page.text
    assert bad.status_code == 400 and "on or before" in bad.json()["detail"]
