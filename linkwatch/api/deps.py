"""Who is asking (API key -> principal, role checks) and what they may reach."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from linkwatch.config import Settings
from linkwatch.view import GraphView

from . import audit
from .auth import KeyRing, Principal
from .guard import UNAUTHORISED, denied
from .readmodel import ReadModel
from .status import StatusStore

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key")


@dataclass
class Services:
    settings: Settings
    keys: KeyRing
    model: ReadModel
    statuses: StatusStore
    audit: audit.AuditSink


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def link_view(request: Request) -> GraphView:
    """The link stage's view; 503 while the link stage has not written one yet."""
    view = services(request).model.view
    if view is None:
        raise HTTPException(503, "the link graph is not available yet: the link stage has not "
                                 "written its view (is `linkwatch worker` running?)")
    return view


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller's principal, if it holds one of ``roles``."""

    async def check(request: Request,
                    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                    header_key: Annotated[str | None, Depends(api_key_header)]) -> Principal:
        presented = creds.credentials if creds else header_key
        who = services(request).keys.lookup(presented) if presented else None
        endpoint = getattr(request.scope.get("route"), "path", request.url.path)
        if who is None:  # the guard refuses these first; kept for an app without it
            await denied(request.scope, 401, "no API key" if not presented
                         else "unknown API key", endpoint=endpoint)
            raise HTTPException(401, UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"})
        if who.role not in roles:
            await denied(request.scope, 403, f"role {who.role} may not use this route",
                         who, endpoint=endpoint)
            raise HTTPException(403, f"role {who.role!r} may not use this; it needs one of "
                                f"{', '.join(roles)}")
        return who
    return check


ANALYST = ("analyst",)
ALERT_READERS = ("analyst", "read_only")
REFERRAL_READERS = ("analyst", "referral_officer")
ANYONE = ("analyst", "referral_officer", "read_only")


async def log(request: Request, who: Principal, event: str, *, wait: bool = True,
              **details: Any) -> None:
    """Write one s.62 record for this request (the route's template, not the raw URL)."""
    route = request.scope.get("route")
    endpoint = getattr(route, "path", request.url.path)
    svc = services(request)
    await audit.record(svc.audit, who, event, method=request.method, endpoint=endpoint,
                       handling=svc.settings.handling, wait=wait, **details)
