"""Hub verdicts and detector windows at bounded cost (``graph/hubs.py`` and
``_util.reports_of`` with ``store.ReportTimes``).

A node's reports in the window are found with a time index instead of a scan of
every report it ever had.  The verdicts must be exactly those of the scan: each test
here runs the original algorithm (kept below as ``ref_assess_hub``) against the
indexed one on the same graphs, full and sub views, at window edges (exactly 90 days,
a microsecond either side, across a clock change), with near-duplicates, reports
whose time changes in a later version, and thresholds at the hub_min/max_reports
boundaries.
"""

from __future__ import annotations

import pickle
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import networkx as nx
import pytest

from linkwatch.graph import hubs
from linkwatch.graph import model as m
from linkwatch.graph.detectors import DetectorConfig, run_detectors
from linkwatch.graph.detectors import _util as u
from linkwatch.graph.hubs import HubIndex, HubVerdict, assess_hub, detect_hubs
from linkwatch.graph.store import LinkGraph, ReportTimes
from linkwatch.schemas import ReportAdapter

LONDON = ZoneInfo("Europe/London")
START = datetime(2025, 1, 1, tzinfo=UTC)
FRAUD_TYPES = ("romance", "investment", "purchase", "courier", "phishing", "app")


# -- the original algorithm, verbatim (before the time index) ----------------------------
_COARSE = frozenset({"location", "postcode", "report"})


