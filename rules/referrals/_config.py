"""``RoutingConfig``: where referrals go and which offences need what.

Every list here is a default that a force changes in configuration (domain.md: "Every rule here is
a default that an operator must be able to change").  The model is frozen and validated when it is
built, so a service without a route or an MS1 that would carry contact details fails at start-up.
Embed it in the settings model as ``referral_routing: RoutingConfig = RoutingConfig()``.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linkwatch.schemas import VICTIM_SERVICES, ReferralContact

# the victim services only: the offender diversion services on the same topic
# (``schemas.OFFENDER_SERVICES``) are decided by ``rules.offenders``, not by this table
SERVICES: tuple[str, ...] = VICTIM_SERVICES
CONTACT_FIELDS: tuple[str, ...] = tuple(ReferralContact.model_fields)
WARWICKSHIRE = "Warwickshire Police"


class ServiceRoute(BaseModel):
    """Who receives one service's referrals for one force (the s.62 'recipient')."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1)
    endpoint: str | None = None


_WARWICKSHIRE_ROUTES = {
    "victim_support": ServiceRoute(name="Victim Support (Warwickshire victim service)",
                                   endpoint="victim-support.warwickshire"),
    "fraud_victim_support": ServiceRoute(name="National fraud victim service (NECVCU)",
                                         endpoint="fraud-victim-service.national"),
    "nrm": ServiceRoute(name="Home Office NRM (Single Competent Authority)",
                        endpoint="nrm.home-office"),
    "ms1_duty_to_notify": ServiceRoute(name="Home Office Duty to Notify (MS1)",
                                       endpoint="ms1.home-office"),
    "childrens_social_care": ServiceRoute(name="Warwickshire Children's MASH",
                                          endpoint="mash.warwickshire"),
    "domestic_abuse": ServiceRoute(name="Warwickshire domestic abuse service",
                                   endpoint="domestic-abuse.warwickshire"),
}

# the minimum each service needs (contract: 'contact ... minimised'); MS1 is anonymous
_CONTACT_FIELDS = {
    "victim_support": ("name", "phone", "email", "postcode", "preferred_contact"),
    "fraud_victim_support": ("name", "phone", "email", "preferred_contact"),
    "nrm": ("name", "postcode", "phone"),
    "ms1_duty_to_notify": (),
    "childrens_social_care": ("name", "postcode", "phone"),
    "domestic_abuse": ("name", "phone", "postcode", "preferred_contact"),
}

_MOST_SERIOUS_MARKERS = {
    "domestic_abuse": "domestic abuse", "hate_crime": "hate crime",
    "sexual_offence": "sexual offence", "rape": "sexual offence",
    "attempted_murder": "attempted murder", "terrorism": "terrorism",
    "modern_slavery": "modern slavery or human trafficking",
    "human_trafficking": "modern slavery or human trafficking",
}


