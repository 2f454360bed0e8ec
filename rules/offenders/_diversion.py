"""Offender-side diversion referrals: drug and alcohol interventions and the youth offending
team (youth justice service).  Table-driven like ``rules.referrals``: each service has a scope
and ordered levels, the first that holds decides; the last is an 'otherwise' level.

The referral is a contract ``Referral`` (service ``drug_alcohol_intervention`` or
``youth_offending_team``: an extension of the contract's list, ``docs/referrals.md``) with the
same guarantees as a victim referral: id from (report, person, service), minimised contact,
recorded basis, and an s.62 audit record (``offender_audit_record``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from linkwatch.rules.enrich import age_of
from linkwatch.rules.normalise import canonical, key_text
from linkwatch.rules.referrals import (
    Basis,
    Level,
    Priority,
    ServiceRoute,
    referral_id,
    working_days_after,
)
from linkwatch.schemas import OFFENDER_SERVICES, Referral, ReferralContact

from ._identity import OFFENDER_ROLES, OffenderRuleError

OffenderReferral = Referral   # the contract's Referral, with an offender service

_ROUTES = {
    "Warwickshire Police": {
        "drug_alcohol_intervention": ServiceRoute(
            name="Warwickshire drug and alcohol service (criminal justice team)",
            endpoint="drug-alcohol-cj.warwickshire"),
        "youth_offending_team": ServiceRoute(name="Warwickshire Youth Justice Service",
                                             endpoint="yjs.warwickshire"),
    },
}

_CONTACT: dict[str, tuple[str, ...]] = {
    "drug_alcohol_intervention": ("name", "phone", "preferred_contact"),
    "youth_offending_team": ("name", "postcode", "phone")}


class OffenderRoutingConfig(BaseModel):
    """Where offender referrals go per force and what each service receives; the marker,
    category and flag lists the rules read.  Every list is a default a force changes
    (``LINKWATCH_OFFENDER_ROUTING_FILE``, YAML or JSON in this shape)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_force: str = "Warwickshire Police"
    forces: dict[str, dict[str, ServiceRoute]] = Field(default_factory=lambda: {
        f: dict(r) for f, r in _ROUTES.items()})
    contact_fields: dict[str, tuple[str, ...]] = Field(default_factory=lambda: dict(_CONTACT))
    due_working_days: dict[str, int] = Field(default_factory=lambda: {
        "drug_alcohol_intervention": 2, "youth_offending_team": 1})
    drug_categories: tuple[str, ...] = ("drugs",)
    drug_markers: tuple[str, ...] = ("drugs", "alcohol_related", "alcohol", "substance_misuse",
                                     "positive_drug_test", "county_lines")
    drug_flags: tuple[str, ...] = ("substance_misuse", "alcohol_misuse", "drug_misuse")
    required_assessment_markers: tuple[str, ...] = ("positive_drug_test",)
    exploitation_markers: tuple[str, ...] = ("child_exploitation", "county_lines",
                                             "modern_slavery")
    child_age: int = Field(default=18, ge=1)

    def model_post_init(self, _context: Any) -> None:
        problems = []
        for force, routes in self.forces.items():
            if bad := sorted(set(routes) - set(OFFENDER_SERVICES)):
                problems.append(f"force {force!r}: unknown services {bad}; "
                                f"valid: {list(OFFENDER_SERVICES)}")
        default = self.forces.get(self.default_force, {})
        if missing := [s for s in OFFENDER_SERVICES if s not in default]:
            problems.append(f"default force {self.default_force!r} has no route for {missing}")
        for table in (self.contact_fields, self.due_working_days):
            if missing := [s for s in OFFENDER_SERVICES if s not in table]:
                problems.append(f"no contact_fields/due_working_days entry for {missing}")
        if problems:
            raise OffenderRuleError("; ".join(problems))

    def route(self, force: str | None, service: str) -> ServiceRoute:
        own = self.forces.get(force or "", {})
        return own.get(service) or self.forces[self.default_force][service]


@dataclass(frozen=True)
class OffenderFacts:
    role: str
    age: int | None
    child: bool | None
    drug_reasons: tuple[str, ...]
    required_assessment: bool
    exploitation: tuple[str, ...]
    vulnerable_flags: tuple[str, ...]
    consent: bool | None          # person.consent.diversion (true/false/null)


