"""API keys and roles.

Keys come from ``LINKWATCH_API_KEYS`` as ``key:role:name`` items separated by
commas, e.g. ``k3y-1:analyst:alice,k3y-2:referral_officer:bob``.  With no keys the
API refuses to start, unless ``LINKWATCH_DEV_MODE=1``, when it uses the fixed
development keys in :data:`DEV_KEYS` (printed at start-up; never for real data).

Outside development mode every key must be at least :data:`MIN_KEY_LENGTH` (32)
characters; development mode serves only on loopback (``linkwatch serve`` refuses
anything else) and says so in a banner.

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
MIN_KEY_LENGTH = 32      # outside development mode (a key is a password: make it long)
MIN_DEV_KEY_LENGTH = 8   # the development keys, loopback only
LOOPBACK_NAMES = "localhost,127.0.0.1,[::1]"


class AuthConfigError(ValueError):
    """The API keys cannot be used as configured (names the bad item and the choices)."""


class ApiSettings(BaseSettings):
    """The API's own settings (``LINKWATCH_*``), next to :class:`linkwatch.config.Settings`."""

    model_config = SettingsConfigDict(env_prefix="LINKWATCH_", frozen=True, extra="ignore")

    api_keys: SecretStr | None = None
    dev_mode: bool = False
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # the names a request's Host header may carry (DNS rebinding); the --host address is
    # added by ``linkwatch serve`` when it is a specific one
    api_hosts: str = LOOPBACK_NAMES
    api_max_body_bytes: int = Field(default=1_000_000, ge=1024)   # larger bodies: 413
    api_auth_failures_per_minute: int = Field(default=10, ge=1)  # per client, then 429

    @property
    def dev_keys_in_use(self) -> bool:
        """No keys given (unset or empty) and development mode: the fixed dev keys."""
        given = self.api_keys is not None and bool(self.api_keys.get_secret_value().strip())
        return self.dev_mode and not given

    def host_names(self) -> list[str]:
        return [h.strip().lower() for h in self.api_hosts.split(",") if h.strip()]


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


class KeyRing:
    """Who holds which key.  Keys are compared in constant time, never logged."""

    def __init__(self, spec: str, min_length: int = MIN_DEV_KEY_LENGTH) -> None:
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
            if len(key) < min_length:
                raise AuthConfigError(f"API key for {name!r} is shorter than "
                                      f"{min_length} characters")
            self._keys.append((key.encode(), Principal(name=name, role=role)))
        if not self._keys:
            raise AuthConfigError("no API keys: set LINKWATCH_API_KEYS=key:role:name,... "
                                  "(or LINKWATCH_DEV_MODE=1 for the development keys)")

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> KeyRing:
        if settings.api_keys is not None and settings.api_keys.get_secret_value().strip():
            return cls(settings.api_keys.get_secret_value(),
                       MIN_DEV_KEY_LENGTH if settings.dev_mode else MIN_KEY_LENGTH)
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


__all__ = ["DEV_KEYS", "MIN_KEY_LENGTH", "ROLES", "ApiSettings", "AuthConfigError", "KeyRing",
           "Principal"]
