"""Re-offending per offender entity, and a cohort rate in the style of the MoJ proven
re-offending statistics (definitions in ``docs/measures.md``).

Pure: over :class:`ReportRow` lists.  An offence is a report naming the person as suspect or
offender (recorded, not proven: see the docs).  The key is the pipeline's ``entity_id`` when
known, else ``rules.offenders.offender_key``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from linkwatch.rules.offenders import OFFENDER_ROLES

from .measures import Period
from .rows import ReportRow


@dataclass(frozen=True)
class OffenderHistory:
    key: str
    offences: tuple[tuple[datetime, str], ...]     # (time, report_id), oldest first

    @property
    def count(self) -> int:
        return len(self.offences)

    @property
    def first(self) -> datetime:
        return self.offences[0][0]

    @property
    def last(self) -> datetime:
        return self.offences[-1][0]

    @property
    def interval_days(self) -> float:
        """Days from first to last offence.  Example: 1 Nov and 11 Nov -> 10.0."""
        return round((self.last - self.first).total_seconds() / 86400, 2)

    @property
    def mean_gap_days(self) -> float | None:
        return round(self.interval_days / (self.count - 1), 2) if self.count > 1 else None

    def as_dict(self) -> dict[str, Any]:
        return {"offender": self.key, "offences": self.count, "first": self.first.isoformat(),
                "last": self.last.isoformat(), "interval_days": self.interval_days,
                "mean_gap_days": self.mean_gap_days,
                "report_ids": [rid for _, rid in self.offences]}


def histories(rows: Sequence[ReportRow]) -> dict[str, OffenderHistory]:
    """offender key -> every report naming them as suspect/offender (one per report)."""
    found: dict[str, dict[str, datetime]] = defaultdict(dict)
    for r in rows:
        for p in r.persons:
            if p.role in OFFENDER_ROLES:
                found[p.key].setdefault(r.report_id, r.at)
    return {k: OffenderHistory(k, tuple(sorted((t, rid) for rid, t in v.items())))
            for k, v in sorted(found.items())}


def reoffending(rows: Sequence[ReportRow], window_days: int = 365,
                cohort: Period | None = None, data_end: datetime | None = None
                ) -> dict[str, Any]:
    """The cohort, who re-offended within ``window_days`` of their index offence, and rates.

    * cohort: offenders whose first offence in the data (index offence) falls in ``cohort``
      (all offenders when ``None``);
    * re-offence: a later report naming them within ``window_days`` after the index offence;
    * follow-up complete when index + window <= ``data_end`` (default: the latest report);
      the headline ``rate`` counts only those, ``rate_all`` counts everyone (a lower bound).

    Example: A offends 1 Nov and 20 Nov, B once on 5 Nov, window 30 days, data to 31 Dec ->
    cohort 2, reoffenders 1, rate 0.5, reoffences 1, frequency 0.5.
    """
    if window_days < 1:
        raise ValueError(f"window_days must be 1 or more, not {window_days}")
    hist = histories(rows)
    end = data_end or max((r.at for r in rows), default=None)
    window = timedelta(days=window_days)
    members = []
    for h in hist.values():
        index_at = h.first
        if cohort is not None and not cohort.holds(index_at):
            continue
        again = [t for t, _ in h.offences[1:] if index_at < t <= index_at + window]
        complete = end is not None and index_at + window <= end
        members.append((h, len(again), complete))
    done = [m for m in members if m[2]]

    def rates(group: list[tuple[OffenderHistory, int, bool]]) -> dict[str, Any]:
        re = [m for m in group if m[1] > 0]
        n = sum(m[1] for m in group)
        return {"cohort": len(group), "reoffenders": len(re),
                "rate": round(len(re) / len(group), 4) if group else None,
                "reoffences": n, "frequency": round(n / len(group), 4) if group else None,
                "per_reoffender": round(n / len(re), 4) if re else None}

    repeat = sorted((h for h in hist.values() if h.count >= 2),
                    key=lambda h: (-h.count, h.first, h.key))
    return {
        "window_days": window_days,
        "cohort_period": cohort.label() if cohort else "all offenders",
        "data_end": end.isoformat() if end else None,
        "offenders": len(hist),
        "complete_follow_up": rates(done),
        "all": rates(members),
        "rate": rates(done)["rate"],
        "rate_all": rates(members)["rate"],
        "incomplete_follow_up": len(members) - len(done),
        "repeat_offenders": [h.as_dict() for h in repeat],
    }
