"""Values held alone while a key has one, in a list once it has more.

Most keys of the link state's indexes (the resolver's blocks and members, the
near-duplicate index) hold one value, and a list of one costs 88 bytes more than the
value (issue 21).  The values held are never lists themselves.  Their keys, texts the
index only looks up, are held as ``hashed`` ints.
"""

from __future__ import annotations

from typing import Any, TypeVar

from xxhash import xxh3_64_intdigest

K = TypeVar("K")
V = TypeVar("V")


def add(held_by: dict[K, Any], key: K, value: V) -> None:
    """``value`` added to ``key``'s values."""
    held = held_by.get(key)
    if held is None:
        held_by[key] = value
    elif type(held) is list:
        held.append(value)
    else:
        held_by[key] = [held, value]


def values(held: V | list[V] | None) -> list[V]:
    """What a key holds as a new list of its values."""
    if held is None:
        return []
    return list(held) if type(held) is list else [held]  # type: ignore[list-item]


def hashed(key: str) -> int:
    """A lookup key as an index holds it: 60 bits of its XXH3 hash, the same in every
    process (a snapshot holds them), an int of 32 B where the text took 55 to 95; 60 ns (a
    BLAKE2b took 400, and the near-duplicate test looks up some fifteen keys a report).
    Two keys sharing a hash only add candidates, which the index's reader then compares in
    full (the resolver's comparators, the near-duplicate test): they never merge anything.
    """
    return xxh3_64_intdigest(key.encode()) >> 4
