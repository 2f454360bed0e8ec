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
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

from ._common import (
    ARRAY_SEP,
    BUFFER,
    Context,
    Flat,
    Pseudonymiser,
    Record,
    Rows,
    cells,
    flat,
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
# the neo4j type of a value the view stores with a codec kind (``Flat.types``)
_OF_KIND = {"d": "datetime", "D": "date", "s": "string[]", "t": "string[]"}
# types whose cells a ``string`` column writes otherwise (``str(value)``: ``True``, a
# datetime with a space, a set or tuple as Python shows it)
_RETYPED = frozenset({"boolean", "datetime", "string[]"})


def write_neo4j(rows: Rows, out: Path, ctx: Context) -> list[Path]:
    """Written as the rows are read: a header names each column's type, which only all
    of the column's values decide, so each file's rows go to a part file first
    (``_Table``) and the header is written before them once all are read."""
    nodes: dict[str, _Table] = {}
    rels = _Table(out / "neo4j_relationships.csv", REL_HEADER)
    rel_types: set[str] = set()
    try:
        for rec in rows.nodes(ctx.pseudo):
            table = nodes.get(rec.kind)
            if table is None:
                table = nodes[rec.kind] = _Table(out / f"neo4j_nodes_{rec.kind}.csv",
                                                 NODE_HEADER)
            table.add(_node_core(rec, ctx.handling), rec)
            ctx.progress.tick()
        for rec in rows.edges(ctx.pseudo):
            rels.add(_rel_core(rec, ctx.handling), rec)
            rel_types.add(_rel_type(rec.kind))  # str(type or key)
            ctx.progress.tick()
        for kind, table in nodes.items():
            table.finish(partial(_again, _node_core, rows.node_records, ctx, {kind}))
        rels.finish(partial(_again, _rel_core, rows.edge_records, ctx, None))
    finally:
        for table in (*nodes.values(), rels):
            table.close()
    paths = [t.path for t in nodes.values()]
    node_cols = {kind: t.cols for kind, t in nodes.items()}
    script = out / "neo4j_load.cypher"
    write_private(script, _cypher(paths, node_cols, rels.path, rels.cols, sorted(rel_types),
                                  ctx.handling))
    readme = out / "neo4j_README.md"
    write_private(readme, _readme(paths, rels.path, ctx.handling))
    return [*paths, rels.path, script, readme]


_Core = tuple[list[Any], Flat]


def _node_core(rec: Flat, handling: str) -> _Core:
    return [rec.id, rec.kind, one_line(rec.label), rec.first_seen, rec.last_seen,
            rec.report_ids, f"Entity;{_label(rec.kind)}", handling], rec


def _rel_core(rec: Flat, handling: str) -> _Core:
    return [rec.source, rec.target, _rel_type(rec.kind), rec.first_seen, rec.last_seen,
            rec.report_ids, handling], rec


def _again(core: Callable[[Flat, str], _Core],
           records: Callable[[Pseudonymiser, Any], Iterator[Record]], ctx: Context,
           which: Any) -> Iterator[_Core]:
    """The rows of one file again, typed: ``records(pseudo, which)``."""
    for rec in records(ctx.pseudo, which):
        yield core(flat(rec), ctx.handling)


class _Table:
    """One CSV file whose extra columns, and their types, all its rows decide.  Rows are
    written to part files as they come, each value in its own type, with the columns
    known so far: a column first met is added after those, and a new part file begun, so
    the rows of a part lack only the same trailing cells.  ``finish`` writes the header,
    then each part: the last as it is, the others each row given its missing cells; or,
    should a column have ended ``string`` after holding a flag, a datetime or a set
    (whose cells a text column writes otherwise), every row again from its typed record
    (rare: a column of mixed types)."""

    def __init__(self, path: Path, core: list[str]) -> None:
        self.path, self.core = path, core
        self.cols: dict[str, str] = {}
        self._seen: dict[str, set[str]] = {}  # the types a column's values had
        self._parts: list[tuple[Path, int]] = []  # each part file, its rows' extra cells
        self._width = -1
        self._fh: IO[str] | None = None
        self._writer: Any = None

    def add(self, core: _Core, rec: Flat) -> None:
        cols, row = self.cols, core[0]
        if rec.extra:
            values = {}
            for name, t, value in _typed(rec):
                old = cols.get(name)
                if old != t:
                    if old is None:
                        self._seen[name] = {t}
                        cols[name] = t
                    else:  # a column with mixed types: text, or double if both numbers
                        self._seen[name].add(t)
                        cols[name] = "double" if {old, t} <= {"long", "double"} else "string"
                values[name] = value
            row += [values.get(n, "") for n in cols]
        elif cols:
            row += [""] * len(cols)
        if self._width != len(cols):
            self._part(len(cols))
        self._writer.writerow(cells(row))

    def _part(self, width: int) -> None:
        self.close()
        part = self.path.with_name(f".{self.path.name}.{len(self._parts)}.part")
        self._parts.append((part, width))
        self._width = width
        self._fh = part.open("w", encoding="utf-8", newline="", buffering=BUFFER)
        self._writer = csv.writer(self._fh)

    def finish(self, again: Callable[[], Iterable[_Core]]) -> None:
        """The file, its header first; ``again()``: its rows anew (typed records)."""
        self.close()
        width = len(self.cols)
        retyped = any(t == "string" and self._seen[name] & _RETYPED
                      for name, t in self.cols.items())
        with self.path.open("w", encoding="utf-8", newline="", buffering=BUFFER) as fh:
            w = csv.writer(fh)
            w.writerow(self.core + _header(self.cols))
            if retyped:
                for core, rec in again():
                    assert rec.record is not None
                    w.writerow(cells([*core, *_extras(rec.record.extra, self.cols)]))
            else:
                for part, cells_of in self._parts:
                    _copy(part, fh, width - cells_of)
        for part, _ in self._parts:
            os.remove(part)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _copy(part: Path, fh: Any, missing: int) -> None:
    """A part file's rows onto ``fh``: as they are (bytes), or each given ``missing``
    trailing empty cells."""
    if not missing:
        fh.flush()
        with part.open("rb") as src:
            shutil.copyfileobj(src, fh.buffer, BUFFER)
        return
    w, pad = csv.writer(fh), [""] * missing
    with part.open(encoding="utf-8", newline="") as src:
        for row in csv.reader(src):
            w.writerow(row + pad)


def _label(kind: str) -> str:
    return kind[:1].upper() + kind[1:]


def _rel_type(etype: str) -> str:
    return etype.upper()


def _typed(rec: Flat) -> list[tuple[str, str, str]]:
    """Each extra attribute of ``rec``: its name, neo4j type and cell in that type."""
    out = []
    if rec.record is not None:
        for name, value in rec.record.extra.items():
            t = _neo4j_type(value)
            out.append((name, t, _cell(value, t)))
        return out
    kinds = rec.types
    for name, value in rec.extra.items():
        kind = kinds.get(name) if kinds else None
        if kind is not None:  # ISO 8601 text, or the members sorted and joined (``Flat``)
            out.append((name, _OF_KIND[kind], str(value)))
        elif value.__class__ is str:  # the JSON scalars, the commonest first
            out.append((name, "string", one_line(value)))  # type: ignore[arg-type]
        else:
            t = _neo4j_type(value)
            out.append((name, t, _cell(value, t)))
    return out


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


def _header(cols: dict[str, str]) -> list[str]:
    return [name if t == "string" else f"{name}:{t}" for name, t in cols.items()]


def _extras(extra: dict[str, Any], cols: dict[str, str]) -> list[str]:
    return [_cell(value, t) if (value := extra.get(name)) is not None else ""
            for name, t in cols.items()]


def _cell(value: Any, t: str) -> str:
    """``value`` in a column of type ``t``."""
    if t == "string[]":
        return ARRAY_SEP.join(sorted(one_line(str(v)) for v in value))
    if t in ("datetime", "date"):
        return str(value.isoformat())
    if t == "boolean":
        return "true" if value else "false"
    return one_line(str(value))


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
