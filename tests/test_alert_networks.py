"""One network, one live alert (issue 19): ``graph.alerts`` ``same_network``, ``resolve``
and ``AlertBook.consider_all``, as pure functions and state (no Kafka)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from linkwatch.graph.alerts import (
    PRECEDENCE,
    AlertBook,
    alert_id_for,
    resolve,
    same_network,
)
from linkwatch.graph.detectors.base import Finding

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _f(ftype: str, key: str, rids: range | list[int], ents: tuple[str, ...] = (),
       severity: str = "medium", title: str = "t") -> Finding:
    return Finding(type=ftype, key=f"{ftype}:{key}", severity=severity, score=0.5, title=title,
                   summary="s", reasons=("r",), report_ids=tuple(f"R{r}" for r in rids),
                   entities=ents, labels=ents)


def _all(book: AlertBook, f: Finding, hours: float) -> list:
    return book.consider_all(f, T0 + timedelta(hours=hours))


def test_same_network_is_shared_reports_of_the_smaller_set() -> None:
    assert same_network({"1", "2", "3"}, {"2", "3", "4", "5", "6"})
    assert not same_network({"1", "2", "3"}, {"3", "4", "5"})          # one shared report
    assert not same_network({"1", "2", "3", "4", "5"}, {"4", "5", "6", "7", "8", "9"})  # 2 < 2.5
    assert same_network({"1", "2", "3", "4"}, {"3", "4", "5", "6", "7", "8"})    # 2 of 4
    assert not same_network({"1", "2", "3", "4", "5"}, {"5", "6"})      # one shared
    assert not same_network(set(), {"1"})


def test_resolve_same_type_keeps_the_oldest() -> None:
    res = resolve("county_lines:p2", "county_lines",
                  [("county_lines:p1", "county_lines", (1,)),
                   ("repeat_victim:x", "repeat_victim", (0,))])
    assert res.carry == "county_lines:p1"
    assert res.absorb == ("county_lines:p2", "repeat_victim:x")


def test_resolve_a_higher_type_wins() -> None:
    res = resolve("mule_account:a", "mule_account", [("fraud_network:n", "fraud_network", (5,))])
    assert res.carry is None and res.winner == "fraud_network:n"
    res = resolve("cuckooing:h", "cuckooing", [("repeat_victim:v", "repeat_victim", (0,))])
    assert res.carry == "cuckooing:h" and res.absorb == ("repeat_victim:v",)
    # the finding's own live alert outranked: it is absorbed
    res = resolve("cyber_campaign:s", "cyber_campaign",
                  [("cyber_campaign:s", "cyber_campaign", (0,)),
                   ("fraud_campaign:e", "fraud_campaign", (3,))])
    assert res.carry is None and res.absorb == ("cyber_campaign:s",)


def test_precedence_puts_exploitation_first_and_one_identifier_last() -> None:
    assert PRECEDENCE[:3] == ("modern_slavery", "child_exploitation", "county_lines")
    assert PRECEDENCE.index("cuckooing") < PRECEDENCE.index("repeat_victim")
    assert PRECEDENCE.index("fraud_campaign") < PRECEDENCE.index("cyber_campaign")
    assert PRECEDENCE.index("fraud_network") < PRECEDENCE.index("mule_account")
    assert PRECEDENCE[-1] == "shared_identifier"


def test_a_runners_phone_joins_the_deal_lines_alert() -> None:
    book = AlertBook()
    line = _all(book, _f("county_lines", "phone:+447700900417", range(1, 6),
                         ("phone:+447700900417", "person:r1")), 0)
    assert [a.version for a in line] == [1]
    runner = _all(book, _f("county_lines", "phone:+447700900999", [2, 3],
                           ("phone:+447700900999", "person:r2")), 7)
    assert {a.alert_id for a in runner} <= {line[0].alert_id}
    assert runner and runner[0].version == 2
    assert "phone:+447700900999" in {e.entity_id for e in runner[0].entities}
    assert runner[0].report_ids == [f"R{i}" for i in range(1, 6)]
    # the runner's phone again, later: still the one alert
    again = _all(book, _f("county_lines", "phone:+447700900999", [2, 3, 6],
                          ("phone:+447700900999",)), 14)
    assert {a.alert_id for a in again} <= {line[0].alert_id}


def test_an_early_partial_alert_carries_on_when_the_crew_re_splits() -> None:
    """Louvain first finds 4 of a crew (C1), then splits it 3 + 3 (C1, C2): C2's
    alert would be a second one for the same crew; it joins C1's instead."""
    book = AlertBook()
    first = _all(book, _f("ocg", "C1", [1, 2], ("person:a", "person:b", "person:c",
                                                 "person:d")), 0)
    _all(book, _f("ocg", "C1", [1, 2, 3], ("person:a", "person:b", "person:c")), 8)
    second = _all(book, _f("ocg", "C2", [2, 3, 4], ("person:d", "person:e", "person:f")), 16)
    ids = {a.alert_id for a in first + second}
    assert ids == {first[0].alert_id}, ids
    assert {e.entity_id for e in second[-1].entities} >= {"person:a", "person:e"}


