"""ocg at scale: a big co-offending network is examined around the touched persons,
analyses are remembered without changing results, and cluster ids come from an index
that gives what a scan of every cluster gives."""

from __future__ import annotations

import gc
import hashlib
import pickle
import random

from linkwatch.graph.detectors import ocg
from linkwatch.graph.detectors.ocg import LOCAL_LIMIT, ClusterTracker, detect_ocg
from linkwatch.testing.graphs import Scenario

CHAIN = 100  # persons in a line of pairs: one component, three times LOCAL_LIMIT


def _together(s: Scenario, rid: str, day: float, *who: str) -> set[str]:
    return s.add(rid, "incident", day, incident={"category": "burglary"},
                 persons=[{"role": "suspect", "entity_id": w} for w in who])


def _network(s: Scenario) -> None:
    """A chain p000-p001-...-p099 of pairs, and a crew g1-g4 that offends together
    three times, joined to the chain by g1 offending once with p050."""
    for i in range(CHAIN - 1):
        _together(s, f"P{i:03d}", i / 10, f"p{i:03d}", f"p{i + 1:03d}")
    for k in range(3):
        _together(s, f"G{k}", 11 + k, "g1", "g2", "g3", "g4")
    _together(s, "J1", 15, "g1", "p050")


def _memo(s: Scenario) -> dict:
    return s.lg.co_offenders.memo.get(ocg._MEMO, {})  # noqa: SLF001


def test_big_network_examined_around_the_touched_crew() -> None:
    s = Scenario()
    _network(s)
    touched = _together(s, "G3", 16, "g1", "g2", "g3")
    found = detect_ocg(s.sub(touched), touched, s.cfg(), ClusterTracker(), s.lg.g)
    crew = [f for f in found if "person:g1" in f.entities]
    assert len(crew) == 1, found
    assert {"person:g1", "person:g2", "person:g3", "person:g4"} <= set(crew[0].entities), crew
    assert {"G0", "G1", "G2", "G3"} <= set(crew[0].report_ids), crew
    analysed = list(_memo(s).values())
    assert len(analysed) == 1 and len(analysed[0].persons) == LOCAL_LIMIT, analysed
    assert "person:p050" in analysed[0].persons  # the nearest of the chain, not its ends
    assert "person:p000" not in analysed[0].persons and "person:p099" not in analysed[0].persons


def test_remembered_analysis_gives_what_a_fresh_one_gives() -> None:
    """The ball around the crew is remembered by its edges: an edge far along the chain
    changes the component but not the ball, so a later report on the crew (g2 alone,
    adding no co-offending) reuses the analysis; its findings equal those of a graph
    that never remembered anything."""
    def run(s: Scenario, memo_first: bool) -> list:
        _network(s)
        if memo_first:
            touched = _together(s, "G3", 16, "g1", "g2", "g3")
            detect_ocg(s.sub(touched), touched, s.cfg(), ClusterTracker(), s.lg.g)
            assert len(_memo(s)) == 1
        else:
            _together(s, "G3", 16, "g1", "g2", "g3")
        _together(s, "P999", 17, "p000", "p001")   # far away: same ball
        touched = _together(s, "G4", 18, "g2")
        return detect_ocg(s.sub(touched), touched, s.cfg(), None, s.lg.g)

    remembered, fresh = Scenario(), Scenario()
    again = run(remembered, memo_first=True)
    assert len(_memo(remembered)) == 1, "the ball was analysed again"
    assert [f.explained() for f in again] == [f.explained() for f in
                                              run(fresh, memo_first=False)]
    assert again and all("person:g2" in f.entities for f in again), again


def test_co_offender_index_reads_what_the_adjacency_holds() -> None:
    """``CoOffenders.shared`` lets a person's co-offenders be read without their whole
    adjacency; it gives what reading every edge gives, persons with phones, victims'
    reports, repeat co-offending and a report's later version included."""
    s = Scenario()
    _network(s)
    s.add("V1", "incident", 20, incident={"category": "robbery"}, persons=[
        {"role": "victim", "entity_id": "g2"},
        {"role": "suspect", "entity_id": "g3", "phones": ["07700 900123"]},
        {"role": "suspect", "entity_id": "p010"}])
    _together(s, "G5", 21, "g3", "p010")   # the same pair again: weight 2
    _together(s, "G5", 21.5, "g3", "p010")  # a later version of G5: still 2
    g, index = s.lg.g, s.lg.co_offenders
    persons = [n for n in g if n.startswith("person:")]
    assert len(persons) > CHAIN
    for p in persons:
        assert ocg._co_neighbours(g, p, index) == ocg._co_neighbours(g, p), p  # noqa: SLF001
    assert ocg._co_neighbours(g, "person:p010", index)["person:g3"] == 2  # noqa: SLF001


