"""The embedded stack starts real servers and leaves nothing behind: on Ctrl-C,
on SIGTERM, and even when linkwatch itself is killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from linkwatch.config import Settings
from linkwatch.kafka import ensure_topics

pytestmark = pytest.mark.integration


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_stack(stderr: Any = subprocess.DEVNULL) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in {"KAFKA_BOOTSTRAP", "REDIS_URL"}}
    # a terminal's Ctrl-C: SIGINT as a shell leaves it for a foreground command (a test
    # process may ignore SIGINT, and an ignored signal stays ignored across exec)
    proc = subprocess.Popen([sys.executable, "-m", "linkwatch.cli", "stack"], env=env,
                            stdout=subprocess.PIPE, stderr=stderr, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    exports: dict[str, str] = {}
    assert proc.stdout is not None
    while len(exports) < 2:
        line = proc.stdout.readline()
        assert line, "linkwatch stack exited before printing its addresses"
        if m := re.match(r"export (\w+)=(\S+)", line):
            exports[m.group(1)] = m.group(2)
    return proc, exports


def ports(exports: dict[str, str]) -> list[int]:
    return [int(exports["KAFKA_BOOTSTRAP"].rsplit(":", 1)[1]),
            int(exports["REDIS_URL"].rsplit(":", 1)[1].split("/")[0])]


def wait_closed(port_list: list[int], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(listening(p) for p in port_list):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_embedded_servers_are_real_and_stop_with_linkwatch(how: signal.Signals,
                                                           tmp_path: Path) -> None:
    log = (tmp_path / "stack.err").open("w")
    proc, exports = start_stack(stderr=log)
    try:
        assert redis.Redis.from_url(exports["REDIS_URL"]).ping()
        settings = Settings(KAFKA_BOOTSTRAP=exports["KAFKA_BOOTSTRAP"], topic_prefix="probe.")
        created = asyncio.run(ensure_topics(settings))
        assert "probe.reports.incident" in created
        assert all(listening(p) for p in ports(exports))
    finally:
        proc.send_signal(how)
        # it stops each server within 10 s (SIGTERM, then SIGKILL): 20 s at worst
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"linkwatch stack still running 60 s after {how.name}; its stderr: "
                        + (tmp_path / "stack.err").read_text()[-2000:])
        finally:
            log.close()
    assert wait_closed(ports(exports)), f"servers still listening after {how.name}"
