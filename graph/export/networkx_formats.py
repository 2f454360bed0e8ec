"""GraphML, GEXF and the two JSON shapes networkx reads back (node-link, Cytoscape).

GraphML and the JSON files are streamed row by row (``Rows``: a graph, or the link view's
tables without building one), byte for byte what networkx's writers give; GEXF is built
by networkx's writer, which holds the XML tree in memory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.readwrite.graphml import GraphMLWriter

from ._common import Context, Flat, Progress, Rows, json_encoder

_JSON = json_encoder()  # json.dumps(..., ensure_ascii=False)


def _node_attrs(rec: Flat) -> dict[str, Any]:
    attrs: dict[str, Any] = {"kind": rec.kind, "label": rec.label,
                             "first_seen": rec.first_seen, "last_seen": rec.last_seen,
                             "report_ids": rec.report_ids}
    attrs.update(rec.extra)
    return attrs


def _edge_attrs(rec: Flat) -> dict[str, Any]:
    attrs: dict[str, Any] = {"type": rec.kind, "first_seen": rec.first_seen,
                             "last_seen": rec.last_seen, "report_ids": rec.report_ids}
    attrs.update(rec.extra)
    return attrs


def _graph_attrs(ctx: Context) -> dict[str, Any]:
    return {"handling": ctx.handling, "name": f"linkwatch export [{ctx.handling}]"}


def flat_graph(rows: Rows, ctx: Context) -> nx.MultiDiGraph:
    """The graph with only strings and numbers in it: what XML writers can hold."""
    flat = nx.MultiDiGraph(**_graph_attrs(ctx))
    for rec in rows.nodes(ctx.pseudo):
        flat.add_node(rec.id, **_node_attrs(rec))
        ctx.progress.tick()
    for rec in rows.edges(ctx.pseudo):
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


# -- GraphML ------------------------------------------------------------------------------
# What networkx's lxml GraphML writer (``GraphMLWriterLxml``, pretty-printed, numeric types
# inferred) writes, without its tree of elements: lxml's escaping, and its refusal of text
# XML cannot hold.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_BAD_MESSAGE = ("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or "
                    "control characters")
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTR_SPECIAL = re.compile('[&<>"\n\r\t]')
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _xml_text(value: str) -> str:
    if _TEXT_SPECIAL.search(value) is not None:
        if _XML_BAD.search(value) is not None:
            raise ValueError(_XML_BAD_MESSAGE)
        return value.translate(_TEXT_ESCAPES)
    if value.isprintable() or _XML_BAD.search(value) is None:
        return value
    raise ValueError(_XML_BAD_MESSAGE)


def _xml_attr(value: str) -> str:
    if _ATTR_SPECIAL.search(value) is not None:
        if _XML_BAD.search(value) is not None:
            raise ValueError(_XML_BAD_MESSAGE)
        return value.translate(_ATTR_ESCAPES)
    if value.isprintable() or _XML_BAD.search(value) is None:
        return value
    raise ValueError(_XML_BAD_MESSAGE)


class _GraphMLKeys:
    """networkx's key bookkeeping: an id per (attribute, scope) in the order first met
    (``d0``, ``d1``...), its type the most general of the values' types."""

    def __init__(self) -> None:
        self.nx = GraphMLWriter(infer_numeric_types=True)  # its type rules, nothing else
        self.ids: dict[tuple[str, str], str] = {}
        self.types: dict[tuple[str, str], set[type]] = {}
        # per scope: attribute -> (its <data> start tag, the types of its values)
        self.tags: dict[str, dict[Any, tuple[str, set[type]]]] = {}

    def _tag(self, scope: str, k: Any, indent: str) -> tuple[str, set[type]]:
        name = str(k)
        key = self.ids.get((name, scope))
        if key is None:
            key = self.ids[(name, scope)] = f"d{len(self.ids)}"
            self.types[(name, scope)] = set()
        tag = self.tags.setdefault(scope, {})[k] = (f'{indent}<data key="{key}">',
                                                    self.types[(name, scope)])
        return tag

    def data(self, scope: str, attrs: dict[str, Any], indent: str) -> str:
        """The ``<data>`` elements of one node or edge (its values escaped as lxml does;
        the common row, with nothing to escape, is checked once)."""
        tags = self.tags.get(scope) or {}
        starts, texts = [], []
        for k, v in attrs.items():
            tag = tags.get(k) or self._tag(scope, k, indent)
            tag[1].add(type(v))
            starts.append(tag[0])
            texts.append(v if type(v) is str else str(v))
        joined = "".join(texts)
        if _TEXT_SPECIAL.search(joined) is not None or not joined.isprintable():
            texts = [_xml_text(t) for t in texts]
        return "".join([f"{start}{text}</data>\n"
                        for start, text in zip(starts, texts, strict=True)])

    def declarations(self) -> str:
        """The ``<key>`` elements, newest first (as networkx inserts them)."""
        lines = []
        for (name, scope), key in self.ids.items():
            self.nx.attribute_types[(name, scope)] = self.types[(name, scope)]
            xml_type = self.nx.get_xml_type(self.nx.attr_type(name, scope, None))
            lines.append(f'<key id="{key}" for="{scope}" attr.name="{_xml_attr(name)}" '
                         f'attr.type="{xml_type}"/>\n')
        return "".join(reversed(lines))


def _comment(text: str) -> str:
    from lxml import etree

    return str(etree.tostring(etree.Comment(text), encoding="unicode"))


