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

One network, one live alert (``consider_all``, docs/detectors.md).  Detectors key a
structure by what they see of it (a phone, a Louvain cluster, an account), and one
network can show several such keys: a runner's phone besides the deal line, a crew's
early part and, after a re-split, its other half, the same payee's reports read as a
mule account and as a fraud network.  Before a finding is versioned it is compared, by
its reports, with the live alerts of ``CONSOLIDATED`` types: when the reports the two
share reach ``MIN_SHARED`` and ``OVERLAP`` of the smaller set (``same_network``), they
are one network.  Then (``resolve``, pure):

* (for a clustered crew, ``MEMBER_JOIN``: a new cluster with a member of a live alert of
  its type is that crew's too: Louvain re-splits a crew between reports)
* the same type: the oldest alert carries on (its ``alert_id``), the finding's evidence
  joins it, and any younger alert of that network gets a last version with
  ``status: superseded`` and ``superseded_by``;
* another type: the type earlier in ``PRECEDENCE`` wins; a live alert of a lower type is
  superseded by it, and a finding of a lower type is not published.

A key once merged or superseded stays so (its later findings feed the alert that
carries on, or nothing when that alert is of another type).

An alert's version, in two steps, each in one place: the book counts the versions it
offers (``AlertBook._next_version``: new, superseded and withdrawn versions alike), and
the link stage publishes each under ``number_alerts`` (``version_above`` every version
already published: after a purge the rebuilt book counts again from what is left; the
retention sweep, ``linkwatch.erasure``, numbers its versions with the same rule).  The
alert stays a typed ``Alert`` until ``agents/link.py`` sends it (``Numbered.body``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from linkwatch.graph.detectors.base import Finding
from linkwatch.graph.model import kind_of
from linkwatch.schemas import Alert, AlertEntity, AlertLink, severity_rank

log = logging.getLogger(__name__)
AlreadyEmitted = Callable[[str, int], bool]


def alert_id_for(key: str) -> str:
    return "A" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


# One type per network, most specific first (docs/detectors.md gives the reasons):
# exploitation of people (statutory duties: NRM, MASH) before drug-supply structures,
# those before the co-offending group they run on; a fraud network (several mules and
# senders) before the single account or sender that is part of it; a campaign before
# its infrastructure; places and single persons last; one identifier last of all.
PRECEDENCE: tuple[str, ...] = (
    "modern_slavery", "child_exploitation", "county_lines", "cuckooing", "ocg",
    "fraud_network", "mule_account", "fraud_campaign", "cyber_campaign", "knife_crime",
    "repeat_victim", "shared_identifier",
)
CONSOLIDATED = frozenset(PRECEDENCE)
RANK_OF = {t: i for i, t in enumerate(PRECEDENCE)}
OVERLAP = 0.5    # shared reports / the smaller report set: one network
MIN_SHARED = 2   # and at least this many reports shared (one joint incident is not one network)
# types whose alert is a group of people found by clustering (Louvain re-splits a crew
# between reports): a new cluster with a member of a live alert of its type is that
# crew's, whatever reports its links are drawn from
MEMBER_JOIN = frozenset({"ocg"})
# types whose alert one identifier drives (key ``type:node``): withdrawn when that node is
# later judged an innocent hub (``AlertBook.retract_hubs``)
RETRACTABLE = ("shared_identifier", "fraud_campaign", "cyber_campaign")


def same_network(a: frozenset[str] | set[str], b: frozenset[str] | set[str],
                 overlap: float = OVERLAP, min_shared: int = MIN_SHARED) -> bool:
    """Two report sets describe one network: ``{1,2,3}`` and ``{2,3,4,5,6}`` -> True
    (2 shared, 2/3 of the smaller); ``{1,2,3}`` and ``{3,4,5}`` -> False."""
    if not a or not b:
        return False
    shared = len(a & b) if len(a) <= len(b) else len(b & a)
    return shared >= min_shared and shared >= overlap * min(len(a), len(b))


@dataclass(frozen=True)
class Resolution:
    """What becomes of a finding (``resolve``): ``carry``, the key whose alert carries
    the network on (``None``: the finding is not published, ``winner`` outranks it);
    ``absorb``, live keys merged into ``carry`` (same type) or superseded by it."""

    carry: str | None
    absorb: tuple[str, ...] = ()
    winner: str | None = None


def resolve(key: str, ftype: str, live: Sequence[tuple[str, str, tuple[Any, ...]]]
            ) -> Resolution:
    """Pure: ``key`` (type ``ftype``) against the live alerts of its network, each
    ``(key, type, age)`` (``age`` orders them: smaller is older; the finding's own live
    alert may be among them).  Example: a runner's phone ``county_lines:p2`` against
    ``[("county_lines:p1", "county_lines", (1,)), ("repeat_victim:x", "repeat_victim",
    (0,))]`` -> carry ``county_lines:p1``, absorb ``county_lines:p2`` and
    ``repeat_victim:x``."""
    rank = RANK_OF.get(ftype, len(PRECEDENCE))
    others = [(k, t, age) for k, t, age in live if k != key]
    above = sorted((RANK_OF.get(t, len(PRECEDENCE)), age, k) for k, t, age in others
                   if RANK_OF.get(t, len(PRECEDENCE)) < rank)
    own = [(k, t, age) for k, t, age in live if k == key]
    if above:
        return Resolution(None, tuple(k for k, _, _ in own), above[0][2])
    same = sorted((age, k) for k, t, age in [*own, *others] if t == ftype)
    carry = same[0][1] if same else key
    absorb = [k for _, k in same if k != carry]
    if carry != key and key not in absorb:
        absorb.append(key)
    absorb += sorted(k for k, t, _ in others if t != ftype)
    return Resolution(carry, tuple(dict.fromkeys(absorb)))


def _kept(f: Finding) -> Finding:
    """A key's latest finding as the book keeps it, so a merged alert can show every key's
    evidence: one label per entity and one report-id tuple per link, and no ``explain``
    (only the finding being published is explained; a kept closure would hold the graph)."""
    labels = f.labels if len(f.labels) == len(f.entities) else f.entities
    lr = (f.link_report_ids if len(f.link_report_ids) == len(f.links)
          else tuple(() for _ in f.links))
    if labels is f.labels and lr is f.link_report_ids and f.explain is None:
        return f
    return replace(f, labels=labels, link_report_ids=lr, explain=None)


def merge_findings(head: Finding, parts: Sequence[Finding]) -> Finding:
    """``head`` (the carrying key's finding: its text and key) with the evidence of
    ``parts`` (the other keys of its network) added: reports, entities, links; the
    highest severity and score."""
    if not parts:
        return head
    rids = set(head.report_ids)
    ents = dict(zip(head.entities, head.labels if len(head.labels) == len(head.entities)
                    else head.entities, strict=True))
    links: dict[tuple[str, str, str], set[str]] = {}
    head_lr = (head.link_report_ids if len(head.link_report_ids) == len(head.links)
               else tuple(() for _ in head.links))
    for lk, lr in zip(head.links, head_lr, strict=True):
        links.setdefault(lk, set()).update(lr)
    severity, score = head.severity, head.score
    hubs = set(head.discounted_hubs)
    at = head.at
    for p in map(_kept, parts):
        rids.update(p.report_ids)
        for e, lb in zip(p.entities, p.labels, strict=True):
            ents.setdefault(e, lb)
        for lk, lr in zip(p.links, p.link_report_ids, strict=True):
            links.setdefault(lk, set()).update(lr)
        if severity_rank(p.severity) > severity_rank(severity):
            severity = p.severity
        score = max(score, p.score)
        hubs.update(p.discounted_hubs)
        if p.at is not None and (at is None or p.at > at):
            at = p.at
    order = sorted(ents)
    lks = sorted(links)
    return replace(head, severity=severity, score=score, report_ids=tuple(sorted(rids)),
                   entities=tuple(order), labels=tuple(ents[e] for e in order),
                   links=tuple(lks), link_report_ids=tuple(tuple(sorted(links[lk]))
                                                           for lk in lks),
                   discounted_hubs=tuple(sorted(hubs)), at=at)


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
    superseded_by: str | None = None   # the key whose alert carries this network on

    def to_dict(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "version": self.version, "severity": self.severity,
                "n_reports": self.n_reports, "entities": sorted(self.entities),
                "created_at": self.created_at.isoformat(),
                "emitted_at": self.emitted_at.isoformat(), "fingerprint": self.fingerprint,
                "superseded_by": self.superseded_by}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _Entry:
        return cls(d["alert_id"], int(d["version"]), d["severity"], int(d["n_reports"]),
                   frozenset(d["entities"]), datetime.fromisoformat(d["created_at"]),
                   datetime.fromisoformat(d["emitted_at"]), d.get("fingerprint", ""),
                   d.get("superseded_by"))


@dataclass
class AlertBook:
    handling: str = "OFFICIAL-SENSITIVE"
    cooldown: timedelta = timedelta(hours=6)
    report_step: int = 3
    already_emitted: AlreadyEmitted | None = None
    entries: dict[str, _Entry] = field(default_factory=dict)
    # one network, one live alert (``consider_all``): a key merged into, or superseded
    # by, another -> that key; each consolidated key's latest finding; the keys merged
    # into a carrying key; report id -> live consolidated keys naming it
    merged_into: dict[str, str] = field(default_factory=dict)
    parts: dict[str, Finding] = field(default_factory=dict)   # as kept (``_kept``)
    members: dict[str, set[str]] = field(default_factory=dict)
    by_report: dict[str, set[str]] = field(default_factory=dict)
    by_member: dict[str, set[str]] = field(default_factory=dict)  # MEMBER_JOIN types' people
    # keys whose alert was withdrawn because the identifier driving it was later judged
    # an innocent hub (``retract_hubs``)
    retracted: set[str] = field(default_factory=set)

    def consider_all(self, finding: Finding, now: datetime | None = None,
                     already_emitted: AlreadyEmitted | None = None) -> list[Alert]:
        """The alerts to publish for this finding now: its network's alert (a new
        version, or none), and a last ``superseded`` version of each alert it absorbs.
        A type outside ``CONSOLIDATED`` (``managed_offender``) is ``consider``'s."""
        if finding.type not in CONSOLIDATED:
            alert = self.consider(finding, now, already_emitted)
            return [alert] if alert is not None else []
        now = now or finding.at
        if now is None:
            raise ValueError(f"finding {finding.key!r} has no time; pass now=")
        key = finding.key
        carry = self._carrier(key)
        if carry is not None:       # merged before: feed the alert that carries on
            if self.parts[carry].type != finding.type:
                return []           # outranked by a type of higher precedence
            self.parts[key] = _kept(finding)
            return self._offer_merged(carry, finding, now, already_emitted)
        old = self.parts.get(key)
        self.parts[key] = part = _kept(finding)
        live = key in self.entries and self.entries[key].superseded_by is None
        if live and old is not None and old.report_ids == part.report_ids:
            return self._offer_merged(key, finding, now, already_emitted)
        rids = frozenset(self._network_rids(key)) | frozenset(part.report_ids)
        near = {k for r in part.report_ids for k in self.by_report.get(r, ())}
        near.discard(key)
        overlapping = [k for k in sorted(near)
                       if same_network(rids, frozenset(self._network_rids(k)))]
        if part.type in MEMBER_JOIN and not live:
            crew = {k for e in part.entities for k in self.by_member.get(e, ())
                    if self.parts[k].type == part.type} - {key, *overlapping}
            overlapping += sorted(crew)
        live_set = [(k, self.parts[k].type, (self.entries[k].created_at, k))
                    for k in overlapping]
        if live:
            live_set.append((key, part.type, (self.entries[key].created_at, key)))
        res = resolve(key, part.type, live_set)
        out: list[Alert] = []
        if res.carry is None:       # a higher type holds this network
            assert res.winner is not None  # no carrier: the winner outranks this finding
            for k in res.absorb:
                out += self._supersede(k, res.winner, now, already_emitted)
            self.merged_into.setdefault(key, res.winner)
            return out
        for k in res.absorb:
            if k in self.entries and self.entries[k].superseded_by is None:
                out += self._supersede(k, res.carry, now, already_emitted)
            else:
                self.merged_into[k] = res.carry
            if self.parts[k].type == part.type:
                self._join(k, res.carry)
        out += self._offer_merged(res.carry, finding, now, already_emitted)
        return out

    def live_type(self, key: str) -> str | None:
        """The type of the live alert that carries ``key``'s network (itself, or the alert
        it was merged into), or ``None`` when there is none (never published, superseded
        by another type, withdrawn)."""
        carry = self._carrier(key) or key
        entry = self.entries.get(carry)
        if entry is None or entry.superseded_by is not None or carry in self.retracted \
                or carry not in self.parts:
            return None
        return self.parts[carry].type

    # -- one network, one alert: helpers ------------------------------------------------
    def _carrier(self, key: str) -> str | None:
        seen = 0
        carry = self.merged_into.get(key)
        while carry is not None and carry in self.merged_into and seen < 100:
            carry, seen = self.merged_into[carry], seen + 1
        return carry

    def _network_rids(self, key: str) -> set[str]:
        rids = set(self.parts[key].report_ids) if key in self.parts else set()
        for k in self.members.get(key, ()):
            if k in self.parts:
                rids.update(self.parts[k].report_ids)
        return rids

    def _join(self, key: str, carry: str) -> None:
        """``key`` (and what had joined it) is evidence of ``carry``'s alert from now on."""
        self.merged_into[key] = carry
        moved = self.members.pop(key, set())
        self.members.setdefault(carry, set()).update(moved | {key})
        self._unindex(key)

    def _network_members(self, key: str) -> set[str]:
        keys = [key, *self.members.get(key, ())]
        return {e for k in keys if k in self.parts and self.parts[k].type in MEMBER_JOIN
                for e in self.parts[k].entities}

    def _index(self, key: str) -> None:
        for r in self._network_rids(key):
            self.by_report.setdefault(r, set()).add(key)
        for e in self._network_members(key):
            self.by_member.setdefault(e, set()).add(key)

    def _unindex(self, key: str) -> None:
        for index, items in ((self.by_report, self._network_rids(key)),
                             (self.by_member, self._network_members(key))):
            for r in items:
                held = index.get(r)
                if held is not None:
                    held.discard(key)
                    if not held:
                        del index[r]

    def _offer_merged(self, carry: str, head: Finding | None, now: datetime,
                      already_emitted: AlreadyEmitted | None) -> list[Alert]:
        # the text of the fullest view (most reports; the carrying key on a tie), under
        # the carrying key, with every other view's evidence added
        keys = [carry, *sorted(self.members.get(carry, ()))]
        keys = [k for k in keys if k in self.parts]
        best = max(keys, key=lambda k: (len(self.parts[k].report_ids), k == carry))
        base = (head if head is not None and head.key == best
                else self.parts[best])
        base = replace(base, key=carry)
        merged = merge_findings(base, [self.parts[k] for k in keys if k != best])
        alert = self.consider(merged, now, already_emitted)
        self._index(carry)
        return [alert] if alert is not None else []

    def _supersede(self, key: str, by: str, now: datetime,
                   already_emitted: AlreadyEmitted | None) -> list[Alert]:
        """A last version of ``key``'s alert: superseded by ``by``'s."""
        self._unindex(key)
        self.merged_into[key] = by
        entry = self.entries.get(key)
        if entry is None or entry.superseded_by is not None:
            return []
        entry.superseded_by = by
        by_id = alert_id_for(by)
        if not self._next_version(entry, now, already_emitted):
            return []
        f = merge_findings(self.parts[key],
                           [self.parts[k] for k in sorted(self.members.get(key, ()))
                            if k in self.parts])
        alert = _alert(f, entry, now, self.handling)
        return [alert.model_copy(update={"status": "superseded", "superseded_by": by_id})]

    def retract_hubs(self, hubs: Mapping[str, str], now: datetime,
                     already_emitted: AlreadyEmitted | None = None) -> list[Alert]:
        """A last version, ``status: withdrawn``, of each live alert that one identifier
        alone drives (``RETRACTABLE`` types, keyed ``type:node``) whose node is now judged
        an innocent hub: ``hubs`` maps such nodes to the verdict's reason.  A contact that
        three victims quote is ambiguous; when more reports show it is a bank's or a
        retailer's (``graph/hubs.py``), the early alert is taken back, not left live."""
        out: list[Alert] = []
        for node, why in sorted(hubs.items()):
            for ftype in RETRACTABLE:
                key = f"{ftype}:{node}"
                entry = self.entries.get(key)
                if entry is None or entry.superseded_by is not None or key in self.retracted:
                    continue
                self.retracted.add(key)
                self._unindex(key)
                if not self._next_version(entry, now, already_emitted) \
                        or key not in self.parts:
                    continue
                f = self.parts[key]
                alert = _alert(f, entry, now, self.handling)
                out.append(alert.model_copy(update={
                    "status": "withdrawn",
                    "reasons": [*alert.reasons, f"withdrawn: {node} is now judged an "
                                f"innocent hub ({why})"]}))
        return out

    def consider(self, finding: Finding, now: datetime | None = None,
                 already_emitted: AlreadyEmitted | None = None) -> Alert | None:
        """The alert to publish for this finding now, or ``None`` (one key, no network
        consolidation: ``consider_all`` does that).

        ``already_emitted(alert_id, version)`` (here or on the book) says a version was
        published before a restart: the state advances but nothing is returned again.
        """
        now = now or finding.at
        if now is None:
            raise ValueError(f"finding {finding.key!r} has no time; pass now=")
        entry = self.entries.get(finding.key)
        ents = frozenset(finding.entities)
        if entry is None:   # version 0 until ``_next_version`` makes it 1
            entry = self.entries[finding.key] = _Entry(
                alert_id_for(finding.key), 0, finding.severity, len(finding.report_ids), ents,
                now, now)
        elif not self._material(entry, finding, ents, now):
            return None
        entry.severity, entry.n_reports, entry.entities = (
            finding.severity, len(finding.report_ids), ents)
        entry.fingerprint = _fingerprint(finding)
        if not self._next_version(entry, now, already_emitted):
            return None
        return _alert(finding, entry, now, self.handling)

    def _next_version(self, entry: _Entry, now: datetime,
                      already_emitted: AlreadyEmitted | None) -> bool:
        """The book's one version counter: ``entry``'s alert moves to its next version at
        ``now`` (a new, superseded or withdrawn version alike).  False when that version
        was published before a restart (``already_emitted``, here or on the book): the
        state advances, nothing is offered.  The number published is decided later, from
        what was published before (``number_alerts``)."""
        entry.version += 1
        entry.emitted_at = now
        check = already_emitted or self.already_emitted
        return check is None or not check(entry.alert_id, entry.version)

    def _material(self, entry: _Entry, f: Finding, ents: frozenset[str], now: datetime) -> bool:
        if severity_rank(f.severity) > severity_rank(entry.severity):
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
                "entries": {k: e.to_dict() for k, e in sorted(self.entries.items())},
                "merged_into": dict(sorted(self.merged_into.items())),
                "parts": {k: _part_dict(p) for k, p in sorted(self.parts.items())},
                "members": {k: sorted(v) for k, v in sorted(self.members.items())},
                "retracted": sorted(self.retracted)}

    @classmethod
    def from_dict(cls, data: dict[str, Any],
                  already_emitted: AlreadyEmitted | None = None) -> AlertBook:
        book = cls(handling=data.get("handling", "OFFICIAL-SENSITIVE"),
                   cooldown=timedelta(seconds=float(data.get("cooldown_s", 6 * 3600))),
                   report_step=int(data.get("report_step", 3)), already_emitted=already_emitted,
                   entries={k: _Entry.from_dict(v) for k, v in data.get("entries", {}).items()},
                   merged_into=dict(data.get("merged_into", {})),
                   parts={k: _part_of_dict(k, v) for k, v in data.get("parts", {}).items()},
                   members={k: set(v) for k, v in data.get("members", {}).items()},
                   retracted=set(data.get("retracted", ())))
        for k, e in book.entries.items():   # the report index is derived
            if e.superseded_by is None and k in book.parts and k not in book.merged_into \
                    and k not in book.retracted:
                book._index(k)
        return book


# a kept finding in a snapshot's JSON: its fields but the key (the entry's) and ``explain``
_PART_FIELDS = tuple(f for f in Finding.__dataclass_fields__ if f not in ("key", "explain"))


def _part_dict(p: Finding) -> dict[str, Any]:
    d = {k: getattr(p, k) for k in _PART_FIELDS}
    d["at"] = p.at.isoformat() if p.at else None
    return d


def _part_of_dict(key: str, d: dict[str, Any]) -> Finding:
    tup: dict[str, Any] = {k: (tuple(tuple(x) if isinstance(x, list) else x for x in v)
                               if isinstance(v, list) else v) for k, v in d.items()}
    tup["at"] = datetime.fromisoformat(d["at"]) if d.get("at") else None
    return _kept(Finding(key=key, **tup))


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

def content_digest(alert: Alert) -> str:
    """sha256 (16 hex) of an alert's JSON without its ``version`` (keys sorted, compact,
    UTF-8): the same digest as of its published bytes, so Redis records stay valid."""
    data = alert.model_dump(mode="json")
    data.pop("version", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def version_above(offered: int, published: int | None) -> int:
    """The version an alert goes out under: ``offered``, unless that is not above the
    highest version already published (``published``; ``None``: none), then the next
    after it.  The one rule for the link stage (``number_alerts``) and the retention
    sweep (``linkwatch.erasure``).  Examples: offered 2, v3 published -> 4; offered 5,
    v3 published -> 5; offered 1, none published -> 1."""
    return offered if published is None or offered > published else published + 1


@dataclass(frozen=True)
class Numbered:
    """An alert as it is to be published: ``alert`` carries the version it goes out under."""

    alert: Alert
    digest: str
    known: bool  # this content was published before, under this version

    @property
    def alert_id(self) -> str:
        return self.alert.alert_id

    @property
    def version(self) -> int:
        return self.alert.version

    @property
    def out_id(self) -> str:
        return f"{self.alert.alert_id}@{self.alert.version}"

    @property
    def body(self) -> bytes:
        """The alert's bytes on the ``alerts`` topic (the one serialisation)."""
        return self.alert.model_dump_json().encode()


def number_alerts(alerts: Sequence[Alert], known: Mapping[tuple[str, str], int],
                  published: Mapping[str, int]) -> list[Numbered]:
    """The version each alert (as the book offers it, in order) is published under.

    ``known``: (alert_id, digest) -> the version that content was published under;
    ``published``: alert_id -> the highest version published.  Ordered rules, first
    match decides:

    1. the content was published before -> its version again (a retry, or a replay after
       a restart: the emitted mark then withholds it);
    2. otherwise ``version_above`` the highest published (counting this batch): the
       book's version, or the highest + 1 when the book's is not above it.

    Pure: the same records and alerts give the same numbers, so a retried publish
    neither bumps twice nor sends different bytes.  Example: v1..v3 published, then a
    purge; the rebuilt book offers a change as v2 -> published as v4; offered again
    after a restart (as v2, or as any number) -> v4 again.
    """
    seen = dict(known)
    top = dict(published)
    out: list[Numbered] = []
    for alert in alerts:
        alert_id, offered, digest = alert.alert_id, alert.version, content_digest(alert)
        version = seen.get((alert_id, digest))
        if version is not None:
            out.append(Numbered(_versioned(alert, version), digest, True))
            continue
        version = version_above(offered, top.get(alert_id))
        if version != offered:
            log.info("alert %s offered as v%d, published as v%d (v%d already published)",
                     alert_id, offered, version, top[alert_id])
        seen[(alert_id, digest)] = version
        top[alert_id] = max(version, top.get(alert_id, 0))
        out.append(Numbered(_versioned(alert, version), digest, False))
    return out


def _versioned(alert: Alert, version: int) -> Alert:
    return alert if alert.version == version else alert.model_copy(update={"version": version})


__all__ = ["CONSOLIDATED", "PRECEDENCE", "AlertBook", "Numbered", "Resolution", "alert_id_for",
           "content_digest", "merge_findings", "number_alerts", "resolve", "same_network",
           "version_above"]
