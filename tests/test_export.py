"""Graph exports: each format read back by its real consumer (issue 7).

Synthetic data only: Ofcom drama numbers, example.com, 192.0.2.x, 2001:db8::.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from linkwatch.graph import LinkGraph
from linkwatch.graph.export import FORMATS, UnknownFormat, export_graph, select
from linkwatch.schemas import ReportAdapter

KEY = b"test-key-not-a-secret-0123456789"
SENDER = "phone:+447700900456"
RAW_PERSONAL = ["Alice", "Bob Sample", "Carol", "Dan Demo", "Eve Example", "Frank",
                "7700", "alice@example", "example street", "example road", "12345678", "AB12CDE",
                "1950-02-03"]


def report(**fields: Any) -> dict[str, Any]:
    return {"source": "test", "reported_at": "2026-11-24T21:05:00+00:00", **fields}


REPORTS = [
    report(report_id="AF-0001", kind="fraud", force="Warwickshire Police",
           persons=[{"person_ref": "v1", "role": "victim", "name": "Alice Example",
                     "phones": ["07700 900123"], "emails": ["alice@example.com"],
                     "address": "1 Example Street", "postcode": "CV11 4AB", "dob": "1950-02-03"},
                    {"person_ref": "s1", "role": "suspect", "name": "Bob Sample",
                     "phones": ["07700 900456"]}],
           identifiers=[{"type": "bank_account", "value": "12-34-56 12345678", "role": "payee"},
                        {"type": "bank_account", "value": "12 34 56 12345678",
                         "person_ref": "s1"},  # the payee account is the suspect's
                        {"type": "phone", "value": "+44 7700 900456", "role": "sender"},
                        {"type": "url", "value": "https://shop.example.com/pay"}],
           fraud={"fraud_type": "purchase", "amount_lost": "1200.50"}),
    report(report_id="NC-0002", kind="cyber", reported_at="2026-11-25T09:00:00+00:00",
           persons=[{"person_ref": "v1", "role": "victim", "name": "Carol Test",
                     "phones": ["07700900789"]}],
           cyber={"cyber_type": "phishing", "indicators": [
               {"type": "url", "value": "https://shop.example.com/pay"},
               {"type": "domain", "value": "login.example.com"},
               {"type": "ip", "value": "192.0.2.10", "role": "c2"},
               {"type": "ip", "value": "2001:db8::1"},
               {"type": "email", "value": "scam@example.com", "role": "sender"},
               {"type": "crypto_wallet", "value": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
               {"type": "file_hash",
                "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
               {"type": "phone", "value": "07700 900456", "role": "contact"}]}),
    report(report_id="WK-0003", kind="incident", reported_at="2026-11-26T01:30:00+00:00",
           markers=["county_lines", "knife"],
           location={"lsoa_code": "E01000001", "lat": 52.5, "lon": -1.46},
           persons=[{"person_ref": "s1", "role": "suspect", "name": "Dan Demo",
                     "phones": ["07700 900456"]},
                    {"person_ref": "s2", "role": "suspect", "name": "Eve Example",
                     "address": "2 Example Road", "postcode": "CV11 4AB"},
                    {"person_ref": "v1", "role": "victim", "name": "Frank Placeholder",
                     "flags": ["vulnerable"]}],
           vehicles=[{"vrm": "AB12 CDE", "make": "Ford", "colour": "blue", "person_ref": "s1"}],
           incident={"category": "drugs", "weapons": ["knife"]}),
]


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    lg = LinkGraph()
    for raw in REPORTS:
        lg.add_report(ReportAdapter.validate_python(raw))
    return lg.g


def flat(value: Any) -> Any:
    """What a text format holds for a graph attribute (sets ';'-joined, times ISO)."""
    if isinstance(value, set | tuple):
        return ";".join(sorted(str(v) for v in value))
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def all_text(paths: list[Path]) -> str:
    return "\n".join(p.read_text(encoding="utf-8-sig") for p in paths)


# -- networkx formats -----------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_round_trip_keeps_nodes_edges_and_attributes(graph, tmp_path, fmt):
    [path] = export_graph(graph, fmt, tmp_path)
    back = (nx.read_graphml(path, force_multigraph=True) if fmt == "graphml"
            else nx.read_gexf(path))
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    phone = graph.nodes[SENDER]
    got = back.nodes[SENDER]
    for key in ("kind", "label", "first_seen", "last_seen", "report_ids"):
        assert got[key] == flat(phone[key]), (key, got)
    assert got["report_ids"] == "AF-0001;NC-0002;WK-0003"  # three reports share the phone
    assert back.nodes["report:WK-0003"]["lat"] == 52.5
    type_key = "type" if fmt == "graphml" else "link_type"
    types = sorted(d[type_key] for _, _, d in back.edges(data=True))
    assert types == sorted(d["type"] for _, _, d in graph.edges(data=True))
    assert all(d["report_ids"] and d["first_seen"] for _, _, d in back.edges(data=True))
    assert "<!-- Handling: OFFICIAL-SENSITIVE -->" in path.read_text()
    if fmt == "graphml":
        assert back.graph["handling"] == "OFFICIAL-SENSITIVE"
    else:
        assert all(d["handling"] == "OFFICIAL-SENSITIVE" for _, d in back.nodes(data=True))


def test_json_node_link_and_cytoscape_read_back(graph, tmp_path):
    node_link, cyto = export_graph(graph, "json", tmp_path, handling="OFFICIAL")
    for back in (nx.node_link_graph(json.loads(node_link.read_text()), edges="edges"),
                 nx.cytoscape_graph(json.loads(cyto.read_text()))):
        assert back.number_of_nodes() == graph.number_of_nodes()
        assert back.number_of_edges() == graph.number_of_edges()
        assert back.nodes[SENDER]["report_ids"] == "AF-0001;NC-0002;WK-0003"
        assert back.has_edge(SENDER, "person:AF-0001/v1", key="contacted")
        assert back.graph["handling"] == "OFFICIAL"


# -- CSV formats ----------------------------------------------------------------------

def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_nodes_and_edges_keep_type_dates_reports_and_handling(graph, tmp_path):
    nodes, edges = (read_csv(p) for p in export_graph(graph, "csv", tmp_path))
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    row = next(r for r in nodes if r["Id"] == SENDER)
    assert (row["kind"], row["report_ids"]) == ("phone", "AF-0001;NC-0002;WK-0003")
    assert datetime.fromisoformat(row["first_seen"]) == graph.nodes[SENDER]["first_seen"]
    assert {r["handling"] for r in nodes + edges} == {"OFFICIAL-SENSITIVE"}
    assert all(r["relation"] and r["first_seen"] and r["report_ids"] for r in edges)


def test_csv_is_what_gephi_imports(graph, tmp_path):
    """Gephi's spreadsheet importer: nodes Id, Label; edges Source, Target, Type (its
    directed/undirected), Label, Weight.  The relation must not sit in ``Type``/``type``."""
    nodes_path, edges_path = export_graph(graph, "csv", tmp_path)
    nodes, edges = read_csv(nodes_path), read_csv(edges_path)
    assert list(nodes[0])[:2] == ["Id", "Label"]
    assert list(edges[0])[:5] == ["Source", "Target", "Type", "Label", "Weight"]
    assert not {"type", "id", "source", "target"} & (set(edges[0]) | set(nodes[0]))
    assert {e["Type"] for e in edges} == {"Directed"}
    assert {e["relation"] for e in edges} == {d["type"] for *_, d in graph.edges(data=True)}
    weights = {(e["Source"], e["Target"], e["relation"]): int(e["Weight"]) for e in edges}
    assert weights[(SENDER, "person:AF-0001/v1", "contacted")] == 1
    assert all(w == len(graph.edges[s, t, r]["report_ids"]) for (s, t, r), w in weights.items())
    ids = {n["Id"] for n in nodes}
    assert {e["Source"] for e in edges} | {e["Target"] for e in edges} <= ids
    assert not nodes_path.read_bytes().startswith(b"\xef\xbb\xbf")  # no BOM: Gephi, pandas


def test_i2_entities_and_links_have_importer_columns(graph, tmp_path):
    entities, links, _espec, _lspec, readme = export_graph(graph, "i2", tmp_path)
    erows, lrows = read_csv(entities), read_csv(links)
    assert list(erows[0]) == ["Entity Type", "Identity", "Label", "Date first seen",
                              "Time first seen", "Date last seen", "Time last seen",
                              "Report references", "Handling"]
    assert list(lrows[0])[:5] == ["From Identity", "From Type", "To Identity", "To Type",
                                  "Link Type"]
    types = {r["Identity"]: r["Entity Type"] for r in erows}
    assert types[SENDER] == "Telephone" and types["person:AF-0001/v1"] == "Person"
    assert types["account:123456-12345678"] == "Account"
    paid = next(r for r in lrows if r["Link Type"] == "Paid To")
    assert (paid["From Type"], paid["To Type"]) == ("Person", "Account")
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", paid["Date first seen"]), paid
    assert {r["Handling"] for r in erows + lrows} == {"OFFICIAL-SENSITIVE"}
    assert {r["From Identity"] for r in lrows} <= set(types)  # every end is an entity
    assert "Identity" in readme.read_text() and "OFFICIAL-SENSITIVE" in readme.read_text()


# neo4j-admin import header: name[:type][(id space)] or :ID/:LABEL/:START_ID/:END_ID/:TYPE
_NEO4J_TYPES = ("int|long|float|double|boolean|byte|short|char|string|point|date|localtime|"
                "time|localdatetime|datetime|duration")
_NEO4J_FIELD = re.compile(
    r"^(?:[A-Za-z_]\w*)?"
    rf"(?::(?:ID|LABEL|START_ID|END_ID|TYPE|IGNORE|(?:{_NEO4J_TYPES})(?:\[\])?))?"
    r"(?:\([\w-]+\))?$")


def test_neo4j_headers_follow_the_import_spec(graph, tmp_path):
    paths = export_graph(graph, "neo4j", tmp_path)
    node_files = [p for p in paths if p.name.startswith("neo4j_nodes_")]
    [rels] = [p for p in paths if p.name == "neo4j_relationships.csv"]
    for path in [*node_files, rels]:
        header = path.read_text().splitlines()[0].split(",")
        assert all(_NEO4J_FIELD.match(f) for f in header), (path.name, header)
    for path in node_files:
        first = path.read_text().splitlines()[0]
        assert first.startswith("id:ID,kind,label,first_seen:datetime,last_seen:datetime,"
                                 "report_ids:string[],:LABEL"), first
    assert rels.read_text().startswith(":START_ID,:END_ID,:TYPE,first_seen:datetime,"
                                       "last_seen:datetime,report_ids:string[]")
    person = read_csv(tmp_path / "neo4j_nodes_person.csv")
    assert {r[":LABEL"] for r in person} == {"Entity;Person"}
    rows = read_csv(rels)
    assert len(rows) == graph.number_of_edges()
    assert {r[":TYPE"] for r in rows} >= {"MENTIONS", "PAID_TO", "CONTACTED"}
    ids = {r["id:ID"] for p in node_files for r in read_csv(p)}
    assert {r[":START_ID"] for r in rows} | {r[":END_ID"] for r in rows} <= ids
    script = (tmp_path / "neo4j_load.cypher").read_text()
    assert "MERGE (n:Entity {id: row.`id:ID`})" in script and "MERGE (a)-[r:PAID_TO]->(b)" in script
    assert "neo4j-admin database import full" in (tmp_path / "neo4j_README.md").read_text()


# -- FollowTheMoney -------------------------------------------------------------------

def test_ftm_entities_validate_against_the_model(graph, tmp_path):
    from followthemoney import model

    from linkwatch.graph.export.ftm import folded as ftm_folded

    [path] = export_graph(graph, "ftm", tmp_path)
    entities = [json.loads(line) for line in path.read_text().splitlines()]
    folded = sum(ftm_folded(d["type"], u.split(":")[0], v.split(":")[0])
                 for u, v, d in graph.edges(data=True))
    assert folded and len(entities) == graph.number_of_nodes() + graph.number_of_edges() - folded
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)  # make_id is unique per node / edge
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract, data
        proxy = model.get_proxy(data)
        assert proxy.to_dict() == data, data
        assert set(schema.required) <= set(data["properties"]), data
        for prop in proxy.iterprops():
            if prop.type.name == "entity":
                assert set(proxy.get(prop)) <= ids, (data, prop.name)  # no dangling refs
        assert proxy.get("summary") == ["Handling: OFFICIAL-SENSITIVE"]
    schemata = {e["schema"] for e in entities}
    assert {"Event", "Person", "UserAccount", "BankAccount", "Vehicle", "Address",
            "CryptoWallet", "Associate", "Ownership", "Payment", "Call", "UnknownLink"} <= schemata
    payment = next(e for e in entities if e["schema"] == "Payment")
    assert payment["properties"]["startDate"] == ["2026-11-24T21:05:00"]
    victim = next(e for e in entities if e["properties"].get("name") == ["Alice Example"])
    # FtM drops numbers phonenumbers calls invalid, drama numbers included, so check e-mail
    assert victim["properties"]["email"] == ["alice@example.com"]
    # deterministic: a second export gives the same ids
    [again] = export_graph(graph, "ftm", tmp_path / "again")
    assert {json.loads(line)["id"] for line in again.read_text().splitlines()} == ids


# -- STIX -----------------------------------------------------------------------------

def test_stix_bundle_parses_and_carries_indicators_and_markings(graph, tmp_path):
    import stix2

    from linkwatch.graph.export.stix import PROPS_EXT

    [path] = export_graph(graph, "stix", tmp_path)
    raw = json.loads(path.read_text())
    assert raw["type"] == "bundle" and raw["id"].startswith("bundle--") and raw["objects"]
    bundle = stix2.parse(raw, allow_custom=True)
    objs = bundle.objects
    by_type: dict[str, list[Any]] = {}
    for obj in objs:
        by_type.setdefault(obj["type"], []).append(obj)
    patterns = {i["pattern"] for i in by_type["indicator"]}
    assert "[url:value = 'https://shop.example.com/pay']" in patterns
    assert "[ipv4-addr:value = '192.0.2.10']" in patterns
    assert "[ipv6-addr:value = '2001:db8::1']" in patterns
    assert "[email-addr:value = 'scam@example.com']" in patterns
    assert "[linkwatch-phone-number:value = '+447700900456']" in patterns
    assert any(p.startswith("[file:hashes.'SHA-256'") for p in patterns)
    assert "person" not in {i["extensions"][PROPS_EXT]["kind"] for i in by_type["indicator"]}
    assert "Alice" not in path.read_text()  # STIX shares indicators, not people
    markings = {m["id"]: m for m in by_type["marking-definition"]}
    statement = next(m for m in markings.values() if m.get("definition_type") == "statement")
    assert "OFFICIAL-SENSITIVE" in statement["definition"]["statement"]
    # TLP 2.0: the OASIS-published TLP:AMBER marking, by its fixed id
    amber = markings["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
    assert amber["name"] == "TLP:AMBER" and amber["extensions"][
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"] == "amber"
    assert not any(m.get("definition_type") == "tlp" for m in markings.values())  # TLP 1.0
    for obj in objs:
        if obj["type"] != "marking-definition":
            assert amber["id"] in obj["object_marking_refs"], obj["id"]
    for obj in objs:
        if obj["type"] not in ("marking-definition",):
            assert statement["id"] in obj["object_marking_refs"], obj["id"]
    refs = {o["id"] for o in objs}
    for rel in by_type["relationship"]:
        assert {rel["source_ref"], rel["target_ref"]} <= refs
    phone = next(i for i in by_type["indicator"] if "900456" in i["pattern"])
    assert phone["extensions"][PROPS_EXT]["report_ids"] == ["AF-0001", "NC-0002", "WK-0003"]
    assert len(by_type["report"]) == 3  # each report names at least one indicator


# -- pseudonymisation -----------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_pseudonymised_exports_hold_no_raw_personal_data(graph, tmp_path, fmt):
    paths = export_graph(graph, fmt, tmp_path, pseudonymise_key=KEY)
    text = all_text(paths)
    leaked = [raw for raw in RAW_PERSONAL if raw.lower() in text.lower()]
    assert not leaked, (fmt, leaked)
    assert "AF-0001" in text  # report references stay
    assert fmt == "stix" or "E01000001" in text  # and places (STIX carries no places)
    assert "OFFICIAL-SENSITIVE" in text


def test_pseudonyms_are_stable_per_key_and_consistent_across_files(graph, tmp_path):
    a = read_csv(export_graph(graph, "csv", tmp_path / "a", pseudonymise_key=KEY)[0])
    b = read_csv(export_graph(graph, "csv", tmp_path / "b", pseudonymise_key=KEY)[0])
    c = read_csv(export_graph(graph, "csv", tmp_path / "c", pseudonymise_key=KEY[::-1])[0])
    ids_a, ids_c = {r["Id"] for r in a}, {r["Id"] for r in c}
    assert ids_a == {r["Id"] for r in b} and ids_a != ids_c
    phone = [r["Id"] for r in a if r["kind"] == "phone" and r["report_ids"].count(";") == 2]
    assert len(phone) == 1 and re.fullmatch(r"phone:h-[0-9a-f]{20}", phone[0])
    edges = read_csv(tmp_path / "a" / "edges.csv")
    assert {e["Source"] for e in edges} | {e["Target"] for e in edges} <= ids_a
    neo = export_graph(graph, "neo4j", tmp_path / "a", pseudonymise_key=KEY)
    assert phone[0] in all_text(neo)


# -- selection, progress, errors --------------------------------------------------------

def test_select_by_entity_alert_cluster_and_time(graph):
    near = select(graph, entity=SENDER, hops=1)
    assert SENDER in near and "report:WK-0003" in near and "vehicle:AB12CDE" not in near
    assert set(near.nodes) == {SENDER, *graph.successors(SENDER), *graph.predecessors(SENDER)}
    alert = {"entities": [{"entity_id": SENDER, "kind": "phone", "label": "x"}],
             "links": [{"source": "person:AF-0001/v1", "target": "account:123456-12345678",
                        "type": "paid_to", "report_ids": ["AF-0001"]}],
             "report_ids": ["AF-0001"]}
    sub = select(graph, alert=alert)
    assert set(sub) == {SENDER, "person:AF-0001/v1", "account:123456-12345678",
                        "report:AF-0001"}
    assert sub.has_edge("person:AF-0001/v1", "account:123456-12345678", key="paid_to")
    late = select(graph, since=datetime(2026, 11, 26, tzinfo=UTC))
    assert "report:AF-0001" not in late and SENDER in late  # its last sighting is on the 26th
    assert all(d["last_seen"] >= datetime(2026, 11, 26, tzinfo=UTC)
               for _, _, d in late.edges(data=True))
    graph.nodes[SENDER]["cluster_id"] = "c-1"
    graph.nodes["report:WK-0003"]["cluster_id"] = "c-1"
    assert set(select(graph, cluster_id="c-1")) == {SENDER, "report:WK-0003"}
    sub.nodes[SENDER]["report_ids"].add("X")  # a copy, not a view
    assert "X" not in graph.nodes[SENDER]["report_ids"]


def test_progress_counts_every_row_and_bad_format_is_refused(graph, tmp_path):
    seen: list[int] = []
    export_graph(graph, "csv", tmp_path, progress=seen.append)
    assert sum(seen) == graph.number_of_nodes() + graph.number_of_edges()
    with pytest.raises(UnknownFormat, match="choose one of graphml"):
        export_graph(graph, "xlsx", tmp_path)
