"""Near-duplicate reports: one real event reported twice through different channels.

A 101 call and an online form, or the victim and the victim's bank, give two
report_ids for one fraud, at close times, with reworded narratives and differently
written addresses.  Three pure steps, for a Redis-backed stage to call:

1. :func:`blocking_keys` - keys to store the report under, one per (kind, victim
   identity or payee, day); :func:`lookup_keys` - the same keys over the days of
   the window, to find candidates (blocking, as in splink's blocking rules).
2. :func:`summary` - a small JSON-able fingerprint to store.  Identities are keyed
   hashes (``card_hash``), so Redis holds no phone number or name in clear.
3. :func:`is_near_duplicate` - the decision, with reasons.

The fingerprint is built on normalised identity and event facts, never on the wording
of the narrative (the bank and the victim tell it differently): the victim (name folded
from ``name`` or ``given_name`` + ``family_name``, with the date of birth, the postcode
or a phone/e-mail), the payee and the other identifiers (a sender phone in any format),
the amount, the fraud type or offence, the place and the time.  Address similarity is
rapidfuzz's ``token_set_ratio`` (https://rapidfuzz.github.io/RapidFuzz/).

Two frauds paid to the same mule account by different victims share a payee but
are NOT duplicates: when both reports name a victim, the victims must match.
:func:`match_persons` pairs the people of a duplicate with the original's, so the
victim is referred once per event however the second report spells them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from linkwatch.rules.normalise import address, canonical, card_hash, name, postcode

ADDRESS_MIN = 85.0  # rapidfuzz score, 0-100
SAME_TIME_HOURS = 6.0  # event times this close corroborate an anonymous report
INCIDENT_HOURS = 24.0  # no money, no stated event time: reports this close, same victim,
                       # offence and place, are one incident told twice
_VICTIM_ROLES = frozenset({"victim", "reporter"})


def _h(text: str) -> str:
    return card_hash(text)[:20]  # keyed: a stored key does not reveal the identity


def _event_time(report: Any) -> datetime:
    when = getattr(report, "occurred_at", None)
    when = getattr(when, "from_", when)
    return when if isinstance(when, datetime) else report.reported_at


def _person_ids(p: Any) -> set[str]:
    """The identities of one person: phones, e-mails, folded name with dob or postcode."""
    ids = {f"phone:{c.value}" for c in (canonical("phone", x) for x in p.phones) if c.valid}
    ids |= {f"email:{c.value}" for c in (canonical("email", x) for x in p.emails) if c.valid}
    parts = name(p.name, p.given_name, p.family_name)
    if parts and parts.family and parts.given_canonical:
        pc = postcode(p.postcode) if p.postcode else None
        # J. Bloggs = Jo Bloggs; a family name of several words ("Barroso Garcia") is also
        # keyed by its last word, which is what splitting a whole name ("Eloy Barroso
        # Garcia") takes for the family name
        for family in {parts.family, parts.family.split()[-1]}:
            who = f"{parts.given_canonical[:1]}|{family}"
            if p.dob:
                ids.add(f"name_dob:{who}|{p.dob.isoformat()}")
            if pc:
                ids.add(f"name_pc:{who}|{pc}")
    return ids


def _people(report: Any) -> dict[str, list[str]]:
    """person_ref -> hashed identities, for the victims and reporters."""
    return {p.person_ref or "": sorted(_h(i) for i in _person_ids(p))
            for p in report.persons if p.role in _VICTIM_ROLES}


def _victim_ids(report: Any, people: dict[str, list[str]] | None = None) -> list[str]:
    people = _people(report) if people is None else people
    return sorted({i for ids in people.values() for i in ids})


def _payees(report: Any) -> list[str]:
    found = {canonical(i.type, i.value).node_id for i in report.all_identifiers()
             if i.role == "payee"}
    return sorted(_h(n) for n in found if n)


def _others(report: Any) -> list[str]:
    """The identifiers other than payees (a sender's phone, a website), normalised."""
    found = {canonical(i.type, i.value).node_id for i in report.all_identifiers()
             if i.role != "payee"}
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


def _what(report: Any) -> str | None:
    """The offence: fraud/cyber type, else the HO code or category, folded."""
    detail = getattr(report, report.kind, None)
    for attr in ("fraud_type", "cyber_type", "ho_code", "category"):
        value = getattr(detail, attr, None)
        if isinstance(value, str) and value.strip():
            return value.strip().lower().replace(" ", "-").replace("_", "-")
    return None


def summary(report: Any, victims: list[str] | None = None,
            payees: list[str] | None = None,
            people: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Small JSON-able fingerprint: identities, identifiers, times, amount, offence, place.
    No narrative: the same event is told in other words by another channel."""
    people = _people(report) if people is None else people
    victims = _victim_ids(report, people) if victims is None else victims
    payees = _payees(report) if payees is None else payees
    detail = getattr(report, report.kind, None)
    amount = getattr(detail, "amount_lost", None)
    addr, pc = _address(report)
    loc = getattr(report, "location", None)
    return {
        "report_id": report.report_id, "kind": report.kind, "source": report.source,
        "t": _event_time(report).isoformat(), "victims": victims, "people": people,
        "exact": getattr(report, "occurred_at", None) is not None,
        "payees": payees, "others": _others(report),
        "amount": str(amount) if amount is not None else None, "what": _what(report),
        "address": addr, "postcode": pc, "lsoa": getattr(loc, "lsoa_code", None),
    }


def fingerprint(report: Any) -> dict[str, Any]:
    """``summary``, ``lookup`` and ``blocking`` keys in one pass (identities hashed once):
    JSON-able, so intake computes it and the link stage only looks it up."""
    people = _people(report)
    victims, payees = _victim_ids(report, people), _payees(report)
    ids = _keyed(victims, payees)
    return {"summary": summary(report, victims, payees, people),
            "lookup": lookup_keys(report, ids=ids), "blocking": blocking_keys(report, ids=ids)}


def match_persons(new: dict[str, Any], old: dict[str, Any]) -> dict[str, str]:
    """person_ref in ``new`` -> the same person's ref in ``old`` (two summaries of one
    event): a shared identity, else the only victim on each side (the reports were
    matched on that victim).  Example: the bank's "Jo" + "Bloggs" (``v1``) and the
    victim's own "Jo Bloggs" (``p1``) with the same dob -> ``{"v1": "p1"}``."""
    a = new.get("people") or {}
    b = old.get("people") or {}
    out: dict[str, str] = {}
    for ref, ids in a.items():
        hits = sorted(r for r, other in b.items() if set(ids) & set(other))
        if len(hits) == 1:
            out[ref] = hits[0]
    if not out and len(a) == 1 and len(b) == 1:
        out[next(iter(a))] = next(iter(b))
    return out


def _one_cast(a: dict[str, list[str]], b: dict[str, list[str]]) -> bool:
    """The victims of one report are among the other's (by identity; people with no
    identity are not counted): the same event may be told with fewer people, not others."""
    def known(side: dict[str, list[str]]) -> list[set[str]]:
        return [set(ids) for ids in side.values() if ids]

    ka, kb = known(a), known(b)
    a_in_b = all(any(x & y for y in kb) for x in ka)
    b_in_a = all(any(y & x for x in ka) for y in kb)
    return a_in_b or b_in_a


def _amount_close(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    x, y = float(a), float(b)
    return abs(x - y) <= max(1.0, 0.01 * max(x, y))  # within 1% (or GBP 1)


def is_near_duplicate(new: dict[str, Any], old: dict[str, Any],
                      window_hours: float = 72) -> tuple[bool, list[str]]:
    """(duplicate?, reasons).  Needs the same kind, times within the window and no
    conflicting victims; then, with a shared victim, two corroborations of which one is
    the money or the route (payee, another identifier, amount) and the other may be the
    offence, the place or a close time; with no victim named on one side, payee and
    amount and either another identifier or the same offence at a close time."""
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
        if same_victim and not _one_cast(new.get("people") or {}, old.get("people") or {}):
            # a second sighting with someone new (another worker at the same house) is
            # another event, not the same one told again
            return False, [*reasons, "same victim, but each report names victims the "
                           "other does not"]
        strong: list[str] = []
        if set(new["payees"]) & set(old["payees"]):
            strong.append("same payee")
        if set(new.get("others") or ()) & set(old.get("others") or ()):
            strong.append("same identifier (sender, contact or site)")
        if _amount_close(new["amount"], old["amount"]):
            strong.append(f"same amount ({new['amount']} / {old['amount']})")
        weak: list[str] = []
        if new.get("what") and new.get("what") == old.get("what"):
            weak.append(f"same offence ({new['what']})")
        addr = fuzz.token_set_ratio(new["address"], old["address"]) \
            if new["address"] and old["address"] else 0.0
        if addr >= ADDRESS_MIN or (new["postcode"] and new["postcode"] == old["postcode"]) or (
                not new["address"] and not new["postcode"] and new.get("lsoa")
                and new.get("lsoa") == old.get("lsoa")):
            weak.append(f"same place (address similarity {addr:.0f}, postcode "
                        f"{new['postcode']})")
        close = hours <= SAME_TIME_HOURS
        if close:
            weak.append(f"event times within {SAME_TIME_HOURS:g} h")
        support = [*strong, *weak]
        if same_victim:  # the victim is known: money or route, and one more, make it one event
            ok = len(strong) >= 2 or (len(strong) == 1 and bool(weak))
            if not ok and not (new["payees"] or old["payees"] or new["amount"]
                               or old["amount"]):
                # no money: the same offence at the same place, at the same stated time
                # (or, with no time stated, reported within INCIDENT_HOURS)
                exact = new.get("exact") and old.get("exact")
                near = close if exact else hours <= INCIDENT_HOURS
                ok = (near and any(w.startswith("same offence") for w in weak)
                      and any(w.startswith("same place") for w in weak))
            return ok, [*reasons, "same victim", *support]
        ok = ("same payee" in strong and any(s.startswith("same amount") for s in strong)
              and (any(s.startswith("same identifier") for s in strong)
                   or (close and any(s.startswith("same offence") for s in weak))))
        return ok, [*reasons, "no victim named on one side", *support]
    except (KeyError, TypeError, ValueError) as exc:
        return False, [f"summary unreadable: {type(exc).__name__}"]
