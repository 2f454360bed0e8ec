"""The link graph, its detectors and its exports."""

from . import model
from .store import LinkGraph

__all__ = ["LinkGraph", "model"]
