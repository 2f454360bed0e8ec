"""``rules/_memo.text_cache``: same results as ``lru_cache``, and a cache the cyclic
collector does not walk again after every miss (the GC pauses behind graph_scale's p99)."""

from __future__ import annotations

import gc
from functools import lru_cache

from hypothesis import given
from hypothesis import strategies as st

from linkwatch.rules._memo import join, split, text_cache
from linkwatch.rules.normalise import canonical, forget_cached


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_join_split_round_trip_for_any_text(args: list[str]) -> None:
    assert split(join(tuple(args))) == args


def _young_big_dicts(size: int) -> int:
    return sum(1 for o in gc.get_objects(generation=0) if isinstance(o, dict) and len(o) >= size)


def _fill_and_miss(f, n: int) -> int:  # noqa: ANN001
    for i in range(n):
        f(f"name{i}", "x")
    gc.collect()  # the collector untracks a dict whose keys and values hold no references
    f("a new", "pair")
    return _young_big_dicts(n)


def test_a_miss_does_not_put_the_whole_cache_back_in_the_young_generation() -> None:
    def pair(a: str, b: str) -> str:
        return a + b

    n = 20_000
    plain, keyed = lru_cache(maxsize=1 << 16)(pair), text_cache(1 << 16)(pair)
    assert _fill_and_miss(plain, n) == 1  # lru_cache's tuple key re-tracks its dict
    assert _fill_and_miss(keyed, n) == 0
    assert keyed("ab", "c") == plain("ab", "c") == "abc"
    assert keyed.cache_info().currsize == n + 2
    keyed.cache_clear()
    assert keyed.cache_info().currsize == 0


def test_cached_canonical_forms_are_the_computed_ones() -> None:
    forget_cached()
    first = canonical("phone", "07700 900123")
    assert first.node_id == "phone:+447700900123"
    assert canonical("phone", "07700 900123") is first  # from the cache
    assert canonical("phone", "+44 7700 900123").node_id == first.node_id
    forget_cached()
    assert canonical("phone", "07700 900123") is not first
