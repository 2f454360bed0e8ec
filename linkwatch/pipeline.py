"""The link stage as plain Python: resolve entities, update the graph, detect,
version alerts and decide referrals.  No Kafka here, so it is tested directly;
``agents/link.py`` feeds it and publishes what it returns.

Every output is a pure function of the accepted reports in order: timestamps
come from report times, ids from content.  Replaying the accepted topic
therefore rebuilds the same state, and a re-sent output is byte-identical.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import hashlib
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from linkwatch import packing
from linkwatch.config import Settings, load_config_file
from linkwatch.faults import Fault, capture
from linkwatch.graph import LinkGraph
from linkwatch.graph.alerts import AlertBook
from linkwatch.graph.allowlist import load_allowlist
from linkwatch.graph.detectors import ClusterTracker, load_config, run_detectors
from linkwatch.graph.hubs import HubIndex
from linkwatch.offender_desk import OffenderDesk
from linkwatch.rules import _held, neardup
from linkwatch.rules.intake import Source, processing_dead_letter
from linkwatch.rules.normalise import prime
from linkwatch.rules.referrals import (
    DecisionContext,
    RoutingConfig,
    VictimHistory,
    active_referrals,
    audit_json,
    audit_record,
    cancellation,
    decide,
    diff_referrals,
)
from linkwatch.rules.resolve import InMemoryIndex, Record, Resolver, to_record
from linkwatch.schemas import Alert, AnyReport, Referral, ReportAdapter
from linkwatch.schemas.accepted import (
    AcceptedReport,
    Enrichment,
    NearDupFingerprint,
    PurgeMarker,
    ReportHead,
    decode,
    try_decode_head,
)
from linkwatch.streams import topics

log = logging.getLogger(__name__)

# alert types whose network makes every victim in its reports a victim of exploitation
EXPLOITATION_ALERTS = frozenset({"modern_slavery", "child_exploitation"})
# what the link stage keeps of a report with victims, for a later referral decision
_KEPT = ("report_id", "kind", "source", "reported_at", "force", "markers", "incident")

# The graph and the indexes only grow, and Python's cyclic collector re-scans every
# live object on each full collection: at 60k nodes that was half the cost of a report.
# Every FREEZE_EVERY reports, collect what is garbage and move the survivors out of the
# collector's sight (``gc.freeze``), so each collection scans only recent objects.
FREEZE_EVERY = 5_000
# Young collections every 700 allocations, the middle one every 3rd (not 10th), so no
# one report pays for scanning 7,000 survivors (1-2.5 ms at 1M entities).  A full
# collection on its own only after 1,000 of those (about 2M allocations, more than
# FREEZE_EVERY reports make): in the link stage ``_settle_heap`` comes first, where
# the default trigger ran one every few hundred reports after a freeze, 100-200 ms each
# at 100k-1M entities; elsewhere garbage cycles are still collected.
GC_THRESHOLDS = (700, 3, 1_000)


def _settle_heap() -> None:
    gc.collect()   # only objects created since the last freeze are scanned
    gc.freeze()


def _tune_collector() -> None:
    """``GC_THRESHOLDS`` for this process: the link stage's state is its heap."""
    gc.set_threshold(*GC_THRESHOLDS)


@dataclass
class Outputs:
    # alert versions as the book offers them; serialised once, when published
    # (``agents/link.py``, after ``graph.alerts.number_alerts``)
    alerts: list[Alert] = field(default_factory=list)
    referrals: list[tuple[str, bytes]] = field(default_factory=list)   # (referral_id@status, json)
    audit: list[tuple[str, bytes]] = field(default_factory=list)       # (report_id, json)
    entities: list[tuple[str, bytes]] = field(default_factory=list)    # (report_id, json)
    # (key, DeadLetter json): the report failed (``Pipeline.apply_message``)
    dead_letters: list[tuple[str, bytes]] = field(default_factory=list)

    def add_referral(self, referral: Referral, body: bytes | None = None) -> None:
        """``body``: the referral's JSON, if the caller has it already."""
        body = body or referral.model_dump_json().encode()
        digest = hashlib.sha256(body).hexdigest()[:12]
        self.referrals.append((f"{referral.referral_id}@{referral.status}@{digest}", body))


