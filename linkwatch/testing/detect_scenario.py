"""The detection scenario, for tests and benchmarks only (bench/detect.py,
tests/test_scenario_detect.py, tests/test_innocent_hubs.py); not shipped in the wheel
(``linkwatch.testing``).

Every structure type planted in realistic sizes among background reports and innocent
hubs, with the variations real intake sees: phones written up to eight ways, accounts
with different punctuation, names from nine locales with nicknames and case, markers
on only some reports, and the same event reported twice through different channels.
Randomised per seed (issue 19): runners carrying phones of their own, crews Louvain
splits, cyber reports whose indicators come only in a STIX bundle, cuckooed residents
who are repeat victims too, child exploitation by an address or by an adult's phone /
car across children of different homes, fraud campaigns by phone, e-mail or website
with a different payee per victim.  The truth is written
here by hand, from domain.md (s.4-s.7), not computed by linkwatch: for each structure
its type, key entities (node ids, or (report_id, person_ref) for a person), its reports
and the decisive report: the one after which an analyst expects the alert.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from linkwatch.demo_scenario import KNOWN_HUBS, SWITCHBOARD, Writer, phone_forms

STRUCTURE_TYPES = ("county_lines", "cuckooing", "ocg", "mule_account", "fraud_campaign",
                   "fraud_network", "cyber_campaign", "modern_slavery", "child_exploitation",
                   "repeat_victim", "knife_crime")
METRO_POSTCODES = ("B6 5RQ", "B11 1AA", "B23 6UE", "B36 8DB", "E15 2DU", "N17 6QA",
                   "L4 0TH", "M8 9GN")
FRAUD_TYPES = ("purchase", "romance", "investment", "impersonation", "courier", "phishing",
               "app", "refund")
CYBER_TYPES = ("phishing", "hacking", "ransomware", "sextortion", "ddos")
DRAMA_LANDLINES = ("0121 496 0", "0113 496 0", "0114 496 0", "0115 496 0", "0116 496 0",
                   "0117 496 0", "0118 496 0", "0131 496 0", "0141 496 0", "0151 496 0",
                   "0161 496 0", "020 7946 0", "0191 498 0", "029 2018 0")
NICK = {"Robert": "Bob", "William": "Billy", "Thomas": "Tom", "Daniel": "Danny",
        "Michael": "Mick", "James": "Jim", "Joseph": "Joe", "Anthony": "Tony",
        "Margaret": "Maggie", "Elizabeth": "Liz", "Patricia": "Pat", "Susan": "Sue"}


def _warwickshire_lsoas() -> tuple[str, ...]:
    import csv
    import gzip
    from importlib import resources

    path = resources.files("linkwatch") / "data" / "lsoa_force.csv.gz"
    with gzip.open(str(path), "rt", encoding="utf-8") as fh:
        return tuple(sorted(r["lsoa_code"] for r in csv.DictReader(fh)
                            if r["police_force"] == "Warwickshire"))


def account_forms(sort: str, number: str) -> list[str]:
    s = sort.replace("-", "")
    return [f"{s[:2]}-{s[2:4]}-{s[4:]} {number}", f"{s} {number}",
            f"{s[:2]} {s[2:4]} {s[4:]}-{number}", f"{s}{number}"]


@dataclass
class Truth:
    """One planted structure.  ``entities``: node ids that name it (any one suffices);
    ``persons``: (report_id, person_ref) of key persons, for person-keyed structures;
    ``decisive``: the report after which the alert is due."""

    type: str
    entities: tuple[str, ...]
    report_ids: list[str]
    decisive: str
    persons: tuple[tuple[str, str], ...] = ()
    duplicates: list[str] = field(default_factory=list)  # same events again, other channel
    members: tuple[str, ...] = ()   # other node ids of the structure (e.g. a network's mules)


@dataclass
class DetectScenario:
    reports: list[dict[str, Any]]
    truths: list[Truth]
    decoys: dict[str, str]           # node id -> what it is (must never drive an alert)
    known_hubs: tuple[str, ...]      # the force's configured ignore list
    decoy_reports: dict[str, str] = field(default_factory=dict)  # report id -> its decoy


class _Plant:
    """Reports with explicit times, so structures keep their own tempo."""

    def __init__(self, seed: int, start: datetime, span_days: int) -> None:
        self.g = Writer(seed, start)
        self.rng, self.fake = self.g.rng, self.g.fake
        self.start, self.span = start, span_days
        self.lsoas = _warwickshire_lsoas()
        self.reports: list[dict[str, Any]] = []
        self.truths: list[Truth] = []
        self.used: set[str] = set()

    # -- ids and values that never collide across structures -----------------------
    def unique(self, make: Any) -> str:
        while True:
            v = make()
            if v not in self.used:
                self.used.add(v)
                return v

    def phone(self) -> str:
        """A mobile from Ofcom's drama range (07700 900000-900999): planted structures."""
        return self.unique(lambda: f"07700 900{self.rng.randrange(0, 1000):03d}")

    def landline(self) -> str:
        """A number from Ofcom's drama landline ranges: background people."""
        return self.unique(lambda: f"{self.rng.choice(DRAMA_LANDLINES)}"
                                   f"{self.rng.randrange(0, 1000):03d}")

    def account(self) -> tuple[str, str]:
        v = self.unique(lambda: f"{self.rng.randrange(10, 99)}{self.rng.randrange(10, 99)}"
                                f"{self.rng.randrange(10, 99)}:{self.rng.randrange(10**7, 10**8)}")
        s, n = v.split(":")
        return s, n

    def when(self, lo: float = 0.0, hi: float | None = None) -> datetime:
        hi = self.span if hi is None else hi
        return self.start + timedelta(minutes=self.rng.uniform(lo, hi) * 1440)

    def window_start(self, length_days: float) -> float:
        return self.rng.uniform(1, self.span - length_days - 1)

    def name(self, variant: int = 0, first: str | None = None, last: str | None = None) -> str:
        if first is None or last is None:
            f, la = self.g.names.pair()
            first, last = first or f, last or la
        if variant == 1 and first in NICK:
            first = NICK[first]
        if variant == 2:
            return f"{last.upper()}, {first}"
        return f"{first} {last}"

    def lsoa(self) -> str:
        return self.rng.choice(self.lsoas)

    def person(self, ref: str, role: str, **kw: Any) -> dict[str, Any]:
        p: dict[str, Any] = {"person_ref": ref, "role": role,
                             "name": kw.pop("name", None) or self.name(),
                             "postcode": kw.pop("postcode", None) or self.g.home_postcode()}
        if "age" not in kw and "dob" not in kw:
            p["dob"] = self.fake.date_of_birth(minimum_age=19, maximum_age=80).isoformat()
        if role == "victim" and "consent" not in kw:
            p["consent"] = {"victim_support": self.rng.choice([True, None])}
        p.update({k: v for k, v in kw.items() if v is not None})
        return p

    def report(self, kind: str, when: datetime, persons: list[dict], *,
               prefix: str | None = None, **extra: Any) -> dict[str, Any]:
        rep = {"report_id": self.g.rid(prefix or kind[:3].upper()), "kind": kind,
               "source": {"incident": "rms", "fraud": "report-fraud", "cyber": "ncsc"}[kind],
               "reported_at": when.isoformat(), "force": "Warwickshire Police",
               "persons": persons, **extra}
        self.reports.append(rep)
        return rep

    def again(self, rep: dict[str, Any], source: str) -> dict[str, Any]:
        """The same event reported again through another channel, a little later."""
        dup = json_copy(rep)
        dup["report_id"] = self.g.rid("DUP")
        dup["source"] = source
        dup["reported_at"] = (datetime.fromisoformat(rep["reported_at"])
                              + timedelta(hours=self.rng.uniform(1, 20))).isoformat()
        for p in dup.get("persons", []):
            p["name"] = p["name"].upper()
        self.reports.append(dup)
        return dup

    def truth(self, type_: str, entities: tuple[str, ...], reps: list[dict], decisive: int,
              persons: tuple[tuple[str, str], ...] = (), dups: list[dict] | tuple = (),
              members: tuple[str, ...] = ()) -> None:
        self.truths.append(Truth(type_, entities, [r["report_id"] for r in reps],
                                 reps[decisive]["report_id"], persons,
                                 [d["report_id"] for d in dups], members))


