"""The Police and Crime Plan's success measures over a period, against a comparison period: the
same dates a year before (police performance is compared year on year) or the period just before.

Pure: ``outcomes(rows, alerts, referrals, start, end, force)`` over :class:`ReportRow` lists
(``rows.report_row``), alert dicts (every version, as on the ``alerts`` topic) and referral
dicts (as on ``referrals``, optionally with ``published_at``: when the broker took it).
``alerts``/``referrals`` of ``None`` mean "no such data", reported as n/a, not as zero.
Definitions, and why, are in ``docs/measures.md``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from linkwatch.rules.enrich import force_key
from linkwatch.rules.offenders import OFFENDER_ROLES
from linkwatch.schemas._base import LONDON, _aware

from .rows import ReportRow

SAFEGUARDING_SERVICES = ("nrm", "ms1_duty_to_notify", "childrens_social_care")
FRAUD_SUPPORT_SERVICES = frozenset({"fraud_victim_support", "victim_support"})
NETWORK_ALERTS = ("county_lines", "ocg")


@dataclass(frozen=True)
class Period:
    """``[start, end]`` whole days, Europe/London.  Example: 2018-07-01..2018-07-31 has 31 days
    and its ``previous()`` is 2018-05-31..2018-06-30."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time(), LONDON),
                datetime.combine(self.end + timedelta(days=1), time(), LONDON))

    def holds(self, when: Any) -> bool:
        when = _time(when)
        lo, hi = self.bounds()
        return when is not None and lo <= when < hi

    def year_before(self) -> Period:
        """The same dates a year earlier (29 February -> 28 February).  Example:
        2018-07-01..2018-07-31 -> 2017-07-01..2017-07-31."""
        return Period(_a_year_before(self.start), _a_year_before(self.end))

    def months(self) -> list[Period]:
        """The calendar months the period touches, each cut to the period.  Example:
        2018-06-15..2018-08-10 -> 06-15..06-30, 07-01..07-31, 08-01..08-10."""
        out, first = [], self.start
        while first <= self.end:
            nxt = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
            out.append(Period(first, min(self.end, nxt - timedelta(days=1))))
            first = nxt
        return out

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


COMPARISONS = ("year", "previous")
COMPARISON_LABEL = {"year": "the same period a year before", "previous": "the period just before"}


def _time(value: Any) -> datetime | None:
    value = _aware(value)
    return value if isinstance(value, datetime) else None


def _count_harm(rows: Iterable[ReportRow]) -> dict[str, float]:
    rows = list(rows)
    return {"count": len(rows), "harm": round(sum(r.harm for r in rows), 2)}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def latest_alerts(alerts: Iterable[Mapping[str, Any]], until: datetime | None = None
                  ) -> dict[str, Mapping[str, Any]]:
    """alert_id -> its highest version (updated no later than ``until``)."""
    best: dict[str, Mapping[str, Any]] = {}
    for a in alerts:
        if not isinstance(a, Mapping) or "alert_id" not in a:
            continue
        if until is not None and (t := _time(a.get("updated_at"))) and t >= until:
            continue
        old = best.get(a["alert_id"])
        if old is None or a.get("version", 0) >= old.get("version", 0):
            best[a["alert_id"]] = a
    return best


