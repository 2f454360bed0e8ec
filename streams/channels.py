"""Every topic the agents use, declared once: the Faust topics they read, and the names
of those they write (through ``streams.produce.send_records``)."""

from __future__ import annotations

from . import topics
from .app import app, settings

incident_topic = app.topic(topics.name(settings, topics.INPUT["incident"]))
fraud_topic = app.topic(topics.name(settings, topics.INPUT["fraud"]))
cyber_topic = app.topic(topics.name(settings, topics.INPUT["cyber"]))
accepted_topic = app.topic(topics.name(settings, topics.ACCEPTED))

DEADLETTER, ACCEPTED, ALERTS, REFERRALS, AUDIT, ENTITIES = (
    topics.name(settings, t) for t in (topics.DEADLETTER, topics.ACCEPTED, topics.ALERTS,
                                       topics.REFERRALS, topics.AUDIT, topics.ENTITIES))
