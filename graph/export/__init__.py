"""Exports of the link graph for analysts' tools and for sharing.

``export_graph(g, fmt, out)`` writes one format into the folder ``out`` and
returns the files written; ``select(g, ...)`` cuts the part to export first::

    sub = select(graph.g, alert=alert, since=start)
    export_graph(sub, "i2", Path("exports/op-x"), pseudonymise_key=key)

Formats: ``graphml``, ``gexf``, ``json`` (node-link + Cytoscape), ``csv``,
``i2`` (Analyst's Notebook import CSVs), ``neo4j`` (neo4j-admin import CSVs and
a LOAD CSV script), ``ftm`` (FollowTheMoney / Aleph) and ``stix`` (STIX 2.1
bundle of indicators).  Every file carries the handling marking.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from ._common import (
    DEFAULT_HANDLING,
    PERSONAL_KINDS,
    Context,
    GraphRows,
    Progress,
    Pseudonymiser,
    Rows,
    cell,
    plain,
    private_dir,
    write_private,
)
from ._select import select

Writer = Callable[[Rows, Path, Context], list[Path]]


class ExportError(Exception):
    """Base for errors raised by ``linkwatch.graph.export``."""


class UnknownFormat(ExportError, ValueError):
    def __init__(self, fmt: str) -> None:
        super().__init__(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


class BadKey(ExportError, ValueError):
    def __init__(self) -> None:
        super().__init__("pseudonymise_key must be bytes of at least 16 bytes (or None)")


class MissingExtra(ExportError, ImportError):
    """A format whose library is an optional extra that is not installed."""


FTM_EXTRA = "pip install 'linkwatch[ftm]'"


def require_format(fmt: str) -> None:
    """Raise ``MissingExtra`` when ``fmt`` needs an optional library that is not installed
    (checked before any work, so a long rebuild does not end in an ImportError)."""
    import importlib.util

    if fmt == "ftm" and importlib.util.find_spec("followthemoney") is None:
        raise MissingExtra("the ftm format needs FollowTheMoney, an optional extra (its PyICU "
                           f"dependency has no wheel and needs a compiler): {FTM_EXTRA}")


def _writer(fmt: str) -> Writer:
    # imported on use: followthemoney and stix2 are only needed for their formats
    require_format(fmt)
    if fmt in ("graphml", "gexf", "json"):
        from . import networkx_formats as nxf
        return {"graphml": nxf.write_graphml, "gexf": nxf.write_gexf,
                "json": nxf.write_json}[fmt]
    if fmt == "csv":
        from .tabular import write_csv
        return write_csv
    if fmt == "i2":
        from .i2 import write_i2
        return write_i2
    if fmt == "neo4j":
        from .neo4j import write_neo4j
        return write_neo4j
    if fmt == "ftm":
        from .ftm import write_ftm
        return write_ftm
    from .stix import write_stix
    return write_stix


FORMATS = ("graphml", "gexf", "json", "csv", "i2", "neo4j", "ftm", "stix")
# written from ``Rows`` (row by row, no graph needed): every format, now
STREAMED = frozenset(FORMATS)


def export_graph(
    g: nx.MultiDiGraph | Rows,
    fmt: str,
    out: Path,
    *,
    handling: str = DEFAULT_HANDLING,
    pseudonymise_key: bytes | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Write ``g`` as ``fmt`` into the folder ``out`` (created); return the files written.

    ``g`` is a graph, or ``Rows`` (``linkwatch.view.ViewRows``: the whole link view read
    as it is written, no graph built).

    ``pseudonymise_key`` replaces person names and personal identifiers (node kinds
    in ``PERSONAL_KINDS``) by keyed HMAC-SHA256 pseudonyms, the same in every file
    for the same key, drops dates of birth and home postcodes, bands ages by ten years
    and rounds coordinates to two decimal places (see docs/exports.md for what such a
    package still reveals).
    Files are written owner-only (0600) into a private staging folder and moved into
    ``out`` when complete; ``out`` is created 0700 when it does not exist.
    ``progress(n)`` is called as rows are written, ``n`` being the rows since the
    last call (fits ``tqdm.update`` and ``rich.progress.Progress.advance``).
    """
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    if pseudonymise_key is not None and (
            not isinstance(pseudonymise_key, bytes) or len(pseudonymise_key) < 16):
        raise BadKey()
    out = private_dir(Path(out))
    ticker = Progress(progress)
    ctx = Context(handling=handling, pseudo=Pseudonymiser(pseudonymise_key), progress=ticker)
    staging = Path(tempfile.mkdtemp(prefix=".linkwatch-export-", dir=out))  # mode 0700
    try:
        source = GraphRows(g) if isinstance(g, nx.Graph) else g
        written = _writer(fmt)(source, staging, ctx)
        final = []
        for path in written:
            os.chmod(path, 0o600)
            os.replace(path, out / path.name)
            final.append(out / path.name)
        return final
    finally:
        ticker.flush()
        shutil.rmtree(staging, ignore_errors=True)


__all__ = ["FORMATS", "PERSONAL_KINDS", "STREAMED", "BadKey", "ExportError", "GraphRows",
           "Rows", "UnknownFormat", "cell", "export_graph", "plain", "select", "write_private"]