# what a near-duplicate summary (``neardup.summary``) most often holds: left out when kept
_SUMMARY_EMPTY: dict[str, Any] = {"exact": False, "payees": [], "others": [], "amount": None,
                                  "what": None, "address": None, "postcode": None,
                                  "lsoa": None}
_SUMMARY_KEYS = frozenset({"report_id", "kind", "source", "t", "victims", "people",
                           *_SUMMARY_EMPTY})
_SUMMARY_NONE = tuple(k for k, v in _SUMMARY_EMPTY.items() if v is None)
_SUMMARY_LISTS = tuple(k for k, v in _SUMMARY_EMPTY.items() if v == [])
_COMPACT = b"~"  # a kept summary less its victims and empty fields (``_stored_summary``)


def _digest(text: str) -> bytes | str:
    """A content hash (hex digits) as its bytes, half the size; other text as it is."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        return text


def _referral_key(referral_id: str) -> bytes | str:
    """A referral id (``R`` and hex digits, ``referrals.referral_id``) as the digits' bytes,
    half the size; another as it is."""
    if referral_id[:1] != "R":
        return referral_id
    try:
        return bytes.fromhex(referral_id[1:])
    except ValueError:
        return referral_id


def _victims(people: Mapping[str, Sequence[str]]) -> list[str]:
    """A summary's ``victims``: its people's identities (``neardup._victim_ids``)."""
    return sorted({i for ids in people.values() for i in ids})


def _stored_summary(summary: Mapping[str, Any]) -> bytes:
    """A near-duplicate summary as kept: exact JSON, less its ``victims`` (its people's
    identities again) and the fields holding what ``_SUMMARY_EMPTY`` says, when it has
    just the usual fields; ``_summary`` reads it back whole."""
    people = summary.get("people")
    if len(summary) == len(_SUMMARY_KEYS) and summary.keys() == _SUMMARY_KEYS \
            and isinstance(people, Mapping) and summary["victims"] == _victims(people):
        kept = dict(summary)
        del kept["victims"]
        for key in _SUMMARY_NONE:
            if kept[key] is None:
                del kept[key]
        for key in _SUMMARY_LISTS:
            if kept[key] == [] and type(kept[key]) is list:
                del kept[key]
        if kept["exact"] is False:
            del kept["exact"]
        return packing.SUMMARY.pack(_COMPACT + orjson.dumps(kept))
    return packing.SUMMARY.pack(orjson.dumps(summary))


def _summary(raw: bytes) -> dict[str, Any]:
    """The summary ``_stored_summary`` kept."""
    raw = packing.SUMMARY.unpack(raw)
    if not raw.startswith(_COMPACT):
        return orjson.loads(raw)  # type: ignore[no-any-return]
    kept = orjson.loads(memoryview(raw)[1:])
    whole = {"exact": False, "payees": [], "others": [], "amount": None,  # _SUMMARY_EMPTY
             "what": None, "address": None, "postcode": None, "lsoa": None}
    whole.update(kept)
    whole["victims"] = _victims(kept["people"])
    return whole


_YEARS: dict[int, int] = {}  # one int of each birth year (``_sharing``)


def _sharing(record: Sequence[Any], report_id: str, postcode: str | None) -> list[Any]:
    """A resolver record's fields (``Record.as_list``) holding the report's own strings
    where they are equal (its id, the person's postcode), and its person ref interned: the
    record is kept, and so is the report's graph, so one string each, not two; names,
    dates and years of birth interned."""
    f = record if type(record) is list else list(record)  # the message's own: changed
    if f[1] == report_id:
        f[1] = report_id
    try:
        f[2] = sys.intern(f[2])
        f[4] = [tuple(map(sys.intern, names)) for names in f[4]]  # names repeat
        if f[5] is not None:
            f[5] = sys.intern(f[5])  # dates of birth repeat, and so do years
        year = f[6]
        if type(year) is int and 0 <= year < 3000:
            f[6] = _YEARS.setdefault(year, year)
    except TypeError:
        pass  # not text: ``Record`` takes it as it is
    if postcode is not None and f[8] == postcode:
        f[8] = postcode
    return f


def persons_entry(when: Any, refs: Mapping[str, str]) -> tuple[Any, ...]:
    """``Pipeline.persons_of``'s entry of a report at ``when`` whose persons resolved to
    these entities (entity -> person ref; the schema fills every ref)."""
    return (when, *(x for pair in refs.items() for x in pair))


def persons(entry: Sequence[Any] | None) -> dict[str, tuple[str, Any]]:
    """A ``persons_of`` entry as entity -> (person ref, report time)."""
    if not entry:
        return {}
    when = entry[0]
    return {entry[i]: (entry[i + 1], when) for i in range(1, len(entry), 2)}


def link_dead_letter(message: AcceptedReport | None, value: bytes,
                     fault: Fault) -> tuple[str, bytes]:
    """(key, DeadLetter JSON) for an accepted report the link stage failed on: the
    coordinate it arrived at on its input topic (what ``linkwatch reconcile`` counts and
    ``deadletters --replay`` re-sends to) and the report as accepted, as its value.
    ``message``: the decoded message; ``None`` when ``value`` did not decode, and then
    its id and coordinate are still read if they are there (``decode_head``)."""
    if message is not None:
        rid, source = message.report_id, message.source
        raw = orjson.dumps(message.report.model_dump(mode="json", by_alias=True,
                                                     exclude_none=True))
    else:
        head = try_decode_head(value)
        rid, source = (head.report_id, head.source) if isinstance(head, ReportHead) \
            else ("", None)
        raw = value
    topic, partition, offset = _coordinate(source)
    dead = processing_dead_letter(
        Source(topic, partition, offset, rid.encode() if rid else None), raw, fault,
        datetime.now(UTC))
    return rid, dead.model_dump_json().encode()


_DIGITS = re.compile(r"[0-9]+")
_NONE: frozenset[str] = frozenset()


def _coordinate(source: str | None) -> tuple[str, int | None, int | None]:
    """``topic:partition:offset`` (intake's ``Source.coordinate``; topic names hold no
    colon) as its parts; the accepted topic itself when there is none."""
    if source is not None and source.count(":") >= 2:
        topic, partition, offset = source.rsplit(":", 2)
        if _DIGITS.fullmatch(partition) and _DIGITS.fullmatch(offset):
            return topic, int(partition), int(offset)
    return topics.ACCEPTED, None, None


class Pipeline:
    def __init__(self, settings: Settings) -> None:
        _tune_collector()
        self.settings = settings
        self.graph = LinkGraph()
        self.resolver = Resolver(InMemoryIndex())
        self.detector_cfg = dataclasses.replace(load_config(), handling=settings.handling)
        self.alerts = AlertBook(handling=settings.handling)
        self.clusters = ClusterTracker()
        self.hubs = HubIndex(load_allowlist(settings.allowlist_file))
        self.routing = load_routing(settings.referral_routing_file)  # built once, frozen
        self.offenders = OffenderDesk(settings)  # watchlist, diversion, outside share
        self.applied: dict[str, bytes | str] = {}  # report_id -> content hash applied (``_digest``)
        # (report, person) -> the active referrals of its latest version, packed JSON (each
        # names its id; a dict by id cost 184 B more; one alone, ``kept_referrals``): what
        # the next version is compared with; the whole decisions were a third of the state,
        # and an update is rare
        self.active: dict[tuple[str, str], bytes | tuple[bytes, ...]] = {}
        # person entity -> report ids as victim; one alone is the graph's set of the
        # report's id (``LinkGraph.report_ids``), so replaced when a second comes
        self.victimised: dict[str, set[str]] = {}
        # blocking key (``_held.hashed``) -> the summaries (``neardup.summary``) stored
        # under it, packed JSON (``packing.SUMMARY``): one alone, else a list (most keys
        # hold one report)
        self.neardup_index: dict[int, bytes | list[bytes]] = {}
        self.duplicate_of: dict[str, str] = {}     # report -> the original it duplicates
        self.dup_people: dict[str, dict[str, str]] = {}  # duplicate -> its ref -> original's
        self.referred: set[bytes | str] = set()    # referral ids published (``_referral_key``)
        # report -> (its time, entity, person ref, entity, ref...) of its resolved persons
        # (``persons``: a dict of one person cost 240 B, this 64)
        self.persons_of: dict[str, tuple[Any, ...]] = {}
        # report -> its victims and what the referral rules read (packed JSON, no narrative
        # or identifiers): decided again when a detected exploitation network comes to cover it
        self.victim_reports: dict[str, bytes] = {}
        self.exploited: dict[str, tuple[str, ...]] = {}  # report -> exploitation alert types
        # (person node, its resolver record) resolved since the view last took them
        # (linkwatch/view: name search reads them)
        self.named: list[tuple[str, Record]] = []
        # (report, enrichment) applied since the view last took them: its per-report rows
        # (linkwatch/reporting/rows.py, the plan's measures) are made from them
        self.fresh: list[tuple[AnyReport, Mapping[str, Any] | None]] = []
        # rows made of ``fresh`` before the view took them (``linkwatch.view.writer.
        # make_report_rows``): report
        # id, time, row JSON (``linkwatch.view.store.ReportRowText``), oldest first
        self.fresh_rows: list[tuple[str, str, str]] = []
        self.reports = 0
        self.offset = 0  # the next accepted-topic offset this state has applied

    # -- snapshots (``linkwatch.snapshot``) ----------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """Everything computed from reports; not the settings (they hold secrets) nor the
        live watchlist, which ``restored`` attaches again."""
        state = dict(self.__dict__)
        del state["settings"]
        state["offenders"] = copy.copy(self.offenders)
        state["offenders"].watchlist = None
        state["named"] = []  # the view took them before any snapshot is written
        state["fresh"] = []
        state["fresh_rows"] = []
        return state

    def restored(self, settings: Settings) -> None:
        """Attach what a snapshot leaves out (the settings, the shared watchlist)."""
        from linkwatch.offender_desk import shared_watchlist

        _tune_collector()
        self.settings = settings
        self.__dict__.setdefault("named", [])
        self.__dict__.setdefault("fresh", [])
        self.__dict__.setdefault("fresh_rows", [])
        self.__dict__.setdefault("offset", 0)
        self.offenders.watchlist = shared_watchlist(settings)
        self.hubs.legit = load_allowlist(settings.allowlist_file)  # the file as it is now

    def apply_message(self, value: bytes, stage: str = "link",
                      decoded: AcceptedReport | PurgeMarker | None = None) -> Outputs:
        """``apply`` one accepted-topic message, guarded: an exception while handling it
        gives no outputs but a dead letter (``Outputs.dead_letters``, reason
        ``processing_error``, ``linkwatch.faults``), and the next report goes on.  What
        the failed report changed before the exception stays; it is not marked applied,
        so a re-drive (``linkwatch deadletters --replay``) applies it again.
        ``decoded``: the value already decoded (``schemas.accepted.try_decode``).  A purge
        marker is not for this method (``linkwatch.rebuild``): it is a dead letter too."""
        message: AcceptedReport | None = None
        try:
            if decoded is None:
                decoded = decode(value)
            if isinstance(decoded, PurgeMarker):
                raise TypeError("a purge marker is applied by rebuilding the state "
                                "(linkwatch.rebuild), not as a report")
            message = decoded
            return self.apply(message)
        except Exception as exc:  # noqa: BLE001 - one report must never stop the stage
            out = Outputs()
            out.dead_letters.append(link_dead_letter(message, value, capture(stage, exc)))
            return out

    def apply(self, message: AcceptedReport) -> Outputs:
        """Fold one accepted report in; return what should be published.  The message's
        report is the state's from now on (its persons get their entity ids): give each
        pipeline its own decoded message."""
        out = Outputs()
        report = message.report
        digest = _digest(message.hash)
        before = self.applied.get(report.report_id)
        if before == digest:
            return out  # the same report again (our own replay): nothing new
        self.applied[report.report_id] = digest
        try:
            self.reports += 1
            if self.reports % FREEZE_EVERY == 0:
                _settle_heap()
            prime(message.canon)
            self._resolve(report, message.resolution, out)
            duplicate_of = self._near_duplicate(report, message.near_dup)
            self.link(report, message.enrichment, duplicate_of, out)
            self._refer(report, duplicate_of, out)
            self.offenders.apply(report, duplicate_of, out, self.graph, self.alerts)
        except BaseException:
            if before is None:  # not applied: a re-drive of the report is not skipped
                del self.applied[report.report_id]
            else:
                self.applied[report.report_id] = before
            raise
        self.fresh.append((report, message.enrichment))
        return out

    def link(self, report: AnyReport, enrichment: Enrichment | None,
             duplicate_of: str | None, out: Outputs) -> None:
        """Fold one resolved report into the graph, judge hubs, run the detectors on its
        neighbourhood and version the alerts (``bench/graph_scale.py`` times this)."""
        touched = self.graph.add_report(report, enrichment, duplicate_of)
        sub = self.graph.neighbourhood(touched, hops=2)
        cfg = self._config(report.reported_at, None)
        hubs = self.hubs.observe(self.graph.g, touched, cfg)
        cfg = self._config(report.reported_at, hubs)
        now_hubs = {n: self.hubs.verdicts[n].reason for n in touched
                    if n in hubs and n in self.hubs.verdicts}
        if now_hubs:  # an early alert on a contact now judged innocent is taken back
            out.alerts += self.alerts.retract_hubs(now_hubs, report.reported_at)
        for finding in run_detectors(sub, touched, cfg, self.clusters, self.graph.g):
            published = self.alerts.consider_all(finding, report.reported_at)
            out.alerts += published
            for alert in published:
                if alert.type in EXPLOITATION_ALERTS:
                    self._exploitation_network(alert.type, alert.report_ids, report, out)
            # a report joining a live exploitation network is that network's even when the
            # alert gets no new version now (cooldown): its victims are referred as such
            if finding.type in EXPLOITATION_ALERTS and not published \
                    and self.alerts.live_type(finding.key) == finding.type:
                self._exploitation_network(finding.type, finding.report_ids, report, out)

    def _config(self, now: Any, hubs: frozenset[str] | None) -> Any:
        """``detector_cfg`` with ``now`` and ``hubs``; ``dataclasses.replace`` re-runs
        ``__init__`` (dear per report), so copy the frozen instance and set two fields."""
        cfg = copy.copy(self.detector_cfg)
        object.__setattr__(cfg, "now", now)
        if hubs is not None:
            object.__setattr__(cfg, "hubs", hubs)
        return cfg

    def _near_duplicate(self, report: AnyReport, fingerprint: NearDupFingerprint | None
                        ) -> str | None:
        """The earliest report this one is a near-duplicate of (same event, other channel).
        ``fingerprint``: ``neardup.fingerprint(report)`` as intake computed it."""
        fp = fingerprint or neardup.fingerprint(report)
        summary = fp["summary"]
        original = None
        index = self.neardup_index
        for key in fp["lookup"]:
            for raw in _held.values(index.get(_held.hashed(key))):
                old = _summary(raw)
                same, _reasons = neardup.is_near_duplicate(summary, old)
                if same and (original is None or old["t"] < original["t"]):
                    original = old
        body = None
        for key in fp["blocking"]:
            body = body or _stored_summary(summary)
            _held.add(index, _held.hashed(key), body)
        if original is None:
            return None
        first = self.duplicate_of.get(original["report_id"], original["report_id"])
        self.duplicate_of[report.report_id] = first
        people = neardup.match_persons(summary, original)
        if first != original["report_id"]:  # a duplicate of a duplicate: refs of the first
            hop = self.dup_people.get(original["report_id"], {})
            people = {ref: hop[mid] for ref, mid in people.items() if mid in hop}
        self.dup_people[report.report_id] = people
        return first

    def _resolve(self, report: AnyReport, records: Sequence[Sequence[Any]] | None,
                 out: Outputs) -> None:
        """Resolve each person; ``records``: their ``to_record`` lists as intake made them."""
        if records is None or len(records) != len(report.persons):
            records = [to_record(p, report.report_id, report.reported_at).as_list()
                       for p in report.persons]
        rid = report.report_id
        for person, record in zip(report.persons, records, strict=True):
            rec = Record.from_list(_sharing(record, rid, person.postcode))
            res = self.resolver.resolve_record(rec)
            person.entity_id = res.entity_id
            self.named.append((f"person:{res.entity_id}", rec))
            out.entities.append((report.report_id, orjson.dumps({
                "report_id": report.report_id, "person_ref": person.person_ref,
                "entity_id": res.entity_id, "score": res.score, "matched": res.matched,
                "reasons": list(res.reasons)})))

    def _refer(self, report: AnyReport, duplicate_of: str | None, out: Outputs) -> None:
        """Victims' Code decisions for every person; cancellations when an update withdraws one.
        A near-duplicate refers under the original report's ids, so nobody is referred twice."""
        self.persons_of[report.report_id] = persons_entry(
            report.reported_at,
            {p.entity_id: p.person_ref or "" for p in report.persons if p.entity_id})
        matched = self._same_people(report, duplicate_of)
        priors: dict[str, int] = {}
        rid = report.report_id
        for person in report.persons:
            entity = person.entity_id or ""
            seen = self.victimised.get(entity, _NONE)
            prior = priors[person.person_ref or ""] = len(seen - {rid} - {duplicate_of})
            self._decide_person(report, person, duplicate_of,
                                matched.get(person.person_ref or ""), prior, out)
            if person.role == "victim" and entity and rid not in seen:
                if len(seen) > 1 and isinstance(seen, set):
                    seen.add(rid)
                else:  # a set of one may be shared (the report's own): replaced
                    self.victimised[entity] = {*seen, rid} if seen \
                        else self.graph.report_ids(rid)
        self._keep_victims(report, priors)

    def _same_people(self, report: AnyReport, duplicate_of: str | None
                     ) -> dict[str, tuple[str, Any]]:
        """person_ref -> (ref, time) of the same person in the original report: the same
        resolved entity, else the same identity in the near-duplicate fingerprint (a name
        split into given and family name, an address written otherwise can resolve apart)."""
        if not duplicate_of:
            return {}
        original = persons(self.persons_of.get(duplicate_of))
        out = {p.person_ref or "": original[p.entity_id] for p in report.persons
               if p.entity_id and p.entity_id in original}
        when = next(iter(original.values()), (None, None))[1]
        for ref, old_ref in self.dup_people.get(report.report_id, {}).items():
            out.setdefault(ref, (old_ref, when))
        return out

    def _decide_person(self, report: AnyReport, person: Any, duplicate_of: str | None,
                       original: tuple[str, Any] | None, prior: int, out: Outputs,
                       network: bool = False) -> None:
        """Decide one person and publish what changed.  ``network``: decided again because
        an exploitation network came to cover the report; an active referral is published
        again only when its priority or basis changed (an urgent upgrade), not for words."""
        ctx = DecisionContext(
            history=VictimHistory(prior_count=prior),
            is_duplicate_of=duplicate_of if original else None,
            original_person_ref=original[0] if original else None,
            original_reported_at=original[1] if original else None,
            routing=self.routing, handling=self.settings.handling,
            exploitation=tuple(dict.fromkeys((*self.exploited.get(report.report_id, ()),
                                              *self.exploited.get(duplicate_of or "", ())))))
        decisions = decide(report, person, ctx)
        key = (report.report_id, person.person_ref or "")
        kept = (Referral.model_validate_json(body) for body in self.kept_referrals(key))
        before = {referral.referral_id: referral for referral in kept}
        diff = diff_referrals(before, decisions)
        bodies = {rid: referral.model_dump_json().encode()
                  for rid, referral in active_referrals(decisions).items()}
        if bodies:
            active = tuple(map(packing.REFERRAL.pack, bodies.values()))
            self.active[key] = active[0] if len(active) == 1 else active  # one: alone
        else:
            self.active.pop(key, None)
        for old in diff.cancel:
            out.add_referral(cancellation(old, report.reported_at,
                                          "a later version of the report withdrew it"))
        for referral in diff.publish:
            if original and _referral_key(referral.referral_id) in self.referred:
                continue  # the original report's referral already went: never twice
            was = before.get(referral.referral_id)
            if network and was is not None and (was.priority, was.basis, was.status) == (
                    referral.priority, referral.basis, referral.status):
                continue  # only the reasons grew: the service has this referral already
            self.referred.add(_referral_key(referral.referral_id))
            out.add_referral(referral, bodies.get(referral.referral_id))
        for decision in decisions:
            record = audit_record(decision, report.report_id, person.person_ref or "")
            out.audit.append((report.report_id, audit_json(record)))

    def kept_referrals(self, key: tuple[str, str]) -> tuple[bytes, ...]:
        """The JSON of the active referrals of (report, person ref)'s latest version."""
        held = self.active.get(key, ())
        return tuple(map(packing.REFERRAL.unpack, (held,) if isinstance(held, bytes) else held))

    def _keep_victims(self, report: AnyReport, priors: dict[str, int]) -> None:
        """What a later decision needs of this report's victims (no narrative, no
        identifiers, no other persons): a few hundred bytes per incident with a victim.
        Only incidents: an exploitation network is found among people at an address in
        incident reports (``graph/detectors/exploitation.py``)."""
        if report.kind != "incident" or not any(p.role == "victim" for p in report.persons):
            self.victim_reports.pop(report.report_id, None)
            return
        # defaults left out (empty lists, consent not given): validated back, they are there
        raw = report.model_dump(mode="json", by_alias=True, exclude_none=True,
                                exclude_defaults=True, include={*_KEPT, "persons"})
        keep = {k: raw[k] for k in _KEPT if k in raw}
        # as the report arrived: the entity ids are the resolver's (``persons_of``)
        keep["persons"] = [{**{k: v for k, v in q.items() if k != "entity_id"},
                            "person_ref": p.person_ref}
                           for p, q in zip(report.persons, raw["persons"], strict=True)
                           if p.role == "victim"]
        keep["prior"] = priors
        self.victim_reports[report.report_id] = packing.VICTIMS.pack(orjson.dumps(keep))

    def _exploitation_network(self, kind: str, report_ids: Sequence[str], now: AnyReport,
                              out: Outputs) -> None:
        """A detected modern-slavery or child-exploitation network covers these reports: their
        victims are victims of that exploitation whether or not each report says so.  Each
        report is decided again, once per network type; the new referrals (NRM, MS1) carry
        the usual deterministic ids, so a replay or a later version sends nothing twice."""
        for rid in sorted(report_ids):
            types = self.exploited.get(rid, ())
            if kind in types:
                continue
            self.exploited[rid] = (*types, kind)
            if rid == now.report_id:
                continue  # this report is decided after the link, with the network known
            body = self.victim_reports.get(rid)
            if body is None:
                continue
            kept = orjson.loads(packing.VICTIMS.unpack(body))
            priors = kept.pop("prior", {})
            report = ReportAdapter.validate_python(kept)
            duplicate_of = self.duplicate_of.get(rid)
            mine = {ref: ent for ent, (ref, _t) in persons(self.persons_of.get(rid)).items()}
            for person in report.persons:
                person.entity_id = mine.get(person.person_ref or "")
            matched = self._same_people(report, duplicate_of)
            for person in report.persons:
                ref = person.person_ref or ""
                self._decide_person(report, person, duplicate_of, matched.get(ref),
                                    priors.get(ref, 0), out, network=True)


def load_routing(path: str | None) -> RoutingConfig:
    """The force's referral routing (``LINKWATCH_REFERRAL_ROUTING_FILE``, YAML or JSON in
    the shape of ``RoutingConfig``); a bad file stops the worker at start-up, naming why."""
    return load_config_file(path, RoutingConfig)
