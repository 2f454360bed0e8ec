"""A retention purge reaches the published outputs (issue 20; docs/operations.md, "Retention").

``linkwatch purge`` writes its marker to the accepted topic (``linkwatch.purge``); the link
stage and every replay then forget the named reports.  What was already published on
``alerts``, ``referrals`` and ``linkwatch.entities`` is erased here, by publishing over it
under the same key (the topics are compacted, ``linkwatch.kafka.topic_configs``):

* an alert any version of which names a purged report (since its last redaction) gets
  a new version, numbered above every version published: the alert as the link stage
  now computes it from the reports that are left (``status: "redacted"``), or, when it
  no longer arises from them, a withdrawal (``status: "withdrawn"``: no reports,
  entities, links, cluster id or words from the old versions; the analysts' status of
  the alert, Redis ``alert_status:``, is deleted with it);
* a referral of a purged report gets a tombstone (a null value under its key);
* a purged report's entity resolutions get a tombstone under the report id.

Readers honour these at once, whatever the broker's compaction has done yet
(``fold_alerts``, ``fold_referrals``): a tombstone drops everything before it under its
key; a redacted version drops the alert's earlier versions; a withdrawn one drops the alert.

The sweep is idempotent and covers every purge so far, not only the latest: what it finds
already erased it leaves alone, so running ``linkwatch purge`` again finishes a sweep a
lagging link stage overtook (the sweep waits, up to ``WAIT_S``, for the link stage to pass
the markers before it reads what to erase).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from aiokafka import TopicPartition

from linkwatch.config import Settings

if TYPE_CHECKING:
    from linkwatch.schemas import Alert

log = logging.getLogger(__name__)

REDACTED: Final = "redacted"  # alert statuses (Literals of schemas.Alert.status)
WITHDRAWN: Final = "withdrawn"
WAIT_S = 60.0  # for the link stage to pass the purge markers


# -- readers --------------------------------------------------------------------------

def _key(key: bytes | str | None) -> str | None:
    return key.decode() if isinstance(key, bytes) else key


def fold_alerts(messages: Iterable[tuple[bytes | str | None, Any]]) -> list[dict[str, Any]]:
    """Every alert version a reader may still show, in order, from (key, decoded value)
    messages of the alerts topic: a redacted version drops the alert's earlier versions, a
    withdrawn one drops them and itself; a tombstone drops everything under its key."""
    kept: list[dict[str, Any] | None] = []
    where: dict[str, list[int]] = {}
    for key, value in messages:
        aid = value.get("alert_id") if isinstance(value, dict) else _key(key)
        if not aid:
            continue
        if not isinstance(value, dict) or value.get("status") in (REDACTED, WITHDRAWN):
            for i in where.pop(aid, []):
                kept[i] = None
        if isinstance(value, dict) and value.get("status") != WITHDRAWN:
            where.setdefault(aid, []).append(len(kept))
            kept.append(value)
    return [v for v in kept if v is not None]


def latest_alerts(messages: Iterable[tuple[bytes | str | None, Any]]) -> dict[str, dict[str, Any]]:
    """alert id -> its highest version still shown (``fold_alerts``)."""
    out: dict[str, dict[str, Any]] = {}
    for a in fold_alerts(messages):
        old = out.get(a["alert_id"])
        if old is None or int(a.get("version", 0)) >= int(old.get("version", 0)):
            out[a["alert_id"]] = a
    return out


def fold_referrals(messages: Iterable[tuple[bytes | str | None, Any]]) -> list[Any]:
    """The referral messages a reader may still show, in order: a tombstone (null value)
    drops every earlier message under its key.  Each item is what was given with the key
    (a value, or a (value, extra) pair: ``fold_referrals`` only looks at ``[0]`` when the
    value is a tuple)."""
    kept: list[Any] = []
    where: dict[str, list[int]] = {}
    for key, item in messages:
        value = item[0] if isinstance(item, tuple) else item
        rid = _key(key) or (value.get("referral_id") if isinstance(value, dict) else None)
        if not rid:
            continue
        if value is None:
            for i in where.pop(rid, []):
                kept[i] = None
            continue
        if isinstance(value, dict):
            where.setdefault(rid, []).append(len(kept))
            kept.append(item)
    return [v for v in kept if v is not None]


def withdrawal(alert: dict[str, Any], version: int, at: datetime, purge_id: str) -> Alert:
    """The version that withdraws ``alert``: its id, type and marking, nothing else of it."""
    from linkwatch.schemas import SEVERITIES, Alert

    return Alert(
        alert_id=alert["alert_id"], version=version, type=str(alert.get("type") or "unknown"),
        severity=alert.get("severity") if alert.get("severity") in SEVERITIES else "low",
        score=0.0, title="withdrawn: its reports were erased at the end of their retention",
        summary="Every report behind this alert, or enough of them that it no longer "
                "arises, was erased by a retention purge (DPA 2018 s.39). Drop every "
                "earlier version and any copy of it.",
        reasons=[f"retention purge {purge_id}"], report_ids=[], entities=[], links=[],
        cluster_id=None, created_at=alert.get("created_at") or at, updated_at=at,
        handling=alert.get("handling") or "OFFICIAL-SENSITIVE", status=WITHDRAWN,
    )


def redacted(alert: Alert, version: int) -> Alert:
    """An alert as the link stage now computes it, as the version replacing all before."""
    return alert.model_copy(update={"version": version, "status": REDACTED})


# -- the sweep --------------------------------------------------------------------------

def names_gone(alert: dict[str, Any] | Alert, gone: set[str]) -> bool:
    """Whether the alert (an ``Alert``, or one read from the topic) names a purged report
    (as evidence or on a link)."""
    if not isinstance(alert, dict):
        return bool(gone.intersection(alert.report_ids, *(k.report_ids for k in alert.links)))
    ids = set(alert.get("report_ids") or ())
    for link in alert.get("links") or ():
        ids.update(link.get("report_ids") or ())
    return bool(ids & gone)


def stale_alerts(values: Iterable[Any], gone: set[str]) -> dict[str, dict[str, Any]]:
    """alert id -> its latest version, for each alert a version of which names a purged
    report since its last redaction or withdrawal (``values``: the alerts topic, decoded,
    in order per alert)."""
    latest: dict[str, dict[str, Any]] = {}
    dirty: set[str] = set()
    for value in values:
        if not isinstance(value, dict) or "alert_id" not in value:
            continue
        aid = value["alert_id"]
        if value.get("status") in (REDACTED, WITHDRAWN):
            dirty.discard(aid)
        if names_gone(value, gone):
            dirty.add(aid)
        old = latest.get(aid)
        if old is None or int(value.get("version", 0)) >= int(old.get("version", 0)):
            latest[aid] = value
    return {aid: latest[aid] for aid in sorted(dirty)}


def replacement(alert: dict[str, Any], fresh: Alert | None, gone: set[str], version: int,
                at: datetime, purge_id: str) -> tuple[Alert, str]:
    """The version that replaces ``alert`` (its latest, as read from the topic) and which
    kind it is: ``fresh`` (the alert as the link stage now computes it) redacted; else the
    latest itself when only earlier versions named the purged reports; else a withdrawal."""
    from linkwatch.schemas import Alert

    if fresh is None and not names_gone(alert, gone):
        fresh = Alert.model_validate(alert)
    if fresh is not None and not names_gone(fresh, gone):
        return redacted(fresh, version), REDACTED
    return withdrawal(alert, version, at, purge_id), WITHDRAWN


@dataclass
class Swept:
    alerts_redacted: int = 0
    alerts_withdrawn: int = 0
    referrals: int = 0          # tombstoned
    entities: int = 0           # report ids whose resolutions were tombstoned
    link_stage_behind: bool = False
    messages: list[tuple[str, bytes, bytes | None]] = field(default_factory=list)

    def describe(self) -> str:
        text = (f"outputs: {self.alerts_redacted} alerts re-published without the purged "
                f"reports, {self.alerts_withdrawn} withdrawn, {self.referrals} referrals and "
                f"{self.entities} reports' entity records tombstoned")
        if self.link_stage_behind:
            text += ("; the link stage has not passed the purge markers yet: run the purge "
                     "again once it has, to erase what it publishes meanwhile")
        return text


async def purged_report_ids(settings: Settings) -> tuple[set[str], int]:
    """Every report id a marker names and that was not sent again after it, and the offset
    of the last marker (-1: none)."""
    from linkwatch.retention import Retention
    from linkwatch.schemas.accepted import PurgeMarker, ReportHead, try_decode_head
    from linkwatch.streams import topics
    from linkwatch.watch import read_messages

    last_sent: dict[str, int] = {}
    retention = Retention()
    last_marker = -1
    async for msg in read_messages(settings, topics.name(settings, topics.ACCEPTED)):
        head = try_decode_head(msg.value)
        if isinstance(head, PurgeMarker):
            last_marker = msg.offset
            retention.add(msg.offset, head.report_ids)
        elif isinstance(head, ReportHead):
            last_sent[head.report_id] = msg.offset
    return retention.gone(last_sent), last_marker


async def _link_stage_passed(settings: Settings, offset: int, wait_s: float) -> bool:
    """Whether the link stage's committed offset on the accepted topic is past ``offset``,
    waiting up to ``wait_s``.  No offset committed at all: no link stage has run, so there
    is nothing to wait for."""
    from linkwatch.kafka import consumer
    from linkwatch.streams import topics

    tp = TopicPartition(topics.name(settings, topics.ACCEPTED), 0)
    c = consumer(settings, group_id=settings.app_id, enable_auto_commit=False)
    await c.start()
    try:
        deadline = time.monotonic() + wait_s
        while True:
            committed = await c.committed(tp)
            if committed is None or committed > offset:
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.5)
    finally:
        await c.stop()


class _Capture:
    """Wraps a Pipeline's ``apply``: the last version each alert id was offered as."""

    def __init__(self, pipeline: Any) -> None:
        self.last: dict[str, Alert] = {}
        inner = pipeline.apply

        def apply(message: Any) -> Any:
            out = inner(message)
            for alert in out.alerts:
                self.last[alert.alert_id] = alert
            return out
        pipeline.apply = apply