def json_copy(obj: Any) -> Any:
    import json

    return json.loads(json.dumps(obj))


def _steps(p: _Plant, n: int, lo_h: float, hi_h: float, days: float) -> list[datetime]:
    t = p.start + timedelta(days=p.window_start(days))
    out = []
    for _ in range(n):
        t += timedelta(hours=p.rng.uniform(lo_h, hi_h))
        out.append(t)
    return out


def _county_line(p: _Plant) -> None:
    rng = p.rng
    line = p.phone()
    forms = phone_forms(line)
    n = rng.randint(4, 8)
    places = [p.lsoa() for _ in range(rng.randint(2, 4))]
    runners = [p.person(f"s{k}", "suspect", postcode=rng.choice(METRO_POSTCODES))
               for k in range(rng.randint(2, 3))]
    # each runner carries a phone of his own, seen in the reports he is stopped in (two
    # or more): part of the line's network, never a line of its own
    own = {k: p.phone() for k in range(len(runners))}
    child = p.person("c1", "suspect", age=rng.choice([14, 15, 16]), flags=["missing_episode"],
                     postcode=rng.choice(METRO_POSTCODES))
    reps = []
    for k, t in enumerate(_steps(p, n, 6, 96, 40)):
        runner = dict(runners[k % len(runners)], person_ref="s1")
        persons = [runner]
        idents = []
        form = forms[k % 3] if rng.random() < 0.7 else rng.choice(forms)
        mine = rng.choice(phone_forms(own[k % len(runners)]))
        if k % 2 == 0:   # the line written on the runner's phone, or recorded as the deal line
            runner["phones"] = [form, mine] if rng.random() < 0.6 else [form]
        else:
            idents.append({"type": "phone", "role": "deal_line", "value": form})
            runner["phones"] = [mine]
        if k == 1 or (k > 2 and rng.random() < 0.3):
            persons.append(dict(child))
        extra: dict[str, Any] = {}
        if rng.random() < 0.3:   # partial markers: most reports do not carry it
            extra["markers"] = ["county_lines"]
        detail: dict[str, Any] = {"category": "drugs", "drugs": [{"class": "A", "type": "crack"}]}
        if rng.random() < 0.2:
            detail["weapons"] = ["knife"]
        reps.append(p.report("incident", t, persons, identifiers=idents, incident=detail,
                             location={"lsoa_code": places[k % len(places)]}, **extra))
    p.truth("county_lines", (f"phone:+44{line.replace(' ', '')[1:]}",), reps, 2,
            persons=tuple((r["report_id"], q["person_ref"]) for r in reps for q in r["persons"]))


def _cuckooing(p: _Plant) -> None:
    rng = p.rng
    street = f"Flat {rng.randint(1, 20)}, {rng.randint(1, 200)} {p.fake.street_name()}"
    pc = p.g.home_postcode()
    resident = p.person("r1", "victim", address=street, postcode=pc, age=rng.randint(35, 70),
                        flags=[rng.choice(["vulnerable", "learning_disability", "mental_health"])])
    lsoa = p.lsoa()
    reps = []
    always_victim = rng.random() < 0.5   # then a repeat_victim reading competes
    for k, t in enumerate(_steps(p, rng.randint(3, 5), 12, 120, 40)):
        visitor = p.person("s1", "suspect", postcode=rng.choice(METRO_POSTCODES))
        if rng.random() < 0.4:
            visitor.update(address=street, postcode=pc)   # gives the flat as his address
        me = dict(resident, name=p.name(k % 3, *resident["name"].split()[:2]) if k else
                  resident["name"], role="victim" if always_victim or not k
                  else rng.choice(["victim", "witness"]))
        cat = rng.choice(["drugs", "anti-social-behaviour"])
        extra: dict[str, Any] = {"markers": ["cuckooing"]} if k == 2 else {}
        reps.append(p.report("incident", t, [me, visitor], incident={"category": cat},
                             location={"lsoa_code": lsoa, "address": street, "postcode": pc},
                             **extra))
    node = canonical_node("address", f"{street} {pc}")
    p.truth("cuckooing", (node,), reps, 1, persons=tuple((r["report_id"], "r1") for r in reps))


