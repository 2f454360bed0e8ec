"""``linkwatch.search``: identifiers as written and fuzzy names over the link stage's own
state (a real ``Pipeline`` fed accepted-topic payloads; no Kafka needed)."""

from __future__ import annotations

import tempfile
import weakref
from collections.abc import Sequence
from typing import Any

import pytest

from linkwatch.config import Settings
from linkwatch.pipeline import Pipeline
from linkwatch.schemas.accepted import AcceptedReport
from linkwatch.search import (
    BLOCK_CAP,
    IDENTIFIER,
    MIN_NAME_BITS,
    NAME,
    NAME_DOB,
    AlertIndex,
    PipelineSource,
    identifier_nodes,
    name_keys,
    query_record,
    search,
)
from linkwatch.view import GraphView, ViewWriter

_VIEWS: weakref.WeakKeyDictionary[Pipeline, GraphView] = weakref.WeakKeyDictionary()


def _report(rid: str, persons: list[dict[str, Any]], identifiers: Sequence[dict[str, Any]] = (),
            **over: Any) -> AcceptedReport:
    return AcceptedReport.of({"report": {
        "report_id": rid, "kind": "fraud", "source": "test",
        "reported_at": "2026-11-02T10:00:00+00:00", "force": "Warwickshire Police",
        "persons": persons, "identifiers": list(identifiers),
        "fraud": {"fraud_type": "investment"}, **over}})


def _person(ref: str, name: str, role: str = "victim", **over: Any) -> dict[str, Any]:
    return {"person_ref": ref, "role": role, "name": name, **over}


IDENTIFIERS = [  # (type, as reported)
    ("phone", "07700 900123"),
    ("bank_account", "40-11-62 31926819"),
    ("iban", "GB82 WEST 1234 5698 7654 32"),
    ("email", "Dave.Jones@Example.com"),
    ("url", "shop-example.co.uk/pay"),
    ("url", "https://secure-example.org/login?id=7"),
    ("domain", "mule-example.net"),
    ("ip", "203.0.113.9"),
]


@pytest.fixture(scope="module")
def world() -> Pipeline:
    p = Pipeline(Settings(app_id="search-test"))
    p.apply(_report("R-1", [_person("v1", "Łukasz Wiśniewski", dob="1990-01-02",
                                    postcode="cv11 4ab")],
                    [{"type": t, "value": v, "role": "payee"} for t, v in IDENTIFIERS],
                    vehicles=[{"vrm": "AB12 CDE"}]))
    p.apply(_report("R-2", [_person("v1", "Ann Other")],
                    [{"type": "phone", "value": "+44 7700 900123", "role": "contact"}]))
    # two Robert Smiths: different dates of birth keep them two people
    p.apply(_report("R-3", [_person("s1", "Robert Smith", role="suspect", dob="1985-03-04")]))
    p.apply(_report("R-4", [_person("s1", "Robert Smith", role="suspect", dob="1970-08-09")]))
    p.apply(_report("R-5", [_person("s1", "Roberta Smithson", role="suspect")]))
    return p


def _view(p: Pipeline) -> GraphView:
    """The view the link stage would write of ``p``'s state (a SQLite file), once."""
    if p not in _VIEWS:
        settings = Settings(app_id=p.settings.app_id, data_dir=tempfile.mkdtemp())
        writer = ViewWriter(settings)
        writer.write(writer.start(p, 0, None))
        writer.close()
        _VIEWS[p] = GraphView.open(settings)
    return _VIEWS[p]


def _find(p: Pipeline, q: str, dob: str | None = None, **kw: Any) -> list[Any]:
    """The hits from the pipeline's own state, which must be the hits from its view."""
    hits = search(PipelineSource(p), q, dob=dob, **kw)
    assert search(_view(p), q, dob=dob, **kw) == hits
    return hits


@pytest.mark.parametrize(("query", "node"), [
    ("07700 900123", "phone:+447700900123"),
    ("+44 7700 900123", "phone:+447700900123"),
    ("+447700900123", "phone:+447700900123"),
    ("40-11-62 31926819", "account:401162-31926819"),
    ("401162 31926819", "account:401162-31926819"),
    ("gb82west12345698765432", "iban:GB82WEST12345698765432"),
    ("dave.jones@example.com", "email:dave.jones@example.com"),
    ("http://shop-example.co.uk/pay", "url:http://shop-example.co.uk/pay"),
    ("shop-example.co.uk/pay", "url:http://shop-example.co.uk/pay"),
    ("secure-example.org/login?id=7", "url:https://secure-example.org/login?id=7"),
    ("MULE-EXAMPLE.NET", "domain:mule-example.net"),
    ("203.0.113.9", "ip:203.0.113.9"),
    ("ab12cde", "vehicle:AB12CDE"),
    ("CV114AB", "postcode:CV11 4AB"),
    ("R-1", "report:R-1"),
    ("phone:+447700900123", "phone:+447700900123"),
])
def test_identifier_as_written_finds_its_node(world: Pipeline, query: str, node: str) -> None:
    assert node in world.graph.g, sorted(world.graph.g)  # the graph has it under that id
    hits = _find(world, query)
    assert hits and hits[0].node_id == node, [h.as_dict() for h in hits]
    assert hits[0].match == IDENTIFIER and hits[0].score is None
    assert node in hits[0].reasons[0]


