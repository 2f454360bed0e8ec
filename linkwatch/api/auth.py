"""API keys and roles.

Keys come from ``LINKWATCH_API_KEYS`` as ``key:role:name`` items separated by
commas, e.g. ``k3y-1:analyst:alice,k3y-2:referral_officer:bob``.  With no keys the
API refuses to start, unless ``LINKWATCH_DEV_MODE=1``, when it uses the fixed
development keys in :data:`DEV_KEYS` (printed at start-up; never for real data).

Roles:

* ``analyst``: everything;
* ``referral_officer``: the referrals list only;
* ``read_only``: alerts, entities, clusters and the live stream; no status
  changes, no exports, no referrals.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROLES = ("analyst", "referral_officer", "read_only")
DEV_KEYS = "dev-analyst:analyst:dev-analyst,dev-referrals:referral_officer:dev-officer," \
           "dev-readonly:read_only:dev-reader"
MIN_KEY_LENGTH = 8


class AuthConfigError(ValueError):
    """The API keys cannot be used as configured (names the bad item and the choices)."""


class ApiSettings(BaseSettings):
    """The API's own settings (``LINKWATCH_*``), next to :class:`linkwatch.config.Settings`."""

    model_config = SettingsConfigDict(env_prefix="LINKWATCH_", frozen=True, extra="ignore")

    api_keys: SecretStr | None = None
    dev_mode: bool = False
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


class KeyRing:
    """Who holds which key.  Keys are compared in constant time, never logged."""

    def __init__(self, spec: str) -> None:
        self._keys: list[tuple[bytes, Principal]] = []
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            key, sep1, rest = item.partition(":")
            role, sep2, name = rest.partition(":")
            if not (sep1 and sep2 and key and name):
                raise AuthConfigError(f"API key item {_masked(item)!r} is not key:role:name")
            if role not in ROLES:
                raise AuthConfigError(f"API key for {name!r} has unknown role {role!r}; "
                                      f"choose from {', '.join(ROLES)}")
            if len(key) < MIN_KEY_LENGTH:
                raise AuthConfigError(f"API key for {name!r} is shorter than "
                                      f"{MIN_KEY_LENGTH} characters")
            self._keys.append((key.encode(), Principal(name=name, role=role)))
        if not self._keys:
            raise AuthConfigError("no API keys: set LINKWATCH_API_KEYS=key:role:name,... "
                                  "(or LINKWATCH_DEV_MODE=1 for the development keys)")

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> KeyRing:
        if settings.api_keys is not None and settings.api_keys.get_secret_value().strip():
            return cls(settings.api_keys.get_secret_value())
        if settings.dev_mode:
            return cls(DEV_KEYS)
        return cls("")  # raises: refuse to start without keys

    def lookup(self, presented: str) -> Principal | None:
        raw = presented.encode()
        found = None
        for key, principal in self._keys:  # no early exit: the same time for every key
            if hmac.compare_digest(key, raw):
                found = principal
        return found

    def __len__(self) -> int:
        return len(self._keys)


def _masked(item: str) -> str:
    key, _, rest = item.partition(":")
    return f"{key[:2]}…:{rest}" if rest else f"{item[:2]}…"


__all__ = ["DEV_KEYS", "ROLES", "ApiSettings", "AuthConfigError", "KeyRing", "Principal"]
