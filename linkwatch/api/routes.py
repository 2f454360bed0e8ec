"""The API's endpoints.  Each read of personal data and each export is logged
(``deps.log``) before the data is returned."""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse

from linkwatch.graph.export import FORMATS, export_graph

from . import views
from .auth import Principal
from .deps import (
    ALERT_READERS,
    ANALYST,
    ANYONE,
    REFERRAL_READERS,
    link_view,
    log,
    require,
    services,
)
from .models import (
    AlertDetail,
    AlertPage,
    AlertStatus,
    Cluster,
    CytoscapeGraph,
    Me,
    Problem,
    ReferralPage,
    Severity,
    Status,
    StatusChange,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "a request that cannot be read or made"},
    401: {"model": Problem, "description": "no or unknown API key"},
    403: {"model": Problem, "description": "the key's role may not do this"},
    413: {"model": Problem, "description": "the body is over LINKWATCH_API_MAX_BODY_BYTES"},
    429: {"model": Problem, "description": "too many failed keys from this client in a "
                                           "minute (Retry-After says when to try again)"},
    503: {"model": Problem, "description": "the audit log is unavailable: nothing disclosed"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "no such item"},
}
AlertId = Annotated[str, Query(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
MEDIA = {".graphml": "application/graphml+xml", ".gexf": "application/gexf+xml",
         ".json": "application/json", ".csv": "text/csv", ".zip": "application/zip"}

router = APIRouter(prefix="/api", responses=ERRORS)


@router.get("/me", response_model=Me, summary="Who this API key belongs to")
async def me(who: Annotated[Principal, Depends(require(*ANYONE))]) -> Me:
    return Me(name=who.name, role=who.role)


@router.get("/alerts", response_model=AlertPage, summary="Alerts, newest first")
async def list_alerts(
    request: Request, who: Annotated[Principal, Depends(require(*ALERT_READERS))],
    type: Annotated[str | None, Query(max_length=64, description="e.g. mule_account")] = None,
    severity: Severity | None = None, status: Status | None = None,
    limit: Limit = 50, offset: Offset = 0,
) -> dict[str, Any]:
    svc = services(request)
    alerts = [a for a in svc.model.alerts.values()
              if (type is None or a.get("type") == type)
              and (severity is None or a.get("severity") == severity)]
    statuses = await svc.statuses.get_many([a["alert_id"] for a in alerts])
    rows = [views.summary(a, statuses.get(a["alert_id"])) for a in alerts]
    if status is not None:
        rows = [r for r in rows if r["status"] == status]
    rows.sort(key=lambda r: (r["updated_at"], r["alert_id"]), reverse=True)
    page = rows[offset:offset + limit]
    await log(request, who, "consultation", object=[r["alert_id"] for r in page],
              filters={"type": type, "severity": severity, "status": status})
    return {"total": len(rows), "offset": offset, "limit": limit, "items": page}


@router.get("/alerts/stream", summary="New alert versions as server-sent events",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "`event: alert`, `id: <epoch>-<n>`, `data:` the "
                                            "alert summary (JSON). Reconnect with the "
                                            "`Last-Event-ID` header to be sent the alerts "
                                            "changed since; `event: reset` means the id is "
                                            "unknown (the API restarted): reload the list"}})
