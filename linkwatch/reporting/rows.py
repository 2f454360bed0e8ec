"""One flat row per report, the only thing the measures read.

``report_row(report, enrichment, entity_of)`` reads a contract report once: time, category,
harm (``rules.enrich.harm_weight``), the classifications the plan's measures need, and each
person's role, stable key (``rules.offenders.offender_key``) and home force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linkwatch.rules.enrich import harm_weight, home_force
from linkwatch.rules.normalise import key_text
from linkwatch.rules.offenders import offender_key
from linkwatch.schemas import AnyReport

KNIFE_WORDS = ("knife", "blade", "bladed", "machete", "sword")
KNIFE_MARKERS = frozenset({"knife", "knife_crime", "bladed_article"})
KNIFE_HO_CODES = frozenset({"10D", "8M", "8N"})  # blade or point; 8M/8N: knife-enabled (HOCR)
SERIOUS_HARM_KEYS = frozenset({"homicide", "violence_with_injury"})
VIOLENT_CATEGORIES = frozenset({"violent-crime", "robbery"})


@dataclass(frozen=True, slots=True)
class PersonRow:
    ref: str
    role: str
    key: str                     # entity id from the pipeline, else the deterministic fallback
    home_force: str | None
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportRow:
    report_id: str
    kind: str
    at: datetime
    category: str
    markers: tuple[str, ...]
    harm: float
    harm_key: str
    homicide: bool
    knife: bool
    serious_violence: bool
    persons: tuple[PersonRow, ...]


def _knife(report: AnyReport) -> bool:
    detail = getattr(report, "incident", None)
    weapons = key_text(" ".join(getattr(detail, "weapons", None) or ()))
    code = key_text(getattr(detail, "ho_code", None) or "").upper().lstrip("0").replace("/", "")
    return (any(w in weapons for w in KNIFE_WORDS) or bool(KNIFE_MARKERS & set(report.markers))
            or code in KNIFE_HO_CODES)


def category_of(report: AnyReport) -> str:
    detail = getattr(report, report.kind, None)
    return (getattr(detail, "category", None) or getattr(detail, "fraud_type", None)
            or getattr(detail, "cyber_type", None) or report.kind)


def report_row(report: AnyReport, enrichment: Mapping[str, Any] | None = None,
               entity_of: Mapping[tuple[str, str], str] | None = None) -> ReportRow:
    """Example: a police.uk "Possession of weapons" row -> category ``possession-of-weapons``,
    harm 274 (``possession_of_weapons``), not knife crime (the blade is not recorded)."""
    harm = harm_weight(report)
    facts = (enrichment or {}).get("persons") or {}
    persons = []
    for p in report.persons:
        ref = p.person_ref or ""
        entity = p.entity_id or (entity_of or {}).get((report.report_id, ref))
        key = entity or offender_key(p, report.report_id)
        home = (facts.get(ref) or {}).get("home_force") or home_force(p.postcode)
        persons.append(PersonRow(ref, p.role, key, home,
                                 tuple(key_text(str(f)) for f in p.flags)))
    category = category_of(report)
    knife = _knife(report)
    homicide = harm.key == "homicide"
    serious = homicide or harm.key in SERIOUS_HARM_KEYS or (knife and category in
                                                            VIOLENT_CATEGORIES)
    return ReportRow(report.report_id, report.kind, report.reported_at, category,
                     tuple(report.markers), harm.weight, harm.key, homicide, knife, serious,
                     tuple(persons))
