"""``text_cache``: ``functools.lru_cache`` for functions of strings, keyed by one string.

``lru_cache`` keys a call of several arguments by a new tuple.  A dict whose keys and
values hold no references is untracked by the cyclic collector, and tracked again the
moment such a tuple goes in: the next young collection then walks the whole cache.  A
cache of 250,000 entries made every such collection take 10-40 ms, at random reports
(``bench/graph_scale.py``'s p99 at 1M entities).  A call with one ``str`` argument is
keyed by the string itself, which is never tracked, so here the arguments are joined
into one string (their lengths first, so any text is unambiguous) and the cache dict
stays out of the collector's way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import _CacheInfo, lru_cache, wraps
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class TextCached(Protocol, Generic[P, R_co]):
    """What ``text_cache`` returns: the function, with its cache's ``cache_clear`` and
    ``cache_info`` (the arguments are positional strings)."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...

    def cache_clear(self) -> None: ...

    def cache_info(self) -> _CacheInfo: ...


def join(args: tuple[str, ...]) -> str:
    """``("ab", "c")`` -> ``"2:abc"``: the lengths of all but the last, then the texts."""
    if len(args) == 2:  # the common case, kept quick
        return f"{len(args[0])}:{args[0]}{args[1]}"
    return ",".join([str(len(a)) for a in args[:-1]]) + ":" + "".join(args)


def split(key: str) -> list[str]:
    """``join``'s inverse: ``"2:abc"`` -> ``["ab", "c"]``."""
    head, _, text = key.partition(":")
    out, at = [], 0
    for n in map(int, head.split(",")) if head else ():
        out.append(text[at:at + n])
        at += n
    out.append(text[at:])
    return out


def text_cache(maxsize: int) -> Callable[[Callable[P, R]], TextCached[P, R]]:
    """``@text_cache(65536)`` on ``f(a: str, b: str)``: ``lru_cache`` keyed by one string.
    ``cache_clear`` and ``cache_info`` are the underlying cache's."""
    def wrap(fn: Callable[P, R]) -> TextCached[P, R]:
        positional: Callable[..., R] = fn  # called with the strings split back out of a key

        @lru_cache(maxsize=maxsize)
        def by_key(key: str) -> R:
            return positional(*split(key))

        @wraps(fn)
        def call(*args: str) -> R:
            return by_key(join(args))

        wrapped: Any = call
        wrapped.cache_clear, wrapped.cache_info = by_key.cache_clear, by_key.cache_info
        return wrapped
    return wrap
