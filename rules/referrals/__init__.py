"""Victim-support referral decisions (issue 6): a pure, table-driven function.

``decide(report, person, ctx)`` returns one ``Decision`` per service the person is in scope for
(referred or not, with basis, priority, reasons, the rule that decided, unknowns, and a ready
``Referral`` when referred).  The Faust agent only feeds it and publishes.  Rules, their sources
and the choices made are in ``docs/referrals.md``; the rules themselves are in ``_rules.py``.
"""

from __future__ import annotations

from ._audit import (
    DecisionDiff,
    active_referrals,
    audit_json,
    audit_record,
    cancellation,
    diff_decisions,
    diff_referrals,
)
from ._calendar import is_working_day, working_days_after
from ._config import RoutingConfig, ServiceRoute
from ._decide import Decision, DecisionContext, decide, referral_id
from ._errors import ReferralError, ReferralRuleError
from ._facts import VictimHistory
from ._table import Basis, Level, Priority

__all__ = [
    "Basis", "Decision", "DecisionContext", "DecisionDiff", "Level", "Priority",
    "ReferralError", "ReferralRuleError", "RoutingConfig", "ServiceRoute", "VictimHistory",
    "active_referrals", "audit_json", "audit_record", "cancellation", "decide",
    "diff_decisions", "diff_referrals", "is_working_day",
    "referral_id", "working_days_after",
]