def test_identifier_hit_counts_its_reports_and_kind(world: Pipeline) -> None:
    hit = _find(world, "07700900123")[0]
    # R-1 (the victim's payee list) and R-2 (the contact number written another way)
    assert (hit.kind, hit.reports) == ("phone", 2), hit


def test_identifier_nodes_uses_intakes_normalisers() -> None:
    nodes = identifier_nodes("07700 900123")
    assert nodes["phone:+447700900123"] == "phone"
    assert "url:https://example.com/" in identifier_nodes("example.com")
    assert "url:http://example.com/" in identifier_nodes("example.com")


@pytest.mark.parametrize(("query", "dob", "want"), [
    ("Lukasz Wisniewski", None, NAME),          # accents folded
    ("łukasz wiśniewski", None, NAME),          # as written
    ("Wisniewski Lukasz", None, NAME),          # family name first
    ("Wiśniewski, Łukasz", None, NAME),         # "family, given"
    ("Lukasz Wisniewski", "1990-01-02", NAME_DOB),
    ("Lukasz Wisniewski", "02/01/1990", NAME_DOB),  # UK order
])
def test_person_by_name_fuzzy(world: Pipeline, query: str, dob: str | None, want: str) -> None:
    hits = [h for h in _find(world, query, dob) if h.kind == "person"]
    assert [h.label for h in hits] == ["Łukasz Wiśniewski"], [h.as_dict() for h in hits]
    assert hits[0].match == want and hits[0].score >= MIN_NAME_BITS, hits[0]
    assert hits[0].reports == 1


def test_nickname_written_family_name_first(world: Pipeline) -> None:
    # "bob" is filed under "robert" only as a given name: the crossed-over reading of the
    # query is what brings Robert Smith's blocks in
    hits = [h for h in _find(world, "Smith Bob") if h.label == "Robert Smith"]
    assert [h.match for h in hits] == [NAME, NAME], [h.as_dict() for h in hits]


def test_straight_name_outranks_crossed_over(world: Pipeline) -> None:
    straight = _find(world, "Lukasz Wisniewski")[0].score
    crossed = _find(world, "Wisniewski Lukasz")[0].score
    exact = _find(world, "Łukasz Wiśniewski")[0].score
    assert exact > straight > crossed, (exact, straight, crossed)  # folded < exact; swap -1 bit


def test_nickname_finds_both_namesakes_and_dob_picks_one(world: Pipeline) -> None:
    both = [h for h in _find(world, "Bob Smith") if h.label == "Robert Smith"]
    assert len(both) == 2 and {h.match for h in both} == {NAME}, both
    one = _find(world, "Bob Smith", "1985-03-04")
    # the other Robert Smith's date of birth disagrees: capped at 0 bits, not a hit
    assert [(h.label, h.match) for h in one if h.label == "Robert Smith"] == [
        ("Robert Smith", NAME_DOB)], [h.as_dict() for h in one]
    assert one[0].node_id in {h.node_id for h in both}


def test_ranking_identifier_then_dob_then_name() -> None:
    p = Pipeline(Settings(app_id="search-rank"))
    # an address that reads as the name searched for (a house name), and two people of that name
    p.apply(_report("K-0", [_person("w1", "Sam Lee", role="witness", address="Jane Doe")]))
    p.apply(_report("K-1", [_person("v1", "Jane Doe", dob="1991-02-03")]))
    p.apply(_report("K-2", [_person("v1", "Jane Doe")]))
    hits = _find(p, "Jane Doe", "1991-02-03")
    assert [h.match for h in hits] == [IDENTIFIER, NAME_DOB, NAME], [h.as_dict() for h in hits]
    assert hits[1].score > hits[2].score
    assert len(_find(p, "Jane Doe", "1991-02-03", limit=2)) == 2


