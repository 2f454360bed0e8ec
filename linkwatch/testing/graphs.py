"""Synthetic link graphs for detector tests and benchmarks (no real data).

``Scenario`` feeds contract-shaped report dicts through ``LinkGraph.add_report``,
so tests exercise the same node ids and edges the pipeline builds::

    s = Scenario()
    touched = s.fraud("F1", victim="v1", sender="07700 900001")
    findings = detect_shared_identifier(s.sub(touched), touched, s.cfg())
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx

from linkwatch.graph.detectors.base import DetectorConfig
from linkwatch.graph.store import LinkGraph
from linkwatch.schemas import ReportAdapter

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Scenario:
    def __init__(self, start: datetime = START) -> None:
        self.lg = LinkGraph()
        self.start = start
        self.last: datetime = start

    def add(self, rid: str, kind: str, day: float = 0, harm: float | None = None,
            **fields: Any) -> set[str]:
        """Add one report ``day`` days after the start; return the touched node ids."""
        when = self.start + timedelta(days=day)
        self.last = max(self.last, when)
        report = ReportAdapter.validate_python(
            {"report_id": rid, "kind": kind, "reported_at": when.isoformat(), **fields})
        if harm is None:
            return self.lg.add_report(report)
        try:
            return self.lg.add_report(report, {"harm": harm})
        except TypeError:  # older store: harm as a keyword
            return self.lg.add_report(report, harm=harm)  # type: ignore[call-arg]

    def fraud(self, rid: str, victim: str | None, day: float = 0, *, sender: str | None = None,
              payee: str | None = None, fraud_type: str = "impersonation",
              victim_age: int | None = None, flags: tuple[str, ...] = (),
              extra: list[dict[str, Any]] | None = None, **fields: Any) -> set[str]:
        persons = [] if victim is None else [
            {"person_ref": "v", "role": "victim", "entity_id": victim, "name": f"Victim {victim}",
             "age": victim_age, "flags": list(flags)}]
        idents = []
        if sender:
            idents.append({"type": "phone", "value": sender, "role": "sender"})
        if payee:
            idents.append({"type": "bank_account", "value": payee, "role": "payee"})
        idents += extra or []
        return self.add(rid, "fraud", day, persons=persons, identifiers=idents,
                        fraud={"fraud_type": fraud_type}, **fields)

    def sub(self, touched: set[str], hops: int = 2) -> nx.MultiDiGraph:
        return self.lg.neighbourhood(touched, hops=hops)

    def cfg(self, **overrides: Any) -> DetectorConfig:
        return replace(DetectorConfig(now=self.last), **overrides)