async def stream_alerts(request: Request,
                        who: Annotated[Principal, Depends(require(*ALERT_READERS))]
                        ) -> StreamingResponse:
    svc = services(request)
    model = svc.model
    last_id = request.headers.get("last-event-id")
    await log(request, who, "consultation", object="alerts stream opened",
              resumed=last_id is not None)
    # subscribed and the backlog taken with no await between: nothing falls in the gap
    queue = model.subscribe()
    start = model.stream_seq
    backlog = model.changed_since(last_id) if last_id else []

    def event(seq: int, row: dict[str, Any]) -> str:
        return f"event: alert\nid: {model.event_id(seq)}\ndata: {json.dumps(row)}\n\n"

    async def events() -> AsyncIterator[str]:
        sent = start
        try:
            yield ": connected\n\n"
            if backlog is None:
                yield f"event: reset\nid: {model.event_id(start)}\ndata: {{}}\n\n"
            elif backlog:
                statuses = await svc.statuses.get_many([a["alert_id"] for _, a in backlog])
                rows = [(seq, views.summary(a, statuses.get(a["alert_id"])))
                        for seq, a in backlog]
                await log(request, who, "consultation", wait=False,
                          object=[r["alert_id"] for _, r in rows])
                for seq, row in rows:
                    yield event(seq, row)
            while True:
                try:
                    seq, alert = await asyncio.wait_for(queue.get(), timeout=15.0)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if seq <= sent:
                    continue
                sent = seq
                status = await svc.statuses.get(alert["alert_id"])
                row = views.summary(alert, status)
                await log(request, who, "consultation", wait=False, object=row["alert_id"])
                yield event(seq, row)
        finally:
            model.unsubscribe(queue)
    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _alert(request: Request, alert_id: str) -> dict[str, Any]:
    alert = services(request).model.alerts.get(alert_id)
    if alert is None:
        raise HTTPException(404, f"no alert {alert_id!r}")
    return alert


@router.get("/alerts/{alert_id}", response_model=AlertDetail, responses=NOT_FOUND,
            summary="One alert: reasons, evidence reports, entities, links, status")
async def get_alert(request: Request, alert_id: str,
                    who: Annotated[Principal, Depends(require(*ALERT_READERS))]) -> dict[str, Any]:
    alert = _alert(request, alert_id)
    svc = services(request)
    status = await svc.statuses.get(alert_id) or {"alert_id": alert_id}
    await log(request, who, "consultation", object=alert_id)
    reports = alert.get("report_ids", [])
    return {"alert": alert, "status": status,
            "evidence": views.evidence(link_view(request).reports_with_persons(reports),
                                       reports, svc.settings.force)}


@router.get("/alerts/{alert_id}/graph", response_model=CytoscapeGraph, responses=NOT_FOUND,
            summary="The alert's sub-graph as Cytoscape.js elements")
async def alert_graph(request: Request, alert_id: str,
                      who: Annotated[Principal, Depends(require(*ALERT_READERS))]
                      ) -> dict[str, Any]:
    alert = _alert(request, alert_id)
    sub = link_view(request).select(alert=alert)
    await log(request, who, "consultation", object=alert_id, nodes=sub.number_of_nodes())
    return views.cytoscape(sub)


@router.put("/alerts/{alert_id}/status", response_model=AlertStatus, responses=NOT_FOUND,
            summary="Acknowledge, assign or close an alert (fed back to suppress re-alerts)")
async def set_status(request: Request, alert_id: str, change: StatusChange,
                     who: Annotated[Principal, Depends(require(*ANALYST))]) -> dict[str, Any]:
    alert = _alert(request, alert_id)
    status = {"alert_id": alert_id, "status": change.status,
              "assignee": getattr(change, "assignee", None),
              "reason": getattr(change, "reason", None), "severity": alert.get("severity"),
              "version": alert.get("version"), "by": who.name,
              "at": datetime.now(UTC).isoformat()}
    await log(request, who, "alteration", object=alert_id, change=status)
    await services(request).statuses.put(status)
    return status


@router.get("/entities/neighbourhood", response_model=CytoscapeGraph, responses=NOT_FOUND,
            summary="A node and its neighbours within `hops`, as Cytoscape.js elements")
async def neighbourhood(
    request: Request, who: Annotated[Principal, Depends(require(*ALERT_READERS))],
    node: Annotated[str, Query(min_length=3, max_length=300,
                               description="typed node id, e.g. phone:+447700900123")],
    hops: Annotated[int, Query(ge=0, le=3)] = 1,
) -> dict[str, Any]:
    view = link_view(request)
    data = view.node(node)
    if data is None:
        raise HTTPException(404, f"no node {node!r} in the link graph")
    out = views.neighbourhood(view, node, hops)  # hubs are included, never expanded
    await log(request, who, "consultation", object=node, hops=hops)
    out["node"] = views.node_details(data, node, view.degree(node))
    return out


