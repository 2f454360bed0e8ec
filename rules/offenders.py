"""Offender-side rules (issue 9): who an offender is, the IOM watchlist, diversion referrals,
and how much crime comes from outside the force.  Pure: no Kafka, no Redis, no clock.

* ``offender_key(person, report_id)``: the pipeline's ``entity_id`` when resolved, else a
  deterministic key from normalised name + date of birth (or + postcode); example:
  ``Person(name="Smith, Bill", dob=1990-01-02)`` -> ``"O" + sha256("william smith|1990-01-02")``.
* ``Watchlist`` + ``match_watchlist``: managed offenders (Integrated Offender Management
  cohort); a listed person named as suspect/offender, or inside a detected network, gives a
  ``managed_offender`` finding (a dict with ``graph.detectors.base.Finding``'s fields).
* ``decide_diversion``: drug and alcohol interventions and youth offending team referrals,
  table-driven like ``rules.referrals``; returns :class:`OffenderDecision` with an
  :class:`OffenderReferral` when referred, and ``offender_audit_record`` for the s.62 log.
* ``outside_share`` / ``alert_outside_share``: the share of offenders whose home force is not
  the owning force, with the forces they come from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from linkwatch.rules.enrich import age_of, force_key
from linkwatch.rules.normalise import canonical
from linkwatch.rules.normalise import name as parse_name
from linkwatch.rules.referrals import ServiceRoute, referral_id, working_days_after
from linkwatch.schemas import ReferralContact
from linkwatch.schemas._base import Timestamp
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

OFFENDER_ROLES = frozenset({"suspect", "offender"})
NETWORK_TYPES = frozenset({"county_lines", "ocg", "fraud_network", "cuckooing",
                           "modern_slavery", "child_exploitation"})


class OffenderRuleError(ValueError):
    """A malformed offender rule table or configuration (names what is wrong)."""


# -- who an offender is -------------------------------------------------------------------------


def _identity(person: Any) -> tuple[str | None, str | None, str | None]:
    """(normalised full name with canonical given name, dob ISO, normalised postcode)."""
    parts = parse_name(getattr(person, "name", None) or None,
                       getattr(person, "given_name", None), getattr(person, "family_name", None))
    full = None
    if parts is not None:
        full = " ".join(x for x in (parts.given_canonical, parts.family) if x) or parts.full
    dob = getattr(person, "dob", None)
    dob_s = dob.isoformat() if isinstance(dob, date) else (str(dob) if dob else None)
    raw_pc = getattr(person, "postcode", None)
    pc = canonical("postcode", raw_pc).value if raw_pc else None
    return full, dob_s, (str(pc) if pc else None)


def offender_key(person: Any, report_id: str = "") -> str:
    """The resolved ``entity_id`` when present; else ``O`` + sha256 of name|dob, name|postcode,
    or, with neither, ``report_id/person_ref`` (a person seen once).

    Example: two reports naming "Bill Smith" born 1990-01-02 -> the same key.
    """
    entity = getattr(person, "entity_id", None)
    if entity:
        return str(entity)
    full, dob, pc = _identity(person)
    if full and (dob or pc):
        basis = f"{full}|{dob}" if dob else f"{full}|pc:{pc}"
    else:
        basis = f"{report_id}/{getattr(person, 'person_ref', '') or ''}"
    return "O" + hashlib.sha256(basis.encode()).hexdigest()[:16]


# -- the managed-offender watchlist -------------------------------------------------------------


class WatchlistEntry(BaseModel):
    """One managed offender.  ``entity_id`` (preferred) or name + dob, or name + postcode.

    Compacted topic ``linkwatch.watchlist``: key = ``entry_id``, value = this JSON, or null
    (a tombstone) to remove the entry.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    entry_id: str = Field(min_length=1, max_length=200)
    entity_id: str | None = None
    name: str | None = None
    dob: date | None = None
    postcode: str | None = None
    scheme: str = "IOM"                  # e.g. IOM fixed / flex / free, MAPPA, DRIVE
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    lead: str | None = None              # managing unit (not a person's name)

    @field_validator("entity_id", "name", "dob", "postcode", "lead", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def identity_keys(self) -> list[str]:
        """Keys a person can match on.  Example: name "Smith, Bill", dob 1990-01-02 ->
        ``["nd:william smith|1990-01-02"]``."""
        keys = [f"e:{self.entity_id}"] if self.entity_id else []
        full, dob, pc = _identity(self)
        if full and dob:
            keys.append(f"nd:{full}|{dob}")
        if full and pc:
            keys.append(f"np:{full}|{pc}")
        return keys


def _person_keys(person: Any) -> list[tuple[str, str, float]]:
    """(key, how it matched, score) for a report's person, strongest first."""
    found: list[tuple[str, str, float]] = []
    if getattr(person, "entity_id", None):
        found.append((f"e:{person.entity_id}", "resolved entity id", 0.9))
    full, dob, pc = _identity(person)
    if full and dob:
        found.append((f"nd:{full}|{dob}", "name and date of birth", 0.85))
    if full and pc:
        found.append((f"np:{full}|{pc}", "name and postcode", 0.6))
    return found


class Watchlist:
    """A mutable set of :class:`WatchlistEntry`, indexed for matching.  ``apply(key, value)``
    takes one compacted-topic message (``None`` value = remove), so the pipeline sees changes
    without a restart.  ``version`` counts changes."""

    def __init__(self, entries: Iterable[WatchlistEntry] = ()) -> None:
        self.entries: dict[str, WatchlistEntry] = {}
        self._index: dict[str, set[str]] = {}
        self.version = 0
        self.rejected: list[str] = []
        for entry in entries:
            self.put(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.entries

    def put(self, entry: WatchlistEntry) -> None:
        self.remove(entry.entry_id)
        keys = entry.identity_keys()
        if not keys:
            self.rejected.append(f"{entry.entry_id}: no entity_id, name+dob or name+postcode")
            return
        self.entries[entry.entry_id] = entry
        for key in keys:
            self._index.setdefault(key, set()).add(entry.entry_id)
        self.version += 1

    def remove(self, entry_id: str) -> bool:
        entry = self.entries.pop(entry_id, None)
        if entry is None:
            return False
        for key in entry.identity_keys():
            ids = self._index.get(key)
            if ids is not None:
                ids.discard(entry_id)
                if not ids:
                    del self._index[key]
        self.version += 1
        return True

    def apply(self, key: bytes | str | None, value: Mapping[str, Any] | None) -> None:
        """One topic message: a value puts the entry, ``None`` (tombstone) removes ``key``."""
        entry_id = key.decode() if isinstance(key, bytes) else key
        if value is None:
            if entry_id:
                self.remove(entry_id)
            return
        try:
            entry = WatchlistEntry.model_validate({**value, "entry_id": entry_id})
        except ValidationError as exc:
            self.rejected.append(f"{entry_id}: {exc.errors()[0]['msg']}")
            return
        self.put(entry)

    def match(self, person: Any) -> list[tuple[WatchlistEntry, str, float]]:
        """Entries ``person`` matches, with how and a score (best per entry)."""
        best: dict[str, tuple[WatchlistEntry, str, float]] = {}
        for key, how, score in _person_keys(person):
            for entry_id in self._index.get(key, ()):
                if entry_id not in best or best[entry_id][2] < score:
                    best[entry_id] = (self.entries[entry_id], how, score)
        return sorted(best.values(), key=lambda t: (-t[2], t[0].entry_id))

    def entry_for_entity(self, entity_id: str) -> WatchlistEntry | None:
        ids = sorted(self._index.get(f"e:{entity_id}", ()))
        return self.entries[ids[0]] if ids else None


_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def _raise(severity: str, floor: str) -> str:
    return severity if _RANK[severity] >= _RANK[floor] else floor


def _finding(entity: str, label: str, entry: WatchlistEntry, severity: str, score: float,
             reasons: list[str], report_ids: Iterable[str], at: datetime | None,
             cluster_id: str | None = None) -> dict[str, Any]:
    node = f"person:{entity}"
    return {
        "type": "managed_offender", "key": f"managed_offender:{entity}", "severity": severity,
        "score": round(score, 3),
        "title": f"Managed offender ({entry.scheme}) active: {label}",
        "summary": (f"A person on the {entry.scheme} managed-offender list (entry "
                    f"{entry.entry_id}) appears in new evidence; tell the managing unit"
                    f"{' (' + entry.lead + ')' if entry.lead else ''}."),
        "reasons": tuple(reasons), "report_ids": tuple(sorted(set(report_ids))),
        "entities": (node,), "labels": (label,), "cluster_id": cluster_id, "at": at,
    }


def match_watchlist(report: Any, persons: Iterable[Any] | None, watchlist: Watchlist,
                    network: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """``managed_offender`` findings (dicts with ``Finding``'s fields; ``Finding(**d)``).

    * each suspect/offender of ``report`` (``persons``: resolved persons, default the report's)
      who matches an entry;
    * with ``network`` (an alert or finding of a network type, as a dict with ``type``,
      ``entities`` and ``report_ids``), each listed ``person:<entity>`` in it, at ``high``.

    Example: report R1 names suspect entity E1, on the list -> one finding, key
    ``managed_offender:E1``, report_ids ``("R1",)``.
    """
    found: dict[str, dict[str, Any]] = {}
    rid = getattr(report, "report_id", None) if report is not None else None
    at = getattr(report, "reported_at", None) if report is not None else None
    for person in (persons if persons is not None else getattr(report, "persons", ())):
        if getattr(person, "role", None) not in OFFENDER_ROLES:
            continue
        for entry, how, score in watchlist.match(person):
            entity = getattr(person, "entity_id", None) or entry.entity_id or offender_key(person)
            label = person.display_name() if hasattr(person, "display_name") else entity
            reasons = [f"{entry.scheme} entry {entry.entry_id} matched on {how}",
                       f"named as {person.role} in report {rid}"]
            found.setdefault(entity, _finding(entity, label or entity, entry, entry.severity,
                                              score, reasons, [rid] if rid else [], at))
    if network is not None and network.get("type") in NETWORK_TYPES:
        ents = network.get("entities", ())
        for ent in ents:
            node = ent.get("entity_id") if isinstance(ent, Mapping) else str(ent)
            if not node or not node.startswith("person:"):
                continue
            listed = watchlist.entry_for_entity(node.removeprefix("person:"))
            if listed is None:
                continue
            entry = listed
            entity = node.removeprefix("person:")
            label = ent.get("label", entity) if isinstance(ent, Mapping) else entity
            reason = (f"member of detected {network['type']} network "
                      f"{network.get('alert_id') or network.get('key', '')}".rstrip())
            rids = [*network.get("report_ids", ()), *([rid] if rid else [])]
            if entity in found:
                f = found[entity]
                f.update(severity=_raise(f["severity"], "high"),
                         reasons=(*f["reasons"], reason),
                         report_ids=tuple(sorted({*f["report_ids"], *rids})))
            else:
                found[entity] = _finding(entity, label, entry, _raise(entry.severity, "high"),
                                         0.9, [f"{entry.scheme} entry {entry.entry_id} "
                                               "matched on resolved entity id", reason],
                                         rids, at or _time(network), network.get("cluster_id"))
    return [found[k] for k in sorted(found)]


def _time(alert: Mapping[str, Any]) -> datetime | None:
    value = alert.get("updated_at") or alert.get("at")
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


# -- offender-side diversion referrals ----------------------------------------------------------

OffenderService = Literal["drug_alcohol_intervention", "youth_offending_team"]
OFFENDER_SERVICES: tuple[str, ...] = ("drug_alcohol_intervention", "youth_offending_team")
Basis = Literal["consent", "no_consent_needed", "duty_to_notify"]


class OffenderReferral(BaseModel):
    """``linkwatch.schemas.Referral``'s fields with the offender services (proposed for the
    contract's ``service`` list: ``drug_alcohol_intervention``, ``youth_offending_team``)."""

    model_config = ConfigDict(extra="forbid")

    referral_id: str
    report_id: str
    person_ref: str
    service: OffenderService
    basis: Basis
    priority: Literal["standard", "enhanced", "urgent"]
    reasons: list[str]
    due_by: Timestamp
    contact: ReferralContact
    status: Literal["active", "cancelled"] = "active"
    created_at: Timestamp
    handling: str = "OFFICIAL-SENSITIVE"


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
    category and flag lists the rules read.  Every list is a default a force changes."""

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
    category = (getattr(detail, "category", None) or "").lower()
    markers = set(getattr(report, "markers", ()) or ())
    flags = {str(f).lower() for f in getattr(person, "flags", ()) or ()}
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
class Level:
    test: Test
    referred: bool
    basis: Basis
    otherwise: bool = False


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
    priority: Literal["standard", "enhanced", "urgent"]
    reasons: tuple[str, ...]
    rule: str
    recipient: str
    decided_at: datetime
    referral: OffenderReferral | None = None


def _priority(f: OffenderFacts) -> tuple[Literal["standard", "enhanced", "urgent"], list[str]]:
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
            referral = OffenderReferral.model_validate(dict(
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


# -- crime from outside the force ---------------------------------------------------------------


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def outside_share(report_enrichment: Any, roles: Mapping[str, str] | None = None,
                  home: str | None = None) -> dict[str, Any]:
    """``{"share", "known", "outside", "forces": {force: n}}`` over the persons of one
    ``rules.enrich.Enrichment`` (object or ``as_dict()``) whose home force is known.

    ``roles`` (person_ref -> role) keeps suspects/offenders only; ``home`` overrides the
    enrichment's owning force.  Example: two suspects from B6 and one from CV11, Warwickshire ->
    ``{"share": 0.6667, "known": 3, "outside": 2, "forces": {"West Midlands": 2}}``.
    """
    ours = force_key(home or _get(report_enrichment, "force"))
    forces: dict[str, int] = {}
    known = 0
    for ref, facts in (_get(report_enrichment, "persons") or {}).items():
        if roles is not None and roles.get(ref) not in OFFENDER_ROLES:
            continue
        theirs = _get(facts, "home_force")
        if not theirs or ours is None:
            continue
        known += 1
        if force_key(theirs) != ours:
            forces[theirs] = forces.get(theirs, 0) + 1
    outside = sum(forces.values())
    return {"share": round(outside / known, 4) if known else None, "known": known,
            "outside": outside, "forces": dict(sorted(forces.items()))}


def alert_outside_share(alert: Any, home_forces: Mapping[str, str | None],
                        home: str) -> dict[str, Any]:
    """The same over an alert's person entities; ``home_forces`` maps ``person:<id>`` (or the
    bare id) to a home force (the graph's ``home_force`` node attribute).

    Example: 3 persons, 2 in West Midlands, home Warwickshire -> share 0.6667.
    """
    persons = {}
    for ent in _get(alert, "entities") or ():
        node = _get(ent, "entity_id") if not isinstance(ent, str) else ent
        if node and node.startswith("person:"):
            force = home_forces.get(node, home_forces.get(node.removeprefix("person:")))
            persons[node] = {"home_force": force}
    return outside_share({"force": home, "persons": persons})


def outside_reason(share: Mapping[str, Any], home: str) -> str | None:
    """The ``reasons`` line for an alert.  Example: ``"2 of 3 persons with a known home live
    outside Warwickshire Police (West Midlands 2): 67%"``."""
    if not share.get("known") or not share.get("outside"):
        return None
    where = ", ".join(f"{f} {n}" for f, n in share["forces"].items())
    return (f"{share['outside']} of {share['known']} persons with a known home live outside "
            f"{home} ({where}): {share['share']:.0%}")


__all__ = [
    "NETWORK_TYPES", "OFFENDER_ROLES", "OFFENDER_SERVICES", "OffenderDecision",
    "OffenderReferral", "OffenderRoutingConfig", "OffenderRuleError", "Watchlist",
    "WatchlistEntry", "alert_outside_share", "decide_diversion", "match_watchlist",
    "offender_audit_record", "offender_facts", "offender_key", "outside_reason", "outside_share",
]
