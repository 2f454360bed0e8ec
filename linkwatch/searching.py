"""``linkwatch search``: search the link stage's view (``linkwatch.view``; nothing is
replayed) with the latest alerts (``linkwatch.search``), and record the consultation in
the audit log (DPA 2018 s.62)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from linkwatch.config import Settings
from linkwatch.exporting import audit_disclosure, open_view
from linkwatch.search import AlertIndex, Hit, search


async def latest_alerts(settings: Settings) -> dict[str, dict[str, Any]]:
    """The latest version of every alert on the alerts topic, by id."""
    from linkwatch.streams import topics
    from linkwatch.watch import read_topic

    latest: dict[str, dict[str, Any]] = {}
    async for _key, value in read_topic(settings, topics.name(settings, topics.ALERTS)):
        if isinstance(value, dict) and isinstance(value.get("alert_id"), str):
            held = latest.get(value["alert_id"])
            if held is None or int(value.get("version", 0)) >= int(held.get("version", 0)):
                latest[value["alert_id"]] = value
    return latest


def run_search(settings: Settings, query: str, *, dob: str | None = None, limit: int = 20,
               console: Console | None = None) -> list[Hit]:
    """The hits for ``query``; the consultation names ``settings.user`` (the operator)."""
    console = console or Console(stderr=True)
    view = open_view(settings, console)
    try:
        alerts = AlertIndex.of(asyncio.run(latest_alerts(settings)).values())
        hits = search(view, query, dob=dob, alerts=alerts, limit=limit)
    finally:
        view.close()
    asyncio.run(audit_disclosure(settings, {
        "event": "consultation", "at": datetime.now(UTC).isoformat(), "user": settings.user,
        "source": "cli", "command": "search", "handling": settings.handling,
        "query": query, "dob": dob, "object": [h.node_id for h in hits]}))
    return hits
