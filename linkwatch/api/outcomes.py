"""``GET /api/outcomes``: the Police and Crime Plan's measures over a period against the
period before (``linkwatch.reporting``), from what the read model follows: the accepted
reports, every alert version and the referrals with when they were published.  The same
figures as ``linkwatch report outcomes`` over the pipeline's topics."""

from __future__ import annotations

import asyncio
import threading
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from linkwatch.reporting import outcomes, render_html, render_json, render_markdown, reoffending

from .auth import Principal
from .deps import ALERT_READERS, log, require, services

router = APIRouter(prefix="/api")
MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
         "json": "application/json"}
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
MAX_DAYS = 36_525   # a century: the period before it must still be a date
_PLOTTING = threading.Lock()   # matplotlib's pyplot state is global: one page at a time


@router.get("/outcomes", response_class=Response, summary="The plan's success measures",
            responses={200: {"content": {m: {} for m in MEDIA.values()},
                             "description": "HTML with inline SVG plots, Markdown or JSON"}})
async def outcomes_page(
    request: Request, who: Annotated[Principal, Depends(require(*ALERT_READERS))],
    start: Annotated[date, Query(alias="from", description="first day, e.g. 2026-11-01")],
    end: Annotated[date, Query(alias="to", description="last day (inclusive)")],
    format: Literal["html", "md", "json"] = "html",
    reoffending_window: Annotated[int | None, Query(
        ge=1, le=3650, description="add re-offending over this window (days)")] = None,
) -> Response:
    if not (FIRST_DAY <= start <= end <= LAST_DAY and (end - start).days < MAX_DAYS):
        raise HTTPException(400, f"from {start} and to {end}: give from on or before to, "
                            f"both between {FIRST_DAY} and {LAST_DAY}, at most {MAX_DAYS} "
                            "days apart")
    svc = services(request)
    model = svc.model
    rows = model.report_rows()
    sources = [f"linkwatch serve read model: {len(rows)} reports, "
               f"{len(model.alert_versions)} alert messages, {len(model.referrals)} referrals"]
    result = outcomes(rows, list(model.alert_versions), model.referral_messages(), start, end,
                      svc.settings.force, sources)
    reo = reoffending(rows, reoffending_window) if reoffending_window else None
    handling = svc.settings.handling

    def render() -> str:
        if format == "json":
            return render_json(result, reo)
        if format == "md":
            return render_markdown(result, reo, handling)
        with _PLOTTING:
            return render_html(result, reo, handling=handling)
    text = await asyncio.to_thread(render)
    await log(request, who, "consultation", object="outcomes", format=format,
              period={"from": start.isoformat(), "to": end.isoformat()})
    return Response(text, media_type=MEDIA[format], headers={"X-Handling": handling})
