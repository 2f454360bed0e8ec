"""``load_config``: ``DetectorConfig`` from ``linkwatch/data/detectors.yaml``.

Environment overrides: ``LINKWATCH_DETECTOR_<FIELD>`` (upper case), e.g.
``LINKWATCH_DETECTOR_WINDOW_DAYS=60`` or ``LINKWATCH_DETECTOR_HUB_IGNORE=phone:+441234,ip:1.2.3.4``.
An unknown key in the file is an error at start-up, naming the valid keys.
"""

from __future__ import annotations

import os
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .base import DetectorConfig

ENV_PREFIX = "LINKWATCH_DETECTOR_"


class ConfigError(ValueError):
    """A detector setting that cannot be used."""


def load_config(path: str | Path | None = None,
                env: dict[str, str] | None = None) -> DetectorConfig:
    env = dict(os.environ if env is None else env)
    raw: dict[str, Any] = {}
    source = (Path(path) if path
              else Path(str(resources.files("linkwatch") / "data" / "detectors.yaml")))
    if source.exists():
        raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    elif path:
        raise ConfigError(f"detector config {source} does not exist")
    if not isinstance(raw, dict):
        raise ConfigError(f"detector config {source} must be a mapping")
    known = {f.name: f for f in fields(DetectorConfig)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(f"unknown detector settings {unknown}; valid: {sorted(known)}")
    for name in known:
        value = env.get(ENV_PREFIX + name.upper())
        if value is not None:
            raw[name] = value
    defaults = DetectorConfig()
    return DetectorConfig(**{k: _coerce(k, v, getattr(defaults, k)) for k, v in raw.items()})


def _coerce(name: str, value: Any, default: Any) -> Any:
    try:
        if name == "now":
            return None if value is None else value
        if isinstance(default, frozenset | tuple):
            items = value.split(",") if isinstance(value, str) else list(value or ())
            items = [str(i).strip() for i in items if str(i).strip()]
            return frozenset(items) if isinstance(default, frozenset) else tuple(items)
        if isinstance(default, bool):
            return str(value).lower() in {"1", "true", "yes"}
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"detector setting {name}={value!r} is not a valid "
                          f"{type(default).__name__}") from exc
