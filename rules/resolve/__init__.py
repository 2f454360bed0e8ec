"""Person entity resolution, one record at a time.

Each person in each report is turned into a small normalised record, looked
up in a blocking index (phonetic names with date of birth, postcode, phones,
emails, identifiers), scored against the candidates with Fellegi-Sunter
weights, and joined to the best entity when the evidence reaches the
threshold, or made a new entity otherwise::

    resolver = Resolver(InMemoryIndex())           # or RedisIndex(redis_client, "lw:er")
    res = resolver.resolve(person, report_id, reported_at)
    res.entity_id, res.score, res.matched, res.reasons

Entity ids are ``E`` + 12 hex characters derived from the entity's first
record, so the same input order gives the same ids.  When a record links two
entities they merge: the older id survives and the other resolves to it
through ``resolve_alias``.  ``split`` undoes a wrong link.

Public names: ``Resolver``, ``Resolution``, ``Index``, ``InMemoryIndex``,
``RedisIndex``, ``Model``, ``Comparison``, ``Level``, ``score_pair``,
``estimate``, ``DEFAULT_THRESHOLD`` and the errors ``ResolveError``,
``BadModel``, ``BadSplit``, ``UnknownEntity``.
"""

from __future__ import annotations

from ._compare import Comparison, Level, Model
from ._errors import BadModel, BadSplit, ResolveError, UnknownEntity
from ._estimate import estimate
from ._features import Record, to_record
from ._index import Index, InMemoryIndex, RedisIndex
from ._resolver import DEFAULT_THRESHOLD, Resolution, Resolver, score_pair

__all__ = [
    "DEFAULT_THRESHOLD",
    "BadModel",
    "BadSplit",
    "Comparison",
    "Index",
    "InMemoryIndex",
    "Level",
    "Model",
    "Record",
    "RedisIndex",
    "Resolution",
    "ResolveError",
    "Resolver",
    "UnknownEntity",
    "estimate",
    "score_pair",
    "to_record",
]
