"""``AlertBook``: which findings become alerts, and when an alert gets a new version.

A pure state object: finding key -> (alert_id, version, fingerprint, created,
last emitted).  ``alert_id`` is ``"A" + sha256(key)[:16]``, so the same structure
keeps one id across restarts and replicas.  A new version is emitted only when the
evidence changes what an analyst would do.  Ordered rules, first match decides:

1. a key never seen -> version 1;
2. severity higher than the last version's -> new version at once (no cooldown);
3. within ``cooldown`` of the last version (report time) -> nothing;
4. a member entity not in the last version -> new version;
5. at least ``report_step`` more reports than the last version -> new version;
6. otherwise -> nothing (the alert already says it).

Time is report time (the ``now`` passed in), never the wall clock, so a replay of
the same reports in the same order emits exactly the same alerts.  Example: an
alert at 10:00 with 3 reports, cooldown 6 h, step 3: a 4th report at 11:00 with a
new victim -> nothing (cooldown); a 5th at 17:00 -> version 2 (new members).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from linkwatch.graph.detectors.base import Finding
from linkwatch.graph.model import kind_of
from linkwatch.schemas import Alert, AlertEntity, AlertLink

_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}
log = logging.getLogger(__name__)
AlreadyEmitted = Callable[[str, int], bool]


def alert_id_for(key: str) -> str:
    return "A" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class _Entry:
    alert_id: str
    version: int
    severity: str
    n_reports: int
    entities: frozenset[str]
    created_at: datetime
    emitted_at: datetime
    fingerprint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "version": self.version, "severity": self.severity,
                "n_reports": self.n_reports, "entities": sorted(self.entities),
                "created_at": self.created_at.isoformat(),
                "emitted_at": self.emitted_at.isoformat(), "fingerprint": self.fingerprint}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _Entry:
        return cls(d["alert_id"], int(d["version"]), d["severity"], int(d["n_reports"]),
                   frozenset(d["entities"]), datetime.fromisoformat(d["created_at"]),
                   datetime.fromisoformat(d["emitted_at"]), d.get("fingerprint", ""))


@dataclass
class AlertBook:
    handling: str = "OFFICIAL-SENSITIVE"
    cooldown: timedelta = timedelta(hours=6)
    report_step: int = 3
    already_emitted: AlreadyEmitted | None = None
    entries: dict[str, _Entry] = field(default_factory=dict)

    def consider(self, finding: Finding, now: datetime | None = None,
                 already_emitted: AlreadyEmitted | None = None) -> Alert | None:
        """The alert to publish for this finding now, or ``None``.

        ``already_emitted(alert_id, version)`` (here or on the book) says a version was
        published before a restart: the state advances but nothing is returned again.
        """
        now = now or finding.at
        if now is None:
            raise ValueError(f"finding {finding.key!r} has no time; pass now=")
        entry = self.entries.get(finding.key)
        ents = frozenset(finding.entities)
        if entry is None:
            entry = _Entry(alert_id_for(finding.key), 1, finding.severity,
                           len(finding.report_ids), ents, now, now)
        elif not self._material(entry, finding, ents, now):
            return None
        else:
            entry.version += 1
        entry.severity, entry.n_reports, entry.entities = (
            finding.severity, len(finding.report_ids), ents)
        entry.emitted_at = now
        entry.fingerprint = _fingerprint(finding)
        self.entries[finding.key] = entry
        check = already_emitted or self.already_emitted
        if check is not None and check(entry.alert_id, entry.version):
            return None
        return _alert(finding, entry, now, self.handling)

    def _material(self, entry: _Entry, f: Finding, ents: frozenset[str], now: datetime) -> bool:
        if _RANK.get(f.severity, 0) > _RANK.get(entry.severity, 0):
            return True
        if now - entry.emitted_at < self.cooldown:
            return False
        if ents - entry.entities:
            return True
        return len(f.report_ids) >= entry.n_reports + self.report_step

    # -- snapshots -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"handling": self.handling, "cooldown_s": self.cooldown.total_seconds(),
                "report_step": self.report_step,
                "entries": {k: e.to_dict() for k, e in sorted(self.entries.items())}}

    @classmethod
    def from_dict(cls, data: dict[str, Any],
                  already_emitted: AlreadyEmitted | None = None) -> AlertBook:
        return cls(handling=data.get("handling", "OFFICIAL-SENSITIVE"),
                   cooldown=timedelta(seconds=float(data.get("cooldown_s", 6 * 3600))),
                   report_step=int(data.get("report_step", 3)), already_emitted=already_emitted,
                   entries={k: _Entry.from_dict(v) for k, v in data.get("entries", {}).items()})


def _fingerprint(f: Finding) -> str:
    text = "|".join([f.severity, ",".join(f.entities), ",".join(f.report_ids)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _alert(f: Finding, entry: _Entry, now: datetime, handling: str) -> Alert:
    f = f.explained()
    labels = f.labels if len(f.labels) == len(f.entities) else f.entities
    reasons = list(f.reasons)
    if f.discounted_hubs:
        reasons.append("discounted as innocent hubs (not used to link): "
                       + ", ".join(f.discounted_hubs))
    link_rids = (f.link_report_ids if len(f.link_report_ids) == len(f.links)
                 else tuple(() for _ in f.links))
    return Alert(
        alert_id=entry.alert_id, version=entry.version, type=f.type, severity=f.severity,
        score=f.score, title=f.title, summary=f.summary, reasons=reasons,
        report_ids=list(f.report_ids),
        entities=[AlertEntity(entity_id=e, kind=kind_of(e), label=lb)
                  for e, lb in zip(f.entities, labels, strict=True)],
        links=[AlertLink(source=s, target=t, type=k, report_ids=list(r))
               for (s, t, k), r in zip(f.links, link_rids, strict=True)],
        cluster_id=f.cluster_id, created_at=entry.created_at, updated_at=now, handling=handling,
    )


# -- published versions ----------------------------------------------------------------
#
# The book's version counter is a function of the reports it has seen.  After a
# retention purge (or on a restart after one) the link stage rebuilds the book from the
# reports that are left, so an alert can be counted from a lower version again, and a
# real change would come out as an ``alert_id@version`` already published (and be
# withheld by its emitted mark).  The link stage therefore numbers alerts as it
# publishes them, from what Redis records of past publications (``RedisState``):
# per alert id, the highest version published and, for each content published, the
# version it went out under.  Content is identified by ``content_digest``, which leaves
# the version out, so it does not matter what number the book gave it.

def content_digest(body: bytes) -> str:
    """sha256 (16 hex) of an alert's JSON without its ``version``."""
    data = json.loads(body)
    data.pop("version", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Numbered:
    """An alert as it is to be published."""

    alert_id: str
    version: int
    body: bytes
    digest: str
    known: bool  # this content was published before, under ``version``

    @property
    def out_id(self) -> str:
        return f"{self.alert_id}@{self.version}"


def number_alerts(alerts: Sequence[tuple[str, bytes]], known: Mapping[tuple[str, str], int],
                  published: Mapping[str, int]) -> list[Numbered]:
    """The version each alert (``(alert_id@version, json)``, in order) is published under.

    ``known``: (alert_id, digest) -> the version that content was published under;
    ``published``: alert_id -> the highest version published.  Ordered rules, first
    match decides:

    1. the content was published before -> its version again (a retry, or a replay after
       a restart: the emitted mark then withholds it);
    2. the book's version is not above the highest published (counting this batch) ->
       the highest + 1, with ``version`` rewritten in the JSON;
    3. otherwise -> the book's version.

    Pure: the same records and alerts give the same numbers, so a retried publish
    neither bumps twice nor sends different bytes.  Example: v1..v3 published, then a
    purge; the rebuilt book offers a change as v2 -> published as v4; offered again
    after a restart (as v2, or as any number) -> v4 again.
    """
    seen = dict(known)
    top = dict(published)
    out: list[Numbered] = []
    for out_id, body in alerts:
        alert_id, _, text = out_id.partition("@")
        offered, digest = int(text), content_digest(body)
        version = seen.get((alert_id, digest))
        if version is not None:
            out.append(Numbered(alert_id, version, _versioned(body, offered, version), digest,
                                True))
            continue
        version = offered
        if alert_id in top and version <= top[alert_id]:
            version = top[alert_id] + 1
            log.info("alert %s offered as v%d, published as v%d (v%d already published)",
                     alert_id, offered, version, top[alert_id])
        seen[(alert_id, digest)] = version
        top[alert_id] = max(version, top.get(alert_id, 0))
        out.append(Numbered(alert_id, version, _versioned(body, offered, version), digest,
                            False))
    return out


def _versioned(body: bytes, offered: int, version: int) -> bytes:
    if version == offered:
        return body
    alert = Alert.model_validate_json(body)
    return alert.model_copy(update={"version": version}).model_dump_json().encode()


__all__ = ["AlertBook", "Numbered", "alert_id_for", "content_digest", "number_alerts"]
