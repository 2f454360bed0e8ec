"""``GET /api/search``: find nodes from an identifier as written or a person's name
(``linkwatch.search``), over the read model's link state and alerts.  Each search is
an audited consultation: the query and the node ids returned are logged first."""

from __future__ import annotations

import weakref
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from linkwatch.rules.resolve._features import parse_dob
from linkwatch.search import MAX_QUERY, AlertIndex, search

from .auth import Principal
from .deps import ALERT_READERS, link_view, log, require, services
from .models import SearchResult
from .readmodel import ReadModel

router = APIRouter(prefix="/api")
# the forms the resolver reads (``parse_dob``); the calendar is checked by reading it
DOB_PATTERN = r"^\s*(\d{4}-\d{2}-\d{2}|\d{8}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\s*$"

# per read model: its alerts by node, and the live-stream number it is up to date with
_ALERTS: weakref.WeakKeyDictionary[ReadModel, tuple[AlertIndex, int]] = \
    weakref.WeakKeyDictionary()


def alert_index(model: ReadModel) -> AlertIndex:
    """The read model's alerts by node, brought up to date with the alert versions it has
    taken since the last search (``changed_since``: no scan of every alert)."""
    index, seq = _ALERTS.get(model) or (AlertIndex(), 0)
    if seq != model.stream_seq:
        changed = model.changed_since(model.event_id(seq))
        if changed is None:  # cannot happen for this process's own numbers; rebuild
            index = AlertIndex.of(model.alerts.values())
        else:
            for _seq, alert in changed:
                index.update(alert)
        _ALERTS[model] = (index, model.stream_seq)
    return index


@router.get("/search", response_model=SearchResult,
            summary="Find nodes by identifier as written or by a person's name")
async def search_route(
    request: Request, who: Annotated[Principal, Depends(require(*ALERT_READERS))],
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description=(
        "an identifier as written (07700 900123, 40-11-62 31926819, an e-mail, a URL with or "
        "without scheme, a VRM, a postcode, a report id) or a person's name"))],
    dob: Annotated[str | None, Query(max_length=40, pattern=DOB_PATTERN, description=(
        "a date of birth (1990-01-02, 19900102 or 02/01/1990, day first) to narrow a name "
        "search; one that is not a calendar date is a 422"))] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    if dob is not None and parse_dob(dob) is None:
        raise RequestValidationError([  # a 422 like every invalid parameter
            {"type": "date_parsing", "loc": ("query", "dob"), "input": dob,
             "msg": "not a date: give 1990-01-02 or 02/01/1990"}])
    model = services(request).model
    hits = search(link_view(request), q, dob=dob, alerts=alert_index(model), limit=limit)
    await log(request, who, "consultation", object=[h.node_id for h in hits],
              query=q, dob=dob)
    return {"query": q, "dob": dob, "hits": [h.as_dict() for h in hits]}
