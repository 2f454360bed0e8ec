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


async def ensure_topics(settings: Settings, retries: int = 30) -> dict[str, int]:
    """Create every topic linkwatch uses (idempotent); return name -> partitions."""
    wanted = topics.all_topics(settings)
    for attempt in range(retries):
        admin = AIOKafkaAdminClient(**client_kwargs(settings))
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [NewTopic(t, p, settings.replication_factor)
                       for t, p in wanted.items() if t not in existing]
            if missing:
                try:
                    await admin.create_topics(missing)
                except TopicAlreadyExistsError:
                    pass
            return wanted
        except Exception as exc:  # noqa: BLE001 - broker may still be starting
            if attempt == retries - 1:
                raise
            log.info("waiting for Kafka at %s (%s)", settings.kafka_bootstrap, exc)
            await asyncio.sleep(1.0)
        finally:
            await admin.close()
    return wanted


def producer(settings: Settings, **kw: Any) -> AIOKafkaProducer:
    options = {"linger_ms": 10, "max_request_size": 4 * 1024 * 1024, **kw}
    return AIOKafkaProducer(**client_kwargs(settings), **options)


def consumer(settings: Settings, *names: str, **kw: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(*names, **client_kwargs(settings), **kw)
