"""The link stage's offender desk (issue 9): what ``Pipeline.apply`` does for offenders once a
report is resolved and linked.  No Kafka here; ``agents/watchlist.py`` keeps the watchlist
current and ``agents/link.py`` publishes what lands in ``Outputs``.

For each report, in order:

1. **managed offenders**: a suspect/offender who matches the watchlist, or a listed person
   inside a network alert the detectors just raised, gives a ``managed_offender`` finding
   (``rules.offenders.match_watchlist``), with every report the person appeared in since
   listed as evidence (``with_evidence``), versioned by the pipeline's ``AlertBook`` (stable
   ``alert_id`` from ``managed_offender:<entity>``);
2. **outside share**: every alert of this report gets a ``reasons`` line with the share of its
   persons from outside the owning force and their home forces (``outside_line``);
3. **diversion**: drug and alcohol intervention and youth offending team referrals
   (``decide_diversion``), published like victim referrals: deterministic id, minimised
   contact, cancellation under the same id when an update withdraws one, one audit record per
   decision.

The watchlist is the one outside input that is not an accepted report: a replay uses the
watchlist as it is now (``docs/referrals.md``, "Managed offenders").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from linkwatch.config import Settings, load_config_file
from linkwatch.graph.alerts import AlertBook
from linkwatch.graph.detectors.base import Finding
from linkwatch.rules.offenders import (
    NETWORK_TYPES,
    OFFENDER_ROLES,
    OffenderDecision,
    OffenderRoutingConfig,
    Watchlist,
    alert_outside_share,
    decide_diversion,
    match_watchlist,
    offender_audit_record,
    outside_line,
    with_evidence,
)
from linkwatch.rules.referrals import audit_json, cancellation, diff_decisions
from linkwatch.schemas import Alert, AnyReport

MAX_APPEARANCES = 50   # remembered per listed person (the alert shows the latest 20)
_SHARED: dict[tuple[str, str, str | None], Watchlist] = {}


def shared_watchlist(settings: Settings) -> Watchlist:
    """The process's one watchlist for this deployment: ``LINKWATCH_WATCHLIST_FILE`` read
    once, then changed by the topic follower; every ``Pipeline`` built here holds it (a
    rebuild for a retention purge keeps the entries the topic added)."""
    key = (settings.app_id, settings.topic_prefix, settings.watchlist_file)
    watchlist = _SHARED.get(key)
    if watchlist is None:
        watchlist = Watchlist()
        if settings.watchlist_file:
            from linkwatch.reporting.watchlist import load_watchlist_file

            load_watchlist_file(Path(settings.watchlist_file), watchlist)
        _SHARED[key] = watchlist
    return watchlist


def load_offender_routing(path: str | None) -> OffenderRoutingConfig:
    """``LINKWATCH_OFFENDER_ROUTING_FILE`` (YAML or JSON in the shape of
    ``OffenderRoutingConfig``); Warwickshire's services when unset.  A bad file stops the
    worker at start-up, naming why."""
    return load_config_file(path, OffenderRoutingConfig)


class OffenderDesk:
    def __init__(self, settings: Settings, watchlist: Watchlist | None = None,
                 routing: OffenderRoutingConfig | None = None) -> None:
        self.home = settings.force
        self.handling = settings.handling
        self.watchlist = watchlist if watchlist is not None else shared_watchlist(settings)
        self.routing = routing or load_offender_routing(settings.offender_routing_file)
        self.bound: dict[str, set[str]] = {}          # entity -> entries it matched by identity
        self.appearances: dict[str, list[str]] = {}   # listed entity -> report ids, oldest first
        self.decisions: dict[tuple[str, str], list[OffenderDecision]] = {}
        self.referred: dict[str, set[tuple[str, str]]] = {}  # report -> {(entity, service)}

    def apply(self, report: AnyReport, duplicate_of: str | None, out: Any, graph: Any,
              book: AlertBook) -> None:
        """Add this report's managed-offender alerts, outside-share reasons and diversion
        referrals to ``out`` (``linkwatch.pipeline.Outputs``)."""
        networks = [a for a in out.alerts if a.type in NETWORK_TYPES and a.status == "live"]
        alerts = [*out.alerts, *self._watch(report, duplicate_of, networks, book)]
        out.alerts[:] = [self._with_outside(a, graph) for a in alerts]
        self._divert(report, duplicate_of, out)

    # -- managed offenders ------------------------------------------------------------------
    def _watch(self, report: AnyReport, duplicate_of: str | None,
               networks: list[Alert], book: AlertBook) -> list[Alert]:
        if not len(self.watchlist):
            return []
        for person in report.persons:
            if person.entity_id:
                for entry, _how, _score in self.watchlist.match(person):
                    self.bound.setdefault(person.entity_id, set()).add(entry.entry_id)
        # a near-duplicate is the same event again: its persons are not a new appearance
        persons = [] if duplicate_of else report.persons
        named = {p.entity_id for p in persons if p.role in OFFENDER_ROLES and p.entity_id}
        raised = []
        for found in match_watchlist(report, persons, self.watchlist, networks, self.bound):
            entity = found["entities"][0].removeprefix("person:")
            seen = self.appearances.setdefault(entity, [])
            if entity in named and report.report_id not in seen:
                seen.append(report.report_id)
                del seen[:-MAX_APPEARANCES]
            alert = book.consider(Finding(**with_evidence(found, seen)), report.reported_at)
            if alert is not None:
                raised.append(alert)
        return raised

    # -- crime from outside the force -------------------------------------------------------
    def _with_outside(self, alert: Alert, graph: Any) -> Alert:
        """``alert`` with its last ``reasons`` line: the share of its persons from outside
        the force (``outside_line``; every alert carries one, added here only)."""
        nodes = graph.g.nodes
        homes = {e.entity_id: nodes[e.entity_id].get("home_force")
                 for e in alert.entities if e.kind == "person" and e.entity_id in nodes}
        share = alert_outside_share(alert, homes, self.home)
        return alert.model_copy(update={"reasons": [*alert.reasons,
                                                    outside_line(share, self.home)]})

    # -- diversion referrals ----------------------------------------------------------------
    def _divert(self, report: AnyReport, duplicate_of: str | None, out: Any) -> None:
        original = self.referred.get(duplicate_of or "", set())
        for person in report.persons:
            ref = person.person_ref or ""
            key = (report.report_id, ref)
            decisions = decide_diversion(report, person, self.routing, self.handling)
            before = self.decisions.get(key, [])
            if not decisions and not before:
                continue
            diff = diff_decisions(before, decisions)
            if decisions:
                self.decisions[key] = decisions
            else:
                self.decisions.pop(key, None)
            for old in diff.cancel:
                out.add_referral(cancellation(old, report.reported_at,
                                              "a later version of the report withdrew it"))
            skipped = set()
            for referral in diff.publish:
                if (person.entity_id, referral.service) in original:
                    skipped.add(referral.service)  # the same event: referred under the original
                    continue
                self.referred.setdefault(report.report_id, set()).add(
                    (person.entity_id or ref, referral.service))
                out.add_referral(referral)
            for decision in decisions:
                record = offender_audit_record(decision, report.report_id, ref)
                if decision.service in skipped:
                    record.update(action="decision", referred=False, recipient=None,
                                  referral_id=None, due_by=None, contact_fields_disclosed=[],
                                  rule=f"already referred under the original report "
                                       f"{duplicate_of} (near-duplicate)")
                out.audit.append((report.report_id, audit_json(record)))
