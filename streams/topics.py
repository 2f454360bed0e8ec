"""Topic names (contract 'Topics') and the internal ones linkwatch owns."""

from __future__ import annotations

from linkwatch.config import Settings

INPUT = {"incident": "reports.incident", "fraud": "reports.fraud", "cyber": "reports.cyber"}
DEADLETTER = "reports.deadletter"
ALERTS = "alerts"
REFERRALS = "referrals"
AUDIT = "linkwatch.audit"          # append-only decision log (DPA 2018 s.62)
ACCEPTED = "linkwatch.reports.accepted"  # internal: validated, normalised reports
ENTITIES = "linkwatch.entities"    # internal: which entity each person of a report resolved to


def name(settings: Settings, base: str) -> str:
    return f"{settings.topic_prefix}{base}"


def all_topics(settings: Settings) -> dict[str, int]:
    """Every topic linkwatch needs -> its partition count."""
    n = settings.partitions
    topics = {name(settings, t): n for t in INPUT.values()}
    topics.update({
        name(settings, DEADLETTER): n,
        name(settings, ALERTS): n,
        name(settings, REFERRALS): n,
        name(settings, AUDIT): 1,
        name(settings, ENTITIES): 1,
        # one partition: the link graph has exactly one owner
        name(settings, ACCEPTED): 1,
    })
    return topics
