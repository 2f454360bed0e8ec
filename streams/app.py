"""The Faust app.  This module creates it and does nothing else."""

from __future__ import annotations

import faust

from linkwatch.config import get_settings
from linkwatch.kafka import faust_broker_credentials

from ._faust_tuning import set_fetch_max_wait

settings = get_settings()
if not settings.kafka_bootstrap:
    raise RuntimeError("KAFKA_BOOTSTRAP is not set: start the worker with `linkwatch worker`, "
                       "which starts the embedded broker when none is configured")

set_fetch_max_wait(settings.fetch_max_wait_ms)

app = faust.App(
    settings.app_id,
    broker=";".join(f"kafka://{h.strip()}" for h in settings.kafka_bootstrap.split(",")),
    broker_credentials=faust_broker_credentials(settings),
    value_serializer="raw",
    key_serializer="raw",
    web_enabled=False,
    topic_disable_leader=True,
    topic_allow_declare=False,   # `linkwatch topics create` owns topic creation
    topic_partitions=settings.partitions,
    consumer_auto_offset_reset="earliest",
    broker_session_timeout=settings.session_timeout_s,
    broker_rebalance_timeout=settings.rebalance_timeout_s,
    broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
    broker_commit_interval=1.0,
    producer_acks=-1,
    producer_linger_ms=5,
    producer_max_batch_size=1024 * 1024,
    producer_max_request_size=4 * 1024 * 1024,
    stream_buffer_maxsize=16384,
    stream_wait_empty=False,
    logging_config=None,
    loghandlers=[],
)
