"""Every Faust topic object, declared once; agents import what they read and write."""

from __future__ import annotations

from . import topics
from .app import app, settings

incident_topic = app.topic(topics.name(settings, topics.INPUT["incident"]))
fraud_topic = app.topic(topics.name(settings, topics.INPUT["fraud"]))
cyber_topic = app.topic(topics.name(settings, topics.INPUT["cyber"]))
deadletter_topic = app.topic(topics.name(settings, topics.DEADLETTER))
accepted_topic = app.topic(topics.name(settings, topics.ACCEPTED))
alerts_topic = app.topic(topics.name(settings, topics.ALERTS))
referrals_topic = app.topic(topics.name(settings, topics.REFERRALS))
audit_topic = app.topic(topics.name(settings, topics.AUDIT))
entities_topic = app.topic(topics.name(settings, topics.ENTITIES))
