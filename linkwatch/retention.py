"""Retention on the accepted topic: the purge marker and the one rule that reads it.

The accepted topic is append-only, and the link state is a pure function of it, so a
retention purge (``linkwatch purge``, ``linkwatch.purge``) is written down in one
place: a :class:`~linkwatch.schemas.accepted.PurgeMarker` appended to that topic.
Every reader of the topic (the link stage, its rebuild, the purge's own plan, the
erasure of outputs, the reporting and API readers) honours it by one rule::

    a report message at offset o is skipped when a marker at an offset after o
    names its report id

Example: ``R1`` at 3, a marker naming ``R1`` at 9, ``R1`` sent again at 12: the copy
at 3 is forgotten, the one at 12 is kept (it arrived after the purge).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from linkwatch.schemas.accepted import Purge, PurgeMarker, encode


def marker(purge_id: str, before: datetime, report_ids: Sequence[str], *,
           requested_at: datetime, part: int = 1, parts: int = 1) -> bytes:
    """A purge marker's wire form (``schemas/accepted.py``)."""
    return encode(PurgeMarker(purge=Purge(
        purge_id=purge_id, reason="retention", before=before, requested_at=requested_at,
        part=part, parts=parts, report_ids=list(report_ids))))


class Retention:
    """The purge markers read so far, and the skip rule (module docstring)."""

    __slots__ = ("_last",)

    def __init__(self, markers: Iterable[tuple[int, Iterable[str]]] = ()) -> None:
        self._last: dict[str, int] = {}  # report id -> offset of the last marker naming it
        for offset, ids in markers:
            self.add(offset, ids)

    def add(self, offset: int, report_ids: Iterable[str]) -> None:
        """A marker at ``offset`` names ``report_ids``."""
        last = self._last
        for rid in report_ids:
            if last.get(rid, -1) < offset:
                last[rid] = offset

    def skips(self, report_id: str, offset: int) -> bool:
        """Whether the report message at ``offset`` is forgotten: the rule."""
        return self._last.get(report_id, -1) > offset

    def live(self, latest: Mapping[str, int]) -> set[str]:
        """Of reports last sent at these offsets, the ones no later marker names."""
        return {rid for rid, offset in latest.items() if not self.skips(rid, offset)}

    def gone(self, latest: Mapping[str, int]) -> set[str]:
        """Every report a marker names and that was not sent again after it (``latest``:
        report id -> offset of its last message; missing: never seen)."""
        return {rid for rid in self._last if self.skips(rid, latest.get(rid, -1))}

    def __len__(self) -> int:
        """How many report ids the markers name."""
        return len(self._last)

    def __bool__(self) -> bool:
        return bool(self._last)