def write_graphml(rows: Rows, out: Path, ctx: Context) -> list[Path]:
    """Streamed row by row; the attribute keys (declared first, their types from every
    value) are known at the end, so the body goes to a file of its own first.  The
    marking is the graph's ``handling`` attribute and a comment."""
    path, body_path = out / "graph.graphml", out / ".graph.graphml.body"
    try:
        return _stream_graphml(rows, path, body_path, ctx)
    except _SameEdge:  # networkx would merge them: its writer, on the graph it makes
        quiet = Context(ctx.handling, ctx.pseudo, Progress(None))  # rows already counted
        return _graphml_by_networkx(rows, path, quiet)


class _SameEdge(Exception):
    """Two edges with the same ends and type (their keys differ, not their ``type``s)."""


def _graphml_by_networkx(rows: Rows, path: Path, ctx: Context) -> list[Path]:
    from lxml import etree
    from networkx.readwrite.graphml import GraphMLWriterLxml

    flat = flat_graph(rows, ctx)
    writer = GraphMLWriterLxml(str(path), encoding="utf-8", infer_numeric_types=True)
    writer._xml.write(etree.Comment(f" Handling: {ctx.handling} "))  # noqa: SLF001
    writer.add_graph_element(flat)
    writer.dump()
    return [path]


def _stream_graphml(rows: Rows, path: Path, body_path: Path, ctx: Context) -> list[Path]:
    keys = _GraphMLKeys()
    graph_data = keys.data("graph", _graph_attrs(ctx), "")
    tick = ctx.progress.tick
    try:
        with body_path.open("w", encoding="utf-8") as body:
            write = body.write
            for rec in rows.nodes(ctx.pseudo):
                data = keys.data("node", _node_attrs(rec), "  ")
                write(f'<node id="{_xml_attr(rec.id)}">\n{data}</node>\n' if data
                      else f'<node id="{_xml_attr(rec.id)}"/>\n')
                tick()
            seen: set[tuple[str, str, str]] = set()
            for rec in rows.edges(ctx.pseudo):
                ends = (rec.source, rec.target, rec.kind)
                if ends in seen:
                    raise _SameEdge
                seen.add(ends)
                data = keys.data("edge", _edge_attrs(rec), "  ")
                start = (f'<edge source="{_xml_attr(rec.source)}" '
                         f'target="{_xml_attr(rec.target)}" id="{_xml_attr(rec.kind)}"')
                write(f"{start}>\n{data}</edge>\n" if data else f"{start}/>\n")
                tick()
        with path.open("w", encoding="utf-8") as fh, body_path.open(encoding="utf-8") as body:
            fh.write("<?xml version='1.0' encoding='utf-8'?>\n"
                     f'<graphml xmlns="{GraphMLWriter.NS_GRAPHML}" '
                     f'xmlns:xsi="{GraphMLWriter.NS_XSI}" '
                     f'xsi:schemaLocation="{GraphMLWriter.SCHEMALOCATION}">'
                     f"{_comment(f' Handling: {ctx.handling} ')}{keys.declarations()}"
                     f'<graph edgedefault="directed">{graph_data}')
            shutil.copyfileobj(body, fh, 1 << 20)
            fh.write("</graph></graphml>")
    finally:
        if body_path.exists():
            os.unlink(body_path)
    return [path]


def write_gexf(rows: Rows, out: Path, ctx: Context) -> list[Path]:
    """GEXF keeps ``type`` for directed/undirected, so the link type is ``link_type``
    (and the edge label); the marking is the graph name and every element's ``handling``."""
    flat = flat_graph(rows, ctx)
    for _, data in flat.nodes(data=True):
        data["handling"] = ctx.handling
    for _, _, data in flat.edges(data=True):
        data["link_type"] = data.pop("type")
        data["label"] = data["link_type"]
        data["handling"] = ctx.handling
    path = out / "graph.gexf"
    _write_marked(nx.generate_gexf(flat), path, ctx.handling)
    return [path]


def write_json(rows: Rows, out: Path, ctx: Context) -> list[Path]:
    """``graph.node-link.json`` (``nx.node_link_graph(data, edges="edges")``) and
    ``graph.cytoscape.json`` (``nx.cytoscape_graph``), written element by element."""
    graph_attrs = _graph_attrs(ctx)
    node_link, cyto = out / "graph.node-link.json", out / "graph.cytoscape.json"
    encode, tick = _JSON, ctx.progress.tick
    with node_link.open("w", encoding="utf-8") as nl, cyto.open("w", encoding="utf-8") as cy:
        nl.write('{"directed": true, "multigraph": true, "graph": '
                 f"{json.dumps(graph_attrs)},\n\"nodes\": [\n")
        cy.write(f'{{"data": {json.dumps(graph_attrs)}, "directed": true, "multigraph": true,'
                 '\n"elements": {"nodes": [\n')
        sep = ""
        for rec in rows.nodes(ctx.pseudo):
            attrs = _node_attrs(rec)
            attrs["id"] = rec.id
            line = encode(attrs)  # {**attrs, "id": id}
            nl.write(sep + line)
            if "value" in attrs or "name" in attrs:  # an attribute of that name: in its place
                cy.write(sep + encode({"data": {**attrs, "value": rec.id, "name": rec.id}}))
            else:  # {"data": {**attrs, "id": id, "value": id, "name": id}}
                quoted = encode(rec.id)
                cy.write(f'{sep}{{"data": {line[:-1]}, "value": {quoted}, "name": {quoted}}}}}')
            sep = ",\n"
            tick()
        nl.write('\n],\n"edges": [\n')
        cy.write('\n],\n"edges": [\n')
        sep = ""
        for rec in rows.edges(ctx.pseudo):
            attrs = _edge_attrs(rec)
            attrs.update(source=rec.source, target=rec.target, key=rec.kind)
            line = encode(attrs)
            nl.write(sep + line)
            cy.write(f'{sep}{{"data": {line}}}')
            sep = ",\n"
            tick()
        nl.write("\n]}\n")
        cy.write("\n]}}\n")
    return [node_link, cyto]

