"""The FastAPI application: routes, the analyst page, and the services it runs on.

``create_app(settings, keys)`` builds the app; its lifespan starts the read model
(following the topics), the audit producer and the Redis connection, and stops
them again.  ``linkwatch serve`` runs it with uvicorn.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from linkwatch.config import Settings

from .audit import AuditUnavailable, KafkaAudit
from .auth import ApiSettings, KeyRing
from .deps import Services
from .guard import Guard
from .models import Health
from .outcomes import router as outcomes_router
from .readmodel import ReadModel
from .routes import ERRORS, router
from .search import router as search_router
from .status import StatusStore

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
_HEADERS = {
    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
}


class _SecurityHeaders:
    """Plain ASGI middleware (streams pass straight through): safe headers on every
    response, and ``no-store`` on the API's (personal data is never cached)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in _HEADERS.items():
                    headers[k] = v
                if api and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)
        await self.app(scope, receive, with_headers)


def _takes_many(annotation: Any) -> bool:
    """``list[str] | None`` and the like: a parameter that may be repeated."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_takes_many(a) for a in get_args(annotation))
    return origin in (list, tuple, set, frozenset)


def _one_value_each(request: Request) -> None:
    """A query parameter that takes one value, given several (``?service=a&service=b``),
    is refused (422, as any invalid parameter) rather than one of them silently used."""
    keys = [k for k, _ in request.query_params.multi_items()]
    repeated = {k for k in keys if keys.count(k) > 1}
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if not repeated or dependant is None:
        return
    many: set[str] = set()
    todo = [dependant]
    while todo:  # the route's own parameters and its dependencies'
        d = todo.pop()
        many.update(f.alias for f in d.query_params if _takes_many(f.field_info.annotation))
        todo.extend(d.dependencies)
    if bad := sorted(repeated - many):
        raise RequestValidationError([
            {"type": "too_many_values", "loc": ("query", k),
             "msg": "give this parameter once", "input": request.query_params.getlist(k)}
            for k in bad])


_QUOTED = re.compile(r"'[^']{33,}'")  # a long quoted value in a message: the input


def _safe_errors(errors: Any) -> list[dict[str, Any]]:
    """A validation error's items without the input that failed (it may be megabytes, or
    personal data, or NaN, which JSON cannot carry): type, where and why only; a long
    quoted value inside the message (pydantic quotes a bad tag) is cut out too."""
    out = []
    for e in errors:
        loc = [part if isinstance(part, int) else str(part)[:100] for part in e.get("loc", ())]
        msg = _QUOTED.sub("'…'", str(e.get("msg", "")))[:300]
        out.append({"type": str(e.get("type", ""))[:100], "loc": loc, "msg": msg})
    return out


def create_app(settings: Settings, keys: KeyRing, api: ApiSettings | None = None) -> FastAPI:
    """``api``: the API's own settings (Host names, body cap, failure limit); read from
    the environment when not given."""
    api = api or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from linkwatch.kafka import ensure_topics

        settings: Settings = app.state.settings  # read at start, so a test may point it elsewhere
        await ensure_topics(settings)
        audit = KafkaAudit(settings)
        await audit.start()
        model = ReadModel(settings)
        statuses = StatusStore(settings.redis_url or "redis://127.0.0.1:6379/0", settings.app_id)
        app.state.services = Services(settings, keys, model, statuses, audit)
        model.start()
        try:
            yield
        finally:
            await model.stop()
            await statuses.close()
            await audit.stop()

    app = FastAPI(
        dependencies=[Depends(_one_value_each)],
        title="linkwatch API", version="1",
        description="Alerts, the link graph, exports and referrals for analysts and referral "
                    "officers.  Every read of personal data and every export is written to the "
                    "audit log (DPA 2018 s.62).  Authenticate with `Authorization: Bearer <key>` "
                    "or `X-API-Key: <key>`.",
        lifespan=lifespan, docs_url=None, redoc_url=None)  # no CDN-hosted doc pages
    app.state.settings = settings
    app.include_router(router)
    app.include_router(outcomes_router, responses=ERRORS)
    app.include_router(search_router, responses=ERRORS)

    @app.get("/health", response_model=Health, tags=["health"],
             summary="Liveness and read-model progress (anonymous, no personal data)")
    async def health(request: Request) -> Health:
        model: ReadModel = request.app.state.services.model
        return Health(status="ok" if model.ready else "starting", ready=dict(model.caught_up),
                      alerts=len(model.alerts), referrals=len(model.referrals),
                      reports=model.reports)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(AuditUnavailable)
    async def audit_down(_request: Request, _exc: AuditUnavailable) -> JSONResponse:
        return JSONResponse({"detail": "the audit log is unavailable, so nothing is disclosed; "
                                       "try again shortly"}, status_code=503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _safe_errors(exc.errors())}, status_code=422)

    app.add_middleware(Guard, keys=keys, hosts=api.host_names(),  # inner: runs second
                       max_body=api.api_max_body_bytes,
                       failures_per_minute=api.api_auth_failures_per_minute)
    app.add_middleware(_SecurityHeaders)  # outer: headers on every answer, the guard's too
    return app
