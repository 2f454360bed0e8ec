"""Approximate postcode -> police force table (no postcode dataset is bundled).

Postcode districts do not follow force boundaries, so this is a documented
approximation built from Royal Mail post-town coverage (Wikipedia's "CV postcode
area" and "B postcode area" coverage tables) and the local authorities each force
polices (``lsoa_force.csv.gz``).  A district split between forces maps to ``None``
(unknown) rather than a guess.  Notes on the hard cases:

* CV1-CV6: Coventry (West Midlands Police).  CV3 reaches Binley Woods (Rugby) but
  is mainly Coventry.
* CV7: split - east Solihull (Meriden, Balsall Common: West Midlands) and the south of
  Nuneaton and Bedworth (Ash Green, Exhall: Warwickshire) -> None.
* CV8: Kenilworth, Wolston, Ryton-on-Dunsmore (Warwick and Rugby districts) ->
  Warwickshire, not Coventry as often assumed.
* CV9-CV12, CV21-CV23, CV31-CV37, CV47: Warwickshire.  CV9 and CV23 touch a few
  Leicestershire/Northamptonshire villages; CV36 a few Gloucestershire ones.
* CV13: Market Bosworth and villages - Hinckley and Bosworth, Leicestershire Police.
* B: Birmingham, Solihull, Sandwell, Dudley and Sutton Coldfield are West Midlands;
  B46, B49, B50, B80 and B95 (Coleshill, Alcester, Bidford, Studley, Henley-in-Arden)
  are Warwickshire; Bromsgrove and Redditch (B47, B48, B60, B61, B96-B98) are West
  Mercia; Tamworth (B77, B79) Staffordshire; B78 and B94 are split -> None.
* London: E, N, NW, SE, SW, W, WC and EC1 are the Metropolitan Police; EC2-EC4 are
  the City of London Police.
"""

from __future__ import annotations

WARWICKSHIRE, WMP, MET = "Warwickshire", "West Midlands", "Metropolitan Police"

# Whole postcode areas whose districts (nearly) all lie in one force.
AREA_FORCE: dict[str, str] = {
    "L": "Merseyside", "M": "Greater Manchester", "OL": "Greater Manchester",
    "BL": "Greater Manchester", "WN": "Greater Manchester",
    "E": MET, "N": MET, "NW": MET, "SE": MET, "SW": MET, "W": MET, "WC": MET,
    "BR": MET, "CR": MET, "HA": MET, "SM": MET, "UB": MET,
    "LE": "Leicestershire", "NN": "Northamptonshire", "OX": "Thames Valley",
    "WR": "West Mercia", "GL": "Gloucestershire", "ST": "Staffordshire",
    "NG": "Nottinghamshire", "DE": "Derbyshire", "LS": "West Yorkshire",
    "BD": "West Yorkshire", "WF": "West Yorkshire", "HD": "West Yorkshire",
    "HX": "West Yorkshire", "BS": "Avon and Somerset",
}

# District-level entries win over the area; None = split between forces.
DISTRICT_FORCE: dict[str, str | None] = {
    **{f"CV{n}": WMP for n in range(1, 7)},
    "CV7": None, "CV8": WARWICKSHIRE,
    **{f"CV{n}": WARWICKSHIRE for n in (9, 10, 11, 12, 21, 22, 23, 31, 32, 33, 34, 35, 36,
                                        37, 47)},
    "CV13": "Leicestershire",
    **{f"B{n}": WMP for n in [*range(1, 46), *range(62, 77), 90, 91, 92, 93]},
    **{f"B{n}": WARWICKSHIRE for n in (46, 49, 50, 80, 95)},
    **{f"B{n}": "West Mercia" for n in (47, 48, 60, 61, 96, 97, 98)},
    "B77": "Staffordshire", "B79": "Staffordshire", "B78": None, "B94": None,
    "EC1": MET, "EC2": "City of London", "EC3": "City of London", "EC4": "City of London",
    "L39": "Lancashire", "L40": "Lancashire",  # Ormskirk and Burscough: West Lancashire
}


def force_for_district(outward: str, area: str) -> str | None:
    """``("CV11", "CV")`` -> ``"Warwickshire"``; ``("EC1A", "EC")`` -> Metropolitan."""
    district = outward.rstrip("ABCDEFGHJKLMNPRSTUVWXY") if len(outward) > len(area) + 1 else outward
    if district in DISTRICT_FORCE:
        return DISTRICT_FORCE[district]
    return AREA_FORCE.get(area)