@router.get("/clusters", response_model=list[Cluster], summary="Groups/networks named by alerts")
async def list_clusters(request: Request,
                        who: Annotated[Principal, Depends(require(*ALERT_READERS))]
                        ) -> list[dict[str, Any]]:
    found = views.clusters(services(request).model.alerts.values())
    await log(request, who, "consultation", object=[c["cluster_id"] for c in found])
    return found


@router.get("/export", summary="Export part of the link graph (a disclosure: audited)",
            response_class=Response, responses={
                **NOT_FOUND,
                200: {"description": "the file; several files come as one zip",
                      "content": {m: {} for m in sorted(set(MEDIA.values()))}}})
async def export(
    request: Request, who: Annotated[Principal, Depends(require(*ANALYST))],
    format: Annotated[Literal[FORMATS], Query(description="file format")] = "graphml",  # type: ignore[valid-type]
    alert: AlertId | None = None,
    cluster: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    entity: Annotated[str | None, Query(min_length=3, max_length=300)] = None,
    hops: Annotated[int, Query(ge=0, le=3)] = 1,
    recipient: Annotated[list[str] | None, Query(
        max_length=10, description="who receives the file (default: the caller)")] = None,
    pseudonymise: bool = False,
) -> Response:
    svc = services(request)
    if not (alert or cluster or entity):
        raise HTTPException(400, "say what to export: alert, cluster or entity "
                            "(the whole graph is not exported through the API)")
    recipients = [r.strip() for r in recipient or [] if r.strip()] or [who.name]
    if any(len(r) > 200 for r in recipients):
        raise HTTPException(400, "a recipient is longer than 200 characters")
    key = None
    if pseudonymise:
        if svc.settings.pseudonym_key is None:
            raise HTTPException(400, "pseudonymise needs LINKWATCH_PSEUDONYM_KEY on the server")
        key = svc.settings.pseudonym_key.get_secret_value().encode()
    body = _alert(request, alert) if alert else None
    sub = link_view(request).select(alert=body, cluster_id=cluster, entity=entity, hops=hops)
    if sub.number_of_nodes() == 0:
        raise HTTPException(404, "nothing in the link graph matches that selection")
    with tempfile.TemporaryDirectory(prefix="lw-export-") as tmp:
        paths = export_graph(sub, format, Path(tmp), handling=svc.settings.handling,
                             pseudonymise_key=key)
        content, filename = _package(paths, f"linkwatch-{alert or cluster or 'entity'}-{format}")
    await log(request, who, "disclosure", object=alert or cluster or entity, format=format,
              recipients=recipients, pseudonymised=pseudonymise,
              filters={"alert": alert, "cluster": cluster, "entity": entity, "hops": hops},
              nodes=sub.number_of_nodes(), edges=sub.number_of_edges(),
              files=[p.name for p in paths])
    media = MEDIA.get(Path(filename).suffix, "application/octet-stream")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
    return Response(content, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{safe}"',
        "X-Handling": svc.settings.handling, "Cache-Control": "no-store"})


def _package(paths: list[Path], stem: str) -> tuple[bytes, str]:
    files = [p for p in paths if p.is_file()]
    if len(files) == 1:
        return files[0].read_bytes(), f"{stem}{''.join(files[0].suffixes[-1:])}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            zf.write(p, p.name)
    return buf.getvalue(), f"{stem}.zip"


@router.get("/referrals", response_model=ReferralPage, summary="Victims' Code referrals")
async def list_referrals(
    request: Request, who: Annotated[Principal, Depends(require(*REFERRAL_READERS))],
    service: Annotated[str | None, Query(max_length=64)] = None,
    status: Literal["active", "cancelled"] | None = None,
    limit: Limit = 50, offset: Offset = 0,
) -> dict[str, Any]:
    rows = [r for r in services(request).model.referrals.values()
            if (service is None or r.get("service") == service)
            and (status is None or r.get("status") == status)]
    rows.sort(key=lambda r: (str(r.get("due_by", "")), r["referral_id"]))
    page = rows[offset:offset + limit]
    await log(request, who, "consultation", object=[r["referral_id"] for r in page],
              filters={"service": service, "status": status})
    return {"total": len(rows), "offset": offset, "limit": limit, "items": page}
