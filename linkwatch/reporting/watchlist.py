"""Loading the managed-offender watchlist (``rules.offenders.Watchlist``) from a file or a
compacted topic, and changing it on the topic.

Topic ``streams.topics.WATCHLIST`` (prefixed like every topic), one partition,
``cleanup.policy=compact``: key = ``entry_id`` (UTF-8), value = a ``WatchlistEntry`` as JSON
(``{"entity_id": "E1a2b", "scheme": "IOM fixed", "severity": "high"}`` or name + dob /
name + postcode instead of ``entity_id``), or null: a tombstone that removes the entry.
``follow_watchlist`` applies every message to the same ``Watchlist`` object, so a worker that
holds it sees additions and removals without a restart.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from linkwatch.faults import Fault, capture
from linkwatch.rules.normalise import normal_form
from linkwatch.rules.offenders import Watchlist, WatchlistEntry
from linkwatch.streams import topics

log = logging.getLogger(__name__)


class WatchlistFileError(ValueError):
    """A watchlist file that cannot be read (names the file, line and problem)."""


def _entry(raw: dict[str, Any], where: str) -> WatchlistEntry:
    raw = {k.strip().lower(): (v.strip() if isinstance(v, str) else v) for k, v in raw.items()
           if k}
    if not raw.get("entry_id"):
        basis = "|".join(normal_form(str(raw.get(k) or ""))  # NFC and NFD rows: one id
                         for k in ("entity_id", "name", "dob", "postcode"))
        raw["entry_id"] = "W" + hashlib.sha256(basis.encode()).hexdigest()[:16]
    try:
        return WatchlistEntry.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise WatchlistFileError(f"{where}: {'.'.join(map(str, err['loc']))}: {err['msg']}"
                                 ) from None


def load_watchlist_file(path: Path, watchlist: Watchlist | None = None) -> Watchlist:
    """CSV (header: entry_id, entity_id, name, dob, postcode, scheme, severity, lead; any
    subset) or JSONL.  An entry without ``entry_id`` gets one from its identifying fields."""
    path = Path(path)
    watchlist = watchlist if watchlist is not None else Watchlist()
    with path.open(encoding="utf-8", newline="") as fh:
        if path.suffix.lower() == ".csv":
            for i, row in enumerate(csv.DictReader(fh), start=2):
                watchlist.put(_entry(dict(row), f"{path}:{i}"))
        else:
            for i, line in enumerate(fh, start=1):
                if line.strip():
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise WatchlistFileError(f"{path}:{i}: not JSON: {exc.msg}") from None
                    watchlist.put(_entry(obj, f"{path}:{i}"))
    return watchlist


def topic_name(settings: Any) -> str:
    return topics.name(settings, topics.WATCHLIST)


async def ensure_watchlist_topic(settings: Any) -> str:
    """Create the compacted watchlist topic when missing (idempotent)."""
    from linkwatch.kafka import ensure_topics

    await ensure_topics(settings, retries=1, only=(topics.WATCHLIST,))
    return topic_name(settings)


async def publish_entry(settings: Any, entry_id: str, entry: WatchlistEntry | None) -> None:
    """Add or replace ``entry_id`` (``entry``), or remove it (``None``: a tombstone)."""
    from linkwatch.kafka import producer

    value = None if entry is None else entry.model_dump_json(exclude={"entry_id"}).encode()
    prod = producer(settings)
    await prod.start()
    try:
        await prod.send_and_wait(topic_name(settings), value, key=entry_id.encode())
    finally:
        await prod.stop()


async def follow_watchlist(settings: Any, watchlist: Watchlist,
                           stop: asyncio.Event | None = None,
                           ready: asyncio.Event | None = None,
                           on_fault: Callable[[Any, Fault], Awaitable[None]] | None = None,
                           ) -> None:
    """Apply the topic to ``watchlist`` from the beginning, then keep following until ``stop``
    is set (or the task is cancelled).  ``ready`` is set once the backlog has been read.
    An entry that raises while applied is skipped and recorded in ``watchlist.rejected``
    (and handed to ``on_fault`` with the message): one entry never stops the follower."""
    from aiokafka import TopicPartition

    from linkwatch.kafka import consumer

    stop = stop or asyncio.Event()
    tp = TopicPartition(topic_name(settings), 0)
    c = consumer(settings, enable_auto_commit=False, auto_offset_reset="earliest")
    await c.start()
    try:
        c.assign([tp])
        await c.seek_to_beginning(tp)
        idle = 0
        while not stop.is_set():
            batch = (await c.getmany(tp, timeout_ms=250, max_records=1000)).get(tp, [])
            for msg in batch:
                try:
                    value = json.loads(msg.value) if msg.value is not None else None
                except ValueError:
                    watchlist.rejected.append(f"offset {msg.offset}: not JSON")
                    continue
                try:
                    watchlist.apply(msg.key, value if isinstance(value, dict) or value is None
                                    else {"entry_id": None})
                except Exception as exc:  # noqa: BLE001 - one entry never stops the follower
                    fault = capture("watchlist", exc, then="the entry is skipped")
                    watchlist.rejected.append(f"offset {msg.offset}: {fault.describe()}")
                    if on_fault is not None:
                        await on_fault(msg, fault)
            idle = 0 if batch else idle + 1
            if ready is not None and not ready.is_set() and idle >= 2:
                ready.set()
    finally:
        await c.stop()
