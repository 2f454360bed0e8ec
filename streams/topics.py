"""Every Kafka topic linkwatch reads or writes, declared once: the contract's topics
(docs/contract.md, 'Topics') and the internal ones linkwatch owns.

The constants are base names; ``name`` adds the deployment's ``topic_prefix``.  No other
module spells a topic name (tests/test_topics.py checks): they import it from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkwatch.config import Settings

INPUT = {"incident": "reports.incident", "fraud": "reports.fraud", "cyber": "reports.cyber"}
DEADLETTER = "reports.deadletter"
ALERTS = "alerts"
REFERRALS = "referrals"
AUDIT = "linkwatch.audit"          # append-only decision log (DPA 2018 s.62)
ACCEPTED = "linkwatch.reports.accepted"  # internal: validated, normalised reports
ENTITIES = "linkwatch.entities"    # internal: which entity each person of a report resolved to
WATCHLIST = "linkwatch.watchlist"  # managed offenders, compacted: key entry_id, null removes

# one partition: the link graph has exactly one owner; the audit log, the entity log and
# the watchlist are read whole, in order
SINGLE_PARTITION = (AUDIT, ENTITIES, ACCEPTED, WATCHLIST)
BASES = (*INPUT.values(), DEADLETTER, ALERTS, REFERRALS, AUDIT, ACCEPTED, ENTITIES, WATCHLIST)


def name(settings: Settings, base: str) -> str:
    """``base`` as this deployment names it: ``name(Settings(topic_prefix="t1."), ALERTS)``
    is ``"t1.alerts"``."""
    return f"{settings.topic_prefix}{base}"


def all_topics(settings: Settings) -> dict[str, int]:
    """Every topic linkwatch needs (what ``linkwatch topics create`` creates) -> its
    partition count."""
    return {name(settings, t): 1 if t in SINGLE_PARTITION else settings.partitions
            for t in BASES}