def _ocg(p: _Plant) -> None:
    rng = p.rng
    members = []
    for _ in range(rng.randint(4, 6)):
        first = rng.choice(list(NICK))
        members.append((first, p.g.names.pair()[1],
                        p.fake.date_of_birth(minimum_age=18, maximum_age=35).isoformat(),
                        rng.choice([*METRO_POSTCODES[:2], p.g.home_postcode()])))
    vrm = p.unique(lambda: f"{rng.choice(['AB', 'KX', 'YR'])}{rng.randint(10, 75)} "
                           f"{''.join(rng.choice('CDEFGHJKLMNPRSTVWXZ') for _ in range(3))}")
    reps, persons_truth = [], []
    split = len(members) == 6 and rng.random() < 0.5
    n = rng.randint(5, 7) if split else rng.randint(3, 5)
    for k, t in enumerate(_steps(p, n, 24, 240, 60)):
        crew = members[:3] if k == 0 else rng.sample(members, rng.randint(2, min(4, len(members))))
        if k == 1:   # the second time the group is seen, two of the first three are back
            crew = [members[1], members[2], members[3]]
        if split and k >= 2:   # two trios offending apart, once in a while together
            crew = (members[:3], members[3:], [members[2], members[3], members[4]])[k % 3]
        persons = [p.person("v1", "victim")]
        for j, (first, last, dob, pc) in enumerate(crew):
            persons.append(p.person(f"s{j + 1}", "suspect", name=p.name((k + j) % 3, first, last),
                                    dob=dob, postcode=pc))
        extra: dict[str, Any] = {}
        if k % 2:
            extra["vehicles"] = [{"vrm": vrm.lower() if k % 4 == 1 else vrm.replace(" ", ""),
                                  "person_ref": "s1"}]
        rep = p.report("incident", t, persons, incident={"category": rng.choice(
            ["burglary", "robbery", "vehicle-crime", "theft-from-the-person"])},
            location={"lsoa_code": p.lsoa()}, **extra)
        reps.append(rep)
        persons_truth += [(rep["report_id"], f"s{j + 1}") for j in range(len(crew))]
    p.truth("ocg", (), reps, 1, persons=tuple(persons_truth))


def _fraud(p: _Plant, t: datetime, victim: dict, idents: list[dict], ftype: str,
           **extra: Any) -> dict:
    amount = extra.pop("amount", None) or f"{p.rng.randrange(80, 12000):,}.00"
    return p.report("fraud", t, [victim], identifiers=idents,
                    fraud={"fraud_type": ftype, "amount_lost": amount,
                           "payment_method": "bank_transfer"},
                    narrative=extra.pop("narrative", None) or p.fake.sentence(nb_words=14),
                    **extra)


def _mule(p: _Plant, ftype: str | None = None, n: int | None = None,
          t0: list[datetime] | None = None) -> tuple[str, list[dict]]:
    rng = p.rng
    sort, number = p.account()
    forms = account_forms(sort, number)
    ftype = ftype or rng.choice(["investment", "romance", "purchase", "courier"])
    reps, dups = [], []
    times = t0 or _steps(p, n or rng.randint(3, 8), 4, 72, 30)
    for k, t in enumerate(times):
        victim = p.person("v1", "victim", age=rng.choice([None, 71, 84, None]),
                          phones=[p.landline()])
        kind = ftype if rng.random() < 0.85 else rng.choice(FRAUD_TYPES)
        rep = _fraud(p, t, victim, [{"type": "bank_account", "role": "payee",
                                     "value": forms[k % 4]}], kind)
        reps.append(rep)
        if k == 1 and rng.random() < 0.6:
            dups.append(p.again(rep, "bank"))
    return f"account:{sort}-{number}", reps + dups


def _mule_account(p: _Plant) -> None:
    node, reps = _mule(p)
    originals = [r for r in reps if not r["report_id"].startswith("DUP")]
    p.truth("mule_account", (node,), originals, 2,
            dups=[r for r in reps if r["report_id"].startswith("DUP")])


def _fraud_campaign(p: _Plant) -> None:
    rng = p.rng
    ftype = rng.choice(["impersonation", "courier", "investment", "phishing"])
    way = rng.random()
    forms: Sequence[dict[str, str] | list[dict[str, str]]]  # a list: identifiers sent together
    if way < 0.4:
        number = p.phone()
        node = f"phone:+44{number.replace(' ', '')[1:]}"
        forms = [{"type": "phone", "role": rng.choice(["sender", "contact"]), "value": f}
                 for f in phone_forms(number)[:rng.choice([3, 5, 8])]]
    elif way < 0.6:   # a fake shop's website: cyber_campaign reads its site too
        site = p.unique(lambda: f"{p.fake.domain_word()}-outlet{rng.randint(2, 99)}.co.uk")
        node = f"domain:{site}"
        sites = [{"type": "domain", "role": "sender", "value": v}
                 for v in (site, site.upper(), f"www.{site}")]
        sites += [{"type": "url", "role": "sender", "value": f"https://{site}/checkout"}]
        forms = [[f, sites[0]] for f in sites]
    else:
        user = p.unique(lambda: f"{p.fake.user_name()}{rng.randint(1, 99)}")
        addr = f"{user}@secure-{rng.choice(['hmrc', 'refund', 'parcel'])}-uk.com"
        node = f"email:{addr}"
        forms = [{"type": "email", "role": "sender", "value": v}
                 for v in (addr, addr.upper(), f" {addr.capitalize()} ")]
    reps, dups = [], []
    for k, t in enumerate(_steps(p, rng.randint(5, 12), 2, 36, 20)):
        victim = p.person("v1", "victim", age=rng.choice([None, 68, 77, None, None]),
                          phones=[p.landline()])
        sort, number = p.account()
        sent = forms[k % len(forms)]
        idents = [*(sent if isinstance(sent, list) else [sent]),
                  {"type": "bank_account", "role": "payee", "value": f"{sort} {number}"}]
        rep = _fraud(p, t, victim, idents, ftype if rng.random() < 0.9 else "app")
        reps.append(rep)
        if k == 3 and rng.random() < 0.6:
            dups.append(p.again(rep, "bank"))
    p.truth("fraud_campaign", (node,), reps, 4, dups=dups)


