"""Analysts' decisions on alerts, fed back to the link stage.

An analyst acknowledges, assigns or closes an alert through the API; the status is
kept in Redis under ``lw:{app_id}:alert_status:{alert_id}`` as JSON, e.g.::

    {"alert_id": "A3f…", "status": "closed", "reason": "false positive: bank switchboard",
     "severity": "high", "version": 2, "by": "alice", "at": "2026-11-24T21:05:00+00:00"}

Before it publishes a new version of an alert, the link stage asks
:func:`suppress` whether the analysts have already dealt with that structure: the one
place that decides (``agents/link.py`` applies it to each fresh version).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linkwatch.schemas import Alert, severity_rank

STATUSES = ("new", "acknowledged", "assigned", "closed")


def status_key(app_id: str, alert_id: str) -> str:
    """The Redis key of one alert's status (same ``lw:{app_id}`` prefix as the worker's)."""
    return f"lw:{app_id}:alert_status:{alert_id}"


def suppress(alert: Alert, status: Mapping[str, Any] | None) -> bool:
    """True when this alert version should not be published, given the analysts' status.

    Ordered rules, first match decides:

    1. no status, or not ``closed`` (new, acknowledged, assigned) -> publish
       (the people working on it want its updates);
    2. closed, and the alert's severity is higher than it was when closed -> publish
       (the structure got worse: it re-opens);
    3. closed -> suppress (same or lower severity: the analysts already decided).

    Example: closed at ``high``; a version 3 at ``high`` -> suppressed; at ``critical``
    -> published.  A closed status with no recorded severity suppresses everything
    short of ``critical``.
    """
    if not status or status.get("status") != "closed":
        return False
    closed_at = severity_rank(status.get("severity"), default=2)
    return severity_rank(alert.severity) <= closed_at


__all__ = ["STATUSES", "status_key", "suppress"]
