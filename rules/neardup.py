"""Near-duplicate reports: one real event reported twice through different channels.

A 101 call and an online form, or the victim and the victim's bank, give two
report_ids for one fraud, at close times, with reworded narratives and differently
written addresses.  Three pure steps, for a Redis-backed stage to call:

1. :func:`blocking_keys` - keys to store the report under, one per (kind, victim
   identity or payee, day); :func:`lookup_keys` - the same keys over the days of
   the window, to find candidates (blocking, as in splink's blocking rules).
2. :func:`summary` - a small JSON-able fingerprint to store.  Identities are keyed
   hashes (``card_hash``), so Redis holds no phone number or name in clear.
3. :func:`is_near_duplicate` - the decision, with reasons; fuzzy text similarity is
   rapidfuzz's ``token_set_ratio`` (https://rapidfuzz.github.io/RapidFuzz/).

Two frauds paid to the same mule account by different victims share a payee but
are NOT duplicates: when both reports name a victim, the victims must match.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from linkwatch.rules.normalise import address, canonical, card_hash, key_text, name, postcode

NARRATIVE_MIN, ADDRESS_MIN = 60.0, 85.0  # rapidfuzz scores, 0-100
_TEXT_CHARS = 600


def _h(text: str) -> str:
    return card_hash(text)[:20]  # keyed: a stored key does not reveal the identity


def _event_time(report: Any) -> datetime:
    when = getattr(report, "occurred_at", None)
    when = getattr(when, "from_", when)
    return when if isinstance(when, datetime) else report.reported_at


def _victim_ids(report: Any) -> list[str]:
    ids: set[str] = set()
    victims = [p for p in report.persons if p.role in {"victim", "reporter"}]
    for p in victims:
        ids |= {f"phone:{c.value}" for c in (canonical("phone", x) for x in p.phones) if c.valid}
        ids |= {f"email:{c.value}" for c in (canonical("email", x) for x in p.emails) if c.valid}
        parts = name(p.name, p.given_name, p.family_name)
        if parts and parts.family and p.dob:
            ids.add(f"name_dob:{parts.given_canonical}|{parts.family}|{p.dob.isoformat()}")
    return sorted(_h(i) for i in ids)


def _payees(report: Any) -> list[str]:
    found = {canonical(i.type, i.value).node_id for i in report.all_identifiers()
             if i.role == "payee"}
    return sorted(_h(n) for n in found if n)


def _ids(report: Any) -> list[str]:
    return _keyed(_victim_ids(report), _payees(report))


def _keyed(victims: list[str], payees: list[str]) -> list[str]:
    return [f"v:{v}" for v in victims] + [f"p:{p}" for p in payees]


def blocking_keys(report: Any, ids: list[str] | None = None) -> list[str]:
    """``nd:fraud:v:<hash>:2026-11-24`` for each victim identity, ``...:p:<hash>:...`` for
    each payee: the keys to store this report's summary under."""
    day = _event_time(report).date().isoformat()
    return [f"nd:{report.kind}:{i}:{day}" for i in (_ids(report) if ids is None else ids)]


def lookup_keys(report: Any, window_hours: float = 72, ids: list[str] | None = None
                ) -> list[str]:
    """Every key whose day lies within ``window_hours`` of this report's event time."""
    when, span = _event_time(report), timedelta(hours=window_hours)
    first, last = (when - span).date(), (when + span).date()
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    return [f"nd:{report.kind}:{i}:{d}" for i in (_ids(report) if ids is None else ids)
            for d in days]


def _address(report: Any) -> tuple[str | None, str | None]:
    """Where it happened (``location``), not where the victim lives: a victim's home
    is identity, and would make every report by one repeat victim look alike."""
    loc = getattr(report, "location", None)
    raw, pc = (loc.address or "", loc.postcode or "") if loc else ("", "")
    return address(raw) if raw else None, postcode(pc) if pc else None


