"""Plain ``nodes.csv`` + ``edges.csv``: the shape a spreadsheet or pandas reads."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx

from ._common import Context, edge_records, iso, node_records, one_line, text

NODE_HEADER = ["id", "kind", "label", "first_seen", "last_seen", "report_ids", "handling",
               "attributes"]
EDGE_HEADER = ["source", "target", "type", "first_seen", "last_seen", "report_ids",
               "handling", "attributes"]


def write_csv(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    """``attributes`` holds the remaining attributes as a JSON object."""
    nodes_path, edges_path = out / "nodes.csv", out / "edges.csv"
    with nodes_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(NODE_HEADER)
        for rec in node_records(g, ctx.pseudo):
            w.writerow([rec.id, rec.kind, one_line(rec.label), iso(rec.first_seen),
                        iso(rec.last_seen), ";".join(rec.report_ids), ctx.handling,
                        _attrs(rec.extra)])
            ctx.progress.tick()
    with edges_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EDGE_HEADER)
        for rec in edge_records(g, ctx.pseudo):
            w.writerow([rec.source, rec.target, rec.kind, iso(rec.first_seen),
                        iso(rec.last_seen), ";".join(rec.report_ids), ctx.handling,
                        _attrs(rec.extra)])
            ctx.progress.tick()
    return [nodes_path, edges_path]


def _attrs(extra: dict[str, object]) -> str:
    return json.dumps({k: text(v) for k, v in sorted(extra.items())}, ensure_ascii=False) \
        if extra else ""
