"""The accepted-topic payload: a validated report with canonical identifiers and
its enrichment record.  Pure; never raises on dirty identifiers."""

from __future__ import annotations

from typing import Any

from linkwatch.config import Settings
from linkwatch.rules.normalise import canonical
from linkwatch.schemas import AnyReport


def _normalise_identifiers(report: AnyReport) -> None:
    for ident in report.all_identifiers():
        c = canonical(ident.type, ident.value)
        ident.canonical, ident.valid = c.value, c.valid


def enrich(report: AnyReport, digest: str, settings: Settings) -> dict[str, Any]:
    """JSON-able payload for the internal accepted topic."""
    _normalise_identifiers(report)
    return {
        "hash": digest,
        "report": report.model_dump(mode="json", by_alias=True, exclude_none=True),
        "enrichment": {},
    }
