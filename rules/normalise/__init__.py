"""Identifier normalisation: the same identifier written two ways is one node.

``canonical(type, value)`` returns a :class:`Canonical` whose ``node_id`` is the
graph node id (``phone:+447700900123``).  A value that cannot be parsed stays as
raw text with ``valid=False`` and ``node_id=None``: it is kept, never linked.
"""

from __future__ import annotations

from ._core import Canonical, canonical, node_prefix

__all__ = ["Canonical", "canonical", "node_prefix"]
