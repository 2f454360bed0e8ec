"""``linkwatch share``: an alert's sub-graph, pseudonymised, for a named recipient outside
the force (a regional organised crime unit, another force, the NCA), with its marking and
the disclosure and recipient in the audit log (DPA 2018 s.62).

The package: the export files (``ftm`` for Aleph, ``stix`` for MISP/OpenCTI), every person
and personal identifier as a keyed pseudonym (``LINKWATCH_PSEUDONYM_KEY``), and
``MANIFEST.json`` (marking, recipient, alert id/type/version, files with SHA-256).  The
alert's title, summary and reasons are not copied: they can name people or identifiers.

Every identifier in the package goes through the one keyed pseudonymisation
(``graph.export.Pseudonymiser``, HMAC-SHA256 with ``LINKWATCH_PSEUDONYM_KEY``): persons
and personal identifiers (by the export writers), and here the report ids (node ids,
labels and every ``report_ids`` list; a crime reference is an identifier), the alert id
(a digest of the detection's key, which holds the clear identifier: unkeyed, it could be
reversed by trying every phone number) and the cluster id (``county_lines:phone:+44…``
names the deal line).  The same key gives the same pseudonyms in every package; the
force, holding the key, can map them back.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
from rich.console import Console

from linkwatch.config import Settings

SHARE_FORMATS = ("ftm", "stix")
MANIFEST = "MANIFEST.json"


class ShareRequestError(ValueError):
    """A share that cannot be made as asked (names the bad value and the choices)."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def latest_alert(settings: Settings, alert_id: str) -> dict[str, Any] | None:
    from linkwatch.streams import topics
    from linkwatch.watch import read_topic

    found = None
    async for _key, value in read_topic(settings, topics.name(settings, topics.ALERTS)):
        if isinstance(value, dict) and value.get("alert_id") == alert_id and (
                found is None or value.get("version", 0) >= found.get("version", 0)):
            found = value
    if found is not None and found.get("status") == "withdrawn":
        return None  # erased by a retention purge (linkwatch.erasure)
    return found


def pseudonymise_reports(sub: nx.MultiDiGraph, pseudo: Any) -> nx.MultiDiGraph:
    """A copy of ``sub`` with every report id keyed: ``report:R1`` -> ``report:h-…``, and
    the id wherever a node or edge attribute holds it (``report_ids``, labels, duplicate
    references), as a whole word."""
    from linkwatch.graph import model as m

    rids = {n.split(":", 1)[1] for n in sub if m.kind_of(n) == "report"}
    for _n, data in sub.nodes(data=True):
        rids.update(str(r) for r in data.get("report_ids") or ())
    for _u, _v, data in sub.edges(data=True):
        rids.update(str(r) for r in data.get("report_ids") or ())
    rids.discard("")
    if not rids:
        return sub.copy()
    token = {rid: pseudo.token(f"report:{rid}") for rid in rids}
    pattern = re.compile(r"(?<![\w-])(" + "|".join(
        re.escape(r) for r in sorted(rids, key=len, reverse=True)) + r")(?![\w-])")

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(lambda mt: token[mt.group(1)], value)
        if isinstance(value, (list, tuple, set, frozenset)):
            return type(value)(clean(v) for v in value)
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        return value

    g = nx.relabel_nodes(sub, {f"report:{r}": f"report:{token[r]}" for r in rids
                               if f"report:{r}" in sub}, copy=True)
    for _n, data in g.nodes(data=True):
        data.update({k: clean(v) for k, v in data.items()})
    for _u, _v, data in g.edges(data=True):
        data.update({k: clean(v) for k, v in data.items()})
    return g


def manifest_alert(alert: dict[str, Any], pseudo: Any) -> dict[str, Any]:
    """The alert as the manifest names it: its id and cluster id keyed."""
    cluster = alert.get("cluster_id")
    return {"alert_id": f"alert:{pseudo.token('alert:' + str(alert.get('alert_id')))}",
            "version": alert.get("version"), "type": alert.get("type"),
            "severity": alert.get("severity"),
            "cluster_id": f"cluster:{pseudo.token('cluster:' + cluster)}" if cluster else None,
            "updated_at": alert.get("updated_at")}


def check_request(settings: Settings, recipient: str, fmt: str) -> bytes:
    """The pseudonym key, once the request is known to be valid."""
    if fmt not in SHARE_FORMATS:
        raise ShareRequestError(f"unknown share format {fmt!r}; choose one of "
                                f"{', '.join(SHARE_FORMATS)}")
    from linkwatch.graph.export import MissingExtra, require_format

    try:
        require_format(fmt)
    except MissingExtra as exc:
        raise ShareRequestError(str(exc)) from None
    if not recipient.strip() or len(recipient) > 200:
        raise ShareRequestError("--to must name the recipient (1-200 characters), e.g. "
                                "'ROCU West Midlands'")
    secret = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else ""
    if len(secret.encode()) < 16:
        raise ShareRequestError("share needs LINKWATCH_PSEUDONYM_KEY (16+ bytes): a share "
                                "outside the force is always pseudonymised")
    return secret.encode()


def run_share(settings: Settings, alert_id: str, recipient: str, out_dir: Path,
              fmt: str = "ftm", *, purpose: str | None = None,
              console: Console | None = None) -> list[Path]:
    """Write the package into ``out_dir``, audit the disclosure; return the files written."""
    from linkwatch.exporting import ExportRequestError, audit_disclosure, open_view
    from linkwatch.graph.export import export_graph, write_private
    from linkwatch.graph.export._common import Pseudonymiser

    key = check_request(settings, recipient, fmt)
    recipient = recipient.strip()
    console = console or Console(stderr=True)
    alert = asyncio.run(latest_alert(settings, alert_id))
    if alert is None:
        raise ShareRequestError(f"no alert {alert_id!r} on the alerts topic")
    try:
        view = open_view(settings, console)
    except ExportRequestError as exc:
        raise ShareRequestError(str(exc)) from None
    try:
        sub = view.select(alert=alert)
    finally:
        view.close()
    console.print(f"alert sub-graph: {sub.number_of_nodes()} nodes", markup=False)
    handling = alert.get("handling") or settings.handling
    out_dir = Path(out_dir)
    pseudo = Pseudonymiser(key)
    paths = export_graph(pseudonymise_reports(sub, pseudo), fmt, out_dir, handling=handling,
                         pseudonymise_key=key)
    at = datetime.now(UTC).isoformat()
    files = [{"name": p.name, "sha256": _sha256(p)} for p in paths]
    manifest = {
        "handling": handling, "recipient": recipient, "purpose": purpose,
        "shared_at": at, "shared_by": settings.user, "format": fmt, "pseudonymised": True,
        "alert": manifest_alert(alert, pseudo),
        "nodes": sub.number_of_nodes(), "edges": sub.number_of_edges(), "files": files,
        "conditions": f"{handling}: for the named recipient only; no onward sharing without "
                      "the originating force's agreement; pseudonyms are not to be reversed.",
    }
    write_private(out_dir / MANIFEST, json.dumps(manifest, indent=2))  # 0600, as the files
    asyncio.run(audit_disclosure(settings, {
        "event": "share", "action": "disclosure", "at": at, "user": settings.user,
        "recipient": recipient, "purpose": purpose, "format": fmt, "pseudonymised": True,
        "handling": handling, "alert_id": alert_id, "alert_version": alert.get("version"),
        "nodes": sub.number_of_nodes(), "edges": sub.number_of_edges(),
        "files": [*files, {"name": MANIFEST, "sha256": _sha256(out_dir / MANIFEST)}]}))
    return [*paths, out_dir / MANIFEST]
