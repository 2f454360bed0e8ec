"""The worker's app and every topic its agents use, declared once: the Faust topics they
read, and the names of those they write (through ``streams.produce.send_records``).

Importing this module makes the app (``streams.app.get_app``) from the environment's
settings; the agent modules import it, and so register on that app.
"""

from __future__ import annotations

from . import topics
from .app import app_settings, get_app

app = get_app()
settings = app_settings()

incident_topic = app.topic(topics.name(settings, topics.INPUT["incident"]))
fraud_topic = app.topic(topics.name(settings, topics.INPUT["fraud"]))
cyber_topic = app.topic(topics.name(settings, topics.INPUT["cyber"]))
accepted_topic = app.topic(topics.name(settings, topics.ACCEPTED))

DEADLETTER, ACCEPTED, ALERTS, REFERRALS, AUDIT, ENTITIES = (
    topics.name(settings, t) for t in (topics.DEADLETTER, topics.ACCEPTED, topics.ALERTS,
                                       topics.REFERRALS, topics.AUDIT, topics.ENTITIES))

__all__ = ["ACCEPTED", "ALERTS", "AUDIT", "DEADLETTER", "ENTITIES", "REFERRALS", "app",
           "accepted_topic", "cyber_topic", "fraud_topic", "incident_topic", "settings"]
