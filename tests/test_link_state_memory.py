"""What the link graph leaves out to hold less per report (issue 21) is still there for
every reader: a node's defaults (``node_attrs``), and the empty adjacency nodes share."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from typing import Any

import networkx as nx

from linkwatch.graph import LinkGraph
from linkwatch.graph.store import node_attrs
from linkwatch.schemas import ReportAdapter

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def report(rid: str, when: datetime, **over: Any) -> Any:
    body: dict[str, Any] = {
        "report_id": rid, "kind": "incident", "source": "test", "reported_at": when,
        "incident": {"category": "burglary"},
        "persons": [{"person_ref": "v1", "role": "victim", "entity_id": f"E-{rid}",
                     "name": "Ada Testperson", "dob": "1950-02-03", "postcode": "CV11 4AB"}]}
    body.update(over)
    return ReportAdapter.validate_python(body)


def test_nodes_hold_no_none_nor_default_and_node_attrs_gives_them_whole() -> None:
    lg = LinkGraph()
    lg.add_report(report("R1", T0), {"harm": 2.0, "persons": {"v1": {"under_18": False}}})
    rep, person = lg.g.nodes["report:R1"], lg.g.nodes["person:E-R1"]
    assert None not in rep.values() and None not in person.values()
    assert not {"markers", "weapons", "lat", "force"} & rep.keys()
    assert not {"flags", "under_18", "age", "nationality"} & person.keys()
    whole = node_attrs(rep)
    assert list(whole) == ["kind", "label", "first_seen", "last_seen", "report_ids",
                           "report_kind", "reported_at", "markers", "category", "weapons",
                           "harm"]
    assert (whole["markers"], whole["weapons"]) == ((), ())
    whole = node_attrs(person)
    assert (whole["flags"], whole["under_18"], whole["dob"]) == (set(), False, date(1950, 2, 3))
    assert node_attrs(whole) == whole  # the view's attributes are whole already


def test_a_later_version_sets_and_clears_attributes_as_before() -> None:
    lg = LinkGraph()
    lg.add_report(report("R1", T0, markers=["knife"]),
                  {"persons": {"v1": {"under_18": True}}})
    node = lg.g.nodes["report:R1"]
    assert node["markers"] == ("knife",) and lg.g.nodes["person:E-R1"]["under_18"] is True
    lg.add_report(report("R1", T0 + timedelta(hours=1), markers=[]),
                  {"persons": {"v1": {"under_18": False}}})
    assert "markers" not in node and node_attrs(node)["markers"] == ()
    person = lg.g.nodes["person:E-R1"]
    assert "under_18" not in person and node_attrs(person)["under_18"] is False
    lg.add_report(report("R1", T0 + timedelta(hours=2)), {"persons": {"v1": {}}})
    assert node_attrs(person)["under_18"] is False  # None does not overwrite, as before
    lg.add_report(report("R2", T0), {"persons": {"v1": {}}})  # not judged: None, not False
    assert lg.g.nodes["person:E-R2"]["under_18"] is None
    assert "under_18" not in node_attrs(lg.g.nodes["person:E-R2"])


def test_the_shared_empty_adjacency_never_holds_an_edge() -> None:
    lg = LinkGraph()
    for i in range(40):
        when = T0 + timedelta(hours=i)
        persons = [{"person_ref": "v1", "role": "victim", "entity_id": f"V{i}",
                    "phones": [f"07700 9001{i % 7:02d}"], "postcode": "CV11 4AB"},
                   {"person_ref": "s1", "role": "suspect", "entity_id": f"S{i % 3}"},
                   {"person_ref": "s2", "role": "suspect", "entity_id": f"S{(i + 1) % 3}"}]
        lg.add_report(report(f"R{i}", when, persons=persons))
        if i == 20:  # a snapshot's nodes share another empty dict
            lg = pickle.loads(pickle.dumps(lg))
    g = lg.g
    again = nx.MultiDiGraph()
    again.add_nodes_from(g.nodes)
    again.add_edges_from(g.edges(keys=True))
    for n in g:
        assert dict(g.succ[n]).keys() == dict(again.succ[n]).keys(), n
        assert dict(g.pred[n]).keys() == dict(again.pred[n]).keys(), n
    assert sum(not g._succ[n] for n in g) > 0  # noqa: SLF001 - some share the empty one


def test_a_key_holds_one_value_alone_then_a_list_and_values_copies() -> None:
    from linkwatch.rules import _held

    index: dict[str, Any] = {}
    _held.add(index, "k", b"a")
    assert index == {"k": b"a"}
    _held.add(index, "k", b"b")
    _held.add(index, "k", b"c")
    assert index == {"k": [b"a", b"b", b"c"]}
    got = _held.values(index["k"])
    got.append(b"x")  # a copy: the index is not changed through it
    assert index["k"] == [b"a", b"b", b"c"]
    assert _held.values(None) == [] and _held.values("r1") == ["r1"]
