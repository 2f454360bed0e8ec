"""Harm weight of a report, in the style of the Cambridge Crime Harm Index.

The CCHI weights an offence by the days of imprisonment at the sentencing-guideline
starting point for a first offender (Sherman, Neyroud & Neyroud, Policing 10(3),
2016).  Defaults are the subgroup medians of ``shared/domain.md`` section 2; the rows
marked ``assumption`` are not in that list and are linkwatch's own defaults.  All of
them can be overridden with ``weights=``.

Rules are data, tried in order; every one that applies gives a weight and the
highest wins (so one stabbing outranks fifty shoplifting offences):

1. injury ``fatal`` -> homicide;
2. Home Office offence code -> its subgroup (``linkwatch/data/ho_offence_codes.csv``);
3. data.police.uk category slug -> a category default;
4. injury ``serious``/``minor`` -> violence with injury;
5. a weapon or the ``knife`` marker -> possession of weapons;
6. the ``county_lines`` marker -> trafficking of drugs;
7. report kind (fraud, cyber) -> a kind default; else ``default``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from linkwatch.rules.normalise import key_text

DEFAULT_WEIGHTS: Mapping[str, float] = {
    # domain.md section 2 (days)
    "homicide": 5475, "rape": 2555, "violence_with_injury": 365, "robbery": 365,
    "possession_of_weapons": 274, "residential_burglary": 274, "arson": 185,
    "violence_without_injury": 10, "stalking_and_harassment": 10, "public_order": 7.5,
    "trafficking_of_drugs": 5, "possession_of_drugs": 3, "criminal_damage": 2,
    "other_theft": 2, "theft_from_the_person": 2, "shoplifting": 1,
    # assumption: not in domain.md; chosen near the closest listed offence
    "other_sexual_offences": 365, "non_residential_burglary": 10, "vehicle_crime": 2,
    "bicycle_theft": 2, "miscellaneous": 2, "fraud": 2, "cyber": 2,
    "anti_social_behaviour": 0, "default": 1,
}

# Home Office offence subgroup (ho_offence_codes.csv) -> weight key
_SUBGROUP = {
    "Homicide": "homicide", "Rape offences": "rape", "Other sexual offences":
    "other_sexual_offences", "Violence with injury": "violence_with_injury",
    "Violence without injury": "violence_without_injury", "Stalking and harassment":
    "stalking_and_harassment", "Robbery of business property": "robbery",
    "Robbery of personal property": "robbery", "Domestic burglary": "residential_burglary",
    "Non-domestic burglary": "non_residential_burglary", "Arson": "arson",
    "Criminal damage": "criminal_damage", "Trafficking of drugs": "trafficking_of_drugs",
    "Possession of drugs": "possession_of_drugs", "Possession of weapons offences":
    "possession_of_weapons", "Public order offences": "public_order", "Shoplifting":
    "shoplifting", "Theft from the person": "theft_from_the_person", "Bicycle theft":
    "bicycle_theft", "Other theft offences": "other_theft", "Theft from a vehicle":
    "vehicle_crime", "Theft of a motor vehicle": "vehicle_crime", "Vehicle interference":
    "vehicle_crime", "Miscellaneous crimes": "miscellaneous",
}
# data.police.uk slug (domain.md section 1) -> weight key when nothing finer is known
CATEGORY: Mapping[str, str] = {
    "anti-social-behaviour": "anti_social_behaviour", "bicycle-theft": "bicycle_theft",
    "burglary": "residential_burglary", "criminal-damage-arson": "criminal_damage",
    "drugs": "possession_of_drugs", "other-theft": "other_theft",
    "possession-of-weapons": "possession_of_weapons", "public-order": "public_order",
    "robbery": "robbery", "shoplifting": "shoplifting",
    "theft-from-the-person": "theft_from_the_person", "vehicle-crime": "vehicle_crime",
    "violent-crime": "violence_without_injury", "other-crime": "miscellaneous",
}


class Harm(NamedTuple):
    weight: float
    rule: str  # the rule that set the weight, in words
    key: str  # weight key, e.g. "violence_with_injury"


def _code_key(code: str) -> str:
    """``"004/01"`` / ``"4/1"`` -> ``"4.1"``; ``"008L"`` -> ``"8L"``."""
    text = key_text(code).upper().replace("/", ".").replace(" ", "")
    return ".".join(part.lstrip("0") or "0" for part in text.split("."))


@lru_cache(maxsize=1)
def ho_codes() -> dict[str, tuple[str, str]]:
    """Home Office code -> (description, subgroup); the homicide row lists several codes."""
    text = resources.files("linkwatch").joinpath("data", "ho_offence_codes.csv").read_text("utf-8")
    table: dict[str, tuple[str, str]] = {}
    for row in csv.DictReader(text.splitlines()):
        code = row["ho_code"]
        codes = code.split("/") if row["offence_subgroup"] == "Homicide" else [code]
        for code in codes:
            table[_code_key(code)] = (row["description"], row["offence_subgroup"])
    return table


def _candidates(report: Any) -> list[tuple[str, str]]:
    """(weight key, rule in words) for every rule that applies, in rule order."""
    detail = getattr(report, "incident", None)
    markers = set(getattr(report, "markers", None) or ())
    injury = getattr(detail, "injury", None)
    found: list[tuple[str, str]] = []
    if injury == "fatal":
        found.append(("homicide", "injury fatal -> homicide"))
    code = getattr(detail, "ho_code", None)
    if isinstance(code, str) and (hit := ho_codes().get(_code_key(code))):
        if hit[1] in _SUBGROUP:
            found.append((_SUBGROUP[hit[1]], f"HO code {code} ({hit[1]})"))
    slug = getattr(detail, "category", None)
    if isinstance(slug, str) and (key := CATEGORY.get(re.sub(r"[\s_]+", "-", key_text(slug)))):
        found.append((key, f"category {slug}"))
    if injury in {"serious", "minor"}:
        found.append(("violence_with_injury", f"injury {injury} -> violence with injury"))
    if getattr(detail, "weapons", None) or "knife" in markers:
        found.append(("possession_of_weapons", "weapon or knife marker"))
    if "county_lines" in markers:
        found.append(("trafficking_of_drugs", "county_lines marker"))
    kind = getattr(report, "kind", None)
    if kind in {"fraud", "cyber"}:
        found.append((kind, f"{kind} report default"))
    return found


def harm_weight(report: Any, weights: Mapping[str, float] | None = None) -> Harm:
    """Highest applicable weight and the rule that gave it; never raises.

    A fatal stabbing -> ``Harm(5475, "injury fatal -> homicide", "homicide")``.
    """
    table = {**DEFAULT_WEIGHTS, **(weights or {})}
    best = Harm(table["default"], "no rule applied: default", "default")
    try:
        for key, rule in _candidates(report):
            weight = float(table.get(key, table["default"]))
            if weight > best.weight or best.key == "default":
                best = Harm(weight, f"{rule}: {weight:g} days", key)
    except Exception:  # noqa: BLE001 - enrichment never raises
        return best
    return best
