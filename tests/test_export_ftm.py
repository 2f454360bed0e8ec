"""The ftm writer's entities (``ftm.Entity``) are FollowTheMoney's own ``EntityProxy``, value
for value: the same cleaning, the same values dropped, the same errors, the same JSON.

``Entity`` cleans what is already clean (printable ASCII, a datetime, a reference) itself and
hands the rest to FtM; these tests give both the values that tell the two apart if they
drift (odd dates, phones not in E.164 form or not valid, non-ASCII and invisible characters,
an emoji joined by zero-width joiners, empty values, references to the entity itself) and
compare what each makes of them, property by property and through the whole writer.  They
also hold ``Rows.sources_into`` (the persons using an account, in ``in_edges`` order) equal
on the view's rows and on the graph read from it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from export_cases import CASES, HANDLING, KEY, T0, tricky_graph, write_view
from followthemoney.exc import InvalidData

from linkwatch.config import Settings
from linkwatch.graph.export import export_graph, ftm
from linkwatch.graph.export._common import Context, GraphRows, Progress, Pseudonymiser
from linkwatch.view import GraphView

ODD = "Zoë O’Brien-Ünal 👩\u200d👩\u200d👧 e\u0301"  # an emoji joined by ZWJs, a combining mark
VALUES: list[Any] = [
    # text: as it is, to be normalised, stripped, emptied
    "AF-0001", " padded ", "tab\there", "line\nbreak", "", "   ", "\u00a0nbsp\u00a0", ODD,
    "zero\u200bwidth", "nul\x00byte", "e\u0301", "\u202eright-to-left", "مطاوع ١ شارع",
    "=HYPERLINK(\"x\")", "a\u2028b", "\ufeffbom", "x" * 70_000,
    # dates: clean, odd, impossible, out of FtM's range, of every Python type
    "2026-11-24", "2026-11-24T21:05:07", "2026-11-24T21:05:07.120034+05:30", "2026",
    "2026-11", "24/11/2026", "2026-02-30", "0999-01-01", " 2026-11-24 ", "2026-11-24Z",
    T0, datetime(2026, 11, 24, 21, 5, 7, 120034, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 11, 25, 9, 0), datetime(999, 1, 1, tzinfo=UTC), datetime(3001, 1, 1),
    datetime(1000, 1, 1), datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    date(1950, 2, 3), date(999, 12, 31), date(3000, 1, 1),
    # phones: E.164 valid, E.164 not valid (a drama number), national, spaced, junk
    "+447911123456", "+447700900123", "07911 123456", "+44 7911 123456", "+1 202 555 0143",
    "phone", "+44791112345678901",
    # e-mails, countries, identifiers, addresses, references
    "alice@example.com", "Alice@Example.COM", "zoë@exämple.com", "mailto:bob@example.org",
    "not an e-mail", "gb", "GB", "United Kingdom", "Narnia", "GB82 WEST 1234 5698 7654 32",
    "GB82WEST12345698765432", "1 example street\tCV11 4AB;;", "203.0.113.7", "2001:db8::1",
    "0123456789abcdef0123456789abcdef01234567", "bad id!", "-leading",
    # other types ``string_list`` takes, and lists of them
    12, 1.5, 0.1 + 0.2, True, False, None, ["b", "a", "b"], ("t1", "t2"), {"only"},
    ["", None, "x", T0, date(2020, 1, 31)], [["nested", ["deeper"]]],
]
PROPERTIES = {  # schema -> what the writer sets on it, and some it does not
    "Event": ["name", "recordId", "date", "description", "keywords", "country", "involved",
              "addressEntity", "phoneMentioned", "emailMentioned", "ipMentioned",
              "ibanMentioned", "notes", "createdAt"],
    "Person": ["name", "notes", "createdAt", "modifiedAt", "birthDate", "nationality",
               "keywords", "addressEntity", "phone", "email"],
    "UserAccount": ["username", "service", "phone", "email", "owner"],
    "BankAccount": ["accountNumber", "iban", "accountType"],
    "Address": ["full", "postalCode", "country", "description"],
    "Vehicle": ["registrationNumber", "model"], "CryptoWallet": ["publicKey"],
    "Call": ["receiver", "caller", "callerNumber", "startDate", "endDate"],
    "Payment": ["payer", "beneficiary", "beneficiaryAccount", "purpose"],
    "UnknownLink": ["subject", "object", "role", "recordId"],
}
SELF = "0123456789abcdef0123456789abcdef01234567"  # the entities' own id, among VALUES


def outcome(make: ftm.Make, schema: str, prop: str, values: Any, **flags: Any
            ) -> dict[str, Any] | str:
    entity = make(schema, SELF, HANDLING)
    try:
        entity.add(prop, values, **flags)
    except InvalidData as exc:
        return f"InvalidData: {exc}"
    return entity.to_dict()


@pytest.mark.parametrize("schema", list(PROPERTIES))
@pytest.mark.parametrize("flags", [{}, {"cleaned": True}, {"quiet": True}],
                         ids=["cleaning", "cleaned", "quiet"])
def test_entity_adds_each_value_as_ftm_does(schema: str, flags: dict[str, bool]) -> None:
    for prop in PROPERTIES[schema]:
        for value in VALUES:
            assert outcome(ftm.Entity.make, schema, prop, value, **flags) \
                == outcome(ftm.proxy, schema, prop, value, **flags), (schema, prop, value)
        for values in (VALUES, VALUES[::-1]):  # all at once: duplicates, the order kept
            assert outcome(ftm.Entity.make, schema, prop, values, **flags) \
                == outcome(ftm.proxy, schema, prop, values, **flags), (schema, prop)


def test_the_comparison_sees_cleaning() -> None:
    """The values above do tell cleaning apart (the test would fail on a drift)."""
    made = ftm.Entity.make("Person", "p1", HANDLING)
    made.add("birthDate", "24/11/2026")
    made.add("phone", ["+447700900123", "07911 123456", "+44 7911 123456"])
    made.add("name", ODD, cleaned=True)
    made.add("notes", ODD)
    made.add("nationality", ["GB", "United Kingdom", "Narnia"], quiet=True)
    made.add("createdAt", datetime(2026, 11, 24, 21, 5, 7, 120034,
                                   tzinfo=timezone(timedelta(hours=5, minutes=30))))
    props = made.to_dict()["properties"]
    assert "birthDate" not in props  # not a date FtM reads
    assert props["phone"] == ["+447911123456"]  # the drama and the national numbers dropped
    assert props["name"] == [ODD] and props["notes"] != [ODD]  # NFC: é composed
    assert "\u200d" not in props["notes"][0]  # FtM drops the zero-width joiners
    assert props["nationality"] == ["gb"]
    assert props["createdAt"] == ["2026-11-24T15:35:07"]  # in UTC, to the second
    with pytest.raises(InvalidData):
        made.add("addressEntity", "p1")  # a reference to itself
    with pytest.raises(InvalidData):
        made.add("notAProperty", "x")
    made.add("notAProperty", "x", quiet=True)


def test_the_size_limit_is_ftms() -> None:
    """FtM refuses text past ``total_size`` (all the entity's values counted, repeats too)."""
    big = "x" * (1 << 20)
    made, proxy = ftm.Entity.make("Note", "n", HANDLING), ftm.proxy("Note", "n", HANDLING)
    for entity in (made, proxy):
        for i in range(40):  # 40 MiB of text past FtM's 30 MiB
            entity.add("description", f"{i}{big}")
            entity.add("name", big)  # counted each time, kept once
    assert made.to_dict() == proxy.to_dict()
    assert len(made.to_dict()["properties"]["description"]) < 40


def test_entity_ids_are_ftms() -> None:
    from followthemoney.util import make_entity_id

    for node in ("report:AF-0001", "person:h-a7b75c61e6eb340d285e", f"person:{ODD}", " x ",
                 "", "email:zoë@exämple.com"):
        assert ftm.entity_id(node) == (make_entity_id(ftm.DATASET, node) or node)


def shared_graph() -> nx.MultiDiGraph:
    """Persons using one phone, added in an order that is not theirs (``in_edges`` order is
    not ``edges`` order), one of them contacting it before it used it, a uses-edge without a
    type attribute, an account paid by a victim whose users are known, odd values."""
    g = tricky_graph(indicators=True)
    for n in ("person:P3", "person:P1", "person:P2", "person:V"):
        g.add_node(n, kind="person", label=f"{n[-2:]} {ODD}", first_seen=T0,
                   report_ids={"AF-0001"}, dob="24/11/2026", nationality="United Kingdom")
    g.add_node("account:200000-1", kind="account", first_seen=T0, report_ids={"AF-0001"})
    g.add_node("phone:07911 123456", kind="phone", first_seen=datetime(999, 1, 1, tzinfo=UTC))
    g.add_edge("person:P2", "phone:+447700900123", key="contacted", type="contacted")
    for u in ("person:P2", "person:P3", "person:P1"):
        g.add_edge(u, "phone:+447700900123", key="uses_phone", type="uses_phone",
                   first_seen=T0, report_ids={"AF-0001"})
        g.add_edge(u, "account:200000-1", key="uses_identifier", type="uses_identifier")
    g.add_edge("person:P1", "phone:07911 123456", key="uses_phone")  # no type attribute
    g.add_edge("person:V", "account:200000-1", key="paid_to", type="paid_to", first_seen=T0)
    g.add_edge("phone:+447700900123", "person:V", key="contacted", type="contacted")
    g.add_edge("report:AF-0001", "phone:07911 123456", key="mentions", type="mentions")
    return g


def graph_of(case: str) -> nx.MultiDiGraph:
    return shared_graph() if case == "shared" else tricky_graph(**CASES[case])


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "pseudonymised"])
@pytest.mark.parametrize("case", [*CASES, "shared"])
def test_the_writer_makes_what_ftm_makes(case: str, key: bytes | None, tmp_path: Path) -> None:
    g = graph_of(case)
    written = {}
    for name, make in (("entity", ftm.Entity.make), ("proxy", ftm.proxy)):
        ctx = Context(HANDLING, Pseudonymiser(key), Progress(None))
        (tmp_path / name).mkdir()
        [path] = ftm.write_ftm(GraphRows(g), tmp_path / name, ctx, make)
        written[name] = path.read_bytes()
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["entities.ftm.json"]
    assert written["entity"] == written["proxy"]
    # nothing an export saw is remembered after it
    assert all(c.cache_info().currsize == 0 for c in (ftm.ref, ftm._day, ftm._cleaned))


