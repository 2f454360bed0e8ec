"""``linkwatch export``: read the selection from the link stage's view (``linkwatch.view``;
nothing is replayed), write the format, and record the disclosure in the audit log
(DPA 2018 s.62)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from linkwatch.config import Settings
from linkwatch.graph.export import (
    FORMATS,
    STREAMED,
    MissingExtra,
    export_graph,
    require_format,
)
from linkwatch.schemas._base import _aware
from linkwatch.view import GraphView, ViewUnavailable
from linkwatch.view.store import gc_paused


class ExportRequestError(ValueError):
    """An export that cannot be made as asked (names the bad value and the choices)."""


async def _latest_alert(settings: Settings, alert_id: str) -> dict[str, Any] | None:
    from linkwatch.streams import topics
    from linkwatch.watch import read_topic

    found = None
    async for _key, value in read_topic(settings, topics.name(settings, topics.ALERTS)):
        if isinstance(value, dict) and value.get("alert_id") == alert_id:
            if found is None or value.get("version", 0) >= found.get("version", 0):
                found = value
    if found is not None and found.get("status") == "withdrawn":
        return None  # erased by a retention purge (linkwatch.erasure)
    return found


async def audit_disclosure(settings: Settings, record: dict[str, Any]) -> None:
    from linkwatch.kafka import producer
    from linkwatch.streams import topics

    prod = producer(settings)
    await prod.start()
    try:
        await prod.send_and_wait(topics.name(settings, topics.AUDIT),
                                 json.dumps(record, default=str).encode(),
                                 key=record["event"].encode())
    finally:
        await prod.stop()


def run_export(settings: Settings, out_dir: Path, fmt: str, *, alert: str | None = None,
               cluster: str | None = None, entity: str | None = None, hops: int = 1,
               since: datetime | None = None, until: datetime | None = None,
               pseudonymise: bool = False, console: Console | None = None,
               recipient: str | None = None, purpose: str | None = None) -> list[Path]:
    """Write the export; the audit record names ``settings.user`` (the operator), the
    ``recipient`` and the ``purpose`` (DPA 2018 s.62), which ``linkwatch export`` requires."""
    if fmt not in FORMATS:
        raise ExportRequestError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        require_format(fmt)
    except MissingExtra as exc:
        raise ExportRequestError(str(exc)) from None
    key = None
    if pseudonymise:
        if settings.pseudonym_key is None:
            raise ExportRequestError("--pseudonymise needs LINKWATCH_PSEUDONYM_KEY (16+ bytes) "
                                     "so the same person hashes the same way in every share")
        key = settings.pseudonym_key.get_secret_value().encode()
    console = console or Console(stderr=True)
    alert_body = None
    if alert:
        alert_body = asyncio.run(_latest_alert(settings, alert))
        if alert_body is None:
            raise ExportRequestError(f"no alert {alert!r} on the alerts topic")
    view = open_view(settings, console)
    try:
        paths, nodes, edges = export_view(
            view, fmt, out_dir, handling=settings.handling, pseudonymise_key=key,
            console=console, alert=alert_body, cluster_id=cluster, entity=entity, hops=hops,
            since=_aware(since) if since else None, until=_aware(until) if until else None)
    finally:
        view.close()
    asyncio.run(audit_disclosure(settings, {
        "event": "export", "action": "disclosure", "at": datetime.now(UTC).isoformat(),
        "user": settings.user, "recipient": recipient, "purpose": purpose,
        "format": fmt, "pseudonymised": pseudonymise, "handling": settings.handling,
        "filters": {"alert": alert, "cluster": cluster, "entity": entity, "hops": hops,
                    "since": since, "until": until},
        "nodes": nodes, "edges": edges,
        "files": [p.name for p in paths]}))
    return paths


def export_view(view: GraphView, fmt: str, out_dir: Path, *, handling: str,
                pseudonymise_key: bytes | None = None, console: Console | None = None,
                alert: dict[str, Any] | None = None, cluster_id: str | None = None,
                entity: str | None = None, hops: int = 1, since: datetime | None = None,
                until: datetime | None = None) -> tuple[list[Path], int, int]:
    """Read the selection from ``view`` and write it as ``fmt`` into ``out_dir``: the
    files, and the nodes and edges written.  The whole graph in a ``STREAMED`` format is
    written row by row as the view's tables are read (``ViewRows``: no graph is built);
    anything else from the selected graph (``GraphView.select``).  A progress bar on
    ``console``, when given."""
    if alert is None and cluster_id is None and entity is None and since is None \
            and until is None and fmt in STREAMED:
        with view.rows() as rows, _progress(console, fmt, sum(rows.count())) as advance:
            paths = export_graph(rows, fmt, out_dir, handling=handling,
                                 pseudonymise_key=pseudonymise_key, progress=advance)
            return paths, rows.nodes_read, rows.edges_read
    sub = view.select(alert=alert, cluster_id=cluster_id, entity=entity, hops=hops,
                      since=since, until=until)
    # the collector paused while the writer walks the graph: full collections would walk
    # all of it again and again (the writers make no lasting cycles)
    with _progress(console, fmt, sub.number_of_nodes() + sub.number_of_edges()) as advance, \
            gc_paused():
        paths = export_graph(sub, fmt, out_dir, handling=handling,
                             pseudonymise_key=pseudonymise_key, progress=advance)
    return paths, sub.number_of_nodes(), sub.number_of_edges()


@contextlib.contextmanager
def _progress(console: Console | None, fmt: str, total: int
              ) -> Iterator[Callable[[int], None] | None]:
    if console is None:
        yield None
        return
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"writing {fmt}", total=total)
        yield lambda k: bar.advance(task, k)


def open_view(settings: Settings, console: Console) -> GraphView:
    """The link stage's view, its state said on ``console``; ``ExportRequestError`` (with
    what to do) when there is none to read."""
    try:
        view = GraphView.open(settings)
    except ViewUnavailable as exc:
        raise ExportRequestError(str(exc)) from None
    console.print(view.state().describe(), markup=False)
    return view
