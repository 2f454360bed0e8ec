"""The stages of the pipeline as Faust agents.  Each is thin: it feeds pure
functions (``linkwatch.rules``, ``linkwatch.pipeline``) and publishes."""

from . import intake, link

__all__ = ["intake", "link"]
