"""The package's exceptions: one base, small subclasses naming the bad value."""

from __future__ import annotations


class ResolveError(Exception):
    """Base of every error raised by ``linkwatch.rules.resolve``."""


class BadModel(ResolveError):
    """A comparison table is malformed (raised when the model is built)."""


class UnknownEntity(ResolveError):
    """An entity id that the index has never issued."""


class BadSplit(ResolveError):
    """A split that names records outside the entity, or all of them."""