class RoutingConfig(BaseModel):
    """Routes per force, contact minimum per service, and the offence/flag lists the rules read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_force: str = WARWICKSHIRE
    forces: dict[str, dict[str, ServiceRoute]] = Field(
        default_factory=lambda: {WARWICKSHIRE: dict(_WARWICKSHIRE_ROUTES)})
    contact_fields: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: dict(_CONTACT_FIELDS))
    due_working_days: int = Field(default=2, ge=0, le=20)
    holiday_country: str = "GB"
    holiday_subdivision: str = "ENG"

    # consent-required offences (Victims' Code; contract 'Referral')
    sexual_offence_markers: tuple[str, ...] = ("sexual_offence", "rape")
    sexual_offence_categories: tuple[str, ...] = ("sexual-offences", "sexual-offence", "rape")
    sexual_offence_ho_classes: tuple[str, ...] = ("17", "18", "19", "20", "21", "22", "23",
                                                  "70", "71", "72", "73", "74", "88")
    domestic_abuse_markers: tuple[str, ...] = ("domestic_abuse",)
    bereaved_flags: tuple[str, ...] = ("bereaved",)

    # enhanced rights
    most_serious_markers: dict[str, str] = Field(
        default_factory=lambda: dict(_MOST_SERIOUS_MARKERS))
    most_serious_ho_classes: dict[str, str] = Field(
        default_factory=lambda: {"2": "attempted murder"})
    persistently_targeted_min_prior: int = Field(default=1, ge=1)
    repeat_victim_flags: tuple[str, ...] = ("repeat_victim",)
    vulnerable_flags: tuple[str, ...] = ("vulnerable", "disability", "intimidated")
    at_risk_flags: tuple[str, ...] = ("at_risk", "missing_episode")
    child_flags: tuple[str, ...] = ("child", "looked_after_child", "under_18")
    child_age: int = Field(default=18, ge=1)

    # exploitation and modern slavery
    child_exploitation_markers: tuple[str, ...] = ("child_exploitation", "modern_slavery",
                                                   "county_lines")
    adult_nrm_markers: tuple[str, ...] = ("modern_slavery",)
    # the same recognised without a marker (issue 19): the Home Office offence class
    # (106 modern slavery, 72 trafficking for sexual exploitation; ho_offence_codes.csv) or
    # the incident category, for a victim of any age; a child is referred without consent
    modern_slavery_ho_classes: tuple[str, ...] = ("106", "72")
    modern_slavery_categories: tuple[str, ...] = ("modern-slavery", "human-trafficking",
                                                  "trafficking")
    # a victim in a report covered by a detected network of these alert types is a
    # victim of that exploitation (``DecisionContext.exploitation``)
    adult_nrm_networks: tuple[str, ...] = ("modern_slavery",)
    child_nrm_networks: tuple[str, ...] = ("modern_slavery", "child_exploitation")

    # fraud
    fraud_kinds: tuple[str, ...] = ("fraud",)
    fraud_categories: tuple[str, ...] = ("fraud",)
    fraud_most_vulnerable_flags: tuple[str, ...] = ("vulnerable", "disability")
    fraud_most_vulnerable_age: int = Field(default=75, ge=18)

    domestic_abuse_replaces_generic: bool = True

    @model_validator(mode="after")
    def _complete(self) -> Self:
        problems: list[str] = []
        if self.default_force not in self.forces:
            problems.append(f"default_force {self.default_force!r} has no routes; "
                            f"forces configured: {sorted(self.forces)}")
        else:
            missing = [s for s in SERVICES if s not in self.forces[self.default_force]]
            if missing:
                problems.append(f"default force {self.default_force!r} has no route for {missing}")
        for force, routes in self.forces.items():
            bad = sorted(set(routes) - set(SERVICES))
            if bad:
                problems.append(f"force {force!r}: unknown services {bad}; valid: {list(SERVICES)}")
        for service in SERVICES:
            if service not in self.contact_fields:
                problems.append(f"contact_fields has no entry for {service!r}")
        for service, names in self.contact_fields.items():
            if service not in SERVICES:
                problems.append(f"contact_fields: unknown service {service!r}; "
                                f"valid: {list(SERVICES)}")
            bad = sorted(set(names) - set(CONTACT_FIELDS))
            if bad:
                problems.append(f"contact_fields[{service!r}]: unknown fields {bad}; "
                                f"valid: {list(CONTACT_FIELDS)}")
        if self.contact_fields.get("ms1_duty_to_notify"):
            problems.append("contact_fields['ms1_duty_to_notify'] must be empty: MS1 is anonymous "
                            "(Modern Slavery Act 2015 s.52)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def route(self, force: str | None, service: str) -> tuple[ServiceRoute, bool]:
        """The route for ``service`` in ``force``; ``True`` when the default force's was used."""
        own = self.forces.get(force or "", {})
        if service in own:
            return own[service], False
        return self.forces[self.default_force][service], force != self.default_force
