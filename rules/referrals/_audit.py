"""After the decision: the s.62 audit record, cancellations, and what an update cancels.

``audit_record`` is for the DPA 2018 s.62 log (decision and disclosure, with recipient and time):
ids, codes and field names only, never the person's details or the reasons' words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import orjson

from linkwatch.schemas import Referral, ReferralContact

from ._decide import Decision


def audit_record(decision: Decision, report_id: str, person_ref: str) -> dict[str, Any]:
    """A JSON-able s.62 entry: ``disclosure`` when referred (with recipient), else ``decision``.

    Example: a referred victim_support decision -> ``{"action": "disclosure", "recipient":
    "Victim Support (Warwickshire victim service)", "contact_fields_disclosed": ["name", ...]}``.
    """
    referral = decision.referral
    disclosed = sorted(k for k, v in referral.contact.model_dump().items() if v) if referral else []
    return {
        "topic": "referral_decision",
        "action": "disclosure" if decision.referred else "decision",
        "at": decision.decided_at.isoformat(),
        "report_id": report_id,
        "person_ref": person_ref,
        "service": decision.service,
        "recipient": decision.recipient if decision.referred else None,
        "referred": decision.referred,
        "basis": decision.basis,
        "priority": decision.priority,
        "rule": decision.rule,
        "rules_fired": list(decision.rules_fired),
        "unknowns": list(decision.unknowns),
        "referral_id": referral.referral_id if referral else None,
        "referral_report_id": referral.report_id if referral else None,
        "due_by": referral.due_by.isoformat() if referral else None,
        "contact_fields_disclosed": disclosed,
        "handling": referral.handling if referral else None,
    }


def audit_json(record: dict[str, Any]) -> bytes:
    """An audit record's message body: what ``json.dumps(record, default=str)`` gives as
    JSON (anything else, a datetime included, as its ``str``), at orjson's speed."""
    return orjson.dumps(record, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME)


def cancellation(previous: Referral, decided_at: datetime,
                 reason: str = "a later decision withdrew it") -> Referral:
    """The same referral (same id) with ``status: cancelled``.

    Contact is emptied (the service already has it; re-sending would be a needless disclosure)
    and the reasons end with when and why it was cancelled.  Example: consent withdrawn ->
    ``cancellation(old, t, "consent withdrawn")``.
    """
    return previous.model_copy(update={
        "status": "cancelled",
        "contact": ReferralContact(),
        "reasons": [*previous.reasons, f"cancelled {decided_at.isoformat()}: {reason}"],
    })


class DecisionDiff(NamedTuple):
    cancel: tuple[Referral, ...]   # previously active referrals the new decisions no longer make
    publish: tuple[Referral, ...]  # new referrals, or ones whose content changed
    unchanged: tuple[str, ...]     # referral ids identical in both


class Decided(Protocol):
    """What the diff reads of a decision: a victim ``Decision`` or an ``OffenderDecision``."""

    @property
    def referral(self) -> Referral | None: ...


def active_referrals(decisions: Iterable[Decided]) -> dict[str, Referral]:
    """The active referrals among ``decisions``, by id: all that a later version of the
    report is compared with (``diff_referrals``)."""
    return {d.referral.referral_id: d.referral for d in decisions
            if d.referral is not None and d.referral.status == "active"}


def diff_decisions(old: Iterable[Decided], new: Iterable[Decided]) -> DecisionDiff:
    """What an update changes.  Example: consent.victim_support true -> false cancels the
    victim_support referral (``cancel`` holds the old one; pass it to ``cancellation``)."""
    return diff_referrals(active_referrals(old), new)


def diff_referrals(before: Mapping[str, Referral], new: Iterable[Decided]) -> DecisionDiff:
    """``diff_decisions`` against the previous version's ``active_referrals``."""
    after = {d.referral.referral_id: d.referral for d in new if d.referral is not None}
    cancel = tuple(ref for rid, ref in sorted(before.items()) if rid not in after)
    publish = tuple(ref for rid, ref in sorted(after.items())
                    if rid not in before or before[rid] != ref)
    unchanged = tuple(rid for rid in sorted(after) if rid in before and before[rid] == after[rid])
    return DecisionDiff(cancel, publish, unchanged)
