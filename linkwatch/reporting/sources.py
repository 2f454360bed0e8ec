"""Where the measures' data comes from: files, or the running pipeline's topics.

* files: reports as JSONL or data.police.uk street CSV (``linkwatch.ingest.read_reports``);
  alerts and referrals as JSONL (one contract message per line).
* topics: the internal accepted topic (reports with their enrichment; the last version of a
  report wins; retention purges honoured: a report message is skipped when a purge marker
  later in the topic names its id, ``linkwatch.purge``), ``linkwatch.entities`` (resolved
  entity ids), ``alerts`` and ``referrals`` (with the broker's timestamp as
  ``published_at``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from linkwatch.ingest import read_reports
from linkwatch.schemas import ReportAdapter

from .rows import ReportRow, report_row


@dataclass
class Loaded:
    rows: list[ReportRow] = field(default_factory=list)
    alerts: list[dict[str, Any]] | None = None
    referrals: list[dict[str, Any]] | None = None
    rejected: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def rows_from_files(paths: Iterable[Path], loaded: Loaded | None = None) -> Loaded:
    """Reports from JSONL / police.uk CSV files; unreadable or invalid lines are listed."""
    loaded = loaded or Loaded()
    for path in paths:
        n = 0
        for line, raw, reason in read_reports(Path(path)):
            if raw is None:
                loaded.rejected.append(f"{path}:{line}: {reason}")
                continue
            try:
                loaded.rows.append(report_row(ReportAdapter.validate_python(raw)))
                n += 1
            except ValidationError as exc:
                err = exc.errors()[0]
                loaded.rejected.append(f"{path}:{line}: {'.'.join(map(str, err['loc']))}: "
                                       f"{err['msg']}")
        loaded.sources.append(f"{path} ({n} reports)")
    return loaded


def jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object in a JSONL file (blank and non-object lines skipped)."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                if isinstance(obj, dict):
                    out.append(obj)
    return out


async def read_with_time(settings: Any, topic: str, idle_s: float = 2.0
                         ) -> AsyncIterator[tuple[bytes | None, Any, datetime]]:
    """(key, decoded value or None, broker timestamp) of every message, oldest first per
    partition; stops after ``idle_s`` with nothing new."""
    from linkwatch.watch import decode, read_messages

    async for msg in read_messages(settings, topic, idle_s=idle_s):
        value = decode(msg.value)
        if isinstance(value, dict) and value.get("undecodable"):
            value = None
        yield msg.key, value, datetime.fromtimestamp(msg.timestamp / 1000, UTC)


async def accepted_payloads(settings: Any) -> dict[str, dict[str, Any]]:
    """report id -> its latest accepted message, without the reports a retention purge
    forgot.  The topic has one partition, read in order: a purge marker drops the ids it
    names from what was read before it; a report sent again after the marker is kept."""
    from linkwatch import purge
    from linkwatch.streams import topics
    from linkwatch.watch import decode, read_messages

    payloads: dict[str, dict[str, Any]] = {}
    async for msg in read_messages(settings, topics.name(settings, topics.ACCEPTED)):
        if purge.is_marker(msg.value):
            for rid in purge.marker_ids(msg.value):
                payloads.pop(rid, None)
            continue
        v = decode(msg.value)
        if isinstance(v, dict) and isinstance(v.get("report"), dict):
            payloads[v["report"].get("report_id", "")] = v
    return payloads


async def from_topics(settings: Any) -> Loaded:
    """Everything the pipeline has published, read from the start of each topic."""
    from linkwatch.streams import topics

    def name(base: str) -> str:
        return topics.name(settings, base)

    from linkwatch.view import GraphView, ViewUnavailable

    alerts: list[dict[str, Any]] = []
    referrals: list[dict[str, Any]] = []
    loaded = Loaded(alerts=alerts, referrals=referrals)
    try:  # the link stage's view: one row per report it holds, purges applied
        view = GraphView.open(settings)
    except ViewUnavailable as why:
        loaded.sources.append(f"no link view ({why}): report rows read from "
                              f"{name(topics.ACCEPTED)} and {name(topics.ENTITIES)}")
        await _rows_from_topics(settings, loaded)
    else:
        try:
            loaded.rows.extend(view.report_rows())
            loaded.sources.append(view.state().describe())
        finally:
            view.close()
    from linkwatch.erasure import fold_alerts, fold_referrals

    # what a retention purge erased is not counted (``linkwatch.erasure``)
    alerts += fold_alerts([(k, v) async for k, v, _t in
                           read_with_time(settings, name(topics.ALERTS))])
    for v, t in fold_referrals([(k, (v, t)) async for k, v, t in
                                read_with_time(settings, name(topics.REFERRALS))]):
        referrals.append({**v, "published_at": v.get("published_at") or t.isoformat()})
    loaded.sources.append(f"topics {name(topics.ALERTS)}, {name(topics.REFERRALS)} "
                          f"({len(loaded.rows)} reports)")
    return loaded


async def _rows_from_topics(settings: Any, loaded: Loaded) -> None:
    """Without a view (topics from elsewhere, no link stage here): every report's row from
    the accepted topic, purges honoured, entity ids from the entities topic."""
    from linkwatch.streams import topics

    entity_of: dict[tuple[str, str], str] = {}
    async for _k, v, _t in read_with_time(settings, topics.name(settings, topics.ENTITIES)):
        if isinstance(v, dict) and v.get("entity_id"):
            entity_of[(v["report_id"], v["person_ref"])] = v["entity_id"]
    for payload in (await accepted_payloads(settings)).values():
        try:
            report = ReportAdapter.validate_python(payload["report"])
        except ValidationError as exc:
            loaded.rejected.append(f"accepted {payload['report'].get('report_id')}: {exc}")
            continue
        loaded.rows.append(report_row(report, payload.get("enrichment"), entity_of))
