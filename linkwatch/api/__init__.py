"""linkwatch's HTTP API and analyst page (``linkwatch serve``).

The names below are imported on first use, so ``linkwatch --help`` (which loads
``linkwatch.api.cli``) does not import FastAPI and the link graph.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linkwatch.graph.feedback import status_key, suppress

    from .app import create_app
    from .auth import ApiSettings, AuthConfigError, KeyRing, Principal

_WHERE = {"status_key": "linkwatch.graph.feedback", "suppress": "linkwatch.graph.feedback",
          "create_app": "linkwatch.api.app", "ApiSettings": "linkwatch.api.auth",
          "AuthConfigError": "linkwatch.api.auth", "KeyRing": "linkwatch.api.auth",
          "Principal": "linkwatch.api.auth"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ApiSettings", "AuthConfigError", "KeyRing", "Principal", "create_app",
           "status_key", "suppress"]