def _fraud_network(p: _Plant) -> None:
    """Mules feeding one collector: each mule paid by 3 victims, then the banks report
    each mule's holder moving the money on to the same collector account."""
    rng = p.rng
    sort, number = p.account()
    collector = f"account:{sort}-{number}"
    cforms = account_forms(sort, number)
    times = _steps(p, 14, 3, 30, 30)
    ftype = rng.choice(["investment", "romance"])
    mules, reps = [], []
    n_mules = rng.randint(2, 3)
    for i in range(n_mules):
        node, mreps = _mule(p, ftype, t0=times[i * 3:(i + 1) * 3])
        mules.append(node)
        reps += [r for r in mreps if not r["report_id"].startswith("DUP")]
    bank = []
    for i, node in enumerate(mules):
        s, n = node.split(":", 1)[1].split("-")
        holder = p.person("s1", "suspect", age=rng.randint(18, 24))
        bank.append(p.report(
            "fraud", times[n_mules * 3 + i], [holder], prefix="BNK",
            identifiers=[{"type": "bank_account", "role": "mule", "person_ref": "s1",
                          "value": account_forms(s, n)[i % 4]},
                         {"type": "bank_account", "role": "beneficiary", "value": cforms[i % 4]}],
            fraud={"fraud_type": "money_laundering"}, narrative="Bank fraud team: funds from "
            "reported victims moved on within hours to one beneficiary account."))
    for b in bank:
        b["source"] = "bank"
    reps += bank
    p.truth("fraud_network", (collector,), reps, len(reps) - n_mules + 1, members=tuple(mules))


def _cyber_campaign(p: _Plant) -> None:
    rng = p.rng
    brand = rng.choice(["hsbc", "natwest", "royalmail", "evri", "hmrc", "netflix"])
    dom = p.unique(lambda: f"{brand}-{rng.choice(['secure', 'verify', 'account'])}"
                           f"{rng.randint(2, 999)}.{rng.choice(['com', 'co.uk', 'info'])}")
    ip = p.unique(lambda: f"185.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}")
    ctype = rng.choice(["phishing", "phishing", "sextortion"])
    wallet = p.unique(lambda: "bc1q" + "".join(rng.choice("023456789acdefghjklmnpqrstuvwxyz")
                                               for _ in range(38)))
    reps = []
    stix_share = rng.choice([0.0, 0.3, 0.6])
    for k, t in enumerate(_steps(p, rng.randint(4, 10), 1, 30, 20)):
        ind = [{"type": "domain", "role": "phishing_site",
                "value": [dom, dom.upper(), f"www.{dom}"][k % 3]},
               {"type": "url", "role": "phishing_site",
                "value": [f"https://{dom}/login", f"http://{dom.upper()}/verify?id={k}",
                          f"{dom}/account"][k % 3]}]
        if rng.random() < 0.6:
            ind.append({"type": "ip", "role": "phishing_site", "value": ip})
        if ctype == "sextortion" and rng.random() < 0.7:
            ind.append({"type": "crypto_wallet", "role": "payee", "value": wallet})
        victim = p.person("v1", "victim", emails=[p.fake.free_email()])
        cyber: dict[str, Any] = {"cyber_type": ctype, "indicators": ind}
        if k and rng.random() < stix_share:   # the indicators only inside the STIX bundle
            cyber = {"cyber_type": ctype, "stix": stix_bundle(ind, rng)}
        reps.append(p.report("cyber", t, [victim], cyber=cyber))
    p.truth("cyber_campaign", (f"domain:{dom}", f"ip:{ip}"), reps, 2)


STIX_TYPES = {"domain": "domain-name", "url": "url", "ip": "ipv4-addr", "email": "email-addr",
              "crypto_wallet": "x-linkwatch-wallet"}


