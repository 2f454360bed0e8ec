"""Re-estimate m and u from data with expectation-maximisation (optional).

Give it candidate pairs (for example, every pair that shares a blocking key
in a sample of past reports) and the default model as the starting point;
it returns a model with the same levels and fitted probabilities.  Review
the result before using it: EM fits what separates the sample best, which
is not always "same person".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ._compare import Comparison, Model
from ._features import Record, to_record

_FLOOR = 1e-6


def _pair_levels(model: Model, a: Record, b: Record) -> dict[str, int]:
    """Level index per comparison for one pair (primary names; missing values skipped)."""
    out: dict[str, int] = {}
    fields = model.fields()
    values: dict[str, tuple[Any, Any]] = {
        "given": (a.names[0][0] if a.names else "", b.names[0][0] if b.names else ""),
        "family": (a.names[0][1] if a.names else "", b.names[0][1] if b.names else ""),
        "dob": (a.dob, b.dob),
        "gender": (a.gender, b.gender), "postcode": (a.postcode, b.postcode),
        "address": (a.address, b.address), "phones": (a.phones, b.phones),
        "emails": (a.emails, b.emails), "ids": (a.ids, b.ids),
    }
    if not (a.dob and b.dob):
        values["birth_year"] = (a.birth_year, b.birth_year)
    for name, (x, y) in values.items():
        if x and y:
            comparison: Comparison = fields[name]
            out[name] = comparison.levels.index(comparison.level(x, y))
    return out


def estimate(pairs: Iterable[tuple[Any, Any]], model: Model | None = None,
             prior: float = 0.1, iterations: int = 25, fit_u: bool = False) -> Model:
    """Fit m (and, with ``fit_u``, u) to ``pairs`` of persons (contract
    ``Person`` or mappings).

    ``prior`` is the starting share of pairs that are matches.  Each
    iteration weighs every pair by its match probability under the current
    model (E step) and recounts the levels (M step).  u is kept by default:
    pairs that share a blocking key agree far more often than random pairs,
    so u fitted on them is too high (fit u on random pairs instead).
    """
    model = model or Model()
    fields = model.fields()
    rows = [_pair_levels(model, to_record(a, "a", None), to_record(b, "b", None)) for a, b in pairs]
    if not rows:
        return model
    probs = {name: [(lv.m, lv.u) for lv in comp.levels] for name, comp in fields.items()}
    lam = prior
    for _ in range(iterations):
        m_count = {name: [0.0] * len(comp.levels) for name, comp in fields.items()}
        u_count = {name: [0.0] * len(comp.levels) for name, comp in fields.items()}
        total = 0.0
        for row in rows:
            log_odds = math.log(lam / (1 - lam))
            for name, level in row.items():
                m, u = probs[name][level]
                log_odds += math.log(m / u)
            p = 1 / (1 + math.exp(-max(-50.0, min(50.0, log_odds))))
            total += p
            for name, level in row.items():
                m_count[name][level] += p
                u_count[name][level] += 1 - p
        lam = min(max(total / len(rows), _FLOOR), 1 - _FLOOR)
        for name in probs:
            ms, us = sum(m_count[name]), sum(u_count[name])
            probs[name] = [
                (max(mc / ms, _FLOOR) if ms else old[0],
                 max(uc / us, _FLOOR) if us and fit_u else old[1])
                for mc, uc, old in zip(m_count[name], u_count[name], probs[name], strict=True)
            ]
    return Model(**{name: comp.with_probabilities(probs[name]) for name, comp in fields.items()})
