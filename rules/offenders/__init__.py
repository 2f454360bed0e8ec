"""Offender-side rules (issue 9): who an offender is, the IOM watchlist, diversion referrals,
and how much crime comes from outside the force.  Pure: no Kafka, no Redis, no clock.

* ``offender_key(person, report_id)``: the pipeline's ``entity_id`` when resolved, else a
  deterministic key from normalised name + date of birth (or + postcode); example:
  ``Person(name="Smith, Bill", dob=1990-01-02)`` -> ``"O" + sha256("william smith|1990-01-02")``.
* ``Watchlist`` + ``match_watchlist``: managed offenders (Integrated Offender Management
  cohort); a listed person named as suspect/offender, or inside a detected network, gives a
  ``managed_offender`` finding (a dict with ``graph.detectors.base.Finding``'s fields);
  ``with_evidence`` adds every report the person appeared in since listed.
* ``decide_diversion``: drug and alcohol interventions and youth offending team referrals,
  table-driven like ``rules.referrals``; returns :class:`OffenderDecision` with a contract
  ``Referral`` when referred, and ``offender_audit_record`` for the s.62 log.
* ``outside_share`` / ``alert_outside_share`` / ``outside_line``: the share of persons whose
  home force is not the owning force, with the forces they come from.
"""

from linkwatch.schemas import OFFENDER_SERVICES

from ._diversion import (
    TABLE,
    Level,
    OffenderDecision,
    OffenderFacts,
    OffenderReferral,
    OffenderRoutingConfig,
    ServiceTable,
    decide_diversion,
    offender_audit_record,
    offender_facts,
)
from ._identity import NETWORK_TYPES, OFFENDER_ROLES, OffenderRuleError, offender_key
from ._outside import alert_outside_share, outside_line, outside_reason, outside_share
from ._watchlist import MAX_EVIDENCE, Watchlist, WatchlistEntry, match_watchlist, with_evidence

__all__ = [
    "MAX_EVIDENCE", "NETWORK_TYPES", "OFFENDER_ROLES", "OFFENDER_SERVICES", "TABLE", "Level",
    "OffenderDecision", "OffenderFacts", "OffenderReferral", "OffenderRoutingConfig",
    "OffenderRuleError", "ServiceTable", "Watchlist", "WatchlistEntry", "alert_outside_share",
    "decide_diversion", "match_watchlist", "offender_audit_record", "offender_facts",
    "offender_key", "outside_line", "outside_reason", "outside_share", "with_evidence",
]
