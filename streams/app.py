"""The Faust app.  This module says how to build it and does nothing else: importing it
builds nothing and reads no settings.

``create_app(settings)`` makes an app; ``get_app()`` is the process's one app, made from
the environment's settings on first use (the agent modules register on it when imported,
through ``streams.channels``).  A test can build and run an agent without a broker under
Faust's ``agent.test_context()`` (tests/test_agents.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import faust

    from linkwatch.config import Settings

_app: faust.App | None = None
_settings: Settings | None = None


class NoBrokerError(RuntimeError):
    """The app was asked for without ``KAFKA_BOOTSTRAP``."""


def create_app(settings: Settings) -> faust.App:
    """A Faust app for ``settings`` (no connection is made until a worker starts it)."""
    import faust

    from linkwatch.kafka import faust_broker_credentials

    from ._faust_tuning import set_fetch_max_wait

    if not settings.kafka_bootstrap:
        raise NoBrokerError("KAFKA_BOOTSTRAP is not set: start the worker with `linkwatch "
                            "worker`, which starts the embedded broker when none is configured")
    set_fetch_max_wait(settings.fetch_max_wait_ms)
    return faust.App(
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


def get_app() -> faust.App:
    """The process's one app, made on first use from ``config.get_settings()``."""
    global _app, _settings
    if _app is None:
        from linkwatch.config import get_settings

        _settings = get_settings()
        _app = create_app(_settings)
    return _app


def app_settings() -> Settings:
    """The settings ``get_app()``'s app was made with (the agents' settings)."""
    get_app()
    assert _settings is not None  # set with the app
    return _settings
