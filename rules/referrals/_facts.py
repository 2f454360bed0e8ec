"""``Facts``: what the rules read about one person in one report, worked out once.

Reading the report is where dirty data lives, so it happens here and only here: the rules in
``_rules.py`` are plain predicates over ``Facts``.  Nothing here raises on odd values; what cannot
be known is listed in ``unknowns`` as a short code with words (no personal data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from linkwatch.rules.normalise import key_text
from linkwatch.schemas import AnyReport, Person

from ._calendar import LONDON
from ._config import RoutingConfig

_HO_CLASS = re.compile(r"^\s*0*(\d{1,3})")


@dataclass(frozen=True)
class VictimHistory:
    """Prior victimisations of the resolved entity in a window, as looked up by the caller.

    ``prior_count=None`` means not looked up (recorded as unknown, read as no history).
    """

    prior_count: int | None = None
    window_days: int = 365


@dataclass(frozen=True)
class Facts:
    in_scope: bool
    age: int | None
    age_words: str
    child: bool
    markers: frozenset[str]
    flags: frozenset[str]
    fraud: bool
    sexual_offence: str | None          # why it reads as a sexual offence, or None
    domestic_abuse: bool
    bereaved: bool
    consent_needed_for: tuple[str, ...]  # "sexual offence", "domestic abuse", "bereaved relative"
    most_serious: tuple[str, ...]
    exploitation: tuple[str, ...]       # child exploitation / trafficking: markers, codes, networks
    modern_slavery: bool                # adult NRM: marker, HO code, category or network
    vulnerable_flags: tuple[str, ...]
    at_risk_flags: tuple[str, ...]
    repeat: str | None                  # words for persistent targeting, or None
    most_vulnerable: tuple[str, ...]    # fraud 'most vulnerable' evidence (flags, age)
    support_consent: bool | None
    support_consent_unread: bool
    nrm_consent: bool | None
    nrm_consent_unread: bool
    unknowns: tuple[str, ...]
    slavery_why: tuple[str, ...] = ()   # what made the adult a modern slavery victim, in words


def _word(text: object) -> str:
    return _word_of(text) if isinstance(text, str) else _fold(str(text))


def _fold(text: str) -> str:
    """``" Vulnerable-Adult "`` -> ``"vulnerable_adult"``; from the normal form
    (``normalise.key_text``: NFKC, casefold), so ``"ＶＵＬＮＥＲＡＢＬＥ"`` is a flag too."""
    return key_text(text).replace(" ", "_").replace("-", "_")


_word_of = lru_cache(maxsize=4096)(_fold)  # flags, markers and config words recur


def words(values: tuple[str, ...]) -> frozenset[str]:
    """The folded form of a configured word list (cached: config tuples are hashable)."""
    return _words(values)


@lru_cache(maxsize=256)
def _words(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_word(v) for v in values)


def age_at(dob: date, on: date) -> int:
    """``age_at(date(2008, 12, 25), date(2026, 12, 24))`` -> 17 (birthday tomorrow)."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _age(person: Person, on: date, cfg: RoutingConfig, flags: frozenset[str],
         unknowns: list[str]) -> tuple[int | None, str, bool]:
    if person.dob is not None:
        age = age_at(person.dob, on)
        return age, f"age {age} at report date (from dob)", age < cfg.child_age
    if person.age is not None:
        return person.age, f"age {person.age} as reported", person.age < cfg.child_age
    child_flags = sorted(flags & words(cfg.child_flags))
    if child_flags:
        unknowns.append("age: no dob or age; child by flag")
        return None, f"age unknown, child by flag {', '.join(child_flags)}", True
    unknowns.append("age: no dob or age; treated as adult")
    return None, "age unknown, treated as adult", False


def _sexual(report: AnyReport, markers: frozenset[str], cfg: RoutingConfig) -> str | None:
    hit = sorted(markers & words(cfg.sexual_offence_markers))
    if hit:
        return f"marker {', '.join(hit)}"
    detail = getattr(report, "incident", None)
    if detail is None:
        return None
    categories = words(cfg.sexual_offence_categories)
    if detail.category and _word(detail.category) in categories:
        return f"category {detail.category}"
    if detail.ho_code and _ho_class(detail.ho_code) in cfg.sexual_offence_ho_classes:
        return f"Home Office code {detail.ho_code}"
    return None


def _ho_class(code: str) -> str | None:
    match = _HO_CLASS.match(code)
    return str(int(match.group(1))) if match else None


def _is_fraud(report: AnyReport, cfg: RoutingConfig) -> bool:
    if report.kind in cfg.fraud_kinds:
        return True
    detail = getattr(report, "incident", None)
    category = detail.category if detail is not None else None
    return bool(category) and _word(category) in words(cfg.fraud_categories)


def _most_vulnerable(flags: frozenset[str], age: int | None, cfg: RoutingConfig) -> tuple[str, ...]:
    wanted = words(cfg.fraud_most_vulnerable_flags)
    found = [f"flag {f}" for f in sorted(flags & wanted)]
    if age is not None and age >= cfg.fraud_most_vulnerable_age:
        found.append(f"age {age} (>= {cfg.fraud_most_vulnerable_age})")
    return tuple(found)