def test_alerts_of_a_hit(world: Pipeline) -> None:
    index = AlertIndex.of([
        {"alert_id": "A1", "version": 1, "type": "mule_account", "severity": "high",
         "entities": [{"entity_id": "account:401162-31926819", "kind": "account", "label": "x"}]},
        {"alert_id": "A2", "version": 1, "type": "fraud_network", "severity": "medium",
         "entities": [{"entity_id": "account:401162-31926819", "kind": "account", "label": "x"},
                      {"entity_id": "phone:+447700900123", "kind": "phone", "label": "y"}]},
    ])
    hit = _find(world, "40-11-62 31926819", alerts=index)[0]
    assert [(a["alert_id"], a["type"]) for a in hit.alerts] == [
        ("A1", "mule_account"), ("A2", "fraud_network")], hit
    # a later version that no longer names the account, and a superseded alert: gone
    index.update({"alert_id": "A2", "version": 2, "type": "fraud_network", "severity": "high",
                  "entities": [{"entity_id": "phone:+447700900123"}]})
    index.update({"alert_id": "A1", "version": 2, "type": "mule_account", "severity": "high",
                  "status": "superseded", "entities": [
                      {"entity_id": "account:401162-31926819"}]})
    assert _find(world, "40-11-62 31926819", alerts=index)[0].alerts == ()
    phone = _find(world, "07700 900123", alerts=index)[0]
    assert [(a["alert_id"], a["version"]) for a in phone.alerts] == [("A2", 2)]
    index.update({"not": "an alert"})  # ignored, nothing raised
    assert set(index.nodes_of) == {"A2"}


def test_search_reads_blocks_only_and_changes_nothing() -> None:
    p = Pipeline(Settings(app_id="search-blocks"))
    for i in range(300):  # unrelated people: not one is in the query's blocks
        p.apply(_report(f"B-{i}", [_person("v1", f"Person{i} Surname{i * 7919}")]))
    p.apply(_report("B-X", [_person("v1", "Wojciech Kowalczyk", dob="1977-07-07")]))
    record = query_record("Wojciech Kowalczyk")
    assert record is not None
    found = PipelineSource(p).name_candidates(name_keys(record), BLOCK_CAP)
    assert 1 <= len(found) < 10, len(found)  # blocked, not the 301 records
    before = p.resolver.index.next_seq()
    hits = _find(p, "Wojciech Kowalczyk", "1977-07-07")
    assert [h.label for h in hits] == ["Wojciech Kowalczyk"]
    assert p.resolver.index.next_seq() == before + 1  # search did not advance the counter


def test_merged_entity_is_found_under_its_person_nodes() -> None:
    p = Pipeline(Settings(app_id="search-merge"))
    p.apply(_report("M-1", [_person("v1", "Chidi Okafor", dob="1988-04-05")]))
    p.apply(_report("M-2", [_person("v1", "Chidi Okafor", dob="1988-04-05")]))
    nodes = {n for n in p.graph.g if n.startswith("person:")}
    hits = _find(p, "Chidi Okafor", "1988-04-05")
    assert {h.node_id for h in hits} == nodes and hits[0].reports == 2, hits


@pytest.mark.parametrize("query", ["", "   ", "x" * 301, "\x00\x01", "Zzyzx", "@@@", ":"])
def test_bad_or_unknown_query_gives_no_hits_and_never_raises(world: Pipeline, query: str) -> None:
    assert _find(world, query) == []
    assert _find(world, query, "not a date") == []


def test_non_text_query_is_no_hits(world: Pipeline) -> None:
    assert search(PipelineSource(world), None) == []  # type: ignore[arg-type]
    assert search(_view(world), None) == []  # type: ignore[arg-type]
    assert query_record(None) is None  # type: ignore[arg-type]


def test_api_alert_index_follows_the_read_models_alert_versions() -> None:
    from linkwatch.api.readmodel import ReadModel
    from linkwatch.api.search import alert_index

    model = ReadModel(Settings(app_id="search-alerts"))

    def alert(aid: str, version: int, *nodes: str, **over: Any) -> dict[str, Any]:
        return {"alert_id": aid, "version": version, "type": "county_lines",
                "severity": "high", "entities": [{"entity_id": n} for n in nodes], **over}
    model.add_alert(alert("A1", 1, "phone:+447700900001"))
    model.add_alert(alert("A2", 1, "phone:+447700900001", "person:E1"))
    index = alert_index(model)
    assert [a["alert_id"] for a in index.of_node("phone:+447700900001")] == ["A1", "A2"]
    model.add_alert(alert("A1", 2, "person:E1"))       # moved off the phone
    model.add_alert(alert("A1", 1, "phone:+447700900001"))  # an old version: ignored
    model.add_alert(alert("A2", 2, "person:E1", status="superseded"))
    index = alert_index(model)
    assert [a["alert_id"] for a in index.of_node("phone:+447700900001")] == []
    assert [(a["alert_id"], a["version"]) for a in index.of_node("person:E1")] == [("A1", 2)]
    assert alert_index(model) is index  # nothing new: the same index, no rebuild
