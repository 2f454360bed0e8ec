"""The accepted-topic payload: a validated report with canonical identifiers
(card numbers masked) and its enrichment record.  Pure; never raises."""

from __future__ import annotations

from typing import Any

from linkwatch.config import Settings
from linkwatch.rules import neardup
from linkwatch.rules.enrich import enrich_report
from linkwatch.rules.normalise import primer
from linkwatch.rules.resolve import to_record
from linkwatch.schemas import AnyReport


def enrich(report: AnyReport, digest: str, settings: Settings) -> dict[str, Any]:
    """JSON-able payload for the internal accepted topic.

    Besides the report and its enrichment it carries what the link stage would
    otherwise compute per report, from this report alone: each person's entity-
    resolution record (``er``), the near-duplicate fingerprint (``nd``) and the
    canonical forms of their phones (``canon``: parsing is the dearest step).  Intake
    scales out with partitions; the link stage is one process, so it keeps only the
    work that needs the shared state.
    """
    enriched, record = enrich_report(report, settings)
    return {
        "hash": digest,
        "report": enriched.model_dump(mode="json", by_alias=True, exclude_none=True),
        "enrichment": record.as_dict(),
        "er": [to_record(p, report.report_id, report.reported_at).as_list()
               for p in enriched.persons],
        "nd": neardup.fingerprint(enriched),
        "canon": [primer("phone", raw) for p in enriched.persons for raw in p.phones],
    }
