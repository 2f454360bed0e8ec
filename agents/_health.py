"""A worker whose agent has died must not look alive.

Every stage's agent body runs inside ``supervised``: an exception that escapes it (past
the per-report guards: the batch machinery, the broker client) is logged as a fault,
without its message (personal data), the agent is marked crashed, and the worker is made
to exit non-zero within seconds (Faust's own crash path, then a hard exit if that hangs),
so that compose, systemd or Kubernetes restarts it.  Faust alone would log ``Agent
crashed`` and keep a live process that consumes nothing.

The worker also writes a heartbeat file every ``BEAT_S`` seconds: its pid, the time and
each agent's state.  ``linkwatch health`` (``linkwatch.health``) reads it: unhealthy if
the file is stale, the process gone, or any agent not ``running``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from linkwatch import health
from linkwatch.faults import capture
from linkwatch.streams.channels import app, settings

log = logging.getLogger(__name__)

BEAT_S = 2.0
HARD_EXIT_AFTER_S = 20.0
EXIT_CODE = 70  # EX_SOFTWARE: an internal error, not bad input
_states: dict[str, str] = {}


class AgentCrashed(RuntimeError):
    """What Faust is told (and logs): the agent and the fault, never the original message."""


Body = Callable[[Any], Awaitable[None]]


def supervised(name: str) -> Callable[[Body], Body]:
    """Decorate the agent body ``name``: its state is kept, and a crash makes the worker
    exit (put it under ``@app.agent(..., name=name)``)."""
    return lambda body: _supervise(name, body)


def _supervise(name: str, body: Body) -> Body:
    async def run(stream: Any) -> None:
        _states[name] = "running"
        try:
            await body(stream)
        except asyncio.CancelledError:
            _states[name] = "stopped" if app.should_stop else "restarting"
            raise
        except Exception as exc:  # noqa: BLE001 - the worker exits: never a silent idle
            fault = capture(name, exc, then="the agent has stopped; the worker exits")
            _states[name] = "crashed"
            _exit_soon(AgentCrashed(f"agent {name} crashed: {fault.describe()}"))
            raise AgentCrashed(fault.describe()) from None
        _states[name] = "stopped"
    run.__name__ = run.__qualname__ = name
    run.__doc__ = body.__doc__
    return run


def _exit_soon(reason: BaseException) -> None:
    """Crash the app (the worker exits 1 once Faust has stopped); if the process is still
    here ``HARD_EXIT_AFTER_S`` later, leave at once."""
    log.critical("%s: stopping the worker so that it is restarted", reason)
    _write(time.time())  # say so at once, not at the next beat
    timer = threading.Timer(HARD_EXIT_AFTER_S, os._exit, (EXIT_CODE,))
    timer.daemon = True
    timer.start()
    asyncio.ensure_future(app.crash(reason))


def _write(now: float) -> None:
    names = [a.name.rsplit(".", 1)[-1] for a in app.agents.values()]
    agents = {name: _states.get(name, "starting") for name in names}
    try:
        health.write(settings, {"pid": os.getpid(), "time": now, "agents": agents})
    except OSError as exc:  # a full or read-only disk: say so, the stream goes on
        log.warning("could not write the health file (%s)", type(exc).__name__)


@app.task
async def heartbeat() -> None:
    """From the worker's start, every ``BEAT_S`` seconds (the app cancels it at stop)."""
    while not app.should_stop:
        _write(time.time())
        await asyncio.sleep(BEAT_S)
