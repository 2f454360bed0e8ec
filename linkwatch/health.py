"""``linkwatch health``: is this machine's worker alive and every agent running?

A worker writes ``{data_dir}/health/{hostname}-{pid}.json`` every couple of seconds
(``agents/_health.py``): its pid, the time and each agent's state.  The check reads the
files of this host whose process still runs; it is healthy when there is at least one,
each was written within ``max_age_s`` seconds, and every agent in each is ``running``.
Files of processes that are gone are removed.  It is what ``docker-compose.yml``'s
health check runs inside a worker's container.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkwatch.config import Settings

DEFAULT_MAX_AGE_S = 15.0


def _dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "health"


def write(settings: Settings, beat: dict[str, Any]) -> None:
    """Replace this process's heartbeat file at once (write, then rename)."""
    folder = _dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{socket.gethostname()}-{os.getpid()}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(beat), encoding="utf-8")
    tmp.replace(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Verdict:
    healthy: bool
    problems: list[str]
    workers: list[dict[str, Any]]


def check(settings: Settings, max_age_s: float = DEFAULT_MAX_AGE_S,
          now: float | None = None) -> Verdict:
    now = time.time() if now is None else now
    problems: list[str] = []
    workers: list[dict[str, Any]] = []
    for path in sorted(_dir(settings).glob(f"{socket.gethostname()}-*.json")):
        try:
            beat = json.loads(path.read_text(encoding="utf-8"))
            pid = int(beat["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            problems.append(f"{path.name}: unreadable")
            continue
        if not _alive(pid):
            path.unlink(missing_ok=True)  # that worker is gone; its file says nothing now
            continue
        workers.append(beat)
        age = now - float(beat.get("time", 0))
        if age > max_age_s:
            problems.append(f"worker {pid}: no heartbeat for {age:.0f} s (event loop stuck?)")
        for agent, state in sorted(beat.get("agents", {}).items()):
            if state != "running":
                problems.append(f"worker {pid}: agent {agent} is {state}")
    if not workers:
        problems.append(f"no worker running on this host (no heartbeat in {_dir(settings)})")
    return Verdict(not problems, problems, workers)
