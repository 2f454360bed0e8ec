"""``decide(report, person, ctx) -> list[Decision]``: the pure referral decision.

One ``Decision`` per service the person is in scope for, referred or not, in the contract's
service order, so the audit log holds the refusals too.  The same input gives the same output,
byte for byte: ids are hashes, ``created_at`` is the report's ``reported_at``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from linkwatch.rules.normalise import canonical
from linkwatch.schemas import AnyReport, Person, Referral, ReferralContact

from ._calendar import working_days_after
from ._config import SERVICES, RoutingConfig
from ._facts import Facts, VictimHistory, _word, derive_facts, words
from ._rules import TABLES
from ._table import Basis, Priority, PriorityResult, ServiceRules


@dataclass(frozen=True)
class DecisionContext:
    """What the caller knows beyond the report.

    ``is_duplicate_of``: the ORIGINAL report id of a near-duplicate; referral ids (and the
    referral's ``report_id``) are then computed from it, so the victim is never referred twice.
    ``original_person_ref`` / ``original_reported_at``: the same person's ref and the report time
    in the original report, when the dedupe stage knows them (else this report's are used).
    """

    history: VictimHistory = field(default_factory=VictimHistory)
    is_duplicate_of: str | None = None
    original_person_ref: str | None = None
    original_reported_at: datetime | None = None
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    handling: str = "OFFICIAL-SENSITIVE"
    # alert types of the detected exploitation networks (modern_slavery, child_exploitation)
    # whose alert covers this report: its victims are victims of that exploitation
    exploitation: tuple[str, ...] = ()


class Decision(BaseModel):
    """One service's decision for one person: referred or not, why, and the referral if sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    referred: bool
    basis: Basis
    priority: Priority
    reasons: tuple[str, ...]
    rule: str                        # the service level that decided
    rules_fired: tuple[str, ...]     # scope, notes and priority rules that also fired
    unknowns: tuple[str, ...]
    recipient: str | None            # the route's name (s.62 'recipients')
    decided_at: datetime
    referral: Referral | None = None


def referral_id(report_id: str, person_ref: str, service: str) -> str:
    """``R`` + first 32 hex of sha256(``report_id|person_ref|service``).

    Example: ``referral_id("RMS-1", "p1", "nrm")`` is the same on every replay.
    """
    digest = hashlib.sha256(f"{report_id}|{person_ref}|{service}".encode()).hexdigest()
    return "R" + digest[:32]


def _postcode(raw: str | None) -> str | None:
    if not raw:
        return None
    norm = canonical("postcode", raw)
    return str(norm.value) if norm.valid and norm.value else raw


def _contact(person: Person, fields: tuple[str, ...]) -> ReferralContact:
    """Only the fields the service is configured to receive; first phone/email, normalised."""
    def first(kind: str, values: list[str]) -> str | None:
        for raw in values:
            norm = canonical(kind, raw)
            if norm.valid and norm.value:
                return str(norm.value)
        return str(values[0]) if values else None

    preferred = (person.model_extra or {}).get("preferred_contact")
    available = {
        "name": person.display_name(),
        "phone": first("phone", person.phones),
        "email": first("email", person.emails),
        "postcode": _postcode(person.postcode),
        "preferred_contact": preferred if isinstance(preferred, str) and preferred else None,
    }
    return ReferralContact(**{name: available[name] for name in fields})


def _decide_service(block: ServiceRules, facts: Facts, report: AnyReport, person: Person,
                    ctx: DecisionContext, priority: PriorityResult, scope_words: str) -> Decision:
    routing = ctx.routing
    table = TABLES[routing.domestic_abuse_replaces_generic]
    level, words = table.first(block, facts)
    notes = [(n.__name__, w) for n in block.notes if (w := n(facts))]
    level_name, fired, priority_reasons = priority
    route, fell_back = routing.route(report.force, block.service)
    unknowns = list(facts.unknowns)
    if fell_back:
        unknowns.append(f"routing: force not stated or without a {block.service} route; "
                        f"{routing.default_force} route used")
    reasons = (f"{scope_words}: {words}", *(w for _, w in notes), *priority_reasons)
    decided_at = ctx.original_reported_at or report.reported_at
    referral = None
    if level.referred:
        key_report = ctx.is_duplicate_of or report.report_id
        key_person = ctx.original_person_ref or person.person_ref or ""
        referral = Referral(
            referral_id=referral_id(key_report, key_person, block.service),
            report_id=key_report, person_ref=key_person, service=block.service,
            basis=level.basis,
            priority=level_name,
            reasons=list(reasons),
            due_by=working_days_after(decided_at, routing.due_working_days,
                                      routing.holiday_country, routing.holiday_subdivision),
            contact=_contact(person, routing.contact_fields[block.service]),
            created_at=decided_at, handling=ctx.handling,
        )
    return Decision(
        service=block.service, referred=level.referred, basis=level.basis,
        priority=level_name,
        reasons=reasons, rule=level.name,
        rules_fired=(block.scope.__name__, *(n for n, _ in notes), *fired),
        unknowns=tuple(unknowns), recipient=route.name, decided_at=decided_at, referral=referral,
    )


def decide(report: AnyReport, person: Person, ctx: DecisionContext | None = None) -> list[Decision]:
    """Every referral decision for ``person`` in ``report``; ``[]`` when not a victim/bereaved.

    Never raises: an unexpected failure becomes one not-referred ``decision_error`` decision, so a
    person is never silently dropped and someone is told to decide by hand.
    """
    ctx = ctx or DecisionContext()
    try:
        if person.role != "victim" and not (
                words(ctx.routing.bereaved_flags) & {_word(f) for f in person.flags if f}):
            return []  # neither a victim nor bereaved: out of scope (as derive_facts says)
        facts = derive_facts(report, person, ctx.routing, ctx.history, ctx.exploitation)
        if not facts.in_scope:
            return []
        table = TABLES[ctx.routing.domestic_abuse_replaces_generic]
        priority = table.priority_of(facts)
        order = {service: i for i, service in enumerate(SERVICES)}
        decisions = []
        for block in sorted(table.services, key=lambda b: order[b.service]):
            scope_words = block.scope(facts)
            if scope_words:
                decisions.append(_decide_service(block, facts, report, person, ctx, priority,
                                                 scope_words))
        return decisions
    except Exception as exc:  # noqa: BLE001 - a decision must never take the stream down
        return [_failed(report, ctx, exc)]


def _failed(report: object, ctx: DecisionContext, exc: Exception) -> Decision:
    when = getattr(report, "reported_at", None)
    return Decision(
        service="victim_support", referred=False, basis="consent", priority="standard",
        reasons=(f"decision failed ({type(exc).__name__}): decide and refer by hand",),
        rule="decision_error", rules_fired=(), unknowns=(f"error: {type(exc).__name__}",),
        recipient=None,
        decided_at=when if isinstance(when, datetime) else datetime(1970, 1, 1, tzinfo=UTC),
    )
