"""``enrich_report``: one pure pass that fills canonical identifiers and says what it found.

The report is copied, never changed in place.  Every identifier (report-level and
cyber indicators) gets ``canonical``/``valid``; a card's ``value`` is replaced by its
masked form so the full number travels no further (PCI DSS req. 3.4).  The
:class:`Enrichment` record carries the harm weight, each person's home force and
out-of-area flag, under-18s and vulnerability, and ``marks``: what could not be read.
Nothing here raises: a failing step becomes a mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linkwatch.rules.normalise import canonical, mask_card

from .geography import home_force, outside_force
from .harm import harm_weight
from .stix import stix_identifiers
from .vulnerability import vulnerability

DEFAULT_FORCE = "Warwickshire Police"


@dataclass(slots=True)
class PersonFacts:
    home_force: str | None = None
    out_of_area: bool | None = None
    under_18: bool | None = None
    vulnerable: bool = False
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Enrichment:
    report_id: str | None
    force: str
    harm: float | None = None
    harm_rule: str | None = None
    persons: dict[str, PersonFacts] = field(default_factory=dict)
    outside_share: float | None = None  # of persons whose home force is known
    invalid_identifiers: int = 0
    marks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """``dataclasses.asdict(self)``, written out (asdict's generic recursion was a
        fifth of intake's cost); same keys in the same order."""
        return {
            "report_id": self.report_id, "force": self.force, "harm": self.harm,
            "harm_rule": self.harm_rule,
            "persons": {ref: {"home_force": f.home_force, "out_of_area": f.out_of_area,
                              "under_18": f.under_18, "vulnerable": f.vulnerable,
                              "reasons": list(f.reasons)}
                        for ref, f in self.persons.items()},
            "outside_share": self.outside_share, "invalid_identifiers": self.invalid_identifiers,
            "marks": list(self.marks),
        }


def _identifiers(report: Any) -> list[Any]:
    cyber = getattr(report, "cyber", None)
    return [*getattr(report, "identifiers", []), *(getattr(cyber, "indicators", None) or [])]


def _stix(report: Any, out: Enrichment) -> None:
    """Indicators named only in ``cyber.stix`` join ``cyber.indicators`` (``stix.py``),
    each once: one already given (by type and canonical value) is not added again."""
    cyber = getattr(report, "cyber", None)
    if cyber is None or not getattr(cyber, "stix", None):
        return
    from linkwatch.schemas.report import Identifier

    have = {(i.type, canonical(i.type, i.value).value or i.value) for i in cyber.indicators}
    extra = []
    for found in stix_identifiers(cyber.stix):
        key = (found["type"], canonical(found["type"], found["value"]).value or found["value"])
        if key not in have:
            have.add(key)
            extra.append(Identifier.model_validate(found))
    if extra:
        report.cyber = cyber.model_copy(update={"indicators": [*cyber.indicators, *extra]})
        out.marks.append(f"{len(extra)} indicator(s) read from the STIX bundle")


def _fill_identifiers(report: Any, out: Enrichment) -> None:
    for index, ident in enumerate(_identifiers(report), start=1):
        c = canonical(ident.type, ident.value)
        ident.canonical, ident.valid = c.value, c.valid
        if ident.type == "card":
            ident.value = mask_card(ident.value)
        if not c.valid:
            out.invalid_identifiers += 1
            out.marks.append(f"identifier {index} ({ident.type}) {c.raw[:60]!r} not readable")


def _persons(report: Any, out: Enrichment) -> None:
    for person in getattr(report, "persons", []):
        ref = person.person_ref or f"p{len(out.persons) + 1}"
        facts = PersonFacts()
        try:
            facts.home_force = home_force(person.postcode)
            facts.out_of_area = outside_force(facts.home_force, out.force)
            vuln = vulnerability(person, report)
            facts.under_18, facts.vulnerable = vuln.under_18, vuln.vulnerable
            facts.reasons = list(vuln.reasons)
        except Exception as exc:  # noqa: BLE001 - enrichment never raises
            out.marks.append(f"person {ref}: {type(exc).__name__}")
        out.persons[ref] = facts
    known = [f.out_of_area for f in out.persons.values() if f.out_of_area is not None]
    out.outside_share = round(sum(known) / len(known), 4) if known else None


def _copy(report: Any) -> Any:
    """A copy of ``report`` whose identifiers (the only thing enrichment changes) are
    new objects; the rest is shared, read-only here (a deep copy was most of intake's cost)."""
    update: dict[str, Any] = {}
    if getattr(report, "identifiers", None):
        update["identifiers"] = [i.model_copy() for i in report.identifiers]
    cyber = getattr(report, "cyber", None)
    if cyber is not None and getattr(cyber, "indicators", None):
        update["cyber"] = cyber.model_copy(
            update={"indicators": [i.model_copy() for i in cyber.indicators]})
    return report.model_copy(update=update)


def enrich_report(report: Any, settings: Any = None) -> tuple[Any, Enrichment]:
    """(enriched copy of ``report``, :class:`Enrichment`); ``settings`` needs only
    ``.force`` (the home force, default Warwickshire Police) and may be None."""
    force = getattr(settings, "force", None) or DEFAULT_FORCE
    out = Enrichment(getattr(report, "report_id", None), force)
    try:
        copy = _copy(report)
    except Exception as exc:  # noqa: BLE001
        out.marks.append(f"report could not be copied: {type(exc).__name__}")
        return report, out
    for step in (_stix, _fill_identifiers, _persons):
        try:
            step(copy, out)
        except Exception as exc:  # noqa: BLE001
            out.marks.append(f"{step.__name__.strip('_')} failed: {type(exc).__name__}")
    harm = harm_weight(copy)
    out.harm, out.harm_rule = harm.weight, harm.rule
    return copy, out