def _slavery_evidence(report: AnyReport, markers: frozenset[str], ho: str | None,
                      cfg: RoutingConfig, networks: tuple[str, ...]
                      ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(child exploitation evidence, adult modern slavery evidence), in words.

    Structure only, never the narrative: markers; the Home Office offence class (106 modern
    slavery, 72 trafficking for sexual exploitation) or the incident category, whatever the
    broad category around it (``violent-crime``); and the detected networks (alert types)
    whose alert covers this report.  Example: ho_code "106", category violent-crime, no
    marker -> ((), ("Home Office code 106 (modern slavery or trafficking)",)) for an adult.
    """
    coded: list[str] = []
    if ho is not None and ho in cfg.modern_slavery_ho_classes:
        coded.append(f"Home Office code {ho} (modern slavery or trafficking)")
    detail = getattr(report, "incident", None)
    category = detail.category if detail is not None else None
    if category and _word(category) in words(cfg.modern_slavery_categories):
        coded.append(f"category {category}")
    if not (coded or markers or networks):
        return (), ()   # the common case, on every victim's decision
    child_net = [f"in a detected {t} network" for t in networks
                 if _word(t) in words(cfg.child_nrm_networks)]
    adult_net = [f"in a detected {t} network" for t in networks
                 if _word(t) in words(cfg.adult_nrm_networks)]
    child = (*sorted(markers & words(cfg.child_exploitation_markers)), *coded, *child_net)
    adult = (*sorted(markers & words(cfg.adult_nrm_markers)), *coded, *adult_net)
    return tuple(dict.fromkeys(child)), tuple(dict.fromkeys(adult))


def derive_facts(report: AnyReport, person: Person, cfg: RoutingConfig,
                 history: VictimHistory, networks: tuple[str, ...] = ()) -> Facts:
    """Everything the rules need about ``person`` in ``report``; never raises on odd values.
    ``networks``: the types of the detected exploitation networks whose alert covers the
    report (the link stage knows them; ``DecisionContext.exploitation``)."""
    unknowns: list[str] = []
    on = report.reported_at.astimezone(LONDON).date()
    flags = frozenset(_word(f) for f in person.flags if f)
    markers = frozenset(_word(m) for m in report.markers if m)
    bereaved = bool(flags & words(cfg.bereaved_flags))
    age, age_words, child = _age(person, on, cfg, flags, unknowns)

    sexual = _sexual(report, markers, cfg)
    domestic = bool(markers & words(cfg.domestic_abuse_markers))
    needs = tuple(label for label, hit in (("sexual offence", sexual), ("domestic abuse", domestic),
                                           ("bereaved relative", bereaved)) if hit)
    serious = {label for m, label in cfg.most_serious_markers.items() if _word(m) in markers}
    if sexual:
        serious.add("sexual offence")
    detail = getattr(report, "incident", None)
    ho = _ho_class(detail.ho_code) if detail is not None and detail.ho_code else None
    if ho in cfg.most_serious_ho_classes:
        serious.add(cfg.most_serious_ho_classes[ho])
    child_why, slavery_why = _slavery_evidence(report, markers, ho, cfg, networks)
    if slavery_why:
        serious.add("modern slavery or human trafficking")

    prior = history.prior_count
    if prior is None:
        unknowns.append("history: prior victimisations not looked up")
    repeat_flag = sorted(flags & words(cfg.repeat_victim_flags))
    if prior is not None and prior >= cfg.persistently_targeted_min_prior:
        repeat: str | None = f"{prior} prior victimisations in {history.window_days} days"
    elif repeat_flag:
        repeat = f"flag {', '.join(repeat_flag)}"
    else:
        repeat = None

    consent = person.consent
    support_unread = "victim_support" in consent.unparsed
    nrm_unread = "nrm" in consent.unparsed
    if support_unread:
        unknowns.append("consent.victim_support: value not true/false/null; read as unknown")
    if nrm_unread:
        unknowns.append("consent.nrm: value not true/false/null; read as unknown")

    return Facts(
        in_scope=person.role == "victim" or bereaved,
        age=age, age_words=age_words, child=child, markers=markers, flags=flags,
        fraud=_is_fraud(report, cfg), sexual_offence=sexual, domestic_abuse=domestic,
        bereaved=bereaved, consent_needed_for=needs, most_serious=tuple(sorted(serious)),
        exploitation=child_why,
        modern_slavery=bool(slavery_why),
        slavery_why=slavery_why,
        vulnerable_flags=tuple(sorted(flags & words(cfg.vulnerable_flags))),
        at_risk_flags=tuple(sorted(flags & words(cfg.at_risk_flags))),
        repeat=repeat,
        most_vulnerable=_most_vulnerable(flags, age, cfg),
        support_consent=None if support_unread else consent.victim_support,
        support_consent_unread=support_unread,
        nrm_consent=None if nrm_unread else consent.nrm,
        nrm_consent_unread=nrm_unread,
        unknowns=tuple(unknowns),
    )