def test_the_younger_of_two_live_alerts_is_superseded_when_they_meet() -> None:
    book = AlertBook()
    a = _all(book, _f("ocg", "C1", [1, 2], ("person:a",)), 0)
    b = _all(book, _f("ocg", "C2", [3, 4], ("person:b",)), 1)
    assert a[0].alert_id != b[0].alert_id          # two crews so far
    out = _all(book, _f("ocg", "C2", [1, 2, 3, 4], ("person:b", "person:a")), 9)
    gone = [x for x in out if x.status == "superseded"]
    assert [x.alert_id for x in gone] == [b[0].alert_id]
    assert gone[0].superseded_by == a[0].alert_id and gone[0].version == 2
    live = [x for x in out if x.status == "live"]
    assert [x.alert_id for x in live] == [a[0].alert_id]


def test_one_set_of_reports_has_one_type() -> None:
    book = AlertBook()
    mule = _all(book, _f("mule_account", "account:1", range(1, 5)), 0)
    net = _all(book, _f("fraud_network", "account:1", range(1, 6)), 1)
    gone = [x for x in net if x.status == "superseded"]
    assert [x.alert_id for x in gone] == [mule[0].alert_id]
    assert gone[0].superseded_by == alert_id_for("fraud_network:account:1")
    assert [x.type for x in net if x.status == "live"] == ["fraud_network"]
    # the mule's later findings are not published: the network carries on
    assert _all(book, _f("mule_account", "account:1", range(1, 9)), 20) == []
    # a lower type after a higher one is never published
    book = AlertBook()
    _all(book, _f("cuckooing", "address:x", [1, 2, 3]), 0)
    assert _all(book, _f("repeat_victim", "person:v", [1, 2, 3]), 1) == []


def test_separate_networks_stay_separate_and_other_types_pass_through() -> None:
    book = AlertBook()
    a = _all(book, _f("county_lines", "phone:1", [1, 2, 3]), 0)
    b = _all(book, _f("county_lines", "phone:2", [3, 4, 5]), 0)
    assert a[0].alert_id != b[0].alert_id and b[0].status == "live"
    offender = _all(book, _f("managed_offender", "w1", [1, 2, 3]), 0)
    assert offender and offender[0].type == "managed_offender"


def test_the_merge_survives_a_snapshot() -> None:
    book = AlertBook()
    line = _all(book, _f("county_lines", "phone:1", range(1, 6), ("phone:1",)), 0)
    _all(book, _f("county_lines", "phone:2", [2, 3], ("phone:2",)), 7)
    again = AlertBook.from_dict(json.loads(json.dumps(book.to_dict())))
    later = _all(again, _f("county_lines", "phone:2", [2, 3, 6, 7], ("phone:2", "person:z")), 30)
    assert {a.alert_id for a in later} == {line[0].alert_id}
    later = _all(again, _f("county_lines", "phone:3", [6, 7], ("phone:3",)), 60)
    assert {a.alert_id for a in later} <= {line[0].alert_id}


def test_a_new_cluster_with_a_member_of_an_alerted_crew_joins_it() -> None:
    """After a re-split the second half's links may come from other reports only: a
    member already in the crew's alert ties it (MEMBER_JOIN), for OCG only."""
    book = AlertBook()
    first = _all(book, _f("ocg", "C1", [1, 2], ("person:a", "person:b", "person:c",
                                                 "person:d")), 0)
    half = _all(book, _f("ocg", "C2", [3, 4], ("person:d", "person:e", "person:f")), 9)
    assert {a.alert_id for a in half} == {first[0].alert_id}
    other = _all(book, _f("ocg", "C3", [5, 6], ("person:x", "person:y", "person:z")), 9)
    assert other[0].alert_id != first[0].alert_id
    # a county line sharing a person with another is not merged by the person alone
    book = AlertBook()
    a = _all(book, _f("county_lines", "phone:1", [1, 2], ("phone:1", "person:r")), 0)
    b = _all(book, _f("county_lines", "phone:2", [3, 4], ("phone:2", "person:r")), 0)
    assert a[0].alert_id != b[0].alert_id
