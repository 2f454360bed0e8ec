"""Enrichment: pure functions that add place, harm and vulnerability to a report.

Nothing here touches Kafka or Redis; reference data is read from ``linkwatch/data``.
"""

from __future__ import annotations

from .geography import (
    force_for_lsoa,
    force_for_postcode,
    force_key,
    home_force,
    local_authority_for_lsoa,
    lsoa_name,
    out_of_area,
    outside_force,
)
from .harm import DEFAULT_WEIGHTS, Harm, harm_weight, ho_codes
from .report import Enrichment, PersonFacts, enrich_report
from .vulnerability import Vulnerability, age_of, is_under_18, vulnerability

__all__ = [
    "DEFAULT_WEIGHTS", "Enrichment", "Harm", "PersonFacts", "Vulnerability", "age_of",
    "enrich_report", "force_for_lsoa", "force_for_postcode", "force_key", "harm_weight",
    "ho_codes", "home_force", "is_under_18", "local_authority_for_lsoa", "lsoa_name",
    "out_of_area", "outside_force", "vulnerability",
]
