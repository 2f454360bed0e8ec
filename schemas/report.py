"""Report and its parts (contract: 'Report (input)').

Families follow the contract: ``IncidentReport``, ``FraudReport`` and
``CyberReport`` under one union discriminated on ``kind``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, field_validator, model_validator

from ._base import InputModel, Timestamp

Kind = Literal["incident", "fraud", "cyber"]
Role = Literal["victim", "suspect", "offender", "witness", "reporter", "associate"]
IdentifierType = Literal[
    "phone", "email", "bank_account", "iban", "card", "url", "domain", "ip",
    "crypto_wallet", "social_handle", "device_imei", "username", "file_hash",
]
ShortStr = Annotated[str, Field(max_length=500)]


class Consent(InputModel):
    """``true`` / ``false`` / ``null`` (not asked).  Anything else is kept in
    ``unparsed`` and read as unknown, so one bad flag never loses the report."""

    victim_support: bool | None = None
    nrm: bool | None = None
    unparsed: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _strict_flags(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        bad = dict(data.get("unparsed") or {})
        for key in ("victim_support", "nrm"):
            if key in data and data[key] is not None and not isinstance(data[key], bool):
                bad[key] = repr(data.pop(key))[:80]
        data["unparsed"] = bad
        return data


class Location(InputModel):
    address: ShortStr | None = None
    postcode: ShortStr | None = None
    lsoa_code: ShortStr | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    description: ShortStr | None = None


class Identifier(InputModel):
    type: IdentifierType
    value: Annotated[str, Field(min_length=1, max_length=2000)]
    role: ShortStr | None = None
    person_ref: ShortStr | None = None
    # set by normalisation, not by producers
    canonical: str | None = None
    valid: bool | None = None


class Person(InputModel):
    person_ref: ShortStr | None = None
    role: Role = "associate"
    name: ShortStr | None = None
    given_name: ShortStr | None = None
    family_name: ShortStr | None = None
    aliases: list[ShortStr] = Field(default_factory=list)
    dob: date | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    gender: ShortStr | None = None
    address: ShortStr | None = None
    postcode: ShortStr | None = None
    phones: list[ShortStr] = Field(default_factory=list)
    emails: list[ShortStr] = Field(default_factory=list)
    nationality: ShortStr | None = None
    flags: list[ShortStr] = Field(default_factory=list)
    consent: Consent = Field(default_factory=Consent)
    # set by entity resolution, not by producers
    entity_id: str | None = None

    @field_validator("dob")
    @classmethod
    def _plausible_dob(cls, value: date | None) -> date | None:
        if value is not None and value.year < 1890:
            raise ValueError(f"date of birth {value.isoformat()} is before 1890")
        return value

    def display_name(self) -> str | None:
        if self.name:
            return self.name
        parts = [p for p in (self.given_name, self.family_name) if p]
        return " ".join(parts) or None


class Vehicle(InputModel):
    vrm: Annotated[str, Field(min_length=1, max_length=20)]
    make: ShortStr | None = None
    model: ShortStr | None = None
    colour: ShortStr | None = None
    person_ref: ShortStr | None = None


class Period(InputModel):
    from_: Timestamp | None = Field(default=None, alias="from")
    to: Timestamp | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("occurred_at.from is after occurred_at.to")
        return self


class Drug(InputModel):
    class_: Literal["A", "B", "C"] | None = Field(default=None, alias="class")
    type: ShortStr | None = None


class IncidentDetail(InputModel):
    category: ShortStr | None = None
    ho_code: ShortStr | None = None
    description: ShortStr | None = None
    weapons: list[ShortStr] = Field(default_factory=list)
    injury: Literal["none", "minor", "serious", "fatal"] | None = None
    drugs: list[Drug] = Field(default_factory=list)
    outcome: ShortStr | None = None


_AMOUNT = re.compile(r"^[£$€]?\s*\d[\d,]*(\.\d+)?$|^[£$€]?\s*\.\d+$")


def parse_amount(value: Any) -> Decimal | None:
    """``"£1,200.50"`` -> ``Decimal("1200.50")``; ``None`` stays ``None``.

    Raises ``ValueError`` for negative or non-numeric amounts (a dead-letter reason).
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("amount must be a number, not a boolean")
    if isinstance(value, int | float | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().replace("GBP", "").strip()
    else:
        raise ValueError(f"amount must be a number or text, got {type(value).__name__}")
    if text.startswith("-") or text.startswith("(") or "-" in text:
        raise ValueError(f"amount {text[:40]!r} is negative")
    if not _AMOUNT.match(text):
        raise ValueError(f"amount {text[:40]!r} is not a number")
    try:
        amount = Decimal(text.lstrip("£$€").strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"amount {text[:40]!r} is not a number") from exc
    if not amount.is_finite():
        raise ValueError(f"amount {text[:40]!r} is not finite")
    return amount


class FraudDetail(InputModel):
    fraud_type: ShortStr | None = None
    nfib_code: ShortStr | None = None
    amount_lost: Decimal | None = None
    currency: ShortStr | None = "GBP"
    payment_method: ShortStr | None = None
    contact_method: ShortStr | None = None

    @field_validator("amount_lost", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal | None:
        return parse_amount(value)


class CyberDetail(InputModel):
    cyber_type: ShortStr | None = None
    indicators: list[Identifier] = Field(default_factory=list)
    stix: dict[str, Any] | None = None


class _ReportBase(InputModel):
    report_id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
    source: ShortStr | None = None
    reported_at: Timestamp
    occurred_at: Timestamp | Period | None = None
    force: ShortStr | None = None
    location: Location | None = None
    narrative: Annotated[str, Field(max_length=200_000)] | None = None
    persons: list[Person] = Field(default_factory=list, max_length=500)
    identifiers: list[Identifier] = Field(default_factory=list, max_length=2000)
    vehicles: list[Vehicle] = Field(default_factory=list, max_length=500)
    markers: list[ShortStr] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> _ReportBase:
        seen: set[str] = set()
        for index, person in enumerate(self.persons, start=1):
            if not person.person_ref:
                person.person_ref = f"p{index}"
            if person.person_ref in seen:
                raise ValueError(f"person_ref {person.person_ref!r} appears twice in the report")
            seen.add(person.person_ref)
            if person.dob and person.dob > self.reported_at.date():
                raise ValueError(
                    f"person {person.person_ref!r} dob {person.dob} is after reported_at"
                )
        start = self.occurred_at.from_ if isinstance(self.occurred_at, Period) else self.occurred_at
        if start is not None and start > self.reported_at + timedelta(days=1):
            raise ValueError("occurred_at is after reported_at")
        self.markers = sorted({m.strip().lower().replace(" ", "_") for m in self.markers if m})
        return self

    def person(self, ref: str) -> Person | None:
        return next((p for p in self.persons if p.person_ref == ref), None)

    def all_identifiers(self) -> list[Identifier]:
        """Report-level identifiers plus cyber indicators."""
        return list(self.identifiers)


class IncidentReport(_ReportBase):
    kind: Literal["incident"]
    incident: IncidentDetail | None = None


class FraudReport(_ReportBase):
    kind: Literal["fraud"]
    fraud: FraudDetail | None = None


class CyberReport(_ReportBase):
    kind: Literal["cyber"]
    cyber: CyberDetail | None = None

    def all_identifiers(self) -> list[Identifier]:
        extra = self.cyber.indicators if self.cyber else []
        return [*self.identifiers, *extra]


Report = Annotated[IncidentReport | FraudReport | CyberReport, Field(discriminator="kind")]
ReportAdapter: TypeAdapter[IncidentReport | FraudReport | CyberReport] = TypeAdapter(Report)
AnyReport = IncidentReport | FraudReport | CyberReport
