"""Kafka plumbing shared by the CLI and the worker: topic creation, clients, TLS/SASL."""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from linkwatch.config import Settings
from linkwatch.streams import topics

log = logging.getLogger(__name__)


def client_kwargs(settings: Settings) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"bootstrap_servers": settings.kafka_bootstrap,
                              "security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol in {"SSL", "SASL_SSL"}:
        kwargs["ssl_context"] = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_sasl_mechanism:
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism
        kwargs["sasl_plain_username"] = settings.kafka_sasl_username
        if settings.kafka_sasl_password:
            kwargs["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return kwargs


def faust_broker_credentials(settings: Settings) -> Any:
    import faust

    ctx = None
    if settings.kafka_security_protocol in {"SSL", "SASL_SSL"}:
        ctx = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_sasl_mechanism:
        password = settings.kafka_sasl_password
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username, ssl_context=ctx,
            password=password.get_secret_value() if password else None,
            mechanism=settings.kafka_sasl_mechanism,
        )
    if ctx is not None:
        return faust.SSLCredentials(ctx)
    return None


DAY_MS = 24 * 3600 * 1000
FOREVER = "-1"


def topic_configs(settings: Settings) -> dict[str, dict[str, str]]:
    """Every topic linkwatch creates -> the configs it is created with.

    Kafka's default retention is 7 days; left so, a restarted link stage would rebuild
    only a week of history.  So each topic says how long it keeps messages (by arrival
    time, never before a report's ``reported_at``); docs/operations.md, "Retention":

    * ``linkwatch.reports.accepted``: the retention period plus a margin longer than the
      purge interval, so Kafka deletes only what ``linkwatch purge`` has already hidden
      (the topic is one ordered log: a purge marker is never deleted before the reports
      it names);
    * ``linkwatch.audit``: kept forever (``-1``; the audit log has its own period);
    * input topics and dead letters: ``input_retention_days`` (at most the period): the
      accepted topic is the record, these are for redelivery, triage and reconcile;
    * ``alerts``, ``referrals``, ``linkwatch.entities``: compacted by key *and* deleted
      after the retention period (``compact,delete``): a retention purge publishes over
      what it erases under the same key (a new alert version, a tombstone;
      ``linkwatch.erasure``), and compaction then removes the old values from the log,
      however late they arrived;
    * ``linkwatch.watchlist``: compacted (the latest entry per key, kept until removed).

    Example: the defaults (2190 + 31 days) give the accepted topic
    ``retention.ms=191894400000``.
    """
    def keep(days: int) -> dict[str, str]:
        return {"cleanup.policy": "delete", "retention.ms": str(days * DAY_MS)}

    period = settings.retention_days
    configs = {name: keep(min(settings.input_retention_days, period))
               for name in [*(topics.name(settings, t) for t in topics.INPUT.values()),
                            topics.name(settings, topics.DEADLETTER)]}
    configs.update({topics.name(settings, t): {**keep(period),
                                               "cleanup.policy": "compact,delete"}
                    for t in (topics.ALERTS, topics.REFERRALS, topics.ENTITIES)})
    configs[topics.name(settings, topics.ACCEPTED)] = keep(period
                                                          + settings.retention_margin_days)
    configs[topics.name(settings, topics.AUDIT)] = {"cleanup.policy": "delete",
                                                    "retention.ms": FOREVER}
    configs[topics.name(settings, topics.WATCHLIST)] = {"cleanup.policy": "compact"}
    return configs


async def ensure_topics(settings: Settings, retries: int = 30,
                        only: tuple[str, ...] | None = None) -> dict[str, int]:
    """Create every topic linkwatch uses (``streams.topics.all_topics``; with ``only``,
    those of these base names), idempotent, with the configs of ``topic_configs``; return
    name -> partitions.  Topics that already exist are left as they are; where their
    retention differs, a warning says how to set it."""
    wanted = topics.all_topics(settings)
    if only is not None:
        keep = {topics.name(settings, t) for t in only}
        wanted = {t: p for t, p in wanted.items() if t in keep}
    configs = topic_configs(settings)
    for attempt in range(retries):
        admin = AIOKafkaAdminClient(**client_kwargs(settings))
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [NewTopic(t, p, settings.replication_factor, topic_configs=configs[t])
                       for t, p in wanted.items() if t not in existing]
            if missing:
                try:
                    await admin.create_topics(missing)
                except TopicAlreadyExistsError:
                    pass
            await _warn_on_drift(admin, {t: configs[t] for t in wanted if t in existing})
            return wanted
        except Exception as exc:  # noqa: BLE001 - broker may still be starting
            if attempt == retries - 1:
                raise
            log.info("waiting for Kafka at %s (%s)", settings.kafka_bootstrap, exc)
            await asyncio.sleep(1.0)
        finally:
            await admin.close()
    return wanted


async def current_configs(admin: AIOKafkaAdminClient, names: list[str]
                          ) -> dict[str, dict[str, str]]:
    """Topic -> the configs the broker reports for it (Tansu: only those set)."""
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    if not names:
        return {}
    out: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]):
        for resource in response.resources:
            _error, _message, _type, name, entries = resource[:5]
            out[name] = {e[0]: e[1] for e in entries}
    return out


async def _warn_on_drift(admin: AIOKafkaAdminClient, wanted: dict[str, dict[str, str]]) -> None:
    """Existing topics are not altered (that is the operator's call); say where they
    differ from what ``topic_configs`` would create."""
    try:
        have = await current_configs(admin, sorted(wanted))
    except Exception as exc:  # noqa: BLE001 - a broker without DescribeConfigs: no check
        log.debug("topic configs not checked (%s)", exc)
        return
    for name, configs in wanted.items():
        for key, value in configs.items():
            got = have.get(name, {}).get(key)
            if got != value:
                log.warning("topic %s has %s=%s, linkwatch would create it with %s: "
                            "kafka-configs.sh --alter --entity-type topics --entity-name %s "
                            "--add-config %s=%s", name, key, got or "(broker default)",
                            value, name, key, value)


def producer(settings: Settings, **kw: Any) -> AIOKafkaProducer:
    options = {"linger_ms": 10, "max_request_size": 4 * 1024 * 1024, **kw}
    return AIOKafkaProducer(**client_kwargs(settings), **options)


def consumer(settings: Settings, *names: str, **kw: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(*names, **client_kwargs(settings), **kw)