def offender_facts(report: Any, person: Any, cfg: OffenderRoutingConfig) -> OffenderFacts:
    detail = getattr(report, "incident", None)
    category = key_text(getattr(detail, "category", None) or "")
    markers = {key_text(str(m)).replace(" ", "_") for m in getattr(report, "markers", ()) or ()}
    flags = {key_text(str(f)) for f in getattr(person, "flags", ()) or ()}
    drug: list[str] = []
    if category in cfg.drug_categories:
        drug.append(f"category {category}")
    drug += [f"marker {m}" for m in sorted(markers & set(cfg.drug_markers))]
    drug += [f"flag {f}" for f in sorted(flags & set(cfg.drug_flags))]
    if getattr(detail, "drugs", None):
        drug.append("drugs recorded in the incident")
    age = age_of(person, getattr(report, "reported_at", None))
    consent = getattr(getattr(person, "consent", None), "model_extra", None) or {}
    raw = consent.get("diversion")
    return OffenderFacts(
        role=getattr(person, "role", ""), age=age,
        child=None if age is None else age < cfg.child_age, drug_reasons=tuple(drug),
        required_assessment=bool(markers & set(cfg.required_assessment_markers)),
        exploitation=tuple(sorted(markers & set(cfg.exploitation_markers))),
        vulnerable_flags=tuple(sorted(flags & {"vulnerable", "missing_episode",
                                               "looked_after_child", "mental_health"})),
        consent=raw if isinstance(raw, bool) else None)


Test = Callable[[OffenderFacts], str | None]


@dataclass(frozen=True)
class ServiceTable:
    service: str
    scope: Test
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        problems = []
        if self.service not in OFFENDER_SERVICES:
            problems.append(f"unknown service {self.service!r}; valid: {OFFENDER_SERVICES}")
        if not self.levels or not self.levels[-1].otherwise:
            problems.append("the last level must be an 'otherwise' level")
        for test in (self.scope, *(lv.test for lv in self.levels)):
            if "Example:" not in (test.__doc__ or ""):
                problems.append(f"{test.__name__} docstring has no 'Example:'")
        if problems:
            raise OffenderRuleError(f"offender rules for {self.service}: " + "; ".join(problems))


def drug_scope(f: OffenderFacts) -> str | None:
    """Example: suspect in a drugs report, or marker alcohol_related -> considered."""
    return "drug or alcohol related: " + ", ".join(f.drug_reasons) if f.drug_reasons else None


def diversion_declined(f: OffenderFacts) -> str | None:
    """Example: consent.diversion = false and no positive test -> not referred."""
    if f.consent is False and not f.required_assessment:
        return "declined a drug/alcohol intervention (consent.diversion = false)"
    return None


def required_assessment(f: OffenderFacts) -> str | None:
    """Drugs Act 2005 Part 3: a positive test on arrest requires an assessment.

    Example: marker positive_drug_test -> referred, no consent needed.
    """
    if f.required_assessment:
        return "positive drug test on arrest: required assessment (Drugs Act 2005 Part 3)"
    return None


def diversion_consented(f: OffenderFacts) -> str | None:
    """Example: consent.diversion = true -> referred on consent."""
    return "agreed to a drug/alcohol intervention (consent.diversion = true)" if f.consent else None


def offer_first(f: OffenderFacts) -> str:
    """Example: drugs suspect, consent.diversion not asked -> not referred (offer it first)."""
    return "intervention to be offered: consent.diversion not recorded"


def child_scope(f: OffenderFacts) -> str | None:
    """Example: suspect aged 16 -> youth offending team considered."""
    return f"under 18 (age {f.age})" if f.child else None


def child_offender(f: OffenderFacts) -> str | None:
    """Crime and Disorder Act 1998 ss.37-39: youth justice services work with every child who
    offends; police notify them without consent.  Example: suspect aged 16 -> referred."""
    return "child suspect/offender: notify the youth justice service (CDA 1998 ss.37-39)"


def age_unknown(f: OffenderFacts) -> str:
    """Example: never reached (scope needs a known age under 18)."""
    return "age unknown"


TABLE = (
    ServiceTable("drug_alcohol_intervention", drug_scope, (
        Level(diversion_declined, False, "consent"),
        Level(required_assessment, True, "no_consent_needed"),
        Level(diversion_consented, True, "consent"),
        Level(offer_first, False, "consent", otherwise=True))),
    ServiceTable("youth_offending_team", child_scope, (
        Level(child_offender, True, "no_consent_needed"),
        Level(age_unknown, False, "no_consent_needed", otherwise=True))),
)


