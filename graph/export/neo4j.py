"""Neo4j: CSVs for ``neo4j-admin database import`` plus a LOAD CSV script for a live database.

One nodes file per kind (its extra columns differ), one relationships file.
Header fields follow the import tool's ``name:type`` form; arrays use ``;``
(the tool's default ``--array-delimiter``).  The Cypher is Neo4j 5's: ``CALL (row) {
...} IN TRANSACTIONS`` (the variable-scope clause), not the deprecated ``CALL { WITH row
... }``.  Every cell goes through ``_common.cell`` (spreadsheet formula injection), as in
every CSV this package writes; the files are UTF-8 without a BOM.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import networkx as nx

from ._common import (
    ARRAY_SEP,
    Context,
    Record,
    cells,
    edge_records,
    iso,
    node_records,
    one_line,
    write_private,
)

NODE_HEADER = ["id:ID", "kind", "label", "first_seen:datetime", "last_seen:datetime",
               "report_ids:string[]", ":LABEL", "handling"]
REL_HEADER = [":START_ID", ":END_ID", ":TYPE", "first_seen:datetime", "last_seen:datetime",
              "report_ids:string[]", "handling"]
# neo4j type of an extra column -> Cypher conversion in the LOAD CSV script
_CYPHER = {"datetime": "datetime({})", "date": "date({})", "long": "toInteger({})",
           "double": "toFloat({})", "boolean": "toBoolean({})",
           "string[]": "split({}, ';')", "string": "{}"}


def write_neo4j(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    # each node and edge made a record once: the columns need them all before the rows
    nodes, edges = list(node_records(g, ctx.pseudo)), list(edge_records(g, ctx.pseudo))
    node_cols = _columns((r.kind, r.extra) for r in nodes)
    rel_cols = _columns(("", r.extra) for r in edges).get("", {})
    files: dict[str, tuple[IO[str], Any]] = {}
    paths: list[Path] = []
    try:
        for rec in nodes:
            if rec.kind not in files:
                path = out / f"neo4j_nodes_{rec.kind}.csv"
                kind_fh = path.open("w", encoding="utf-8", newline="")
                files[rec.kind] = (kind_fh, csv.writer(kind_fh))
                files[rec.kind][1].writerow(NODE_HEADER + _header(node_cols[rec.kind]))
                paths.append(path)
            files[rec.kind][1].writerow(cells(
                [rec.id, rec.kind, one_line(rec.label), *_common(rec), f"Entity;{_label(rec.kind)}",
                 ctx.handling, *_extras(rec, node_cols[rec.kind])]))
            ctx.progress.tick()
    finally:
        for open_fh, _ in files.values():
            open_fh.close()
    rel_path = out / "neo4j_relationships.csv"
    with rel_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REL_HEADER + _header(rel_cols))
        for rec in edges:
            w.writerow(cells([rec.source, rec.target, _rel_type(rec.kind), *_common(rec),
                              ctx.handling, *_extras(rec, rel_cols)]))
            ctx.progress.tick()
    rel_types = sorted({_rel_type(rec.kind) for rec in edges})  # str(type or key)
    script = out / "neo4j_load.cypher"
    write_private(script, _cypher(paths, node_cols, rel_path, rel_cols, rel_types,
                                  ctx.handling))
    readme = out / "neo4j_README.md"
    write_private(readme, _readme(paths, rel_path, ctx.handling))
    return [*paths, rel_path, script, readme]


def _label(kind: str) -> str:
    return kind[:1].upper() + kind[1:]


def _rel_type(etype: str) -> str:
    return etype.upper()


def _common(rec: Record) -> list[str]:
    return [iso(rec.first_seen), iso(rec.last_seen), ARRAY_SEP.join(rec.report_ids)]


def _neo4j_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, set | frozenset | tuple | list):
        return "string[]"
    return "string"


def _columns(items: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, str]]:
    """kind -> {attribute: neo4j type}; a column with mixed types becomes ``string``."""
    cols: dict[str, dict[str, str]] = {}
    for kind, extra in items:
        known = cols.setdefault(kind, {})
        for key, value in extra.items():
            t = _neo4j_type(value)
            old = known.setdefault(key, t)
            if old != t:
                known[key] = "double" if {old, t} == {"long", "double"} else "string"
    return cols


def _header(cols: dict[str, str]) -> list[str]:
    return [name if t == "string" else f"{name}:{t}" for name, t in cols.items()]


def _extras(rec: Record, cols: dict[str, str]) -> list[str]:
    row = []
    for name, t in cols.items():
        value = rec.extra.get(name)
        if value is None:
            row.append("")
        elif t == "string[]":
            row.append(ARRAY_SEP.join(sorted(one_line(str(v)) for v in value)))
        elif t in ("datetime", "date"):
            row.append(value.isoformat())
        elif t == "boolean":
            row.append("true" if value else "false")
        else:
            row.append(one_line(str(value)))
    return row


def _set_clause(var: str, cols: dict[str, str]) -> str:
    sets = [f"{var}.{name} = " + _CYPHER[t].format(f"row.`{col}`")
            for (name, t), col in zip(cols.items(), _header(cols), strict=True)]
    return "".join(f", {s}" for s in sets)


def _cypher(node_paths: list[Path], node_cols: dict[str, dict[str, str]], rel_path: Path,
            rel_cols: dict[str, str], rel_types: list[str], handling: str) -> str:
    core = ("n.kind = row.kind, n.label = row.label, "
            "n.first_seen = datetime(row.`first_seen:datetime`), "
            "n.last_seen = datetime(row.`last_seen:datetime`), "
            "n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling")
    lines = [f"// linkwatch graph export. Handling: {handling}",
             "// Neo4j 5. Copy the CSV files into the server's import folder",
             "// (server.directories.import), then: cypher-shell -f neo4j_load.cypher",
             "// (in Neo4j Browser, prefix each CALL ... IN TRANSACTIONS statement with :auto)",
             "CREATE CONSTRAINT linkwatch_entity_id IF NOT EXISTS "
             "FOR (n:Entity) REQUIRE n.id IS UNIQUE;", ""]
    for path in node_paths:
        kind = path.stem.removeprefix("neo4j_nodes_")
        lines += [f"LOAD CSV WITH HEADERS FROM 'file:///{path.name}' AS row",
                  "CALL (row) {",
                  "  MERGE (n:Entity {id: row.`id:ID`})",
                  f"  SET n:{_label(kind)}, {core}{_set_clause('n', node_cols[kind])}",
                  "} IN TRANSACTIONS OF 1000 ROWS;", ""]
    rel_core = ("r.first_seen = datetime(row.`first_seen:datetime`), "
                "r.last_seen = datetime(row.`last_seen:datetime`), "
                "r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling")
    for rtype in rel_types:
        lines += [f"LOAD CSV WITH HEADERS FROM 'file:///{rel_path.name}' AS row",
                  f"WITH row WHERE row.`:TYPE` = '{rtype}'",
                  "CALL (row) {",
                  "  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})",
                  f"  MERGE (a)-[r:{rtype}]->(b)",
                  f"  SET {rel_core}{_set_clause('r', rel_cols)}",
                  "} IN TRANSACTIONS OF 1000 ROWS;", ""]
    return "\n".join(lines)


def _readme(node_paths: list[Path], rel_path: Path, handling: str) -> str:
    nodes = " \\\n  ".join(f"--nodes={p.name}" for p in node_paths)
    return f"""# linkwatch graph export for Neo4j 5

