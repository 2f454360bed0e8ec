"""What linkwatch publishes: Alert, Referral and DeadLetter (contract, output sections)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from ._base import OutputModel, Timestamp

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = get_args(Severity)   # lowest first: the one ranking
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def severity_rank(severity: object, default: int = 0) -> int:
    """Where a severity stands: ``low`` 0 < ``medium`` 1 < ``high`` 2 < ``critical`` 3;
    ``default`` for anything else (missing, or not a severity)."""
    return _SEVERITY_RANK.get(severity, default) if isinstance(severity, str) else default

ALERT_TYPES = (
    "shared_identifier", "county_lines", "ocg", "fraud_network", "mule_account",
    "fraud_campaign", "cyber_campaign", "modern_slavery", "child_exploitation",
    "cuckooing", "repeat_victim", "knife_crime", "managed_offender",
)
VictimService = Literal[
    "victim_support", "fraud_victim_support", "nrm", "ms1_duty_to_notify",
    "childrens_social_care", "domestic_abuse",
]
# Extension (issue 9, docs/referrals.md): offender-side diversion services on the same topic.
OffenderService = Literal["drug_alcohol_intervention", "youth_offending_team"]
Service = Literal[VictimService, OffenderService]
VICTIM_SERVICES: tuple[str, ...] = get_args(VictimService)
OFFENDER_SERVICES: tuple[str, ...] = get_args(OffenderService)


class AlertEntity(OutputModel):
    entity_id: str
    kind: str
    label: str


class AlertLink(OutputModel):
    source: str
    target: str
    type: str
    report_ids: list[str]


class Alert(OutputModel):
    alert_id: str
    version: int = Field(ge=1)
    type: str = Field(description="one of " + ", ".join(ALERT_TYPES) + " (more may be added)")
    severity: Severity
    score: float = Field(ge=0, le=1)
    title: str
    summary: str
    reasons: list[str]
    report_ids: list[str]
    entities: list[AlertEntity]
    links: list[AlertLink]
    cluster_id: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    handling: str = "OFFICIAL-SENSITIVE"
    # Extensions of the contract's Alert (additive):
    # * issue 19, docs/detectors.md: one network, one live alert.  An alert merged into
    #   another of its network (or outranked by a more specific type) gets a last version
    #   with status "superseded" and the id of the alert that carries on;
    # * issue 20, docs/operations.md "Retention": "redacted", re-published by a retention
    #   purge without the erased reports and people (it replaces every earlier version);
    #   "withdrawn", nothing is left (the alert and every earlier version are dropped).
    status: Literal["live", "superseded", "redacted", "withdrawn"] = Field(
        default="live", description="live; superseded by another alert of its network; "
        "redacted or withdrawn after a retention purge")
    superseded_by: str | None = None


class ReferralContact(OutputModel):
    """Only what the service needs (minimised); empty for an anonymous MS1."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    postcode: str | None = None
    preferred_contact: str | None = None


class Referral(OutputModel):
    referral_id: str
    report_id: str
    person_ref: str
    service: Service
    basis: Literal["consent", "no_consent_needed", "duty_to_notify"]
    priority: Literal["standard", "enhanced", "urgent"]
    reasons: list[str]
    due_by: Timestamp
    contact: ReferralContact
    status: Literal["active", "cancelled"] = "active"
    created_at: Timestamp
    handling: str = "OFFICIAL-SENSITIVE"


class DeadLetterError(OutputModel):
    loc: str
    msg: str


DeadLetterReason = Literal["invalid", "processing_error"]


class DeadLetter(OutputModel):
    """``topic``/``partition``/``offset``: where the input message arrived.

    ``reason``: ``invalid`` (the sender's input broke the contract; ``errors`` say how)
    or ``processing_error`` (linkwatch failed on a valid report: our fault, re-driven by
    ``linkwatch deadletters --replay`` once fixed).  For a processing error ``stage``,
    ``exception`` (its class) and ``where`` (the code location) say what failed; the
    exception's message is never kept, as it can carry personal data.  These four
    fields are an additive extension of the contract's DeadLetter."""

    received_at: Timestamp
    topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    errors: list[DeadLetterError] = Field(min_length=1)
    value: str | None = None
    value_b64: str | None = None
    reason: DeadLetterReason = "invalid"
    stage: str | None = None
    exception: str | None = None
    where: str | None = None

    @model_validator(mode="after")
    def _one_value(self) -> DeadLetter:
        if (self.value is None) == (self.value_b64 is None):
            raise ValueError("exactly one of value and value_b64 is set")
        return self
