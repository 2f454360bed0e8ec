"""The API's front door, before any route runs (plain ASGI, so nothing is buffered):

1. the ``Host`` header must name this server (``LINKWATCH_API_HOSTS``; DNS rebinding):
   else 400;
2. every ``/api/*`` request must carry a known key, checked before a byte of the body is
   read: else 401, and the denial is logged and audited (``denied``);
3. a client with ``LINKWATCH_API_AUTH_FAILURES_PER_MINUTE`` failed keys in the last
   minute gets 429 (with ``Retry-After``) until the oldest failure is a minute old,
   whatever key it sends;
4. a body over ``LINKWATCH_API_MAX_BODY_BYTES`` is refused with 413, by its
   ``Content-Length`` or, without one, once that many bytes have arrived.

Role checks (403) stay with each route (``deps.require``), which audits them the same way.
A denial record names who (the key's holder and role when the key is known, never any
key material), the client address, the route, when and why.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import KeyRing, Principal

log = logging.getLogger(__name__)
WINDOW_S = 60.0
MAX_CLIENTS = 10_000  # failure histories kept (oldest dropped first)
UNAUTHORISED = ("missing or unknown API key: send 'Authorization: Bearer <key>' "
                "or 'X-API-Key: <key>'")


def host_of(header: str) -> str:
    """``Host`` without its port, lower case: ``[::1]:8000`` -> ``[::1]``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[:header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def presented_key(headers: dict[bytes, bytes]) -> str | None:
    """The key as ``deps.require`` reads it: a Bearer token, else ``X-API-Key``."""
    auth = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    key = headers.get(b"x-api-key", b"").decode("latin-1").strip()
    return key or None


class FailureLimiter:
    """Failed authentications per client in a sliding minute."""

    def __init__(self, per_minute: int, clock: Any = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        now = self.clock()
        seen = self._seen.get(client, deque())
        while seen and now - seen[0] >= WINDOW_S:
            seen.popleft()
        return seen

    def retry_after(self, client: str) -> int | None:
        """Seconds to wait when the client is over the limit, else None."""
        seen = self._recent(client)
        if not seen:
            self._seen.pop(client, None)
        if len(seen) < self.per_minute:
            return None
        return max(1, int(WINDOW_S - (self.clock() - seen[0])) + 1)

    def fail(self, client: str) -> None:
        seen = self._recent(client)
        seen.append(self.clock())
        self._seen.pop(client, None)
        self._seen[client] = seen  # most recent last
        while len(self._seen) > MAX_CLIENTS:
            self._seen.pop(next(iter(self._seen)))


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def denied(scope: Scope, status: int, reason: str, who: Principal | None = None,
                 endpoint: str | None = None) -> None:
    """Log and audit a refused request.  Never raises: the refusal stands either way."""
    method = scope.get("method", "")
    path = endpoint or str(scope.get("path", ""))[:200]
    client = client_of(scope)
    log.warning("denied %s %s from %s: %d %s%s", method, path, client, status, reason,
                f" ({who.name}, {who.role})" if who else "")
    services = getattr(getattr(scope.get("app"), "state", None), "services", None)
    if services is None:
        return
    record = {"event": "denied", "at": datetime.now(UTC).isoformat(),
              "user": who.name if who else None, "role": who.role if who else None,
              "client": client, "method": method, "endpoint": path, "status": status,
              "reason": reason, "handling": services.settings.handling, "source": "api"}
    try:
        await services.audit.write(record, wait=False)
    except Exception as exc:  # noqa: BLE001 - the request is refused anyway
        log.error("audit log unavailable for a denial: %s", exc)


class Guard:
    """The checks of the module docstring, in that order."""

    def __init__(self, app: ASGIApp, keys: KeyRing, hosts: Iterable[str], max_body: int,
                 failures_per_minute: int) -> None:
        self.app = app
        self.keys = keys
        self.hosts = {h.lower() for h in hosts}
        self.max_body = max_body
        self.limiter = FailureLimiter(failures_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = host_of(headers.get(b"host", b"").decode("latin-1"))
        if "*" not in self.hosts and host not in self.hosts:
            log.warning("refused a request from %s for host %r (not in LINKWATCH_API_HOSTS)",
                        client_of(scope), host[:100])
            await _reply(send, 400, "this server does not answer to that Host name")
            return
        if str(scope.get("path", "")).startswith("/api/"):
            client = client_of(scope)
            wait = self.limiter.retry_after(client)
            if wait is not None:  # logged, not audited: the failures before it were
                log.info("429 for %s: too many failed authentications", client)
                await _reply(send, 429, "too many failed authentications: try again later",
                             [(b"retry-after", str(wait).encode())])
                return
            key = presented_key(headers)
            if key is None or self.keys.lookup(key) is None:
                self.limiter.fail(client)
                await denied(scope, 401, "no API key" if key is None else "unknown API key")
                await _reply(send, 401, UNAUTHORISED, [(b"www-authenticate", b"Bearer")])
                return
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            await _reply(send, 413, f"the body is over {self.max_body} bytes")
            return
        await self.app(scope, self._capped(receive), send)

    def _capped(self, receive: Receive) -> Receive:
        total = 0

        async def capped() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > self.max_body:
                    raise HTTPException(413, f"the body is over {self.max_body} bytes")
            return message
        return capped


async def _reply(send: Send, status: int, detail: str,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
