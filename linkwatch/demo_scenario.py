"""The demo's synthetic Warwickshire scenario (``linkwatch demo``): planted structures
among background reports.

Synthetic people only (Faker, seeded: UK places, names from ``NAME_LOCALES``, since
a Warwickshire stream names people of many origins); phone numbers from Ofcom's drama
ranges (07700 900xxx, 0808 157 0xxx).  The generator returns the reports and
the truth: which structures were planted, and which referrals are due.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker

WARWICKSHIRE_LSOAS = (
    "E01031035", "E01031013", "E01031021", "E01031075", "E01031046", "E01031051",
    "E01031124", "E01031095", "E01031159", "E01031151", "E01031164", "E01031163",
    "E01031213", "E01031223", "E01031208", "E01031227", "E01031256", "E01031283",
)
WARWICKSHIRE_POSTCODES = ("CV11 4AB", "CV10 7PD", "CV21 3HQ", "CV34 4RL", "CV37 6AA",
                          "CV31 1NH", "CV12 8LE", "CV22 5JT", "CV9 1BB", "CV47 0FB")
BIRMINGHAM_POSTCODES = ("B6 5RQ", "B11 1AA", "B23 6UE", "B36 8DB")
SWITCHBOARD = "0808 157 0192"  # the innocent bank switchboard (Ofcom drama freephone range)
KNOWN_HUBS = ("phone:+448081570192",)  # what a force would put on its known-hubs list
# people's names: mostly en_GB, the rest from the locales a Warwickshire stream meets
# (Irish, Polish, Romanian, Vietnamese, Turkish, Greek, Arabic, Chinese); non-Latin
# scripts included, so intake, resolution and alerts are exercised on them
NAME_LOCALES = ("en_GB", "en_IE", "pl_PL", "ro_RO", "vi_VN", "tr_TR", "el_GR", "ar_AA", "zh_CN")
NAME_WEIGHTS = (0.55, 0.08, 0.08, 0.07, 0.05, 0.05, 0.04, 0.04, 0.04)


class Names:
    """Seeded first and last names from ``NAME_LOCALES`` (one locale per person)."""

    def __init__(self, seed: int, rng: random.Random) -> None:
        self.rng = rng
        self.fakers = {}
        for i, loc in enumerate(NAME_LOCALES):
            f = Faker(loc)
            f.seed_instance(seed * 31 + i)
            self.fakers[loc] = f

    def pair(self) -> tuple[str, str]:
        loc = self.rng.choices(NAME_LOCALES, NAME_WEIGHTS)[0]
        f = self.fakers[loc]
        return f.first_name(), f.last_name()

    def full(self) -> str:
        return " ".join(self.pair())


@dataclass
class Planted:
    type: str       # alert type expected
    entity: str     # the node id that carries the structure
    report_ids: list[str]


@dataclass
class Scenario:
    reports: list[dict[str, Any]] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)   # node ids that must not alert
    expected_referrals: set[tuple[str, str, str]] = field(default_factory=set)
    forbidden_referrals: set[tuple[str, str, str]] = field(default_factory=set)
    # one event reported twice: either report may reach linkwatch first and be the
    # original, so truth is stated for the pair (report id -> the pair's first id)
    same_event: dict[str, str] = field(default_factory=dict)
    # (report, person, service) -> the priority a victim-care lead expects, where stated
    expected_priority: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def event_of(self, report_id: str) -> str:
        return self.same_event.get(report_id, report_id)


class Writer:
    """Writes a scenario's reports, in time order, with the truth each one adds."""

    def __init__(self, seed: int, start: datetime) -> None:
        # seeded synthetic test data, not security: a reproducible PRNG is the point
        self.rng = random.Random(seed)  # noqa: S311
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.names = Names(seed, self.rng)
        self.t = start
        self.n = 0
        self.s = Scenario()

    def home_postcode(self) -> str:
        """A Warwickshire postcode: a real district, an invented unit."""
        district = self.rng.choice(WARWICKSHIRE_POSTCODES).split()[0]
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return (f"{district} {self.rng.randrange(1, 10)}"
                f"{self.rng.choice(letters)}{self.rng.choice(letters)}")

    def tick(self) -> datetime:
        self.t += timedelta(minutes=self.rng.randint(5, 90))
        return self.t

    def rid(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n:06d}"

    def person(self, ref: str, role: str, *, postcode: str | None = None, age: int | None = None,
               phone: str | None = None, consent: bool | dict | None = True,
               **extra: Any) -> dict:
        p: dict[str, Any] = {"person_ref": ref, "role": role, "name": self.names.full(),
                             "postcode": postcode or self.home_postcode()}
        if age is None:
            p["dob"] = self.fake.date_of_birth(minimum_age=19, maximum_age=80).isoformat()
        else:
            p["age"] = age
        if "dob" in extra:
            p.pop("age", None)
        if phone:
            p["phones"] = [phone]
        if role == "victim":
            p["consent"] = consent if isinstance(consent, dict) else {"victim_support": consent}
        p.update(extra)
        return p

    def refer(self, report: dict) -> None:
        """Victims' Code Right 4 for the crimes planted here (none needs explicit consent):
        the referral goes unless the victim opted out."""
        for p in report.get("persons", []):
            if p["role"] == "victim" and p.get("consent", {}).get("victim_support") is not False:
                service = "fraud_victim_support" if report["kind"] == "fraud" else "victim_support"
                self.s.expected_referrals.add((report["report_id"], p["person_ref"], service))

    def add(self, report: dict, expect: tuple[str, ...] | None = None,
            forbid: tuple[str, ...] = ()) -> dict:
        """Add a report; ``expect`` lists the services its victim v1 must get (else the
        plain Right 4 rule below), ``forbid`` those it must never get."""
        self.s.reports.append(report)
        if expect is None:
            self.refer(report)
        else:
            self.s.expected_referrals |= {(report["report_id"], "v1", svc) for svc in expect}
        self.s.forbidden_referrals |= {(report["report_id"], "v1", svc) for svc in forbid}
        return report

    def incident(self, category: str, persons: list[dict], expect: tuple[str, ...] | None = None,
                 forbid: tuple[str, ...] = (), **extra: Any) -> dict:
        when = self.tick()
        return self.add({
            "report_id": self.rid("INC"), "kind": "incident", "source": "rms",
            "reported_at": when.isoformat(), "force": "Warwickshire Police",
            "location": {"lsoa_code": self.rng.choice(WARWICKSHIRE_LSOAS)},
            "persons": persons, "incident": {"category": category}, **extra}, expect, forbid)

    def fraud(self, persons: list[dict], identifiers: list[dict], amount: str, ftype: str,
              expect: tuple[str, ...] | None = None, forbid: tuple[str, ...] = (),
              **extra: Any) -> dict:
        when = self.tick()
        return self.add({
            "report_id": self.rid("FRD"), "kind": "fraud", "source": "report-fraud",
            "reported_at": when.isoformat(), "force": "Warwickshire Police",
            "persons": persons, "identifiers": identifiers,
            "fraud": {"fraud_type": ftype, "amount_lost": amount,
                      "payment_method": "bank_transfer"},
            **extra}, expect, forbid)