def test_key_players_are_worked_out_only_for_a_published_alert() -> None:
    """Betweenness is the dearest part of an analysis and names only the key players
    in the alert's text: a finding defers it (``Finding.explain``), and an alert that is
    published has it."""
    from linkwatch.graph.alerts import AlertBook

    s = Scenario()
    _network(s)
    touched = _together(s, "G3", 16, "g1", "g2", "g3")
    found = [f for f in detect_ocg(s.sub(touched), touched, s.cfg(), None, s.lg.g)
             if "person:g1" in f.entities]
    assert len(found) == 1, found
    analysis = next(iter(_memo(s).values()))
    assert analysis._between is None  # noqa: SLF001 - nothing asked for it yet
    assert not any("key players" in r for r in found[0].reasons)
    alert = AlertBook().consider(found[0], found[0].at)
    assert alert is not None
    assert analysis._between is not None  # noqa: SLF001
    line = next(r for r in alert.reasons if r.startswith("key players: "))
    assert line.startswith("key players: person:g1 (degree 4, betweenness "), line
    assert "key players person:g1" in alert.summary, alert.summary
    assert alert.reasons == list(found[0].explained().reasons)


def test_memo_is_bounded(monkeypatch) -> None:  # noqa: ANN001 - pytest fixture
    monkeypatch.setattr(ocg, "MEMO_SIZE", 5)
    s = Scenario()
    _network(s)
    for i in range(0, CHAIN, 5):
        touched = {f"person:p{i:03d}"}
        detect_ocg(s.sub(touched), touched, s.cfg(), None, s.lg.g)
    assert len(_memo(s)) == 5


def test_remembered_analyses_need_no_cycle_collector() -> None:
    """The pipeline freezes the heap now and then (``gc.freeze``); a remembered analysis
    that held reference cycles and was later dropped would never be freed."""
    s = Scenario()
    _network(s)
    touched = _together(s, "G3", 16, "g1", "g2", "g3")
    found = detect_ocg(s.sub(touched), touched, s.cfg(), None, s.lg.g)
    assert [f.explained() for f in found]  # betweenness asked
    memo = s.lg.co_offenders.memo.pop(ocg._MEMO)  # noqa: SLF001
    assert memo
    gc.collect()
    gc.disable()
    try:
        del memo
        assert gc.collect() == 0
    finally:
        gc.enable()


def _scan_assign(clusters: dict[str, frozenset[str]], communities: list[set[str]]) -> list[str]:
    """ClusterTracker.assign as a scan of every known cluster (the rule, written plainly)."""
    comms = [frozenset(c) for c in communities]
    ids: list[str] = [""] * len(comms)
    taken: set[str] = set()
    for i in sorted(range(len(comms)), key=lambda i: (-len(comms[i]), min(comms[i]))):
        overlaps = [(len(comms[i] & mem), cid) for cid, mem in clusters.items()
                    if cid not in taken and comms[i] & mem]
        if overlaps:
            cid = max(overlaps)[1]
        else:
            cid = "C" + hashlib.sha256(min(comms[i]).encode()).hexdigest()[:12]
            while cid in clusters or cid in taken:
                cid = "C" + hashlib.sha256(cid.encode()).hexdigest()[:12]
        taken.add(cid)
        ids[i] = cid
    for i, cid in enumerate(ids):
        clusters[cid] = comms[i]
    return ids


def test_tracker_index_assigns_as_a_scan_of_every_cluster() -> None:
    rng = random.Random(11)
    people = [f"person:{i}" for i in range(60)]
    tracker, plain = ClusterTracker(), dict[str, frozenset[str]]()
    for step in range(300):
        pool = rng.sample(people, rng.randint(2, 20))
        cut = sorted(rng.sample(range(1, len(pool)), min(len(pool) - 1, rng.randint(0, 3))))
        communities = [set(pool[a:b]) for a, b in zip([0, *cut], [*cut, len(pool)], strict=True)]
        assert tracker.assign(communities) == _scan_assign(plain, communities), step
        assert tracker.clusters == plain, step
        if step == 150:  # a restored tracker carries on the same
            tracker = ClusterTracker.from_dict(tracker.to_dict())


def test_snapshot_keeps_tracker_and_remembered_analyses() -> None:
    """The link stage's snapshot pickles the pipeline: a tracker and the remembered
    analyses come back and carry on as before; a tracker pickled before the index
    existed (state ``{"clusters": ...}``) comes back with its index."""
    s = Scenario()
    _network(s)
    tracker = ClusterTracker()
    touched = _together(s, "G3", 16, "g1", "g2", "g3")
    first = detect_ocg(s.sub(touched), touched, s.cfg(), tracker, s.lg.g)
    restored_graph, restored = pickle.loads(pickle.dumps((s.lg, tracker)))
    again = detect_ocg(restored_graph.neighbourhood(touched), touched, s.cfg(), restored,
                       restored_graph.g)
    assert [f.cluster_id for f in again] == [f.cluster_id for f in first], (first, again)
    assert len(restored_graph.co_offenders.memo[ocg._MEMO]) == 1  # noqa: SLF001 - reused
    old = ClusterTracker.__new__(ClusterTracker)
    old.__setstate__({"clusters": dict(tracker.clusters)})
    cluster = first[0].cluster_id
    assert cluster is not None
    assert old.assign([set(tracker.clusters[cluster])]) == [cluster]
