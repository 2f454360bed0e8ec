"""Retention purge (DPA 2018 s.39): forget reports past their retention period.

``linkwatch purge --older-than 2y`` reads the accepted topic, picks the reports whose
latest version was reported before the cutoff, deletes their Redis keys, appends a
purge marker to the accepted topic and records the erasure in the audit log
(s.62: when, who, what; report ids, never personal data).

The accepted topic is append-only, and the link stage's state is a pure function of
it, so the marker is the one place the purge is written down; the marker and the one
rule every reader applies to it are ``linkwatch.retention``'s.  The graph, the
entity-resolution index, the near-duplicate index and the referral decisions all
forget a purged report, because they are rebuilt without it (``linkwatch.rebuild``).
Outputs already published are then erased by ``linkwatch.erasure`` (new alert
versions, tombstones; ``docs/operations.md``, "Retention").
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from linkwatch.config import Settings
from linkwatch.retention import Retention, marker
from linkwatch.schemas.accepted import AcceptedDecodeError, PurgeMarker, decode

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
IDS_PER_MARKER = 5_000         # keeps each marker and audit record far below 1 MB
_SPAN = re.compile(r"^\s*(\d+)\s*([ywd])\s*$", re.IGNORECASE)


class PurgeError(ValueError):
    """A purge that cannot be made as asked (names the bad value and the choices)."""


def parse_cutoff(text: str, now: datetime | None = None) -> datetime:
    """The instant before which reports are past retention.

    ``2y`` (calendar years: 29 February goes to the 28th), ``400d``, ``8w``, or an ISO
    date or time (naive means Europe/London, as in the contract; a date means its
    midnight).  Example: ``2y`` at 2026-11-24T10:00Z is 2024-11-24T10:00Z.
    """
    now = now or datetime.now(UTC)
    span = _SPAN.match(text)
    if span:
        n, unit = int(span.group(1)), span.group(2).lower()
        if unit == "y":
            try:
                cutoff = now.replace(year=now.year - n)
            except ValueError:  # 29 February in a year without one
                cutoff = now.replace(year=now.year - n, day=28)
        else:
            cutoff = now - timedelta(days=n * (7 if unit == "w" else 1))
    else:
        try:
            parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise PurgeError(f"--older-than {text!r}: give a span such as 2y, 400d or 8w, "
                             "or an ISO date such as 2024-01-31") from None
        if len(text.strip()) == 10:  # a bare date: its midnight, London time
            parsed = datetime.combine(date.fromisoformat(text.strip()), datetime.min.time())
        cutoff = parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)
    if cutoff >= now:
        raise PurgeError(f"--older-than {text!r} is {cutoff.isoformat()}, not in the past: "
                         "that would purge every report")
    return cutoff


# -- what to purge ----------------------------------------------------------------------

@dataclass
class Plan:
    """What a purge would remove, from one read of the accepted topic."""

    cutoff: datetime
    report_ids: list[str] = field(default_factory=list)  # live reports past retention
    hashes: dict[str, set[str]] = field(default_factory=dict)   # report -> content hashes
    persons: dict[str, set[str]] = field(default_factory=dict)  # report -> person refs
    scanned: int = 0           # messages read
    reports: int = 0           # distinct live reports
    already_purged: int = 0    # named by an earlier marker and not sent again since


async def plan(settings: Settings, cutoff: datetime,
               progress: Callable[[int], None] | None = None) -> Plan:
    from linkwatch.streams import topics
    from linkwatch.watch import read_messages

    result = Plan(cutoff)
    latest: dict[str, int] = {}   # report -> offset of its last message
    old: set[str] = set()          # reports whose last message is past retention
    retention = Retention()
    async for msg in read_messages(settings, topics.name(settings, topics.ACCEPTED)):
        result.scanned += 1
        if progress:
            progress(1)
        try:
            message = decode(msg.value)
        except AcceptedDecodeError:
            continue  # the link stage dead-lettered it: nothing of it is held
        if isinstance(message, PurgeMarker):
            retention.add(msg.offset, message.report_ids)
            continue
        report = message.report
        rid = report.report_id
        latest[rid] = msg.offset
        if report.reported_at < cutoff:  # only these can be purged: keep memory to them
            old.add(rid)
            result.hashes.setdefault(rid, set()).add(message.hash)
            result.persons.setdefault(rid, set()).update(
                p.person_ref or "" for p in report.persons)
        else:
            old.discard(rid)
    live = retention.live(latest)
    result.reports = len(live)
    result.already_purged = len(latest) - len(live)
    result.report_ids = sorted(live & old)
    chosen = set(result.report_ids)
    result.hashes = {r: h for r, h in result.hashes.items() if r in chosen}
    result.persons = {r: p for r, p in result.persons.items() if r in chosen}
    return result


def referral_ids(p: Plan) -> set[str]:
    """Every referral id the purged reports could have had (any person, any service)."""
    from typing import get_args

    from linkwatch.rules.referrals import referral_id
    from linkwatch.schemas.outputs import Service

    return {referral_id(rid, ref, service) for rid, refs in p.persons.items()
            for ref in refs for service in get_args(Service)}


# -- doing it ---------------------------------------------------------------------------

@dataclass
class Done:
    purge_id: str
    reports: int
    markers: list[int]          # their offsets on the accepted topic
    redis: dict[str, int]       # kind of key -> how many deleted


def _who(settings: Settings) -> str:
    """The named operator (``linkwatch purge`` sets it from --operator or LINKWATCH_USER);
    never the login name: a shared service account names nobody."""
    if not settings.user:
        raise PurgeError("a purge must name who ran it: --operator NAME or LINKWATCH_USER")
    return settings.user


def _redis(settings: Settings) -> Any:
    from linkwatch.redis_state import RedisState

    return RedisState(settings.redis_url or "redis://127.0.0.1:6379/0", f"lw:{settings.app_id}",
                      settings.dedupe_ttl_s)


async def redis_keys(settings: Settings, p: Plan, *, delete: bool) -> dict[str, int]:
    """Count (or delete) the purged reports' Redis keys: dedupe claims and referral marks."""
    state = _redis(settings)
    try:
        return await state.forget_reports(
            [(rid, h) for rid, hs in p.hashes.items() for h in hs], referral_ids(p),
            delete=delete)
    finally:
        await state.close()


