"""Read report files and send them to the input topics.

* JSONL: one contract Report per line, routed by ``kind``.
* data.police.uk street-level crime CSV: one incident report per row.

A line that cannot be routed (not JSON, no valid ``kind``) is not sent: it is
listed in the summary with its line number.  Anything routable is sent as it
is; validation (and the dead-letter topic) is the pipeline's job.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkwatch.streams.topics import INPUT

CATEGORY_SLUGS = {
    "Anti-social behaviour": "anti-social-behaviour", "Bicycle theft": "bicycle-theft",
    "Burglary": "burglary", "Criminal damage and arson": "criminal-damage-arson",
    "Drugs": "drugs", "Other theft": "other-theft",
    "Possession of weapons": "possession-of-weapons", "Public order": "public-order",
    "Robbery": "robbery", "Shoplifting": "shoplifting",
    "Theft from the person": "theft-from-the-person", "Vehicle crime": "vehicle-crime",
    "Violence and sexual offences": "violent-crime", "Other crime": "other-crime",
}
POLICE_UK_HEADER = {"Crime ID", "Month", "Falls within", "LSOA code", "Crime type"}


@dataclass
class Rejected:
    file: str
    line: int
    reason: str


@dataclass
class Summary:
    sent: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())


def police_uk_row_to_report(row: dict[str, str], line: int, file: str) -> dict[str, Any]:
    """One street-level crime row as a contract incident report."""
    month = row.get("Month", "").strip()
    crime_id = row.get("Crime ID", "").strip()
    if not crime_id:
        # anti-social behaviour rows carry no Crime ID, and identical rows are distinct
        # incidents: the id is the row's content plus its line, stable on re-ingest
        digest = hashlib.sha256(json.dumps([row, line, Path(file).name],
                                           sort_keys=True).encode()).hexdigest()[:20]
        crime_id = f"asb-{digest}"
    def num(key: str) -> float | None:
        try:
            return float(row[key])
        except (KeyError, TypeError, ValueError):
            return None
    label = row.get("Crime type", "").strip()
    report: dict[str, Any] = {
        "report_id": f"policeuk:{crime_id}",
        "kind": "incident",
        "source": "data.police.uk",
        "reported_at": f"{month}-01T00:00:00+00:00",
        "force": row.get("Falls within") or row.get("Reported by") or None,
        "location": {k: v for k, v in {
            "lat": num("Latitude"), "lon": num("Longitude"),
            "lsoa_code": row.get("LSOA code") or None,
            "description": row.get("Location") or None}.items() if v is not None},
        "incident": {"category": CATEGORY_SLUGS.get(label, label.lower().replace(" ", "-")),
                     "outcome": row.get("Last outcome category") or None},
        "lsoa_name": row.get("LSOA name") or None,
    }
    return report


def read_reports(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """Yield (line number, report or None, reason when None)."""
    with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
        first = fh.readline()
        fh.seek(0)
        if path.suffix.lower() == ".csv" or POLICE_UK_HEADER <= set(first.strip().split(",")):
            for i, row in enumerate(csv.DictReader(fh), start=2):
                yield i, police_uk_row_to_report(row, i, str(path)), None
            return
        for i, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield i, None, f"not JSON: {exc.msg}"
                continue
            if not isinstance(obj, dict):
                yield i, None, "not a JSON object"
            elif obj.get("kind") not in INPUT:
                yield i, None, f"kind {obj.get('kind')!r} is not one of {sorted(INPUT)}"
            else:
                yield i, obj, None


def count_records(path: Path) -> int:
    """Lines in a JSONL file; rows (lines less the header) in a CSV."""
    with path.open("rb") as fh:
        lines = sum(1 for _ in fh)
    return lines - 1 if path.suffix.lower() == ".csv" else lines


async def send_reports(settings: Any, reports: Iterator[dict[str, Any]] | list[dict[str, Any]],
                       summary: Summary | None = None, on_sent: Any = None) -> Summary:
    """Send contract reports to their input topics, keyed by report_id."""
    from linkwatch.kafka import producer
    from linkwatch.streams.topics import name

    summary = summary or Summary()
    prod = producer(settings)
    await prod.start()
    try:
        pending = []
        for report in reports:
            topic = name(settings, INPUT[report["kind"]])
            key = str(report.get("report_id", "")).encode()
            pending.append(await prod.send(topic, json.dumps(report).encode(), key=key))
            summary.sent[report["kind"]] = summary.sent.get(report["kind"], 0) + 1
            if on_sent:
                on_sent(1)
            if len(pending) >= 2000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await prod.stop()
    return summary


async def send_files(settings: Any, files: list[Path], progress: bool = False) -> Summary:
    from rich.console import Console
    from rich.progress import Progress

    summary = Summary()
    # progress on stderr: stdout is for what the command produces
    with Progress(disable=not progress, transient=False, console=Console(stderr=True)) as bar:
        for path in files:
            task = bar.add_task(f"ingest {path.name}", total=count_records(path))

            def good(path: Path = path, task: Any = task) -> Iterator[dict[str, Any]]:
                for line, report, reason in read_reports(path):
                    bar.advance(task)
                    if report is None:
                        summary.rejected.append(Rejected(str(path), line, reason or "unreadable"))
                    else:
                        yield report
            await send_reports(settings, good(), summary)
    return summary
