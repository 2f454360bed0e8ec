"""A synthetic Warwickshire scenario: planted structures among background reports.

Synthetic people only (Faker en_GB, seeded); phone numbers from Ofcom's drama
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


class _Gen:
    def __init__(self, seed: int, start: datetime) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
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
        p: dict[str, Any] = {"person_ref": ref, "role": role, "name": self.fake.name(),
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
            "fraud": {"fraud_type": ftype, "amount_lost": amount, "payment_method": "bank_transfer"},
            **extra}, expect, forbid)


ALL_SERVICES = ("victim_support", "fraud_victim_support", "nrm", "ms1_duty_to_notify",
                "childrens_social_care", "domestic_abuse")


def _referral_cases(g: _Gen) -> None:
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
    for over, services in [
        ({"consent": {"victim_support": None}}, ("fraud_victim_support",)),
        ({"consent": {"victim_support": False}}, none),
        ({"age": 16, "consent": {"victim_support": None}},
         ("fraud_victim_support", "childrens_social_care")),
    ]:
        person = g.person("v1", V, **{k: v for k, v in over.items() if k != "age"},
                          age=over.get("age"))
        g.fraud([person], [{"type": "bank_account", "role": "payee",
                            "value": f"{g.rng.randrange(100000, 999999)} 5{g.rng.randrange(10**6, 10**7)}"}],
                "£350.00", "purchase", expect=services, forbid=others(*services))
    # the same courier fraud reported by the victim and again by the bank: one referral
    victim = g.person("v1", V, consent={"victim_support": True},
                      phone="07700 900731", dob="1941-06-12")
    payee = [{"type": "bank_account", "role": "payee", "value": "30-96-17 44120987"}]
    story = "Caller posing as police asked her to withdraw cash and hand it to a courier."
    first = g.fraud([victim], payee, "£4,800.00", "courier", narrative=story)
    again = dict(victim, person_ref="v1", name=victim["name"].upper())
    g.fraud([again], payee, "£4,800", "courier", expect=none, forbid=everything,
            source="bank", narrative="Customer reports courier fraud: asked by fake police "
            "officer to withdraw cash which was collected by a courier.")
    del first


def generate(seed: int = 7, background: int = 60,
             start: datetime = datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
             referral_cases: bool = True) -> Scenario:
    g = _Gen(seed, start)
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
    rng.shuffle(g.s.reports)
    g.s.reports.sort(key=lambda r: r["reported_at"])
    return g.s