class OffenderDecision(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    referred: bool
    basis: Basis
    priority: Priority
    reasons: tuple[str, ...]
    rule: str
    recipient: str
    decided_at: datetime
    referral: Referral | None = None


def _priority(f: OffenderFacts) -> tuple[Priority, list[str]]:
    if f.child and f.exploitation:
        return "urgent", [f"child with exploitation markers ({', '.join(f.exploitation)}): "
                          "possibly a victim of criminal exploitation; safeguard first"]
    if f.vulnerable_flags or f.child:
        why = [f"flags {', '.join(f.vulnerable_flags)}"] if f.vulnerable_flags else []
        return "enhanced", why or ["under 18"]
    return "standard", []


def _contact(person: Any, fields: tuple[str, ...]) -> ReferralContact:
    phones = [canonical("phone", p).value or p for p in getattr(person, "phones", ()) or ()]
    pc = getattr(person, "postcode", None)
    extra = getattr(person, "model_extra", None) or {}
    available = {"name": person.display_name() if hasattr(person, "display_name") else None,
                 "phone": str(phones[0]) if phones else None, "email": None,
                 "postcode": (canonical("postcode", pc).value or pc) if pc else None,
                 "preferred_contact": extra.get("preferred_contact")}
    return ReferralContact(**{k: available[k] for k in fields})


def decide_diversion(report: Any, person: Any, cfg: OffenderRoutingConfig | None = None,
                     handling: str = "OFFICIAL-SENSITIVE") -> list[OffenderDecision]:
    """Every offender-side decision for ``person`` (``[]`` unless suspect/offender in scope).

    Example: a 16-year-old suspect in a drugs report -> youth_offending_team referred
    (no consent needed); drug_alcohol_intervention decided but not referred until offered.
    """
    cfg = cfg or OffenderRoutingConfig()
    if getattr(person, "role", None) not in OFFENDER_ROLES:
        return []
    facts = offender_facts(report, person, cfg)
    priority, why = _priority(facts)
    when = report.reported_at
    out = []
    for table in TABLE:
        scope = table.scope(facts)
        if not scope:
            continue
        level = next(lv for lv in table.levels if lv.otherwise or lv.test(facts))
        words = level.test(facts) or level.test.__name__
        route = cfg.route(getattr(report, "force", None), table.service)
        reasons = (f"{scope}: {words}", *why)
        referral = None
        if level.referred:
            ref = person.person_ref or ""
            referral = Referral.model_validate(dict(
                referral_id=referral_id(report.report_id, ref, table.service),
                report_id=report.report_id, person_ref=ref, service=table.service,
                basis=level.basis, priority=priority, reasons=list(reasons),
                due_by=working_days_after(when, cfg.due_working_days[table.service]),
                contact=_contact(person, cfg.contact_fields[table.service]),
                created_at=when, handling=handling))
        out.append(OffenderDecision(
            service=table.service, referred=level.referred, basis=level.basis,
            priority=priority, reasons=reasons, rule=level.test.__name__,
            recipient=route.name, decided_at=when, referral=referral))
    return out


def offender_audit_record(decision: OffenderDecision, report_id: str,
                          person_ref: str) -> dict[str, Any]:
    """The s.62 entry: ids, codes and field names only.  Example: a referred YOT decision ->
    ``{"topic": "offender_referral_decision", "action": "disclosure", "recipient": ...}``."""
    ref = decision.referral
    return {
        "topic": "offender_referral_decision",
        "action": "disclosure" if decision.referred else "decision",
        "at": decision.decided_at.isoformat(), "report_id": report_id,
        "person_ref": person_ref, "service": decision.service,
        "recipient": decision.recipient if decision.referred else None,
        "referred": decision.referred, "basis": decision.basis, "priority": decision.priority,
        "rule": decision.rule, "referral_id": ref.referral_id if ref else None,
        "due_by": ref.due_by.isoformat() if ref else None,
        "contact_fields_disclosed": sorted(k for k, v in ref.contact.model_dump().items()
                                           if v) if ref else [],
        "handling": ref.handling if ref else None,
    }