ALL_SERVICES = ("victim_support", "fraud_victim_support", "nrm", "ms1_duty_to_notify",
                "childrens_social_care", "domestic_abuse")


def _referral_cases(g: Writer) -> None:
    """One victim per Victims' Code rule, with the services a victim-care lead expects
    (written by hand from domain.md sections 3 and 4, not computed by linkwatch)."""
    V = "victim"
    none = ()
    everything = ALL_SERVICES

    def others(*sent: str) -> tuple[str, ...]:
        return tuple(s for s in everything if s not in sent)

    cases: list[tuple[str, dict, dict, tuple[str, ...]]] = [
        # (category, person overrides, report extras, services expected)
        ("burglary", {"consent": {"victim_support": None}}, {}, ("victim_support",)),
        ("burglary", {"consent": {"victim_support": False}}, {}, none),
        ("violent-crime", {"consent": {"victim_support": None}},
         {"markers": ["sexual_offence"]}, none),                       # explicit consent first
        ("violent-crime", {"consent": {"victim_support": True}},
         {"markers": ["sexual_offence"]}, ("victim_support",)),
        ("violent-crime", {"consent": {"victim_support": True}},
         {"markers": ["domestic_abuse"]}, ("domestic_abuse",)),
        ("violent-crime", {"consent": {"victim_support": None}},
         {"markers": ["domestic_abuse"]}, none),
        ("burglary", {"age": 15, "consent": {"victim_support": None}}, {},
         ("victim_support", "childrens_social_care")),
        ("drugs", {"age": 14, "consent": {"victim_support": False}},
         {"markers": ["child_exploitation"]}, ("childrens_social_care", "nrm")),
        ("other-crime", {"consent": {"victim_support": None, "nrm": True}},
         {"markers": ["modern_slavery"]}, ("victim_support", "nrm")),
        ("other-crime", {"consent": {"victim_support": None, "nrm": None}},
         {"markers": ["modern_slavery"]}, ("victim_support", "ms1_duty_to_notify")),
    ]
    for category, over, extra, services in cases:
        person = g.person("v1", V, **{k: v for k, v in over.items() if k != "age"},
                          age=over.get("age"))
        g.incident(category, [person], expect=services, forbid=others(*services), **extra)
    fraud_cases: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({"consent": {"victim_support": None}}, ("fraud_victim_support",)),
        ({"consent": {"victim_support": False}}, none),
        ({"age": 16, "consent": {"victim_support": None}},
         ("fraud_victim_support", "childrens_social_care")),
    ]
    for over, services in fraud_cases:
        person = g.person("v1", V, **{k: v for k, v in over.items() if k != "age"},
                          age=over.get("age"))
        g.fraud([person], [{"type": "bank_account", "role": "payee",
                            "value": (f"{g.rng.randrange(100000, 999999)} "
                                      f"5{g.rng.randrange(10**6, 10**7)}")}],
                "£350.00", "purchase", expect=services, forbid=others(*services))
    # the same courier fraud reported by the victim and again by the bank: one referral
    victim = g.person("v1", V, consent={"victim_support": True},
                      phone="07700 900731", dob="1941-06-12")
    payee = [{"type": "bank_account", "role": "payee", "value": "30-96-17 44120987"}]
    story = "Caller posing as police asked her to withdraw cash and hand it to a courier."
    first = g.fraud([victim], payee, "£4,800.00", "courier", narrative=story)
    again = dict(victim, person_ref="v1", name=victim["name"].upper())
    second = g.fraud([again], payee, "£4,800", "courier", expect=none, forbid=everything,
                     source="bank", narrative="Customer reports courier fraud: asked by fake "
                     "police officer to withdraw cash which was collected by a courier.")
    g.s.same_event[second["report_id"]] = first["report_id"]


