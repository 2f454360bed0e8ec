"""One frozen settings model for the whole of linkwatch.

Every setting has an environment name (``LINKWATCH_*`` unless noted) and a
default that lets the embedded stack run with nothing set.  ``KAFKA_BOOTSTRAP``
and ``REDIS_URL`` are read without prefix, as the deployment guide names them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINKWATCH_", frozen=True, extra="ignore")

    kafka_bootstrap: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_BOOTSTRAP", "LINKWATCH_KAFKA_BOOTSTRAP")
    )
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "LINKWATCH_REDIS_URL")
    )

    app_id: str = "linkwatch"
    topic_prefix: str = ""
    partitions: int = Field(default=4, ge=1, le=256)
    replication_factor: int = Field(default=1, ge=1)
    session_timeout_s: float = Field(default=10.0, gt=0)
    rebalance_timeout_s: float = Field(default=10.0, gt=0)
    data_dir: str = ".linkwatch"   # link-stage snapshots (linkwatch/snapshot.py)
    snapshot_every: int = Field(default=50_000, ge=0)  # reports between snapshots; 0: none
    # where the link stage writes its view for readers (linkwatch/view/store.py):
    # postgresql://... for readers on other machines; unset: a SQLite file in data_dir
    view_url: str | None = None
    # at most one view write starts per interval: the batches applied in between go in one
    # transaction (readers are this much behind at most, plus one write)
    view_interval_s: float = Field(default=0.5, ge=0)
    log_level: str = "info"

    pseudonym_key: SecretStr | None = None  # HMAC key for --pseudonymise exports and shares
    # who is acting, for the audit log; commands that disclose or erase personal data refuse
    # to run without it (or --operator): linkwatch/operator.py
    user: str | None = Field(default=None, description="who is acting, for the audit log")

    referral_routing_file: str | None = None  # YAML/JSON RoutingConfig; Warwickshire if unset
    offender_routing_file: str | None = None  # YAML/JSON OffenderRoutingConfig (diversion)
    watchlist_file: str | None = None  # managed offenders, CSV or JSONL (plus the topic)
    allowlist_file: str | None = None  # known legitimate contacts, YAML/JSON (graph/allowlist.py)

    force: str = "Warwickshire Police"
    handling: str = "OFFICIAL-SENSITIVE"
    max_message_bytes: int = Field(default=1_000_000, ge=1024)
    dedupe_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    batch_size: int = Field(default=500, ge=1)
    fetch_max_wait_ms: int = Field(default=50, ge=1, le=10_000)
    batch_within_s: float = Field(default=0.05, gt=0)

    # topic retention set by `linkwatch topics create` (docs/operations.md, "Retention")
    retention_days: int = Field(default=2190, ge=1)        # the data's period: 6 years
    retention_margin_days: int = Field(default=31, ge=1)   # accepted topic: > purge interval
    input_retention_days: int = Field(default=90, ge=1)    # reports.*, dead letters

    shared_identifier_min_reporters: int = Field(default=3, ge=2)
    shared_identifier_window_days: int = Field(default=90, ge=1)
    hub_ignore: tuple[str, ...] = ()

    @field_validator("pseudonym_key", mode="before")
    @classmethod
    def _pseudonym_key_long_enough(cls, value: object) -> object:
        """Empty means unset; otherwise at least ``MIN_PSEUDONYM_KEY_BYTES`` bytes (UTF-8),
        refused when the settings are read (start-up), not at the first export."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, str) and len(raw.encode()) < MIN_PSEUDONYM_KEY_BYTES:
            raise ValueError(f"LINKWATCH_PSEUDONYM_KEY is {len(raw.encode())} bytes; it must "
                             f"be at least {MIN_PSEUDONYM_KEY_BYTES} (an HMAC key: make it "
                             "long and random, e.g. `openssl rand -hex 32`)")
        return value


MIN_PSEUDONYM_KEY_BYTES = 16


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_problem() -> str | None:
    """Why the environment's settings cannot be used (one line per bad setting), or None.
    Commands call it at start so a bad value stops them with a message, not a traceback."""
    from pydantic import ValidationError

    try:
        get_settings()
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: "
                         f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
    return None


M = TypeVar("M", bound=BaseModel)


def load_config_file(path: str | None, model: type[M]) -> M:
    """A configuration file (YAML or JSON) in the shape of the pydantic ``model``; the
    model's defaults when ``path`` is unset.  A bad file raises at start-up, naming why."""
    if not path:
        return model()
    import yaml

    with open(path, encoding="utf-8") as fh:
        return model.model_validate(yaml.safe_load(fh) or {})
