"""Logs carry no personal data at --loglevel debug either (issue 20, defect 9): aiokafka
logs each record it sends at DEBUG ("Sending (key=... value=...)"), so third-party
loggers are kept at INFO (``linkwatch.logsafe``).  A real worker and a real API, each
at debug, handle reports with names and phones; their logs are searched for them.
(At info, ``test_reliability.test_worker_logs_carry_no_personal_data``.)"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx
import pytest
from conftest import ARTIFACTS
from kafka_helpers import collect
from test_api import KEYS, NAMES, free_port

from linkwatch.ingest import send_reports
from linkwatch.stack import spawn_child, stop_process

pytestmark = pytest.mark.integration

NAME, PHONE, PHONE_E164 = "Wilhelmina Debuggerson", "07700 900777", "+447700900777"


def _spawn(env, argv: list[str], log_name: str, **extra: str):  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{env.vars['LINKWATCH_APP_ID']}-{log_name}.log"
    proc = spawn_child([sys.executable, *argv], env={**os.environ, **env.vars, **extra},
                       output=open(path, "ab"))  # noqa: SIM115
    env.workers.append(proc)
    return proc, path


def test_worker_and_api_at_debug_log_no_personal_data(lw_env, report_factory,
                                                      person_factory) -> None:
    env = lw_env()
    worker, worker_log = _spawn(env, ["-m", "linkwatch.cli", "worker", "-l", "debug"],
                                "worker-debug")
    report = report_factory("incident", report_id="DBG-1", incident={"category": "burglary"},
                            persons=[person_factory("v1", name=NAME, phones=[PHONE],
                                                    emails=["wdbg@example.org"])])
    asyncio.run(send_reports(env.settings, [report]))
    got = asyncio.run(collect(env.settings, "referrals", lambda r: len(r) >= 1, 120))
    assert got and got[0]["contact"]["phone"], got  # the phone did go through

    port = free_port()
    keys = ",".join(f"{KEYS[r]}:{r}:{NAMES[r]}" for r in KEYS)
    api, api_log = _spawn(env, ["-m", "linkwatch.api", "--port", str(port), "-l", "debug"],
                          "api-debug", LINKWATCH_API_KEYS=keys)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    with httpx.Client(base_url=url, headers={"X-API-Key": KEYS["analyst"]}, timeout=10) as c:
        while True:
            assert api.poll() is None, api_log.read_text()[-2000:]
            try:
                if c.get("/health").json()["status"] == "ok":
                    break
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            assert time.monotonic() < deadline, "API not ready"
            time.sleep(0.5)
        # each read is audited: the audit record names the phone node
        r = c.get("/api/entities/neighbourhood", params={"node": f"phone:{PHONE_E164}"})
        assert r.status_code == 200, r.text
        assert c.get("/api/referrals").status_code == 200
    time.sleep(1.0)
    stop_process(api)
    stop_process(worker)
    for path in (worker_log, api_log):
        text = path.read_text(errors="replace")
        assert "third-party loggers at INFO or above" in text, path  # really at debug
        for value in (NAME, "Debuggerson", PHONE, PHONE_E164, "900777", "wdbg@example.org"):
            assert value not in text, (path.name, value)