def ref_assess_hub(g: nx.MultiDiGraph, node: str, cfg: DetectorConfig,
                   legit: object = None) -> HubVerdict:
    if node in cfg.hub_allow:
        return HubVerdict(node, False, "allow-listed")
    if node in cfg.hub_ignore:
        return HubVerdict(node, True, "configured hub")
    if node not in g or m.kind_of(node) not in u.IDENTIFIER_KINDS:
        return HubVerdict(node, False, "not an identifier")
    rids = _ref_reports_of(g, node, cfg.now, cfg.window_days)
    n = len(rids)
    # the innocent-contact rule (issue 19) judges contact routes from fewer reports; it
    # reads the same window's reports, so the reference scans them and applies it as is
    contact = m.kind_of(node) in hubs.CONTACT_KINDS
    floor = min(cfg.hub_min_reports, cfg.contact_min_reports) if contact else cfg.hub_min_reports
    if n >= cfg.hub_max_reports:
        return HubVerdict(node, True, f"{n} reports: too common to be evidence", n)
    if n < floor or (n < cfg.hub_min_reports and not all(
            (g.get_edge_data(u.report_node(r), node, key=m.MENTIONS) or {}).get("role")
            == "contact" for r in rids)):
        return HubVerdict(node, False, f"{n} reports, below {cfg.hub_min_reports}", n)
    step = max(1, n // cfg.hub_sample)
    sample = rids[::step][: cfg.hub_sample]
    others: dict[str, set[str]] = {r: _ref_other_nodes(g, r, node, cfg) for r in sample}
    seen = Counter(x for nodes in others.values() for x in nodes)
    related = sum(1 for nodes in others.values() if any(seen[x] > 1 for x in nodes))
    relatedness = round(related / len(sample), 3)
    cats = len({g.nodes[u.report_node(r)].get("category") or "unknown" for r in sample})
    if contact and (why := hubs.innocent_contact(g, node, rids, cfg, relatedness, cats)):
        return HubVerdict(node, True, why, n, cats, relatedness)
    if n < cfg.hub_min_reports:
        return HubVerdict(node, False, f"{n} reports, below {cfg.hub_min_reports}", n)
    hub = relatedness <= cfg.hub_max_relatedness and cats >= cfg.hub_min_categories
    why = (f"{n} reports across {cats} categories, {relatedness:.0%} of them related "
           f"by anything else")
    return HubVerdict(node, hub, why, n, cats, relatedness)


_MEMO: dict[tuple[int, str, str, int], list[str]] | None = None


def _ref_reports_of(g: nx.MultiDiGraph, node: str, now: datetime | None,
                    days: int) -> list[str]:
    """``u.scan_reports`` (the original ``reports_of``), remembered while one unchanging
    graph is compared (``_compare``)."""
    if _MEMO is None:
        return u.scan_reports(g, node, now, days)
    key = (id(g), node, repr(now), days)  # repr: equal instants in two zones differ here
    if key not in _MEMO:
        _MEMO[key] = u.scan_reports(g, node, now, days)
    return _MEMO[key]


def _ref_other_nodes(g: nx.MultiDiGraph, rid: str, hub: str, cfg: DetectorConfig) -> set[str]:
    rnode = u.report_node(rid)
    skip = cfg.hub_ignore | cfg.hubs | {hub}
    out = {v for v in g.successors(rnode) if v not in skip and m.kind_of(v) not in _COARSE}
    return {v for v in out if not (m.kind_of(v) == "person" and f"person:{rid}/" in v)}


def ref_detect_hubs(sub: nx.MultiDiGraph, touched: set[str], cfg: DetectorConfig) -> frozenset:
    return frozenset(n for n in touched
                     if n in sub and m.kind_of(n) in u.IDENTIFIER_KINDS
                     and ref_assess_hub(sub, n, cfg).is_hub)


# -- generated streams --------------------------------------------------------------------
class Stream:
    """Seeded fraud reports over ``span`` days, out of order, from small pools (so a few
    phones and accounts collect hundreds of reports), with near-duplicates, later
    versions that move a report in time or mark it a duplicate, and three time zones."""

    def __init__(self, seed: int, span: float = 500.0) -> None:
        self.rng = random.Random(seed)
        self.lg = LinkGraph()
        self.span = span
        self.rids: list[str] = []
        self.times: dict[str, datetime] = {}
        self.last_touched: set[str] = set()
        self.last_rid = ""

    def _when(self) -> datetime:
        rng = self.rng
        t = START + timedelta(days=rng.uniform(0, self.span))
        if rng.random() < 0.15:  # near London's clock changes
            t = rng.choice((datetime(2025, 3, 30, 1, tzinfo=UTC),
                            datetime(2025, 10, 26, 1, tzinfo=UTC))) + timedelta(
                hours=rng.uniform(-30, 30))
        t = t.replace(microsecond=rng.choice((0, 1, 999_999, rng.randrange(10**6))))
        zone = rng.random()
        if zone < 0.4:
            return t.astimezone(LONDON)
        if zone < 0.5:
            return t.astimezone(timezone(timedelta(hours=5)))
        return t

    def add(self, rid: str | None = None, when: datetime | None = None,
            duplicate_of: str | None = None) -> set[str]:
        rng = self.rng
        rid = rid or f"R{len(self.rids):05d}"
        if rid not in self.times:
            self.rids.append(rid)
        when = when or self._when()
        self.times[rid] = when
        victim = f"E{rng.randrange(400):04d}"
        idents = [{"type": "phone", "role": "contact",
                   "value": f"07700 9{min(int(rng.paretovariate(0.9)), 99999):05d}"}]
        if rng.random() < 0.6:
            idents.append({"type": "bank_account", "role": "payee",
                           "value": f"20-00-00 {10000000 + int(rng.paretovariate(1.1)):08d}"})
        if rng.random() < 0.3:  # the bank's switchboard, given by many
            idents.append({"type": "phone", "role": "contact", "value": "03457 404404"})
        report = ReportAdapter.validate_python({
            "report_id": rid, "kind": "fraud", "reported_at": when,
            "persons": [{"person_ref": "v", "role": "victim", "entity_id": victim,
                         "name": f"Victim {victim}"}],
            "identifiers": idents, "fraud": {"fraud_type": rng.choice(FRAUD_TYPES)}})
        if duplicate_of is None and self.rids and rng.random() < 0.08:
            duplicate_of = rng.choice(self.rids)
        self.last_touched = self.lg.add_report(report, None, duplicate_of)
        self.last_rid = rid
        return self.last_touched

    def step(self) -> set[str]:
        """A new report, or now and then a later version of an earlier one."""
        rng = self.rng
        if len(self.rids) > 20 and rng.random() < 0.04:
            rid = rng.choice(self.rids)
            if rng.random() < 0.5:
                return self.add(rid, self.times[rid] + timedelta(days=rng.uniform(-200, 200)))
            return self.add(rid, self.times[rid], duplicate_of=rng.choice(self.rids))
        return self.add()

    def hubby_nodes(self, k: int = 5) -> list[str]:
        g = self.lg.g
        ids = [n for n in g if m.kind_of(n) in u.IDENTIFIER_KINDS]
        ids.sort(key=lambda n: (-len(g.nodes[n]["report_ids"]), n))
        return ids[:k] + self.rng.sample(ids, min(k, len(ids)))

    def nows(self) -> list[datetime]:
        """Query times that put some report exactly on, or a microsecond off, an edge."""
        rng, w = self.rng, timedelta(days=90)
        out = [START + timedelta(days=rng.uniform(-30, self.span + 30)) for _ in range(2)]
        for rid in rng.sample(self.rids, 3):
            t = self.times[rid]
            out += [t + w, t - w, t + w + timedelta(microseconds=1),
                    t - w - timedelta(microseconds=1), (t + w).astimezone(LONDON)]
        out.append(datetime(2025, 3, 30, 1, tzinfo=UTC).astimezone(LONDON) + w)
        return out


def _cfgs(g: nx.MultiDiGraph, node: str, now: datetime, rng: random.Random,
          hubs_pool: list[str]) -> list[DetectorConfig]:
    base = DetectorConfig(now=now, hubs=frozenset(rng.sample(hubs_pool, min(3, len(hubs_pool)))))
    n = len(_ref_reports_of(g, node, now, base.window_days))
    out = [base, replace(base, hub_sample=7), replace(base, hub_min_reports=1, hub_sample=5)]
    for k in {max(n, 1), n + 1, max(n - 1, 1)}:  # either side of both thresholds
        out += [replace(base, hub_min_reports=k), replace(base, hub_max_reports=k),
                replace(base, hub_min_reports=max(1, k - 5), hub_max_reports=k + 1)]
    out.append(replace(base, window_days=rng.choice((0, 1, 2, 3, 4, 400))))
    return out


def _compare(s: Stream, views: list[nx.MultiDiGraph]) -> int:
    global _MEMO
    _MEMO, compared = {}, 0
    pool = s.hubby_nodes(3)
    for node in s.hubby_nodes():
        for now in s.nows():
            for cfg in _cfgs(s.lg.g, node, now, s.rng, pool):
                for g in views:
                    if node in g:
                        assert assess_hub(g, node, cfg) == ref_assess_hub(g, node, cfg), (
                            node, now, cfg)
                        # every detector reads its window through the index too
                        assert u.reports_of(g, node, now, cfg.window_days) == _ref_reports_of(
                            g, node, now, cfg.window_days), (node, now, cfg.window_days)
                        compared += 1
    _MEMO = None
    return compared


@pytest.mark.parametrize(("seed", "build_from"), [(1, 64), (2, 8), (3, 64), (4, 3)])
def test_verdicts_identical_to_the_scan_on_generated_graphs(
        seed: int, build_from: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReportTimes, "BUILD_FROM", build_from)
    s = Stream(seed)
    compared = 0
    for _ in range(3):  # the index is built, then kept up to date as reports arrive
        for _ in range(350):
            s.step()
        g = s.lg.g
        sub = s.lg.neighbourhood(s.last_touched, hops=2)
        part = g.subgraph(n for n in g if s.rng.random() < 0.7)
        compared += _compare(s, [g, sub, part, part.subgraph(list(part)[::2])])
    assert compared > 1500
    times = s.lg.report_times
    assert times.nodes and times.irregular  # the index and its exceptions were exercised
    assert max(len(t.rids) for t in times.nodes.values()) > 200


def test_run_detectors_sees_the_same_hubs_and_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """``HubIndex.observe`` then ``run_detectors``, as ``Pipeline.link`` does: the hub set
    the detectors use, and their findings, are those of the original algorithm."""
    monkeypatch.setattr(ReportTimes, "BUILD_FROM", 8)
    s = Stream(11, span=300)
    new_index, old_index = HubIndex(), HubIndex()
    checked = 0
    for i in range(900):
        touched = s.step()
        now = s.times[s.last_rid]
        cfg0 = DetectorConfig(now=now, hub_min_reports=8, hub_max_reports=60)
        new_hubs = new_index.observe(s.lg.g, touched, cfg0)
        with monkeypatch.context() as mp:
            mp.setattr(hubs, "assess_hub", ref_assess_hub)
            old_hubs = old_index.observe(s.lg.g, touched, cfg0)
        assert new_hubs == old_hubs and new_index.verdicts == old_index.verdicts
        if i % 6:
            continue
        sub = s.lg.neighbourhood(touched, hops=2)
        cfg1 = replace(cfg0, hubs=new_hubs)
        # the original run_detectors judged every touched node on sub
        old_used = cfg1.hubs | ref_detect_hubs(sub, touched, cfg1)
        new_used = cfg1.hubs | detect_hubs(sub, [n for n in touched if n not in cfg1.hubs], cfg1)
        assert new_used == old_used
        with monkeypatch.context() as mp:
            mp.setattr(hubs, "detect_hubs", lambda *_: frozenset())
            mp.setattr(u, "reports_of", u.scan_reports)  # and every window a scan
            old_findings = run_detectors(sub, touched, replace(cfg1, hubs=old_used))
        assert run_detectors(sub, touched, cfg1) == old_findings
        checked += 1
    assert checked > 100 and new_index.hubs


def test_sub_and_full_verdicts_differ_so_both_are_kept() -> None:
    """Why ``run_detectors`` still judges on ``sub`` the nodes ``observe`` did not call
    hubs: the 2-hop view does not expand a node with over 250 neighbours, so it sees
    only some of that node's reports, and the verdict can differ."""
    lg, node = LinkGraph(), "phone:+443457404404"
    for i in range(300):
        touched = lg.add_report(ReportAdapter.validate_python({
            "report_id": f"S{i:04d}", "kind": "fraud",
            "reported_at": START + timedelta(hours=i),
            "persons": [{"person_ref": "v", "role": "victim", "entity_id": f"E{i}"}],
            "identifiers": [{"type": "phone", "role": "contact", "value": "03457 404404"},
                            {"type": "bank_account", "role": "payee",
                             "value": f"20-00-00 {10000000 + i % 7:08d}"}],
            "fraud": {"fraud_type": FRAUD_TYPES[i % 6]}}))
    cfg = DetectorConfig(now=START + timedelta(hours=299))
    sub = lg.neighbourhood(touched, hops=2)
    on_sub, on_full = assess_hub(sub, node, cfg), assess_hub(lg.g, node, cfg)
    assert on_sub == ref_assess_hub(sub, node, cfg) and on_full == ref_assess_hub(lg.g, node, cfg)
    assert on_sub.reports < on_full.reports == 300


def test_pickled_graph_keeps_its_index_and_an_old_pickle_builds_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReportTimes, "BUILD_FROM", 8)
    s = Stream(7)
    for _ in range(500):
        s.step()
    for node in s.hubby_nodes():
        assess_hub(s.lg.g, node, DetectorConfig(now=START + timedelta(days=200)))
    assert s.lg.report_times.nodes
    restored: LinkGraph = pickle.loads(pickle.dumps(s.lg, protocol=5))  # noqa: S301
    assert restored.g.graph["report_times"] is restored.report_times
    assert restored.report_times.g is restored.g
    # a snapshot from before the index: no report_times anywhere
    state = dict(s.lg.__dict__)
    del state["report_times"]
    graph_attrs = dict(s.lg.g.graph)
    del s.lg.g.graph["report_times"]
    old = LinkGraph.__new__(LinkGraph)
    old.__dict__.update(state)
    legacy: LinkGraph = pickle.loads(pickle.dumps(old, protocol=5))  # noqa: S301
    s.lg.g.graph.update(graph_attrs)
    assert isinstance(legacy.g.graph["report_times"], ReportTimes)
    for lg in (s.lg, restored, legacy):  # each carries on, its index kept up to date
        s.lg = lg
        for _ in range(150):
            s.step()
        for node in s.hubby_nodes():
            for now in s.nows()[:6]:
                cfg = DetectorConfig(now=now)
                assert assess_hub(lg.g, node, cfg) == ref_assess_hub(lg.g, node, cfg)