**Handling: {handling}.** Every node and relationship carries a `handling` property.

Every node has the label `Entity` plus one for its kind (`Person`, `Phone`, ...);
`id` holds the linkwatch node id. Relationship types are the link types in capitals
(`MENTIONS`, `USES_PHONE`, ...). Arrays (`report_ids`, `roles`, ...) use `;`.
The CSV files are UTF-8 without a byte-order mark. A text cell that would start with
`=`, `+`, `-`, `@`, a tab, a carriage return or `'` starts with an extra `'` (against
spreadsheet formula injection); strip one leading `'` to get the stored text back.

There are two ways in. Choose one.

## 1. A new, empty database: `neo4j-admin database import` (offline, fastest)

The import tool reads the files **where they are** (paths relative to the folder you run
it from); they do not go in the import folder. Stop the database first (on Community
Edition, `neo4j stop`), then, from this folder:

```
neo4j-admin database import full neo4j \\
  {nodes} \\
  --relationships={rel_path.name} \\
  --array-delimiter=';' --id-type=string --overwrite-destination
```

then `neo4j start`. The header row of each file names the columns the tool expects
(`id:ID`, `:LABEL`, `:START_ID`, `:END_ID`, `:TYPE`, `name:type`).
`neo4j_load.cypher` is not used on this path.

## 2. A running database: `LOAD CSV` (online, can be run again)

`LOAD CSV` reads `file:///` URLs from the server's **import folder**
(`server.directories.import`, by default `<neo4j home>/import`). Copy the CSV files
there, then run the script, which MERGEs nodes by `id`, so a newer export can be loaded
over an older one:

```
cypher-shell -u neo4j -f neo4j_load.cypher
```

The script uses Neo4j 5 syntax (`CALL (row) {{ ... }} IN TRANSACTIONS OF 1000 ROWS`);
in Neo4j Browser prefix each such statement with `:auto`.
"""