async def sweep(settings: Settings, purge_id: str, *, wait_s: float = WAIT_S) -> Swept:
    """Erase the purged reports from the published outputs (module docstring)."""
    from linkwatch.graph.alerts import content_digest, version_above
    from linkwatch.graph.feedback import status_key
    from linkwatch.kafka import producer
    from linkwatch.pipeline import Pipeline
    from linkwatch.purge import _redis
    from linkwatch.rebuild import replay
    from linkwatch.streams import topics
    from linkwatch.watch import decode, read_messages

    done = Swept()
    gone, last_marker = await purged_report_ids(settings)
    if not gone:
        return done
    done.link_stage_behind = not await _link_stage_passed(settings, last_marker, wait_s)

    stale = stale_alerts([decode(msg.value) async for msg in read_messages(
        settings, topics.name(settings, topics.ALERTS))], gone)

    referral_state: dict[str, bool] = {}  # key -> names a purged report (latest message)
    async for msg in read_messages(settings, topics.name(settings, topics.REFERRALS)):
        value = decode(msg.value)
        key = _key(msg.key) or (value.get("referral_id") if isinstance(value, dict) else None)
        if key:
            referral_state[key] = isinstance(value, dict) and value.get("report_id") in gone
    entity_state: dict[str, bool] = {}
    async for msg in read_messages(settings, topics.name(settings, topics.ENTITIES)):
        key = _key(msg.key)
        if key:
            entity_state[key] = msg.value is not None and key in gone

    now_of: dict[str, Alert] = {}
    if stale:  # what the link stage computes now, from the reports that are left
        pipeline = Pipeline(settings)
        capture = _Capture(pipeline)
        await replay(settings, pipeline, committed_only=False, view=False)
        now_of = capture.last

    state = _redis(settings)
    prod = producer(settings, acks="all")
    await prod.start()
    try:
        tops = await state.published_versions(list(stale))
        at = datetime.now(UTC)
        records: list[tuple[str, str, int]] = []
        changed: dict[str, list[str]] = {REDACTED: [], WITHDRAWN: []}
        for aid, alert in sorted(stale.items()):
            # above every version published, and above the latest on the topic
            version = version_above(int(alert.get("version", 0)) + 1, tops.get(aid))
            new, kind = replacement(alert, now_of.get(aid), gone, version, at, purge_id)
            changed[kind].append(aid)
            if kind == REDACTED:
                done.alerts_redacted += 1
            else:  # the analysts' status note goes with it (its reason is free text)
                done.alerts_withdrawn += 1
                await state.client.delete(status_key(settings.app_id, aid))
            await prod.send_and_wait(topics.name(settings, topics.ALERTS),
                                     new.model_dump_json().encode(), key=aid.encode())
            records.append((aid, content_digest(new), version))
        if records:
            await state.record_alert_versions(records)
            await state.mark_emitted(f"{aid}@{v}" for aid, _d, v in records)
        for key in sorted(k for k, named in referral_state.items() if named):
            await prod.send_and_wait(topics.name(settings, topics.REFERRALS), None,
                                     key=key.encode())
            done.referrals += 1
        for key in sorted(k for k, named in entity_state.items() if named):
            await prod.send_and_wait(topics.name(settings, topics.ENTITIES), None,
                                     key=key.encode())
            done.entities += 1
        if records or done.referrals or done.entities:  # s.62: the erasure, by id only
            await prod.send_and_wait(topics.name(settings, topics.AUDIT), json.dumps({
                "event": "purge_outputs", "purge_id": purge_id, "at": at.isoformat(),
                "user": settings.user, "reason": "retention (DPA 2018 s.39)",
                "alerts_redacted": changed[REDACTED], "alerts_withdrawn": changed[WITHDRAWN],
                "referrals_tombstoned": done.referrals,
                "entity_records_tombstoned": done.entities,
                "handling": settings.handling}).encode(), key=b"purge")
    finally:
        await prod.stop()
        await state.close()
    log.info("retention purge %s: %s", purge_id, done.describe())
    return done