# -- issue 19 variants: modern slavery without the marker, one event reported twice --------
#
# Randomised per seed: names from several locales (ASCII-foldable), name written whole or
# split into given and family name, postcodes and addresses written several ways, phones
# in three formats, consent answers.  Expected referrals are written by hand from domain.md
# s.3-4 (Right 4 with opt-out; a child to the MASH and the NRM without consent; an adult to
# the NRM on consent, else an anonymous MS1; a modern slavery victim is urgent).

SLAVERY_CODES = ("106", "106", "10600", "72")  # HO modern slavery; trafficking for sexual expl.
GENERIC_CATEGORIES = ("violent-crime", "other-crime", "public-order")


def _intl(g: Writer) -> tuple[str, str]:
    """(given, family) from one of ``NAME_LOCALES``, seeded by the scenario's rng."""
    cache = g.__dict__.setdefault("_fakers", {})
    loc = g.rng.choice(NAME_LOCALES)
    if loc not in cache:
        cache[loc] = Faker(loc)
        cache[loc].seed_instance(g.rng.randrange(10**6))
    return cache[loc].first_name(), cache[loc].last_name()


def phone_forms(number: str) -> list[str]:
    """``07700 900417`` -> the ways intake sees it: national, international, bare, then
    rarer ones (``0044``, ``+44 (0)``, dashes, brackets); the first three come first."""
    digits = number.replace(" ", "")
    return [f"{digits[:5]} {digits[5:]}", f"+44 {digits[1:5]} {digits[5:]}", digits,
            f"0044 {digits[1:5]} {digits[5:8]} {digits[8:]}", f"+44 (0) {digits[1:5]} {digits[5:]}",
            f"{digits[:5]}-{digits[5:8]}-{digits[8:]}", f"({digits[:5]}) {digits[5:]}",
            f"+44{digits[1:]}"]