def latest_referrals(referrals: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """referral_id -> its last message, with ``published_at`` of its first active message."""
    out: dict[str, dict[str, Any]] = {}
    for r in referrals:
        if not isinstance(r, Mapping) or "referral_id" not in r:
            continue
        first = out.get(r["referral_id"], {}).get("published_at")
        merged = dict(r)
        merged["published_at"] = first or r.get("published_at")
        out[r["referral_id"]] = merged
    return out


def network_figures(alerts: Iterable[Mapping[str, Any]], period: Period) -> dict[str, Any]:
    """Networks first detected in the period, sized by persons in their latest version."""
    _lo, hi = period.bounds()
    out: dict[str, Any] = {}
    latest = latest_alerts(alerts, until=hi)
    for kind in NETWORK_ALERTS:
        sizes = [sum(1 for e in a.get("entities", ()) if e.get("kind") == "person")
                 for a in latest.values()
                 if a.get("type") == kind and period.holds(a.get("created_at"))]
        out[kind] = {"count": len(sizes), "persons": sum(sizes),
                     "mean_size": round(sum(sizes) / len(sizes), 2) if sizes else None,
                     "max_size": max(sizes) if sizes else None}
    return out


def referral_figures(rows: Sequence[ReportRow], referrals: Iterable[Mapping[str, Any]],
                     period: Period) -> dict[str, Any]:
    active = [r for r in latest_referrals(referrals).values()
              if r.get("status", "active") == "active" and period.holds(r.get("created_at"))]
    safeguarding = Counter(r["service"] for r in active if r.get("service") in
                           SAFEGUARDING_SERVICES)
    safe = {s: safeguarding.get(s, 0) for s in SAFEGUARDING_SERVICES}
    safe["total"] = sum(safe.values())
    fc_reports = {r.report_id for r in rows if r.kind in ("fraud", "cyber")}
    victims = {(r.report_id, p.ref) for r in rows if r.kind in ("fraud", "cyber")
               for p in r.persons if p.role == "victim"}
    support = [r for r in active if r.get("service") in FRAUD_SUPPORT_SERVICES
               and r.get("report_id") in fc_reports]
    referred = {(r["report_id"], r.get("person_ref")) for r in support}
    times = [(_time(r.get("published_at")), _time(r.get("due_by"))) for r in support]
    timed = [(sent, due) for sent, due in times if sent is not None and due is not None]
    on_time = sum(1 for sent, due in timed if sent <= due)
    return {"safeguarding": safe, "fraud_cyber": {
        "victims": len(victims), "referred": len(referred & victims),
        "referred_share": _share(len(referred & victims), len(victims)),
        "timed": len(timed), "on_time": on_time, "on_time_share": _share(on_time, len(timed))}}


def outside_figures(rows: Sequence[ReportRow], force: str) -> dict[str, Any]:
    """Reports with a suspect/offender whose home force is known, and those where one lives
    outside ``force``."""
    ours = force_key(force)
    known = outside = 0
    forces: Counter[str] = Counter()
    for r in rows:
        homes = [p.home_force for p in r.persons if p.role in OFFENDER_ROLES and p.home_force]
        if not homes:
            continue
        known += 1
        away = sorted({h for h in homes if force_key(h) != ours})
        if away:
            outside += 1
            forces.update(away)
    return {"known": known, "outside": outside, "share": _share(outside, known),
            "forces": dict(forces.most_common())}


def repeat_figures(rows: Sequence[ReportRow], roles: frozenset[str]) -> dict[str, Any]:
    """People (by key) in ``roles`` in two or more distinct reports in the rows."""
    seen: dict[str, set[str]] = defaultdict(set)
    flagged = 0
    for r in rows:
        for p in r.persons:
            if p.role in roles:
                seen[p.key].add(r.report_id)
                flagged += "repeat_victim" in p.flags
    repeat = {k: v for k, v in seen.items() if len(v) >= 2}
    return {"people": len(seen), "repeat": len(repeat), "share": _share(len(repeat), len(seen)),
            "reports_of_repeat": len(set().union(*repeat.values())) if repeat else 0,
            "flagged": flagged}


@dataclass
class Figures:
    """Everything measured for one period (JSON-able via ``as_dict``)."""

    period: Period
    reports: int
    crimes: int                        # reports less anti-social behaviour (not a crime)
    harm: float
    by_category: dict[str, dict[str, float]]
    serious_violence: dict[str, float]
    knife_crime: dict[str, float]
    homicide: dict[str, float]
    possession_of_weapons: dict[str, float]
    violence_and_sexual_offences: dict[str, float]
    networks: dict[str, Any] | None
    safeguarding: dict[str, int] | None
    fraud_cyber: dict[str, Any] | None
    outside: dict[str, Any]
    repeat_victims: dict[str, Any]
    repeat_offenders: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["period"] = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                         "days": self.period.days}
        return out


