"""Crime from outside the county: the share of persons whose home force (by home postcode,
``rules.enrich.home_force``) is not the owning force (``rules.enrich.outside_force``, the
one rule), and which forces they come from; and the ``reasons`` line every alert carries
(``outside_line``, added in one place: ``linkwatch.offender_desk``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linkwatch.rules.enrich import outside_force

from ._identity import OFFENDER_ROLES


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def outside_share(report_enrichment: Any, roles: Mapping[str, str] | None = None,
                  home: str | None = None) -> dict[str, Any]:
    """``{"share", "known", "outside", "forces": {force: n}}`` over the persons of one
    ``rules.enrich.Enrichment`` (object or ``as_dict()``) whose home force is known.

    ``roles`` (person_ref -> role) keeps suspects/offenders only; ``home`` overrides the
    enrichment's owning force.  Example: two suspects from B6 and one from CV11, Warwickshire ->
    ``{"share": 0.6667, "known": 3, "outside": 2, "forces": {"West Midlands": 2}}``.
    """
    ours = home or _get(report_enrichment, "force")
    forces: dict[str, int] = {}
    known = 0
    for ref, facts in (_get(report_enrichment, "persons") or {}).items():
        if roles is not None and roles.get(ref) not in OFFENDER_ROLES:
            continue
        theirs = _get(facts, "home_force")
        outside = outside_force(theirs, ours) if theirs else None
        if outside is None:
            continue
        known += 1
        if outside:
            forces[theirs] = forces.get(theirs, 0) + 1
    count = sum(forces.values())
    return {"share": round(count / known, 4) if known else None, "known": known,
            "outside": count, "forces": dict(sorted(forces.items()))}


def alert_outside_share(alert: Any, home_forces: Mapping[str, str | None],
                        home: str) -> dict[str, Any]:
    """The same over an alert's person entities; ``home_forces`` maps ``person:<id>`` (or the
    bare id) to a home force (the graph's ``home_force`` node attribute).  Adds ``persons``:
    how many person entities the alert has.

    Example: 3 persons, 2 in West Midlands, home Warwickshire -> share 0.6667.
    """
    persons = {}
    for ent in _get(alert, "entities") or ():
        node = _get(ent, "entity_id") if not isinstance(ent, str) else ent
        if node and node.startswith("person:"):
            force = home_forces.get(node, home_forces.get(node.removeprefix("person:")))
            persons[node] = {"home_force": force}
    return {**outside_share({"force": home, "persons": persons}), "persons": len(persons)}


def outside_reason(share: Mapping[str, Any], home: str) -> str | None:
    """The ``reasons`` line for an alert with persons from outside, else ``None``.  Example:
    ``"2 of 3 persons with a known home live outside Warwickshire Police (West Midlands 2):
    67%"``."""
    if not share.get("known") or not share.get("outside"):
        return None
    where = ", ".join(f"{f} {n}" for f, n in share["forces"].items())
    return (f"{share['outside']} of {share['known']} persons with a known home live outside "
            f"{home} ({where}): {share['share']:.0%}")


def outside_line(share: Mapping[str, Any], home: str) -> str:
    """The ``reasons`` line every alert carries (the plan's "crime from outside the county").

    Examples: 2 of 3 outside -> :func:`outside_reason`'s line; all 3 inside -> ``"0 of 3
    persons with a known home live outside Warwickshire Police: 0%"``; 2 persons, no home
    known -> ``"home force not known for the 2 persons in this alert (outside Warwickshire
    Police: n/a)"``; no persons -> ``"no persons in this alert (outside Warwickshire Police:
    n/a)"``.
    """
    line = outside_reason(share, home)
    if line:
        return line
    if share.get("known"):
        return (f"0 of {share['known']} persons with a known home live outside {home}: 0%")
    n = share.get("persons", 0)
    if n:
        who = "the person" if n == 1 else f"the {n} persons"
        return f"home force not known for {who} in this alert (outside {home}: n/a)"
    return f"no persons in this alert (outside {home}: n/a)"
