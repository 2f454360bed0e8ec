"""AlertBook: stable ids, material-change versions, cooldown in report time, snapshots."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from linkwatch.graph.alerts import AlertBook, alert_id_for
from linkwatch.graph.detectors.base import Finding

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _finding(n_reports: int = 3, entities: tuple[str, ...] = ("phone:+447700900001",
             "person:v0"), severity: str = "medium", hubs: tuple[str, ...] = ()) -> Finding:
    rids = tuple(f"F{i}" for i in range(n_reports))
    return Finding(
        type="shared_identifier", key="shared_identifier:phone:+447700900001",
        severity=severity, score=0.5, title="t", summary="s", reasons=("r",), report_ids=rids,
        entities=entities, links=(("report:F0", "phone:+447700900001", "mentions"),),
        labels=tuple(e.split(":", 1)[1] for e in entities), link_report_ids=(("F0",),),
        discounted_hubs=hubs)


def test_first_emission_shape() -> None:
    a = AlertBook(handling="OFFICIAL-SENSITIVE").consider(_finding(), T0)
    assert a is not None and a.version == 1
    assert a.alert_id == alert_id_for("shared_identifier:phone:+447700900001")
    assert a.alert_id.startswith("A") and len(a.alert_id) == 17
    assert a.entities[0].kind == "phone" and a.entities[0].label == "+447700900001"
    assert a.links[0].report_ids == ["F0"] and a.created_at == a.updated_at == T0


def test_same_evidence_twice_is_silent() -> None:
    book = AlertBook()
    assert book.consider(_finding(), T0)
    assert book.consider(_finding(), T0 + timedelta(days=1)) is None


def test_cooldown_then_new_member_gives_version_2() -> None:
    book = AlertBook(cooldown=timedelta(hours=6))
    book.consider(_finding(), T0)
    more = _finding(4, ("phone:+447700900001", "person:v0", "person:v9"))
    assert book.consider(more, T0 + timedelta(hours=1)) is None  # within cooldown
    a = book.consider(more, T0 + timedelta(hours=7))
    assert a is not None and a.version == 2 and a.created_at == T0
    assert a.updated_at == T0 + timedelta(hours=7)


def test_report_step() -> None:
    book = AlertBook(cooldown=timedelta(0), report_step=3)
    book.consider(_finding(3), T0)
    assert book.consider(_finding(5), T0 + timedelta(hours=1)) is None  # 5 < 3 + 3
    a = book.consider(_finding(6), T0 + timedelta(hours=2))            # 6 >= 3 + 3
    assert a is not None and a.version == 2


def test_severity_rise_bypasses_cooldown_but_fall_does_not_emit() -> None:
    book = AlertBook()
    book.consider(_finding(), T0)
    a = book.consider(_finding(severity="high"), T0 + timedelta(minutes=1))
    assert a is not None and a.version == 2
    assert book.consider(_finding(severity="low"), T0 + timedelta(minutes=2)) is None


def test_snapshot_round_trip_and_replay_determinism() -> None:
    def run(book: AlertBook) -> list[str]:
        out = []
        for i, (n, t) in enumerate([(3, 0), (4, 1), (6, 8), (9, 20)]):
            ents = ("phone:+447700900001", *(f"person:v{j}" for j in range(i + 1)))
            a = book.consider(_finding(n, ents), T0 + timedelta(hours=t))
            out.append(a.model_dump_json() if a else "-")
        return out
    first, second = run(AlertBook()), run(AlertBook())
    assert first == second, (first, second)
    book = AlertBook()
    book.consider(_finding(), T0)
    restored = AlertBook.from_dict(json.loads(json.dumps(book.to_dict())))
    assert restored.to_dict() == book.to_dict()
    assert restored.consider(_finding(), T0 + timedelta(days=1)) is None


def test_already_emitted_check_suppresses_but_advances() -> None:
    seen = {(alert_id_for("shared_identifier:phone:+447700900001"), 1)}
    book = AlertBook(already_emitted=lambda aid, v: (aid, v) in seen)
    assert book.consider(_finding(), T0) is None
    a = book.consider(_finding(severity="high"), T0 + timedelta(hours=1))
    assert a is not None and a.version == 2


def test_discounted_hubs_are_shown_in_reasons() -> None:
    a = AlertBook().consider(replace(_finding(), discounted_hubs=("phone:+443457404404",)), T0)
    assert a is not None and "phone:+443457404404" in a.reasons[-1], a