def figures(rows: Sequence[ReportRow], alerts: Sequence[Mapping[str, Any]] | None,
            referrals: Sequence[Mapping[str, Any]] | None, period: Period,
            force: str) -> Figures:
    """The measures for one period.  Example: 3 knife incidents of 274 days each in the period
    -> ``knife_crime == {"count": 3, "harm": 822.0}``."""
    inside = [r for r in rows if period.holds(r.at)]
    by_cat: dict[str, list[ReportRow]] = defaultdict(list)
    for r in inside:
        by_cat[r.category].append(r)
    refs = referral_figures(inside, referrals, period) if referrals is not None else None
    return Figures(
        period=period, reports=len(inside),
        crimes=len(inside) - len(by_cat.get("anti-social-behaviour", [])),
        harm=round(sum(r.harm for r in inside), 2),
        by_category={c: _count_harm(v) for c, v in sorted(by_cat.items())},
        serious_violence=_count_harm(r for r in inside if r.serious_violence),
        knife_crime=_count_harm(r for r in inside if r.knife),
        homicide=_count_harm(r for r in inside if r.homicide),
        possession_of_weapons=_count_harm(by_cat.get("possession-of-weapons", [])),
        violence_and_sexual_offences=_count_harm(by_cat.get("violent-crime", [])),
        networks=network_figures(alerts, period) if alerts is not None else None,
        safeguarding=refs["safeguarding"] if refs else None,
        fraud_cyber=refs["fraud_cyber"] if refs else None,
        outside=outside_figures(inside, force),
        repeat_victims=repeat_figures(inside, frozenset({"victim"})),
        repeat_offenders=repeat_figures(inside, OFFENDER_ROLES),
    )


# (label, path into Figures.as_dict(), lower is better?)
HEADLINES: tuple[tuple[str, tuple[str, ...], bool | None], ...] = (
    ("Reports (incl. anti-social behaviour)", ("reports",), None),
    ("Recorded crime (excl. anti-social behaviour)", ("crimes",), True),
    ("Total harm (CCHI days)", ("harm",), True),
    ("Serious violence", ("serious_violence", "count"), True),
    ("Serious violence harm (days)", ("serious_violence", "harm"), True),
    ("Knife crime", ("knife_crime", "count"), True),
    ("Knife crime harm (days)", ("knife_crime", "harm"), True),
    ("Homicide", ("homicide", "count"), True),
    ("Possession of weapons", ("possession_of_weapons", "count"), None),
    ("Violence and sexual offences", ("violence_and_sexual_offences", "count"), True),
    ("County Lines networks detected", ("networks", "county_lines", "count"), None),
    ("County Lines network persons", ("networks", "county_lines", "persons"), None),
    ("OCG networks detected", ("networks", "ocg", "count"), None),
    ("OCG network persons", ("networks", "ocg", "persons"), None),
    ("NRM referrals", ("safeguarding", "nrm"), None),
    ("MS1 duty-to-notify referrals", ("safeguarding", "ms1_duty_to_notify"), None),
    ("Children's social care referrals", ("safeguarding", "childrens_social_care"), None),
    ("Fraud/cyber victims", ("fraud_cyber", "victims"), None),
    ("Fraud/cyber victims referred", ("fraud_cyber", "referred"), False),
    ("Share referred", ("fraud_cyber", "referred_share"), False),
    ("Share of referrals on time", ("fraud_cyber", "on_time_share"), False),
    ("Reports with offender home known", ("outside", "known"), None),
    ("Reports with an offender from outside", ("outside", "outside"), True),
    ("Share from outside the force", ("outside", "share"), True),
    ("Repeat victims", ("repeat_victims", "repeat"), True),
    ("Repeat offenders", ("repeat_offenders", "repeat"), True),
)


