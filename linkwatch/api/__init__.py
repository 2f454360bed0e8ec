"""linkwatch's HTTP API and analyst page (``linkwatch serve``)."""

from linkwatch.graph.feedback import status_key, suppress

from .app import create_app
from .auth import ApiSettings, AuthConfigError, KeyRing, Principal

__all__ = ["ApiSettings", "AuthConfigError", "KeyRing", "Principal", "create_app",
           "status_key", "suppress"]
