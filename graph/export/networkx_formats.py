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
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - escaping our own XML, not parsing

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter
from networkx.readwrite.graphml import GraphMLWriter

from ._common import BUFFER, Context, Flat, Progress, Rows, json_encoder

_GEXF = GEXFWriter(version="1.2draft")  # its namespaces and version, nothing else
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


def _escaped(value: str, special: re.Pattern[str], escapes: dict[int, str]) -> str:
    """``value`` escaped for XML as networkx's writer does; a character XML cannot hold
    raises ``ValueError`` (as lxml does)."""
    if special.search(value) is not None:
        if _XML_BAD.search(value) is not None:
            raise ValueError(_XML_BAD_MESSAGE)
        return value.translate(escapes)
    if value.isprintable() or _XML_BAD.search(value) is None:
        return value
    raise ValueError(_XML_BAD_MESSAGE)


def _xml_text(value: str) -> str:
    return _escaped(value, _TEXT_SPECIAL, _TEXT_ESCAPES)


def _xml_attr(value: str) -> str:
    return _escaped(value, _ATTR_SPECIAL, _ATTR_ESCAPES)


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
        with body_path.open("w", encoding="utf-8", buffering=BUFFER) as body:
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
        with path.open("w", encoding="utf-8", buffering=BUFFER) as fh, \
                body_path.open(encoding="utf-8") as body:
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
    (and the edge label); the marking is the graph name and every element's ``handling``.
    Streamed row by row, byte for byte what ``nx.generate_gexf`` gives for the graph of
    those rows; a graph that uses GEXF's own attributes (``start``, ``viz``, a numeric edge
    ``id``...) is written by networkx itself."""
    path, body_path = out / "graph.gexf", out / ".graph.gexf.body"
    try:
        return _stream_gexf(rows, path, body_path, ctx)
    except _NotPlain:
        quiet = Context(ctx.handling, ctx.pseudo, Progress(None))  # rows already counted
        return _gexf_by_networkx(rows, path, quiet)
    finally:
        if body_path.exists():
            os.unlink(body_path)


def _gexf_by_networkx(rows: Rows, path: Path, ctx: Context) -> list[Path]:
    flat = flat_graph(rows, ctx)
    for _, data in flat.nodes(data=True):
        data["handling"] = ctx.handling
    for _, _, data in flat.edges(data=True):
        data["link_type"] = data.pop("type")
        data["label"] = data["link_type"]
        data["handling"] = ctx.handling
    _write_marked(nx.generate_gexf(flat), path, ctx.handling)
    return [path]


class _NotPlain(Exception):
    """A row the streamed GEXF does not write as networkx would: networkx writes it all."""


# what networkx's GEXF writer does with these attributes is not a plain attvalue
_GEXF_NODE_OWN = frozenset({"pid", "start", "end", "parents", "spells", "viz"})
_GEXF_EDGE_OWN = frozenset({"start", "end", "spells", "viz"})
_GEXF_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}
_ET_ATTR_SPECIAL = re.compile('[&<>"\r\n\t]')
# str.splitlines() would break a line at these (generate_gexf's lines are split so)
_LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e]")
_FLOATS = {"inf": "INF", "nan": "NaN", "-inf": "-INF"}
_GEXF_SPECIAL = re.compile('[&<>"\r\n\t\x0b\x0c\x1c\x1d\x1e]')
_NODE_XML = ["id", "label"]
_EDGE_XML = ["source", "target", "id", "label", "weight"]


def _ascii(text: str) -> str:
    """As ElementTree's ``tostring`` (US-ASCII) writes text: other characters as
    character references."""
    if text.isascii():
        return text
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


class _GexfAttributes:
    """networkx's GEXF attribute ids: one counter over nodes, then edges, an id per title
    and class the first time it is met, its type that of the first value."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[str, tuple[str, str]]] = {"node": {}, "edge": {}}
        self.templates: dict[str, dict[tuple[Any, ...], str]] = {"node": {}, "edge": {}}
        self.count = 0

    def _id(self, scope: str, k: Any, v: Any) -> str:
        title = str("networkx_key" if k == "key" else k)
        entry = self.ids[scope].get(title)
        if entry is None:
            if type(v) not in _GEXF_TYPES:
                raise _NotPlain
            entry = self.ids[scope][title] = (str(self.count), _GEXF_TYPES[type(v)])
            self.count += 1
        return entry[0]

    def values(self, scope: str, data: dict[Any, Any]) -> tuple[str, list[str]]:
        """The attvalues of one node or edge: a template of them (rows with the same
        attributes share one) and the value texts (not escaped yet)."""
        names = tuple(data)
        template = self.templates[scope].get(names)
        if template is None:
            template = self.templates[scope][names] = "".join(
                [f'          <attvalue for="{self._id(scope, k, v)}" value="{{}}" />\n'
                 for k, v in data.items()])
        return template, [v if type(v) is str else _gexf_text(v) for v in data.values()]

    def declarations(self, scope: str) -> str:
        ids = self.ids[scope]
        if not ids:
            return ""
        lines = [f'    <attributes mode="static" class="{scope}">\n']
        lines += [f'      <attribute id="{attr}" title="{_et_attr(title)}" type="{kind}" />\n'
                  for title, (attr, kind) in ids.items()]
        lines.append("    </attributes>\n")
        return "".join(lines)


def _gexf_text(v: Any) -> str:
    """A value as networkx's GEXF writer puts it (``str``; booleans lower case, infinite
    floats as GEXF spells them)."""
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        text = str(v)
        return _FLOATS.get(text, text)
    raise _NotPlain  # networkx refuses it, or writes a list of spells