def dig(d: Mapping[str, Any] | None, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(d, Mapping):
            return None
        d = d.get(key)
    return d if not isinstance(d, Mapping) else None


def monthly_trend(rows: Sequence[ReportRow], period: Period) -> list[dict[str, Any]]:
    """Per calendar month of ``period`` (cut to it): reports, recorded crime, harm, serious
    violence and knife crime; the input of the trend chart."""
    out = []
    for month in period.months():
        inside = [r for r in rows if month.holds(r.at)]
        asb = sum(1 for r in inside if r.category == "anti-social-behaviour")
        out.append({"month": month.start.strftime("%Y-%m"), "from": month.start.isoformat(),
                    "to": month.end.isoformat(), "days": month.days, "reports": len(inside),
                    "crimes": len(inside) - asb, "harm": round(sum(r.harm for r in inside), 2),
                    "serious_violence": sum(1 for r in inside if r.serious_violence),
                    "knife_crime": sum(1 for r in inside if r.knife)})
    return out


@dataclass
class Outcomes:
    """The measures for ``current`` and for the comparison period (the field ``previous``):
    ``comparison`` says which, "year" (the same dates a year before) or "previous" (the period
    of the same length just before).  ``trend``/``trend_compared``: per month, when the period
    spans two months or more."""

    force: str
    current: Figures
    previous: Figures
    sources: list[str] = field(default_factory=list)
    comparison: str = "previous"
    trend: list[dict[str, Any]] | None = None
    trend_compared: list[dict[str, Any]] | None = None

    @property
    def comparable(self) -> bool:
        """False when the comparison period has no reports: the file or topics do not cover
        it, and a change against it would mislead."""
        return self.previous.reports > 0

    def comparison_label(self) -> str:
        return COMPARISON_LABEL[self.comparison]

    def comparison_note(self) -> str | None:
        """A plain sentence when the comparison period has no data, else None."""
        if self.comparable:
            return None
        return (f"No reports in the comparison period ({self.previous.period.label()}, "
                f"{self.comparison_label()}): the data does not cover it, so changes are not "
                "shown.")

    def headline_rows(self) -> list[dict[str, Any]]:
        """[{label, current, previous, change, better}] for the plan's headline measures."""
        cur, prev = self.current.as_dict(), self.previous.as_dict()
        comparable = self.comparable  # no data before: a change would mislead
        out = []
        for label, path, lower in HEADLINES:
            a, b = dig(cur, path), dig(prev, path)
            change = round(a - b, 4) if comparable and isinstance(a, int | float) and isinstance(
                b, int | float) else None
            better = None if change in (None, 0) or lower is None else (change < 0) == lower
            out.append({"label": label, "key": ".".join(path), "current": a, "previous": b,
                        "change": change, "better": better})
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"force": self.force, "sources": self.sources,
                "comparison": self.comparison, "comparison_label": self.comparison_label(),
                "comparable": self.comparable, "comparison_note": self.comparison_note(),
                "current": self.current.as_dict(), "previous": self.previous.as_dict(),
                "headlines": self.headline_rows(), "trend": self.trend,
                "trend_compared": self.trend_compared}


def outcomes(rows: Sequence[ReportRow], alerts: Sequence[Mapping[str, Any]] | None,
             referrals: Sequence[Mapping[str, Any]] | None, start: date, end: date,
             force: str, sources: Sequence[str] = (), compare: str | None = None) -> Outcomes:
    """The measures for ``[start, end]`` against a comparison period: ``compare="year"`` the
    same dates a year before, ``"previous"`` the same number of days just before, ``None``
    (default) the year before when it holds any report, else the period before."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    if compare is not None and compare not in COMPARISONS:
        raise ValueError(f"compare {compare!r}; choose one of {', '.join(COMPARISONS)}")
    period = Period(start, end)
    if compare is None:
        year = period.year_before()
        compare = "year" if any(year.holds(r.at) for r in rows) else "previous"
    other = period.year_before() if compare == "year" else period.previous()
    trend = trend_compared = None
    if len(period.months()) >= 2:
        trend = monthly_trend(rows, period)
        trend_compared = monthly_trend(rows, other)
    return Outcomes(force, figures(rows, alerts, referrals, period, force),
                    figures(rows, alerts, referrals, other, force), list(sources),
                    comparison=compare, trend=trend, trend_compared=trend_compared)
