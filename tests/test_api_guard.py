"""The API cannot be exposed or worn down by accident (issue 20, defects 3-6): the key is
checked before the body is read, bodies are capped, oversized or odd input is never
echoed, the Host header must name the server, failed keys are rate-limited per client,
denials are logged and audited, and `linkwatch serve` refuses unsafe configurations.

The app runs in-process (its lifespan on the real broker and Redis); requests are raw
ASGI calls, so a test sees exactly how much of the body the app asked for."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from kafka_helpers import collect
from pydantic import ValidationError
from typer.testing import CliRunner

from linkwatch.api import KeyRing, create_app
from linkwatch.api.auth import ApiSettings
from linkwatch.cli import app as cli_app
from linkwatch.config import Settings
from linkwatch.streams import topics

KEYS = {"analyst": "guard-analyst-key-0123456789abcdef",
        "read_only": "guard-reader-key-0123456789abcdefg"}
SPEC = f"{KEYS['analyst']}:analyst:ann,{KEYS['read_only']}:read_only:rex"


@asynccontextmanager
async def running(settings: Settings, **api: Any) -> AsyncIterator[Any]:
    app = create_app(settings, KeyRing(SPEC), ApiSettings(**api))
    async with app.router.lifespan_context(app):
        yield app


async def call(app: Any, method: str, path: str, *, headers: dict[str, str] | None = None,
               chunks: list[bytes] = (), client: str = "10.0.0.7",  # type: ignore[assignment]
               host: str = "127.0.0.1:8000") -> tuple[int, dict[str, str], bytes, int]:
    """One request as uvicorn would pass it; returns (status, headers, body, body chunks
    the app read)."""
    hdrs = [(b"host", host.encode())] + [(k.lower().encode(), v.encode())
                                         for k, v in (headers or {}).items()]
    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "root_path": "", "headers": hdrs,
             "client": (client, 50000), "server": ("127.0.0.1", 8000)}
    todo = list(chunks) or [b""]
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        if not todo:
            return {"type": "http.disconnect"}
        read += 1
        body = todo.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(todo)}

    out: dict[str, Any] = {"body": b""}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["headers"], out["body"], read


MB = 1024 * 1024


async def test_the_key_is_checked_before_the_body_is_read(lw_env) -> None:
    s = lw_env().settings
    async with running(s) as app:
        big = [b"x" * MB] * 200  # 200 MB offered, no key
        status, _h, body, read = await call(
            app, "PUT", "/api/alerts/A1/status", chunks=big,
            headers={"content-type": "application/json", "content-length": str(200 * MB)})
        assert status == 401 and read == 0, (status, read)
        assert b"API key" in body
        # with a key: over the cap by its Content-Length -> 413, nothing read
        status, _h, body, read = await call(
            app, "PUT", "/api/alerts/A1/status", chunks=big,
            headers={"x-api-key": KEYS["analyst"], "content-type": "application/json",
                     "content-length": str(200 * MB)})
        assert status == 413 and read == 0, (status, read, body[:200])
        # no Content-Length (chunked): refused once the cap is passed, not at 200 MB
        status, _h, body, read = await call(
            app, "PUT", "/api/alerts/A1/status", chunks=[b"x" * (256 * 1024)] * 800,
            headers={"x-api-key": KEYS["analyst"], "content-type": "application/json"})
        assert status == 413 and read <= 5, (status, read, body[:200])


async def test_oversized_or_odd_input_is_never_echoed_and_nan_is_a_422(lw_env) -> None:
    s = lw_env().settings
    auth = {"x-api-key": KEYS["analyst"], "content-type": "application/json"}
    async with running(s) as app:
        field = "Q" * 900_000  # under the 1 MB cap, so it is parsed and refused
        status, _h, body, _r = await call(app, "PUT", "/api/alerts/A1/status", headers=auth,
                                          chunks=[json.dumps({"status": field}).encode()])
        assert status == 422, status
        assert len(body) < 2_000 and b"QQQQ" not in body, body[:300]
        assert json.loads(body)["detail"][0]["loc"][0] == "body"
        for raw in (b'{"status": "closed", "reason": NaN}', b'{"status": Infinity}',
                    b'{"status": "assigned", "assignee": -Infinity}'):
            status, _h, body, _r = await call(app, "PUT", "/api/alerts/A1/status",
                                              headers=auth, chunks=[raw])
            assert status == 422, (raw, status, body)
            assert json.loads(body)["detail"], body


async def test_the_host_header_must_name_the_server(lw_env) -> None:
    s = lw_env().settings
    async with running(s, api_hosts="localhost,127.0.0.1,[::1],lw.example.police.uk") as app:
        ok = {"x-api-key": KEYS["analyst"]}
        for host in ("127.0.0.1:8000", "localhost", "[::1]:8000", "LW.example.police.uk"):
            status, *_ = await call(app, "GET", "/api/me", headers=ok, host=host)
            assert status == 200, (host, status)
        for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
            status, _h, body, _r = await call(app, "GET", "/api/me", headers=ok, host=host)
            assert status == 400 and b"Host" in body, (host, status)
            status, *_ = await call(app, "GET", "/health", host=host)
            assert status == 400, host


async def test_failed_keys_are_rate_limited_per_client(lw_env) -> None:
    s = lw_env().settings
    async with running(s, api_auth_failures_per_minute=5) as app:
        for n in range(5):
            status, *_ = await call(app, "GET", "/api/me", headers={"x-api-key": f"guess-{n}"},
                                    client="198.51.100.9")
            assert status == 401, (n, status)
        # the sixth try, even with the right key: 429 until a minute has passed
        status, headers, _b, _r = await call(app, "GET", "/api/me", client="198.51.100.9",
                                             headers={"x-api-key": KEYS["analyst"]})
        assert status == 429 and 1 <= int(headers["retry-after"]) <= 61, (status, headers)
        # another client is not held back
        status, *_ = await call(app, "GET", "/api/me", client="198.51.100.10",
                                headers={"x-api-key": KEYS["analyst"]})
        assert status == 200


async def test_denied_requests_are_logged_and_audited_without_key_material(
        lw_env, caplog) -> None:  # type: ignore[no-untyped-def]
    s = lw_env().settings
    wrong = "wrong-key-" + "S3CRET" * 6
    caplog.set_level(logging.INFO)
    async with running(s) as app:
        status, *_ = await call(app, "GET", "/api/alerts", headers={"x-api-key": wrong},
                                client="203.0.113.5")
        assert status == 401
        status, *_ = await call(app, "GET", "/api/referrals", client="203.0.113.6",
                                headers={"authorization": f"Bearer {KEYS['read_only']}"})
        assert status == 403
        status, *_ = await call(app, "GET", "/api/alerts", client="203.0.113.7")
        assert status == 401
    audit = await collect(s, topics.AUDIT,
                          lambda xs: sum(x.get("event") == "denied" for x in xs) >= 3, 30)
    denied = {d["client"]: d for d in audit if d.get("event") == "denied"}
    assert denied["203.0.113.5"]["status"] == 401 and denied["203.0.113.5"]["user"] is None
    assert denied["203.0.113.5"]["endpoint"] == "/api/alerts"
    assert denied["203.0.113.5"]["reason"] == "unknown API key"
    assert denied["203.0.113.7"]["reason"] == "no API key"
    officer = denied["203.0.113.6"]
    assert (officer["status"], officer["user"], officer["role"], officer["endpoint"]) == (
        403, "rex", "read_only", "/api/referrals"), officer
    assert all(d["at"] and d["method"] == "GET" for d in denied.values())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "203.0.113.5" in logged and "203.0.113.6" in logged
    everything = json.dumps(audit) + logged
    for key in (wrong, "S3CRET", KEYS["read_only"], KEYS["analyst"]):
        assert key not in everything, key


# -- `linkwatch serve` refuses what would expose it -------------------------------------

def serve(env: dict[str, str], *args: str, monkeypatch: Any = None) -> Any:
    return CliRunner().invoke(cli_app, ["serve", *args], env={**os.environ, **env})


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "lw.example.police.uk"])
def test_dev_mode_serves_only_on_loopback(host: str) -> None:
    run = serve({"LINKWATCH_DEV_MODE": "1", "LINKWATCH_API_KEYS": ""}, "--host", host)
    assert run.exit_code == 2 and "loopback" in run.output, run.output


def test_short_keys_are_refused_outside_dev_mode() -> None:
    run = serve({"LINKWATCH_DEV_MODE": "0",
                 "LINKWATCH_API_KEYS": "short-but-eightplus:analyst:ann"})
    assert run.exit_code == 2 and "shorter than 32" in run.output, run.output
    assert "short-but" not in run.output  # the key itself is never printed


def test_unknown_log_levels_are_a_usage_error() -> None:
    run = serve({"LINKWATCH_API_KEYS": SPEC}, "-l", "trace")
    assert run.exit_code == 2 and "not a log level" in run.output, run.output
    assert run.exception is None or isinstance(run.exception, SystemExit)


def test_a_short_pseudonym_key_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(pseudonym_key="too-short")
    assert Settings(pseudonym_key="").pseudonym_key is None  # empty means unset
    assert Settings(pseudonym_key="k" * 16).pseudonym_key is not None
    run = serve({"LINKWATCH_API_KEYS": SPEC, "LINKWATCH_PSEUDONYM_KEY": "too-short"})
    assert run.exit_code == 2 and "LINKWATCH_PSEUDONYM_KEY is 9 bytes" in run.output, run.output
    run = CliRunner().invoke(cli_app, ["export", "/tmp/none"],
                             env={**os.environ, "LINKWATCH_PSEUDONYM_KEY": "too-short"})
    assert run.exit_code == 2 and "at least 16" in run.output, run.output


def test_dev_mode_with_empty_keys_prints_the_banner_and_the_bind_host_is_allowed(
        stack, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: ran.update(app=app, **kw))
    run = serve({**stack.env(), "LINKWATCH_DEV_MODE": "1", "LINKWATCH_API_KEYS": ""},
                "--host", "127.0.0.2", "-l", "debug")
    assert run.exit_code == 0, run.output
    assert "development mode" in run.output and "dev-analyst" in run.output, run.output
    assert ran["host"] == "127.0.0.2" and ran["log_level"] == "info", ran
    for name in ("aiokafka", "kafka", "faust", "httpx", "uvicorn.access"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.INFO, name