def _postcode_forms(pc: str) -> list[str]:
    return [pc, pc.lower(), pc.replace(" ", ""), f" {pc.lower().replace(' ', '')} "]


def _expect_victim(g: Writer, rid: str, ref: str, person: dict, *, child: bool,
                   slavery: bool, explicit: bool = False, fraud: bool = False) -> None:
    """The services due to one victim, by hand: see the note above."""
    consent = person.get("consent") or {}
    vs = consent.get("victim_support")
    due = set()
    support = "fraud_victim_support" if fraud else "victim_support"
    if (vs is True) if explicit else (vs is not False):
        due.add(support)
    if child:
        due.add("childrens_social_care")
    if slavery:
        if child or consent.get("nrm") is True:
            due.add("nrm")
        else:
            due.add("ms1_duty_to_notify")
    g.s.expected_referrals |= {(rid, ref, svc) for svc in due}
    g.s.forbidden_referrals |= {(rid, ref, svc) for svc in ALL_SERVICES if svc not in due}
    if slavery:
        g.s.expected_priority.update({(rid, ref, svc): "urgent" for svc in due})


def _slavery_coded(g: Writer) -> None:
    """Class 5: modern slavery recorded by its Home Office code under a generic category,
    no marker; adults and children, every consent answer."""
    rng = g.rng
    for _ in range(rng.randint(2, 4)):
        persons, victims = [], []
        code = rng.choice(SLAVERY_CODES)
        for j in range(rng.randint(1, 3)):
            given, family = _intl(g)
            child = rng.random() < 0.3
            consent = {"victim_support": rng.choice([None, None, True, False]),
                       "nrm": rng.choice([None, True, False])}
            p = g.person(f"v{j + 1}", "victim", age=rng.randint(14, 17) if child else None,
                         consent=consent)
            p["name"] = f"{given} {family}"
            p["nationality"] = rng.choice(["Romanian", "Vietnamese", "Albanian", "Eritrean",
                                           "British"])
            persons.append(p)
            victims.append((p, child))
        if rng.random() < 0.5:
            persons.append(g.person("s1", "suspect", postcode=rng.choice(BIRMINGHAM_POSTCODES)))
        rep = g.incident(rng.choice(GENERIC_CATEGORIES), persons, expect=(),
                         incident={"category": rng.choice(GENERIC_CATEGORIES), "ho_code": code})
        # ``expect=()`` above states nothing for v1; each victim's services follow
        for p, child in victims:
            _expect_victim(g, rep["report_id"], p["person_ref"], p, child=child, slavery=True,
                           explicit=code == "72")
        g.s.forbidden_referrals |= {(rep["report_id"], "s1", svc) for svc in ALL_SERVICES}


