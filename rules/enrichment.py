"""The accepted-topic message: a validated report with canonical identifiers
(card numbers masked), its enrichment record and the link stage's inputs.  Pure."""

from __future__ import annotations

from typing import cast

from linkwatch.config import Settings
from linkwatch.rules import neardup
from linkwatch.rules.enrich import enrich_report
from linkwatch.rules.normalise import primer
from linkwatch.rules.resolve import to_record
from linkwatch.schemas import AnyReport
from linkwatch.schemas.accepted import (
    AcceptedReport,
    CanonicalForm,
    Enrichment,
    NearDupFingerprint,
    ResolutionInput,
)


def enrich(report: AnyReport, digest: str, settings: Settings) -> AcceptedReport:
    """The internal accepted topic's message for ``report`` (``schemas/accepted.py``).

    Besides the report and its enrichment it carries what the link stage would
    otherwise compute per report, from this report alone: each person's entity-
    resolution record (``er``), the near-duplicate fingerprint (``nd``) and the
    canonical forms of their phones (``canon``: parsing is the dearest step).  Intake
    scales out with partitions; the link stage is one process, so it keeps only the
    work that needs the shared state.
    """
    enriched, record = enrich_report(report, settings)
    # the shapes ``schemas/accepted.py`` names; tuples, as the link stage decodes them
    return AcceptedReport(
        hash=digest, report=enriched, enrichment=cast(Enrichment, record.as_dict()),
        resolution=[cast(ResolutionInput,
                         tuple(to_record(p, report.report_id, report.reported_at).as_list()))
                    for p in enriched.persons],
        near_dup=cast(NearDupFingerprint, neardup.fingerprint(enriched)),
        canon=[cast(CanonicalForm, tuple(primer("phone", raw)))
               for p in enriched.persons for raw in p.phones],
        source=None)