@pytest.fixture
def view(tmp_path: Path) -> Iterator[GraphView]:
    settings = Settings(app_id=f"ftm-{uuid.uuid4().hex[:8]}", data_dir=str(tmp_path / "data"))
    write_view(settings, shared_graph(), seed=3)
    v = GraphView.open(settings)
    yield v
    v.close()


def test_sources_into_is_in_edges_order_on_the_view(view: GraphView) -> None:
    g = view.graph()
    want = {}
    for v in g:
        found = [u for u, _, d in g.in_edges(v, data=True)
                 if d.get("type") in ftm._USES and u.startswith("person:")]
        if found:
            want[v] = list(dict.fromkeys(found))
    with view.rows() as rows:
        assert rows.sources_into(ftm._USES, {"person"}) == want
    assert GraphRows(g).sources_into(ftm._USES, {"person"}) == want
    assert want["phone:+447700900123"] != sorted(want["phone:+447700900123"])  # it tells
    assert "phone:07911 123456" not in want  # the typeless uses-edge is not a user's


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "pseudonymised"])
def test_rows_write_what_the_graph_writes(view: GraphView, key: bytes | None,
                                          tmp_path: Path) -> None:
    with view.rows() as rows:
        [from_rows] = export_graph(rows, "ftm", tmp_path / "rows", handling=HANDLING,
                                   pseudonymise_key=key)
        assert (rows.nodes_read, rows.edges_read) == (shared_graph().number_of_nodes(),
                                                      shared_graph().number_of_edges())
    [from_graph] = export_graph(view.graph(), "ftm", tmp_path / "graph", handling=HANDLING,
                                pseudonymise_key=key)
    assert from_rows.read_bytes() == from_graph.read_bytes()
    text = from_rows.read_text(encoding="utf-8")
    assert '"schema": "Payment"' in text and '"schema": "Call"' in text