def stix_bundle(indicators: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """A STIX 2.1 bundle naming ``indicators``: as indicator patterns (one pattern may
    OR two of them) or as observables, at random."""
    import uuid

    def sid(kind: str) -> str:
        return f"{kind}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"

    objects: list[dict[str, Any]] = []
    comps = [f"[{STIX_TYPES[i['type']]}:value = '{i['value']}']" for i in indicators
             if i["type"] in STIX_TYPES]
    while comps:
        take = comps[:rng.choice([1, 2])]
        comps = comps[len(take):]
        if rng.random() < 0.75:
            objects.append({"type": "indicator", "spec_version": "2.1", "id": sid("indicator"),
                            "created": "2026-07-01T00:00:00Z", "modified": "2026-07-01T00:00:00Z",
                            "pattern_type": "stix", "pattern": " OR ".join(take),
                            "valid_from": "2026-07-01T00:00:00Z"})
        else:
            for c in take:
                stype, value = c[1:].split(":value = ", 1)
                objects.append({"type": stype, "spec_version": "2.1", "id": sid(stype),
                                "value": value.strip("']")})
    return {"type": "bundle", "id": sid("bundle"), "objects": objects}


def _child_network(p: _Plant) -> None:
    """Child criminal exploitation without a shared home: children of different homes,
    with missing episodes, tied by one adult's phone (the number in their reports, or
    on their own phones' contacts) and/or the car he collects them in; reports of
    drugs, shoplifting, ASB and missing episodes (no marker on most)."""
    rng = p.rng
    today = p.start.date()
    adult_phone = p.phone()
    vrm = p.unique(lambda: f"{rng.choice(['FD', 'BV', 'WK'])}{rng.randint(51, 74)} "
                           f"{''.join(rng.choice('CDEFGHJKLMNPRSTVWXZ') for _ in range(3))}")
    adult = p.person("s1", "suspect", postcode=rng.choice(METRO_POSTCODES),
                     dob=p.fake.date_of_birth(minimum_age=19, maximum_age=32).isoformat(),
                     phones=[rng.choice(phone_forms(adult_phone))])
    how = rng.choice(["phone", "vehicle", "both"])
    kids = []
    for _ in range(rng.randint(2, 4)):
        age = rng.randint(13, 17)
        dob = today.replace(year=today.year - age) - timedelta(days=rng.randint(30, 300))
        flags = ["missing_episode"] if rng.random() < 0.7 else []
        kids.append(p.person("c1", "suspect", dob=dob.isoformat(), flags=flags))
    if not any(k.get("flags") for k in kids):
        kids[0]["flags"] = ["missing_episode"]
    reps = []
    for k, t in enumerate(_steps(p, len(kids) * 2, 12, 150, 50)):
        kid = dict(kids[k % len(kids)])
        persons = [kid]
        idents: list[dict[str, Any]] = []
        extra: dict[str, Any] = {}
        cat = rng.choice(["drugs", "shoplifting", "anti-social-behaviour", "other-crime",
                          "public-order"])
        if k >= len(kids):   # missing from home: the child is the report's subject
            kid["role"] = "victim"
            kid["consent"] = {"victim_support": None}
            cat = "other-crime"
        if how in {"phone", "both"} and (k < len(kids) or rng.random() < 0.5):
            idents.append({"type": "phone", "role": rng.choice(["contact", "associate"]),
                           "value": rng.choice(phone_forms(adult_phone))})
        if how in {"vehicle", "both"} and (k < len(kids) or rng.random() < 0.5):
            extra["vehicles"] = [{"vrm": rng.choice([vrm, vrm.replace(" ", ""), vrm.lower()])}]
            if rng.random() < 0.5:
                persons.append(dict(adult))
                extra["vehicles"][0]["person_ref"] = "s1"
        if rng.random() < 0.15:
            extra["markers"] = ["child_exploitation"]
        reps.append(p.report("incident", t, persons, identifiers=idents,
                             incident={"category": cat}, location={"lsoa_code": p.lsoa()},
                             **extra))
    ents = []
    if how in {"phone", "both"}:
        ents.append(f"phone:+44{adult_phone.replace(' ', '')[1:]}")
    if how in {"vehicle", "both"}:
        ents.append(canonical_node("vrm", vrm))
    p.truth("child_exploitation", tuple(ents), reps, len(kids) - 1,
            persons=tuple((r["report_id"], "c1") for r in reps))


def _slavery(p: _Plant, child: bool) -> None:
    rng = p.rng
    street = f"{rng.randint(1, 150)} {p.fake.street_name()}"
    pc = p.g.home_postcode()
    boss_phone = p.phone()
    forms = phone_forms(boss_phone)
    boss = p.person("s1", "suspect", postcode=rng.choice(METRO_POSTCODES), phones=[forms[0]])
    nat = rng.choice(["Romanian", "Albanian", "Vietnamese", "Polish", "Eritrean"])
    n = rng.randint(2, 3) if child else rng.randint(3, 6)
    workers = []
    for _ in range(n):
        w = p.person("w", "victim", address=street, postcode=pc,
                     consent={"victim_support": None, "nrm": None})
        if child:
            w.pop("dob", None)
            w.update(age=rng.randint(14, 17), nationality="British",
                     flags=rng.sample(["missing_episode", "looked_after_child"], 1))
        else:
            w["nationality"] = nat
        workers.append(w)
    marker = "child_exploitation" if child else "modern_slavery"
    # first sighting: two of them with the controller; then the others, one by one
    groups = [workers[:2]] + [[w] for w in workers[2:]] + [rng.sample(workers, 2)]
    reps = []
    cat = "drugs" if child else "other-crime"
    for k, (grp, t) in enumerate(zip(groups, _steps(p, len(groups), 12, 200, 50), strict=True)):
        persons = [dict(w, person_ref=f"w{j + 1}", role=rng.choice(["victim", "associate"])
                        if k else "victim") for j, w in enumerate(grp)]
        idents = []
        if k == 0 or rng.random() < 0.5:
            persons.append(dict(boss, phones=[forms[k % 3]]))
        else:
            idents.append({"type": "phone", "role": "contact", "value": forms[k % 3]})
        extra: dict[str, Any] = {"markers": [marker]} if rng.random() < 0.4 else {}
        reps.append(p.report("incident", t, persons, identifiers=idents,
                             incident={"category": cat}, location={"lsoa_code": p.lsoa()},
                             **extra))
    need = 0 if child else 1  # the report by which 2 children / 3 workers are tied to it
    p.truth("child_exploitation" if child else "modern_slavery",
            (canonical_node("address", f"{street} {pc}"),
             f"phone:+44{boss_phone.replace(' ', '')[1:]}"), reps, need)


def _repeat_victim(p: _Plant) -> None:
    rng = p.rng
    first = rng.choice(list(NICK))
    last, dob = p.fake.last_name(), p.fake.date_of_birth(minimum_age=20, maximum_age=85)
    street, pc = f"{rng.randint(1, 120)} {p.fake.street_name()}", p.g.home_postcode()
    phone = p.phone()
    domestic = rng.random() < 0.4
    reps, dups = [], []
    for k, t in enumerate(_steps(p, rng.randint(3, 5), 24, 400, 75)):
        v = p.person("v1", "victim", name=p.name(k % 3, first, last), dob=dob.isoformat(),
                     address=street if k % 2 == 0 else street.upper(), postcode=pc,
                     phones=[phone_forms(phone)[k % 3]])
        persons = [v]
        if domestic:
            persons.append(p.person("s1", "suspect", name="Unknown Partner"))
        rep = p.report("incident", t, persons, markers=["domestic_abuse"] if domestic else [],
                       incident={"category": rng.choice(["violent-crime", "criminal-damage-arson",
                                                         "public-order", "burglary"])},
                       location={"lsoa_code": p.lsoa(), "postcode": pc},
                       narrative=p.fake.sentence(nb_words=16))
        reps.append(rep)
        if k == 0:
            dups.append(p.again(rep, "online"))
    p.truth("repeat_victim", (), reps, 2, persons=tuple((r["report_id"], "v1") for r in reps),
            dups=dups)


def _knife_crime(p: _Plant) -> None:
    rng = p.rng
    lsoa = p.lsoa()
    reps = []
    for k, t in enumerate(_steps(p, rng.randint(3, 5), 6, 120, 25)):
        detail: dict[str, Any] = {"category": rng.choice(["violent-crime", "robbery",
                                                          "possession-of-weapons"]),
                                  "injury": rng.choice(["minor", "serious", "none"])}
        extra: dict[str, Any] = {}
        form = k % 4
        if form == 0:
            detail["weapons"] = ["knife"]
        elif form == 1:
            detail["weapons"] = ["Knife"]
        elif form == 2:
            extra["markers"] = ["knife"]          # only the marker
        else:
            detail["weapons"] = ["bladed article"]
        reps.append(p.report("incident", t, [p.person("v1", "victim", age=rng.randint(15, 40)),
                                             p.person("s1", "suspect", age=rng.randint(15, 25))],
                             incident=detail, location={"lsoa_code": lsoa}, **extra))
    p.truth("knife_crime", (f"location:{lsoa}",), reps, 2)


def canonical_node(kind: str, value: str) -> str:
    from linkwatch.rules.normalise import canonical

    return canonical(kind, value).node_id or f"{kind}:{value}"


def _background(p: _Plant, n: int) -> None:
    """Unrelated reports: each with its own people, phones, accounts and domains."""
    rng = p.rng
    for i in range(n):
        t = p.when()
        r = rng.random()
        if r < 0.55:
            cat = rng.choice(["burglary", "vehicle-crime", "criminal-damage-arson", "other-theft",
                              "public-order", "shoplifting", "violent-crime", "bicycle-theft"])
            persons = [p.person("v1", "victim", phones=[p.landline()])]
            # mostly none or one suspect; now and then a group offence (not an OCG)
            persons += [p.person(f"s{k}", "suspect")
                        for k in range(1, rng.choice([1, 1, 1, 2, 2, 2, 3, 4]))]
            detail: dict[str, Any] = {"category": cat}
            if cat == "violent-crime" and rng.random() < 0.05:
                detail["weapons"] = ["knife"]     # a lone knife incident somewhere
            rep = p.report("incident", t, persons, incident=detail,
                           location={"lsoa_code": p.lsoa(), "postcode": persons[0]["postcode"]},
                           narrative=p.fake.sentence(nb_words=12))
        elif r < 0.62:   # a drugs stop: one suspect, his own phone
            rep = p.report("incident", t, [p.person("s1", "suspect", phones=[p.landline()])],
                           incident={"category": "drugs"}, location={"lsoa_code": p.lsoa()})
        elif r < 0.9:
            sort, number = p.account()
            rep = _fraud(p, t, p.person("v1", "victim", phones=[p.landline()]),
                         [{"type": "bank_account", "role": "payee", "value": f"{sort} {number}"},
                          {"type": "phone", "role": "contact", "value": p.landline()}],
                         rng.choice(FRAUD_TYPES))
        else:
            dom = p.unique(lambda: f"{p.fake.domain_word()}{rng.randint(1, 9999)}.com")
            rep = p.report("cyber", t, [p.person("v1", "victim", emails=[p.fake.free_email()])],
                           cyber={"cyber_type": rng.choice(CYBER_TYPES), "indicators": [
                               {"type": "domain", "role": "phishing_site", "value": dom}]})
        if i % 97 == 0 and rep["kind"] != "cyber" and rep["persons"][0]["role"] == "victim":
            p.again(rep, "online")   # the same event through a second channel


def _decoys(p: _Plant, size: int) -> tuple[dict[str, str], dict[str, str]]:
    """Innocent hubs: shared for innocent reasons by many unrelated people.
    Returns {node: what it is} and {report id: its hub}."""
    rng = p.rng
    decoys: dict[str, str] = {}
    reports: dict[str, str] = {}

    def tag(node: str, what: str) -> None:
        decoys[node] = what
        for rep in p.reports:
            if rep["report_id"] not in reports:
                reports[rep["report_id"]] = node
    reports.update({r["report_id"]: "" for r in p.reports})   # earlier: not a decoy's
    for _ in range(size):   # the bank's switchboard: victims rang their bank
        sort, number = p.account()
        _fraud(p, p.when(), p.person("v1", "victim"),
               [{"type": "phone", "role": "contact", "value": rng.choice(phone_forms(
                   SWITCHBOARD.replace(" ", "")[:5] + " " + SWITCHBOARD.replace(" ", "")[5:]))},
                {"type": "bank_account", "role": "payee", "value": f"{sort}-{number}"}],
               rng.choice(FRAUD_TYPES))
    tag(KNOWN_HUBS[0], "bank switchboard")
    hostel, hpc = "St Michael's Hostel, 1 Station Approach", "CV21 2AA"
    for _ in range(size):   # a hostel many unrelated people live at
        role = rng.choice(["victim", "victim", "suspect", "witness"])
        cat = rng.choice(["other-theft", "violent-crime", "public-order", "criminal-damage-arson",
                          "shoplifting", "anti-social-behaviour", "drugs"])
        flags = ["vulnerable"] if rng.random() < 0.3 else []
        p.report("incident", p.when(), [p.person("v1", role, address=hostel, postcode=hpc,
                                                 flags=flags)],
                 incident={"category": cat}, location={"lsoa_code": p.lsoa()})
    tag(canonical_node("address", f"{hostel} {hpc}"), "hostel")
    wifi = "81.134.20.6"
    for _ in range(size):   # a café's public Wi-Fi: the victims' own connection
        p.report("cyber", p.when(), [p.person("v1", "victim", emails=[p.fake.free_email()])],
                 cyber={"cyber_type": rng.choice(CYBER_TYPES), "indicators": [
                     {"type": "ip", "role": "victim_connection", "person_ref": "v1",
                      "value": wifi}]})
    tag(f"ip:{wifi}", "public Wi-Fi")
    landline = "01632 960000"
    street, pc = f"{rng.randint(1, 99)} {p.fake.street_name()}", p.g.home_postcode()
    family = p.fake.last_name()
    firsts: list[str] = []
    for who in range(4):    # a family landline: four people, one home phone
        firsts.append(first := next(f for f in iter(p.fake.first_name, None) if f not in firsts))
        dob = p.fake.date_of_birth(minimum_age=12 if who > 1 else 35, maximum_age=17 if who > 1
                                   else 60).isoformat()
        for _ in range(2):
            p.report("incident", p.when(), [p.person(
                "v1", "victim", name=f"{first} {family}", dob=dob, address=street, postcode=pc,
                phones=[rng.choice([landline, "+44 1632 960000", "01632960000"])])],
                incident={"category": rng.choice(["bicycle-theft", "other-theft",
                                                  "vehicle-crime", "public-order"])},
                location={"lsoa_code": p.lsoa()})
    tag("phone:+441632960000", "family landline")
    shop = "customer.services@argos.co.uk"
    for _ in range(size):   # a retailer's email: impersonated or contacted by many victims
        sort, number = p.account()
        _fraud(p, p.when(), p.person("v1", "victim"),
               [{"type": "email", "role": "contact", "value": rng.choice([shop, shop.upper()])},
                {"type": "bank_account", "role": "payee", "value": f"{sort} {number}"}],
               rng.choice(FRAUD_TYPES))
    tag(f"email:{shop}", "retailer email")
    # issue 19, class 4: innocent contacts NOT on the force's list, cleared by structure.
    # Another bank's number that victims of every kind of fraud rang, over the whole span,
    # in any of three formats; some reports also name the fraudster's own phone.
    bank = p.unique(lambda: f"0808 157 0{rng.randrange(200, 1000):03d}")
    for _ in range(rng.randint(max(5, size // 4), max(6, size // 2))):
        sort, number = p.account()
        idents = [{"type": "phone", "role": "contact", "value": rng.choice(phone_forms(bank))},
                  {"type": "bank_account", "role": "payee", "value": f"{sort} {number}"}]
        if rng.random() < 0.4:
            idents.append({"type": "phone", "role": "sender", "value": p.landline()})
        _fraud(p, p.when(), p.person("v1", "victim"), idents, rng.choice(FRAUD_TYPES))
    tag(canonical_node("phone", bank), "bank switchboard (not configured)")
    # A retailer's customer-care address written to by purchase-fraud victims (one fraud
    # type: a campaign's type test passes), each naming the fake seller's own address.
    care = p.unique(lambda: f"{rng.choice(['customer.care', 'help', 'support'])}@"
                            f"{rng.choice(['homestore', 'techbarn', 'kidsworld'])}"
                            f"{rng.randint(1, 99)}-retail.co.uk")
    for _ in range(rng.randint(max(6, size // 3), max(8, size // 2 + 5))):
        sort, number = p.account()
        seller = p.unique(lambda: f"{p.fake.user_name()}{rng.randint(1, 999)}@mail.example.net")
        idents = [{"type": "email", "role": "contact",
                   "value": rng.choice([care, care.upper(), f" {care.capitalize()} "])},
                  {"type": "bank_account", "role": "payee", "value": f"{sort} {number}"}]
        if rng.random() < 0.85:
            idents.append({"type": "email", "role": "sender", "value": seller})
        _fraud(p, p.when(), p.person("v1", "victim"), idents,
               "purchase" if rng.random() < 0.85 else rng.choice(FRAUD_TYPES))
    tag(f"email:{care}", "retailer email (not configured)")
    return decoys, {r: n for r, n in reports.items() if n}


PLANTERS = {
    "county_lines": _county_line, "cuckooing": _cuckooing, "ocg": _ocg,
    "mule_account": _mule_account, "fraud_campaign": _fraud_campaign,
    "fraud_network": _fraud_network, "cyber_campaign": _cyber_campaign,
    "modern_slavery": lambda p: _slavery(p, child=False),
    "child_exploitation": lambda p: (_slavery(p, child=True) if p.rng.random() < 0.5
                                     else _child_network(p)),
    "repeat_victim": _repeat_victim, "knife_crime": _knife_crime,
}


def generate_detect(seed: int = 7, background: int = 5000, per_type: int = 4,
                    decoy_size: int = 30, span_days: int = 120,
                    start: datetime = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)) -> DetectScenario:
    """``per_type`` structures of every type in ``STRUCTURE_TYPES`` among ``background``
    unrelated reports and five innocent hubs of ``decoy_size`` reports each, spread
    over ``span_days``; reports sorted by ``reported_at``."""
    p = _Plant(seed, start, span_days)
    _background(p, background)
    decoys, decoy_reports = _decoys(p, decoy_size)
    for _ in range(per_type):
        for name in STRUCTURE_TYPES:
            PLANTERS[name](p)
    p.reports.sort(key=lambda r: r["reported_at"])
    return DetectScenario(p.reports, p.truths, decoys, KNOWN_HUBS, decoy_reports)



# types whose alert over a planted structure of another type is a fair reading of it
RELATED = {"county_lines": {"cuckooing", "child_exploitation", "knife_crime", "ocg"},
           "cuckooing": {"county_lines", "repeat_victim"}, "mule_account": {"fraud_network"},
           "fraud_campaign": {"fraud_network"}, "fraud_network": {"mule_account"},
           "modern_slavery": {"child_exploitation", "repeat_victim"},
           "child_exploitation": {"modern_slavery", "county_lines", "repeat_victim"},
           "cyber_campaign": {"fraud_network"}}


def score_detection(s: DetectScenario, alerts: list[tuple[float, dict]],
                    person_entity: dict[tuple[str, str], str],
                    sent_at: dict[str, float] | None = None) -> dict[str, Any]:
    """Alerts (arrival time, Alert dict; every version) against the planted truth.

    ``person_entity``: (report_id, person_ref) -> entity id, as linkwatch resolved it
    (the entities topic), to find a planted person among an alert's entities.
    Per type: recall, alert precision, duplicate alerts, time to alert (p50/p95 s; an
    alert that came before its decisive report counts as 0 and as ``early``)."""
    from linkwatch.graph.alerts import alert_id_for

    first: dict[str, float] = {}
    merged: dict[str, dict[str, Any]] = {}
    last: dict[str, int] = {}
    superseded: set[str] = set()
    for at, a in alerts:
        first[a["alert_id"]] = min(first.get(a["alert_id"], at), at)
        m = merged.setdefault(a["alert_id"], {"type": a["type"], "entities": set(),
                                              "report_ids": set(), "title": a["title"]})
        m["entities"] |= {e["entity_id"] for e in a["entities"]}
        m["report_ids"] |= set(a["report_ids"])
        if a["version"] >= last.get(a["alert_id"], 0):
            last[a["alert_id"]] = a["version"]
            if a.get("status", "live") in ("superseded", "withdrawn"):
                superseded.add(a["alert_id"])
            else:
                superseded.discard(a["alert_id"])
    # an alert whose last version says ``superseded`` is no longer live: it is not
    # counted (the alert that carries its network on is)
    merged = {aid: a for aid, a in merged.items() if aid not in superseded}

    def names(tr: Truth, a: dict[str, Any], strict: bool = True) -> bool:
        if set(tr.entities if strict else (*tr.entities, *tr.members)) & a["entities"]:
            return True
        persons = {f"person:{person_entity[k]}" for k in tr.persons if k in person_entity}
        return bool(persons & a["entities"]) and len(set(tr.report_ids) & a["report_ids"]) >= 2

    decoy_ids = {alert_id_for(f"{t}:{d}") for d in s.decoys
                 for t in (*STRUCTURE_TYPES, "shared_identifier")}
    per: dict[str, dict[str, Any]] = {t: {"planted": 0, "found": 0, "duplicate_alerts": 0,
                                          "alerts": 0, "true_alerts": 0, "early": 0,
                                          "delays_s": []}
                                      for t in (*STRUCTURE_TYPES, "shared_identifier")}
    for tr in s.truths:
        row = per[tr.type]
        row["planted"] += 1
        hits = [aid for aid, a in merged.items() if a["type"] == tr.type and names(tr, a)]
        if hits:
            row["found"] += 1
            row["duplicate_alerts"] += len(hits) - 1
            if sent_at and tr.decisive in sent_at:
                delay = min(first[h] for h in hits) - sent_at[tr.decisive]
                row["early"] += delay < 0    # alerted before it was due: counts as 0
                row["delays_s"].append(max(0.0, delay))
    # extra alerts for a network already alerted: live alerts of any type naming one
    # planted structure, beyond the first (an alert of a network's own member counts)
    extra = 0
    for tr in s.truths:
        hits = [aid for aid, a in merged.items() if a["type"] != "managed_offender"
                and names(tr, a, strict=False)
                and len(set(tr.report_ids) & a["report_ids"]) * 2 >= min(
                    len(a["report_ids"]), len(tr.report_ids))]
        extra += max(0, len(hits) - 1)
    false_alerts, decoy_alerts = [], []
    for aid, a in merged.items():
        row = per.setdefault(a["type"], {"planted": 0, "found": 0, "duplicate_alerts": 0,
                                         "alerts": 0, "true_alerts": 0, "early": 0,
                                         "delays_s": []})
        row["alerts"] += 1
        ok = any(names(tr, a, strict=False)
                 and (a["type"] in {tr.type, "shared_identifier"}
                      or a["type"] in RELATED.get(tr.type, ())) for tr in s.truths)
        from_decoys = sum(1 for r in a["report_ids"] if r in s.decoy_reports)
        if aid in decoy_ids or (not ok and (a["entities"] & set(s.decoys)
                                            or from_decoys * 2 >= len(a["report_ids"]))):
            decoy_alerts.append((a["type"], a["title"], aid))
        elif ok:
            row["true_alerts"] += 1
            continue
        false_alerts.append((a["type"], a["title"], aid))
    out: dict[str, Any] = {"per_type": {}, "false_alerts": false_alerts,
                           "decoy_alerts": decoy_alerts, "extra_alerts": extra,
                           "superseded_alerts": len(superseded)}
    for t, row in per.items():
        d = sorted(row.pop("delays_s"))
        out["per_type"][t] = {
            **row, "recall": round(row["found"] / row["planted"], 3) if row["planted"] else None,
            "precision": round(row["true_alerts"] / row["alerts"], 3) if row["alerts"] else None,
            "p50_s": round(d[len(d) // 2], 3) if d else None,
            "p95_s": round(d[min(len(d) - 1, int(0.95 * len(d)))], 3) if d else None}
    total = sum(r["alerts"] for r in per.values())
    true = sum(r["true_alerts"] for r in per.values())
    out["precision"] = round(true / total, 3) if total else None
    found = sum(r["found"] for t, r in per.items() if t in STRUCTURE_TYPES)
    planted = sum(r["planted"] for t, r in per.items() if t in STRUCTURE_TYPES)
    out["recall"] = round(found / planted, 3) if planted else None
    recalls = [r["recall"] for t, r in out["per_type"].items()
               if t in STRUCTURE_TYPES and r["recall"] is not None]
    out["min_type_recall"] = min(recalls) if recalls else None
    return out