def _slavery_network(g: Writer) -> None:
    """Class 5: a modern-slavery network no report names: workers at one address, one
    controlling phone, generic categories, no marker, no code.  Every victim in every
    report the network covers is a victim of modern slavery (a child: exploitation)."""
    rng = g.rng
    street = f"{rng.randint(1, 150)} {g.fake.street_name()}"
    pc = g.home_postcode()
    boss_phone = f"07700 900{rng.randrange(0, 1000):03d}"
    forms = phone_forms(boss_phone)
    boss = g.person("s1", "suspect", postcode=rng.choice(BIRMINGHAM_POSTCODES),
                    phone=forms[0])
    workers = []
    for _ in range(rng.randint(3, 5)):
        given, family = _intl(g)
        child = rng.random() < 0.2
        w = g.person("w", "victim", age=rng.randint(15, 17) if child else None,
                     consent={"victim_support": rng.choice([None, True, False]),
                              "nrm": rng.choice([None, True, False])},
                     address=street, postcode=rng.choice(_postcode_forms(pc)))
        w["name"] = f"{given} {family}"
        w["nationality"] = rng.choice(["Romanian", "Vietnamese", "Albanian", "Polish"])
        workers.append((w, child))
    groups = [workers[:2]] + [[w] for w in workers[2:]]
    for k, grp in enumerate(groups):
        persons = [dict(w, person_ref=f"w{j + 1}") for j, (w, _c) in enumerate(grp)]
        idents = []
        if k == 0:
            persons.append(dict(boss))
        else:
            idents.append({"type": "phone", "role": "contact", "value": forms[k % 3]})
        g.t += timedelta(hours=rng.uniform(6, 60))
        rep = g.incident(rng.choice(GENERIC_CATEGORIES), persons, expect=(),
                         identifiers=idents,
                         location={"address": street, "postcode": pc})
        for j, (w, child) in enumerate(grp):
            _expect_victim(g, rep["report_id"], f"w{j + 1}", w, child=child, slavery=True)
        g.s.forbidden_referrals |= {(rep["report_id"], "s1", svc) for svc in ALL_SERVICES}


def _double_reported(g: Writer) -> None:
    """Class 6: the same fraud reported by the victim and, hours later, by the bank: a new
    id, other words, the name split into given and family name, the postcode and address
    written otherwise, the sender phone in another format, the amount written otherwise."""
    rng = g.rng
    for _ in range(rng.randint(2, 4)):
        given, family = _intl(g)
        pc = g.home_postcode()
        street = f"{rng.randint(1, 99)} {g.fake.street_name()}"
        town = rng.choice(["Nuneaton", "Rugby", "Warwick", "Leamington Spa", "Bedworth"])
        dob = g.fake.date_of_birth(minimum_age=25, maximum_age=90).isoformat()
        sender = f"07700 900{rng.randrange(0, 1000):03d}"
        forms = phone_forms(sender)
        pounds = rng.randrange(200, 9000)
        ftype = rng.choice(["courier", "impersonation", "investment", "romance"])
        consent = {"victim_support": rng.choice([True, None, None])}
        own = {"person_ref": "v1", "role": "victim", "name": f"{given} {family}", "dob": dob,
               "address": f"{street}, {town}", "postcode": pc, "consent": consent}
        if rng.random() < 0.5:
            own["phones"] = [f"0121 496 0{rng.randrange(0, 1000):03d}"]
        idents = [{"type": "phone", "role": rng.choice(["sender", "contact"]),
                   "value": forms[0]}]
        if rng.random() < 0.6:
            idents.append({"type": "bank_account", "role": "payee",
                           "value": f"{rng.randrange(10, 99)}-{rng.randrange(10, 99)}-"
                                    f"{rng.randrange(10, 99)} {rng.randrange(10**7, 10**8)}"})
        first = g.fraud([own], idents, f"£{pounds:,}.00", ftype,
                        narrative=g.fake.sentence(nb_words=14))
        bank_person = {"person_ref": "v1", "role": "victim",
                       "given_name": rng.choice([given, given.upper()]),
                       "family_name": rng.choice([family, family.upper()]),
                       "address": f"{street.upper()} {town.upper()}".replace("STREET", "ST"),
                       "postcode": rng.choice(_postcode_forms(pc)[1:])}
        if rng.random() < 0.6:
            bank_person["dob"] = dob
        bank_idents = [dict(idents[0], value=rng.choice(forms[1:]), role="contact")]
        bank_idents += [dict(i, value=i["value"].replace("-", "").replace(" ", ""))
                        for i in idents[1:]]
        when = datetime.fromisoformat(first["reported_at"]) + timedelta(
            hours=rng.uniform(0.5, 6))
        second = g.add({
            "report_id": g.rid("BNK"), "kind": "fraud", "source": "bank",
            "reported_at": when.isoformat(), "force": "Warwickshire Police",
            "persons": [bank_person], "identifiers": bank_idents,
            "fraud": {"fraud_type": ftype, "amount_lost": rng.choice([str(pounds),
                                                                      f"{pounds}.00"]),
                      "payment_method": "bank_transfer"},
            "narrative": g.fake.sentence(nb_words=18)}, expect=(), forbid=ALL_SERVICES)
        g.s.same_event[second["report_id"]] = first["report_id"]