async def execute(settings: Settings, p: Plan, older_than: str) -> Done:
    """Redis keys first (a failure stops here, and running the purge again finishes it),
    then the markers, then the audit record naming them."""
    from linkwatch.kafka import producer
    from linkwatch.streams import topics

    who = _who(settings)  # before anything is deleted
    purge_id = "P" + uuid.uuid4().hex[:16]
    now = datetime.now(UTC)
    deleted = await redis_keys(settings, p, delete=True)
    chunks = [p.report_ids[i:i + IDS_PER_MARKER]
              for i in range(0, len(p.report_ids), IDS_PER_MARKER)]
    prod = producer(settings, acks="all")
    await prod.start()
    try:
        offsets = []
        for n, ids in enumerate(chunks, 1):
            meta = await prod.send_and_wait(
                topics.name(settings, topics.ACCEPTED),
                marker(purge_id, p.cutoff, ids, requested_at=now, part=n, parts=len(chunks)),
                key=f"purge:{purge_id}".encode(), partition=0)
            offsets.append(meta.offset)
        for n, (ids, offset) in enumerate(zip(chunks, offsets, strict=True), 1):
            record = {"event": "purge", "purge_id": purge_id, "at": now.isoformat(),
                      "user": who, "reason": "retention (DPA 2018 s.39)",
                      "older_than": older_than, "before": p.cutoff.isoformat(),
                      "reports": len(p.report_ids), "part": n, "parts": len(chunks),
                      "marker": {"topic": topics.name(settings, topics.ACCEPTED),
                                 "partition": 0, "offset": offset},
                      "redis_keys_deleted": deleted, "handling": settings.handling,
                      "report_ids": ids}
            await prod.send_and_wait(topics.name(settings, topics.AUDIT),
                                     json.dumps(record).encode(), key=b"purge")
    finally:
        await prod.stop()
    return Done(purge_id, len(p.report_ids), offsets, deleted)