def test_cost_is_bounded_by_the_window_not_by_the_history(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone named in 3,000 reports over ten years, 80 of them in the last 90 days:
    judging it reads the reports near the window's edges, not all 3,000."""
    lg = LinkGraph()
    start = datetime(2016, 1, 1, tzinfo=UTC)
    for i in range(3000):
        when = start + timedelta(days=i * 3650 / 3000)
        lg.add_report(ReportAdapter.validate_python({
            "report_id": f"P{i:05d}", "kind": "fraud", "reported_at": when,
            "persons": [{"person_ref": "v", "role": "victim", "entity_id": f"E{i}"}],
            "identifiers": [{"type": "phone", "role": "contact", "value": "03457 404404"}],
            "fraud": {"fraud_type": FRAUD_TYPES[i % 6]}}))
    node, now = "phone:+443457404404", start + timedelta(days=3650)
    calls: Counter[str] = Counter()
    real = u.in_window

    def counted(*args: object) -> bool:
        calls["in_window"] += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(u, "in_window", counted)
    for cfg in (DetectorConfig(now=now), DetectorConfig(now=now, hub_max_reports=50)):
        calls.clear()
        expected = ref_assess_hub(lg.g, node, cfg)
        assert calls["in_window"] == 3000  # the scan reads every report
        calls.clear()
        assert assess_hub(lg.g, node, cfg) == expected
        assert expected.reports > 50 and calls["in_window"] <= 12, calls
    with pytest.raises(TypeError):  # a naive "now" fails as it always did
        assess_hub(lg.g, node, DetectorConfig(now=now.replace(tzinfo=None)))


def test_a_moved_report_that_later_names_an_indexed_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report moved in time by its second version, then naming a busy phone only in
    its third (after the phone's index was read), is still counted where it now is."""
    monkeypatch.setattr(ReportTimes, "BUILD_FROM", 4)
    lg, phone = LinkGraph(), "phone:+443457404404"

    def add(rid: str, day: float, *, named: bool) -> None:
        idents = [{"type": "phone", "role": "contact", "value": "03457 404404"}] if named else []
        lg.add_report(ReportAdapter.validate_python({
            "report_id": rid, "kind": "fraud", "reported_at": START + timedelta(days=day),
            "persons": [{"person_ref": "v", "role": "victim", "entity_id": f"E{rid}"}],
            "identifiers": idents, "fraud": {"fraud_type": FRAUD_TYPES[len(rid) % 6]}}))

    for i in range(30):
        add(f"B{i:02d}", 300 + i, named=True)
    add("X", 0, named=False)
    add("X", 310, named=False)  # moved into the phone's window
    cfg = DetectorConfig(now=START + timedelta(days=330), hub_min_reports=5)
    assert assess_hub(lg.g, phone, cfg) == ref_assess_hub(lg.g, phone, cfg)  # index read
    add("X", 310, named=True)
    verdict = assess_hub(lg.g, phone, cfg)
    assert verdict == ref_assess_hub(lg.g, phone, cfg) and verdict.reports == 31
