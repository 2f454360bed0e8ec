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
from pathlib import Path

from ._common import BUFFER, Context, Rows, Scalar, cell, cells, json_encoder, one_line

NODE_HEADER = ["Id", "Label", "kind", "first_seen", "last_seen", "report_ids", "handling",
               "attributes"]
EDGE_HEADER = ["Source", "Target", "Type", "Label", "Weight", "relation", "first_seen",
               "last_seen", "report_ids", "handling", "attributes"]
DIRECTED = "Directed"
_SORTED_JSON = json_encoder(sort_keys=True)


def write_csv(rows: Rows, out: Path, ctx: Context) -> list[Path]:
    """``attributes`` holds the remaining attributes as a JSON object.  UTF-8 without a
    BOM (pandas, Gephi and csv readers take it as it is)."""
    nodes_path, edges_path = out / "nodes.csv", out / "edges.csv"
    handling, tick = cell(ctx.handling), ctx.progress.tick
    with nodes_path.open("w", encoding="utf-8", newline="", buffering=BUFFER) as fh:
        w = csv.writer(fh)
        w.writerow(NODE_HEADER)
        for rec in rows.nodes(ctx.pseudo):
            row = cells([rec.id, one_line(rec.label), rec.kind, rec.first_seen,
                         rec.last_seen, rec.report_ids])
            row += (handling, _attrs(rec.extra))  # "{...}" or "": no formula
            w.writerow(row)
            tick()
    with edges_path.open("w", encoding="utf-8", newline="", buffering=BUFFER) as fh:
        w = csv.writer(fh)
        w.writerow(EDGE_HEADER)
        for rec in rows.edges(ctx.pseudo):
            kind = cell(rec.kind)
            row = cells([rec.source, rec.target])
            row += (DIRECTED, kind, max(rec.reports, 1), kind)
            row += cells([rec.first_seen, rec.last_seen, rec.report_ids])
            row += (handling, _attrs(rec.extra))
            w.writerow(row)
            tick()
    return [nodes_path, edges_path]


def _attrs(extra: dict[str, Scalar]) -> str:
    """``json.dumps`` of ``extra`` by key, as Python writes it (``", "``, ``": "``)."""
    return _SORTED_JSON(extra) if extra else ""
