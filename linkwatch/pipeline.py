"""The link stage as plain Python: resolve entities, update the graph, detect,
version alerts and decide referrals.  No Kafka here, so it is tested directly;
``agents/link.py`` feeds it and publishes what it returns.

Every output is a pure function of the accepted reports in order: timestamps
come from report times, ids from content.  Replaying the accepted topic
therefore rebuilds the same state, and a re-sent output is byte-identical.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition

from linkwatch.config import Settings
from linkwatch.graph import LinkGraph
import dataclasses
import hashlib

from linkwatch.graph.alerts import AlertBook
from linkwatch.graph.detectors import load_config, run_detectors
from linkwatch.rules.referrals import (
    Decision, DecisionContext, VictimHistory, audit_record, cancellation, decide, diff_decisions,
)
from linkwatch.rules.resolve import InMemoryIndex, Resolver
from linkwatch.schemas import AnyReport, Referral, ReportAdapter

log = logging.getLogger(__name__)


@dataclass
class Outputs:
    alerts: list[tuple[str, bytes]] = field(default_factory=list)      # (alert_id@version, json)
    referrals: list[tuple[str, bytes]] = field(default_factory=list)   # (referral_id@status, json)
    audit: list[tuple[str, bytes]] = field(default_factory=list)       # (report_id, json)
    entities: list[tuple[str, bytes]] = field(default_factory=list)    # (report_id, json)

    def add_referral(self, referral: Referral) -> None:
        body = referral.model_dump_json().encode()
        digest = hashlib.sha256(body).hexdigest()[:12]
        self.referrals.append((f"{referral.referral_id}@{referral.status}@{digest}", body))


class Pipeline:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.graph = LinkGraph()
        self.resolver = Resolver(InMemoryIndex())
        self.detector_cfg = dataclasses.replace(load_config(), handling=settings.handling)
        self.alerts = AlertBook(handling=settings.handling)
        self.applied: dict[str, str] = {}          # report_id -> content hash applied
        self.decisions: dict[tuple[str, str], list[Decision]] = {}  # (report, person) -> last
        self.victimised: dict[str, set[str]] = {}  # person entity -> report ids as victim
        self.reports = 0

    def apply(self, payload: dict[str, Any]) -> Outputs:
        """Fold one accepted report in; return what should be published."""
        out = Outputs()
        report = ReportAdapter.validate_python(payload["report"])
        digest = payload.get("hash", "")
        if self.applied.get(report.report_id) == digest:
            return out  # the same report again (our own replay): nothing new
        self.applied[report.report_id] = digest
        self.reports += 1
        self._resolve(report, out)
        touched = self.graph.add_report(report, harm=payload.get("enrichment", {}).get("harm"))
        sub = self.graph.neighbourhood(touched, hops=2)
        cfg = dataclasses.replace(self.detector_cfg, now=report.reported_at)
        for finding in run_detectors(sub, touched, cfg):
            alert = self.alerts.consider(finding, report.reported_at)
            if alert is not None:
                out.alerts.append((f"{alert.alert_id}@{alert.version}",
                                   alert.model_dump_json().encode()))
        self._refer(report, payload.get("duplicate_of"), out)
        return out

    def _resolve(self, report: AnyReport, out: Outputs) -> None:
        for person in report.persons:
            res = self.resolver.resolve(person, report.report_id, report.reported_at)
            person.entity_id = res.entity_id
            out.entities.append((report.report_id, json.dumps({
                "report_id": report.report_id, "person_ref": person.person_ref,
                "entity_id": res.entity_id, "score": res.score, "matched": res.matched,
                "reasons": list(res.reasons)}).encode()))

    def _refer(self, report: AnyReport, duplicate_of: str | None, out: Outputs) -> None:
        """Victims' Code decisions for every person; cancellations when an update withdraws one."""
        for person in report.persons:
            seen = self.victimised.setdefault(person.entity_id or "", set())
            ctx = DecisionContext(
                history=VictimHistory(prior_count=len(seen - {report.report_id})),
                is_duplicate_of=duplicate_of, handling=self.settings.handling)
            decisions = decide(report, person, ctx)
            if person.role == "victim" and person.entity_id:
                seen.add(report.report_id)
            key = (report.report_id, person.person_ref or "")
            diff = diff_decisions(self.decisions.get(key, []), decisions)
            self.decisions[key] = decisions
            for old in diff.cancel:
                out.add_referral(cancellation(old, report.reported_at,
                                              "a later version of the report withdrew it"))
            for referral in diff.publish:
                out.add_referral(referral)
            for decision in decisions:
                record = audit_record(decision, report.report_id, person.person_ref or "")
                out.audit.append((report.report_id, json.dumps(record, default=str).encode()))


async def replay_committed(settings: Settings, pipeline: Pipeline) -> int:
    """Rebuild the pipeline's state from the accepted topic up to the offset the
    worker group has committed; nothing is published while replaying."""
    from linkwatch.kafka import consumer
    from linkwatch.streams import topics

    tp = TopicPartition(topics.name(settings, topics.ACCEPTED), 0)
    c = consumer(settings, group_id=settings.app_id, enable_auto_commit=False,
                 auto_offset_reset="earliest", max_partition_fetch_bytes=8 * 1024 * 1024)
    await c.start()
    count = 0
    try:
        committed = await c.committed(tp)
        if not committed:
            return 0
        c.assign([tp])
        await c.seek_to_beginning(tp)
        done = False
        while not done:
            batch = await c.getmany(tp, timeout_ms=1000, max_records=5000)
            for msg in batch.get(tp, []):
                if msg.offset >= committed:
                    done = True
                    break
                pipeline.apply(json.loads(msg.value))
                count += 1
            if not batch and await c.position(tp) >= committed:
                done = True
    finally:
        await c.stop()
    return count
