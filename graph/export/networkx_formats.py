"""GraphML, GEXF and the two JSON shapes networkx reads back (node-link, Cytoscape).

GraphML and GEXF are built by networkx's writers, which hold the XML tree in
memory; the JSON files are streamed one element per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import networkx as nx
from networkx.readwrite.graphml import GraphMLWriter

from ._common import Context, Record, edge_records, iso, node_records, text


def _node_attrs(rec: Record) -> dict[str, Any]:
    attrs: dict[str, Any] = {"kind": rec.kind, "label": rec.label,
                             "first_seen": iso(rec.first_seen), "last_seen": iso(rec.last_seen),
                             "report_ids": ";".join(rec.report_ids)}
    attrs.update({k: text(v) for k, v in rec.extra.items()})
    return attrs


def _edge_attrs(rec: Record) -> dict[str, Any]:
    attrs: dict[str, Any] = {"type": rec.kind, "first_seen": iso(rec.first_seen),
                             "last_seen": iso(rec.last_seen),
                             "report_ids": ";".join(rec.report_ids)}
    attrs.update({k: text(v) for k, v in rec.extra.items()})
    return attrs


def flat_graph(g: nx.MultiDiGraph, ctx: Context) -> nx.MultiDiGraph:
    """The graph with only strings and numbers in it: what XML writers can hold."""
    flat = nx.MultiDiGraph(handling=ctx.handling, name=f"linkwatch export [{ctx.handling}]")
    for rec in node_records(g, ctx.pseudo):
        flat.add_node(rec.id, **_node_attrs(rec))
        ctx.progress.tick()
    for rec in edge_records(g, ctx.pseudo):
        flat.add_edge(rec.source, rec.target, key=rec.kind, **_edge_attrs(rec))
        ctx.progress.tick()
    return flat


def _write_marked(lines: Iterator[str], path: Path, handling: str) -> None:
    """XML lines with the handling marking as a comment right after the declaration."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"<?xml version='1.0' encoding='utf-8'?>\n<!-- Handling: {handling} -->\n")
        for line in lines:
            if not line.startswith("<?xml"):
                fh.write(line + "\n")


def write_graphml(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    """Streamed element by element to disk through lxml's incremental writer (the
    marking is the graph's ``handling`` attribute); without lxml, built in memory."""
    path = out / "graph.graphml"
    flat = flat_graph(g, ctx)
    try:
        from networkx.readwrite.graphml import GraphMLWriterLxml
    except ImportError:  # pragma: no cover - lxml is a dependency
        GraphMLWriterLxml = None  # noqa: N806
    if GraphMLWriterLxml is not None:
        from lxml import etree

        writer = GraphMLWriterLxml(str(path), encoding="utf-8", infer_numeric_types=True)
        writer._xml.write(etree.Comment(f" Handling: {ctx.handling} "))  # noqa: SLF001
        writer.add_graph_element(flat)
        writer.dump()
        return [path]
    writer = GraphMLWriter(encoding="utf-8", infer_numeric_types=True)
    writer.add_graph_element(flat)
    _write_marked(iter(str(writer).splitlines()), path, ctx.handling)
    return [path]


def write_gexf(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    """GEXF keeps ``type`` for directed/undirected, so the link type is ``link_type``
    (and the edge label); the marking is the graph name and every element's ``handling``."""
    flat = flat_graph(g, ctx)
    for _, data in flat.nodes(data=True):
        data["handling"] = ctx.handling
    for _, _, data in flat.edges(data=True):
        data["link_type"] = data.pop("type")
        data["label"] = data["link_type"]
        data["handling"] = ctx.handling
    path = out / "graph.gexf"
    _write_marked(nx.generate_gexf(flat), path, ctx.handling)
    return [path]


def write_json(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    """``graph.node-link.json`` (``nx.node_link_graph(data, edges="edges")``) and
    ``graph.cytoscape.json`` (``nx.cytoscape_graph``), written element by element."""
    graph_attrs = {"handling": ctx.handling, "name": f"linkwatch export [{ctx.handling}]"}
    node_link, cyto = out / "graph.node-link.json", out / "graph.cytoscape.json"
    with node_link.open("w", encoding="utf-8") as nl, cyto.open("w", encoding="utf-8") as cy:
        nl.write('{"directed": true, "multigraph": true, "graph": '
                 f"{json.dumps(graph_attrs)},\n\"nodes\": [\n")
        cy.write(f'{{"data": {json.dumps(graph_attrs)}, "directed": true, "multigraph": true,'
                 '\n"elements": {"nodes": [\n')
        sep = ""
        for rec in node_records(g, ctx.pseudo):
            attrs = _node_attrs(rec)
            _line(nl, sep, {**attrs, "id": rec.id})
            _line(cy, sep, {"data": {**attrs, "id": rec.id, "value": rec.id, "name": rec.id}})
            sep = ",\n"
            ctx.progress.tick()
        nl.write('\n],\n"edges": [\n')
        cy.write('\n],\n"edges": [\n')
        sep = ""
        for rec in edge_records(g, ctx.pseudo):
            ends = {"source": rec.source, "target": rec.target, "key": rec.kind}
            attrs = _edge_attrs(rec)
            _line(nl, sep, {**attrs, **ends})
            _line(cy, sep, {"data": {**attrs, **ends}})
            sep = ",\n"
            ctx.progress.tick()
        nl.write("\n]}\n")
        cy.write("\n]}}\n")
    return [node_link, cyto]


def _line(fh: TextIO, sep: str, obj: dict[str, Any]) -> None:
    fh.write(sep)
    fh.write(json.dumps(obj, ensure_ascii=False))