def summary(report: Any, victims: list[str] | None = None,
            payees: list[str] | None = None) -> dict[str, Any]:
    """Small JSON-able fingerprint: ids, times, amount, address and narrative text."""
    victims = _victim_ids(report) if victims is None else victims
    payees = _payees(report) if payees is None else payees
    detail = getattr(report, report.kind, None)
    amount = getattr(detail, "amount_lost", None)
    addr, pc = _address(report)
    text = key_text((report.narrative or "")[:2 * _TEXT_CHARS])[:_TEXT_CHARS]
    return {
        "report_id": report.report_id, "kind": report.kind, "source": report.source,
        "t": _event_time(report).isoformat(), "victims": victims,
        "payees": payees, "amount": str(amount) if amount is not None else None,
        "address": addr, "postcode": pc, "narrative": text,
    }


def fingerprint(report: Any) -> dict[str, Any]:
    """``summary``, ``lookup`` and ``blocking`` keys in one pass (identities hashed once):
    JSON-able, so intake computes it and the link stage only looks it up."""
    victims, payees = _victim_ids(report), _payees(report)
    ids = _keyed(victims, payees)
    return {"summary": summary(report, victims, payees),
            "lookup": lookup_keys(report, ids=ids), "blocking": blocking_keys(report, ids=ids)}


def _amount_close(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    x, y = float(a), float(b)
    return abs(x - y) <= max(1.0, 0.01 * max(x, y))  # within 1% (or GBP 1)


def is_near_duplicate(new: dict[str, Any], old: dict[str, Any],
                      window_hours: float = 72) -> tuple[bool, list[str]]:
    """(duplicate?, reasons).  Needs the same kind, times within the window, no
    conflicting victims, and either a shared victim plus two corroborations (payee,
    amount, narrative, place) or, with no victim named, payee + amount + narrative."""
    try:
        if new["report_id"] == old["report_id"]:
            return False, ["same report_id: a redelivery, not a near-duplicate"]
        if new["kind"] != old["kind"]:
            return False, [f"different kinds ({new['kind']} / {old['kind']})"]
        gap = abs(datetime.fromisoformat(new["t"]) - datetime.fromisoformat(old["t"]))
        hours = gap.total_seconds() / 3600
        if hours > window_hours:
            return False, [f"{hours:.0f} h apart, window {window_hours:g} h"]
        reasons = [f"{hours:.1f} h apart (window {window_hours:g} h)"]
        same_victim = bool(set(new["victims"]) & set(old["victims"]))
        if new["victims"] and old["victims"] and not same_victim:
            return False, [*reasons, "different victims"]
        support: list[str] = []
        if set(new["payees"]) & set(old["payees"]):
            support.append("same payee")
        if _amount_close(new["amount"], old["amount"]):
            support.append(f"same amount ({new['amount']} / {old['amount']})")
        text = fuzz.token_set_ratio(new["narrative"], old["narrative"]) \
            if new["narrative"] and old["narrative"] else 0.0
        if text >= NARRATIVE_MIN:
            support.append(f"narrative similarity {text:.0f} >= {NARRATIVE_MIN:g}")
        addr = fuzz.token_set_ratio(new["address"], old["address"]) \
            if new["address"] and old["address"] else 0.0
        if addr >= ADDRESS_MIN or (new["postcode"] and new["postcode"] == old["postcode"]):
            support.append(f"same address (similarity {addr:.0f}, postcode {new['postcode']})")
        if same_victim:  # the victim is known: two corroborations make it the same event
            return len(support) >= 2, [*reasons, "same victim", *support]
        strong = ("same payee", "same amount", "narrative")
        ok = all(any(s.startswith(k) for s in support) for k in strong)
        return ok, [*reasons, "no victim named on one side", *support]
    except (KeyError, TypeError, ValueError) as exc:
        return False, [f"summary unreadable: {type(exc).__name__}"]
