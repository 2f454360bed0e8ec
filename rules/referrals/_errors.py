"""One base exception for the referral rules, with small subclasses.

Both are start-up errors: ``decide`` itself never raises.
"""

from __future__ import annotations


class ReferralError(Exception):
    """Base of every error raised by ``linkwatch.rules.referrals``."""


class ReferralRuleError(ReferralError, ValueError):
    """The rule table is malformed (raised at import, so the service refuses to start)."""
