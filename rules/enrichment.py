"""The accepted-topic payload: a validated report with canonical identifiers
(card numbers masked) and its enrichment record.  Pure; never raises."""

from __future__ import annotations

from typing import Any

from linkwatch.rules.enrich import enrich_report
from linkwatch.schemas import AnyReport

from linkwatch.config import Settings


def enrich(report: AnyReport, digest: str, settings: Settings) -> dict[str, Any]:
    """JSON-able payload for the internal accepted topic."""
    enriched, record = enrich_report(report, settings)
    return {
        "hash": digest,
        "report": enriched.model_dump(mode="json", by_alias=True, exclude_none=True),
        "enrichment": record.as_dict(),
    }
