"""Plain ``nodes.csv`` + ``edges.csv``: the shape a spreadsheet, pandas or Gephi reads.

The columns Gephi's spreadsheet importer recognises come first, under the names it
expects: nodes ``Id``, ``Label``; edges ``Source``, ``Target``, ``Type`` (always
``Directed``: Gephi's own meaning of the word), ``Label`` and ``Weight`` (the number of
reports behind the link).  The link's relation (``paid_to``, ``mentions``...) is the
``relation`` column, never ``type``, which Gephi would take for its edge direction.
Every cell goes through ``_common.cell`` (spreadsheet formula injection).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx

from ._common import Context, cells, edge_records, iso, node_records, one_line, text

NODE_HEADER = ["Id", "Label", "kind", "first_seen", "last_seen", "report_ids", "handling",
               "attributes"]
EDGE_HEADER = ["Source", "Target", "Type", "Label", "Weight", "relation", "first_seen",
               "last_seen", "report_ids", "handling", "attributes"]
DIRECTED = "Directed"


def write_csv(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    """``attributes`` holds the remaining attributes as a JSON object.  UTF-8 without a
    BOM (pandas, Gephi and csv readers take it as it is)."""
    nodes_path, edges_path = out / "nodes.csv", out / "edges.csv"
    with nodes_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(NODE_HEADER)
        for rec in node_records(g, ctx.pseudo):
            w.writerow(cells([rec.id, one_line(rec.label), rec.kind, iso(rec.first_seen),
                              iso(rec.last_seen), ";".join(rec.report_ids), ctx.handling,
                              _attrs(rec.extra)]))
            ctx.progress.tick()
    with edges_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EDGE_HEADER)
        for rec in edge_records(g, ctx.pseudo):
            w.writerow(cells([rec.source, rec.target, DIRECTED, rec.kind,
                              max(len(rec.report_ids), 1), rec.kind, iso(rec.first_seen),
                              iso(rec.last_seen), ";".join(rec.report_ids), ctx.handling,
                              _attrs(rec.extra)]))
            ctx.progress.tick()
    return [nodes_path, edges_path]


def _attrs(extra: dict[str, object]) -> str:
    return json.dumps({k: text(v) for k, v in sorted(extra.items())}, ensure_ascii=False) \
        if extra else ""