def generate(seed: int = 7, background: int = 60,
             start: datetime = datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
             referral_cases: bool = True) -> Scenario:
    g = Writer(seed, start)
    rng = g.rng
    # background: unrelated incidents and frauds, each with its own people and phones
    for i in range(background):
        phone = f"07700 9{rng.randrange(10000, 99999)}"[:13]
        if i % 3:
            g.incident(rng.choice(["burglary", "vehicle-crime", "criminal-damage-arson",
                                   "other-theft", "public-order"]),
                       [g.person("v1", "victim", phone=phone, consent=rng.choice([True, None]))])
        else:
            g.fraud([g.person("v1", "victim", phone=phone, consent=rng.choice([True, False]))],
                    [{"type": "bank_account", "role": "payee",
                      "value": f"{rng.randrange(100000, 999999)} {rng.randrange(10**7, 10**8)}"}],
                    f"£{rng.randrange(50, 900)}.00", rng.choice(["purchase", "romance"]))
    # innocent hub: the bank's switchboard rang many unrelated victims back
    for _ in range(6):
        g.fraud([g.person("v1", "victim")],
                [{"type": "phone", "role": "contact", "value": SWITCHBOARD},
                 {"type": "bank_account", "role": "payee",
                  "value": f"{rng.randrange(100000, 999999)}-{rng.randrange(10**7, 10**8)}"}],
                f"£{rng.randrange(100, 2000)}", "impersonation")
    g.s.decoys.extend(KNOWN_HUBS)
    # County Lines: one deal line across drugs reports, runners from Birmingham, a child
    deal_line = "07700 900417"
    cl_ids = []
    for k in range(5):
        runner = g.person("s1", "suspect", postcode=rng.choice(BIRMINGHAM_POSTCODES),
                          phone=[deal_line, "+44 7700 900417", "07700900417"][k % 3])
        persons = [runner]
        if k == 2:
            persons.append(g.person("s2", "suspect", age=15, flags=["missing_episode"],
                                    postcode="B11 1AA"))
        rep = g.incident("drugs", persons, markers=["county_lines"] if k == 4 else [],
                         identifiers=[{"type": "phone", "role": "deal_line", "value": deal_line}])
        if k == 2:  # a child suspect: the youth justice service is told (CDA 1998 s.37-39)
            g.s.expected_referrals.add((rep["report_id"], "s2", "youth_offending_team"))
        cl_ids.append(rep["report_id"])
    g.s.planted.append(Planted("county_lines", "phone:+447700900417", cl_ids))
    # fraud mule: one payee account, written four ways, paid by unrelated victims
    mule_forms = ["40-11-62 31926819", "401162 31926819", "40 11 62-31926819", "40116231926819"]
    mule_ids = []
    for k in range(4):
        rep = g.fraud([g.person("v1", "victim", age=rng.choice([70, 45, 82, 33]))],
                      [{"type": "bank_account", "role": "payee", "value": mule_forms[k]}],
                      f"£{rng.randrange(500, 9000):,}.00", "investment")
        mule_ids.append(rep["report_id"])
    g.s.planted.append(Planted("mule_account", "account:401162-31926819", mule_ids))
    if referral_cases:
        _referral_cases(g)
        _slavery_coded(g)
        _slavery_network(g)
        _double_reported(g)
    rng.shuffle(g.s.reports)
    g.s.reports.sort(key=lambda r: r["reported_at"])
    return g.s