def _et_attr(text: str) -> str:
    if _ET_ATTR_SPECIAL.search(text) is not None:
        # ElementTree's own rules
        return str(ET._escape_attrib(text))  # type: ignore[attr-defined]  # noqa: SLF001
    return text


def _gexf_element(tag: str, names: list[str], values: list[str], template: str,
                  texts: list[str]) -> str:
    """``<node>`` or ``<edge>`` (its XML attributes ``names`` = ``values``) with its
    attvalues, as ElementTree writes it pretty-printed in US-ASCII."""
    joined = "".join(values) + "".join(texts)
    if _GEXF_SPECIAL.search(joined) is not None:
        if _LINE_BREAKS.search(joined) is not None:
            raise _NotPlain  # generate_gexf's str.splitlines() breaks the line there
        values = [_et_attr(v) for v in values]
        texts = [_et_attr(t) for t in texts]
    start = " ".join([f'{n}="{v}"' for n, v in zip(names[:len(values)], values, strict=True)])
    if not template:
        element = f"      <{tag} {start} />\n"
    else:
        element = (f"      <{tag} {start}>\n        <attvalues>\n{template.format(*texts)}"
                   f"        </attvalues>\n      </{tag}>\n")
    if joined.isascii():
        return element
    return element.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _stream_gexf(rows: Rows, path: Path, body_path: Path, ctx: Context) -> list[Path]:
    attrs = _GexfAttributes()
    today = time.strftime("%Y-%m-%d")  # networkx: the day its writer is made
    tick = ctx.progress.tick
    gexf_ids: dict[str, str] = {}  # node -> its "id" attribute, which GEXF takes as its id
    nodes = edges = 0
    with body_path.open("w", encoding="utf-8", buffering=BUFFER) as body:
        write = body.write
        write("    <nodes>\n")
        for rec in rows.nodes(ctx.pseudo):
            data = _node_attrs(rec)
            data["handling"] = ctx.handling
            if rec.id in gexf_ids or not _GEXF_NODE_OWN.isdisjoint(data):
                raise _NotPlain  # one node twice (networkx merges), or GEXF's own attribute
            node_id = str(data.pop("id", rec.id))
            gexf_ids[rec.id] = node_id
            label = str(data.pop("label", rec.id))
            write(_gexf_element("node", _NODE_XML, [node_id, label],
                                *attrs.values("node", data)))
            nodes += 1
            tick()
        write("    </nodes>\n    <edges>\n")
        seen: set[tuple[str, str, str]] = set()
        edge_id = 0
        for rec in rows.edges(ctx.pseudo):
            ends = (rec.source, rec.target, rec.kind)
            data = _edge_attrs(rec)
            if ends in seen or not _GEXF_EDGE_OWN.isdisjoint(data):
                raise _NotPlain  # networkx merges the two
            seen.add(ends)
            data["link_type"] = data.pop("type")
            data["label"] = data["link_type"]
            data["handling"] = ctx.handling
            data["key"] = rec.kind
            explicit = data.pop("id", None)
            if explicit is None:
                eid = str(edge_id)
                edge_id += 1
            else:
                eid = str(explicit)
                if eid.isdigit():  # networkx's own numbering steps around these
                    raise _NotPlain
            values = [gexf_ids[rec.source], gexf_ids[rec.target], eid, str(data.pop("label"))]
            if "weight" in data:
                values.append(str(data.pop("weight")))
            write(_gexf_element("edge", _EDGE_XML, values, *attrs.values("edge", data)))
            edges += 1
            tick()
        write("    </edges>\n")
    if not nodes or not edges:
        raise _NotPlain  # networkx writes an empty <nodes /> or <edges />
    name = _ascii(_et_attr(f"linkwatch export [{ctx.handling}]"))
    if _LINE_BREAKS.search(name) is not None:
        raise _NotPlain
    with path.open("w", encoding="utf-8", buffering=BUFFER) as fh, \
                body_path.open(encoding="utf-8") as body:
        fh.write(f"<?xml version='1.0' encoding='utf-8'?>\n<!-- Handling: {ctx.handling} -->\n"
                 f'<gexf xmlns="{_GEXF.NS_GEXF}" xmlns:xsi="{_GEXF.NS_XSI}" '
                 f'xsi:schemaLocation="{_GEXF.SCHEMALOCATION}" version="{_GEXF.VERSION}">\n'
                 f'  <meta lastmodifieddate="{today}">\n'
                 f"    <creator>NetworkX {nx.__version__}</creator>\n  </meta>\n"
                 f'  <graph defaultedgetype="directed" mode="static" name="{name}">\n'
                 f'{_ascii(attrs.declarations("edge"))}{_ascii(attrs.declarations("node"))}')
        shutil.copyfileobj(body, fh, 1 << 20)
        fh.write("  </graph>\n</gexf>\n")
    return [path]


def write_json(rows: Rows, out: Path, ctx: Context) -> list[Path]:
    """``graph.node-link.json`` (``nx.node_link_graph(data, edges="edges")``) and
    ``graph.cytoscape.json`` (``nx.cytoscape_graph``), written element by element."""
    graph_attrs = _graph_attrs(ctx)
    node_link, cyto = out / "graph.node-link.json", out / "graph.cytoscape.json"
    encode, tick = _JSON, ctx.progress.tick
    with node_link.open("w", encoding="utf-8", buffering=BUFFER) as nl, \
            cyto.open("w", encoding="utf-8", buffering=BUFFER) as cy:
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

