"""Who an offender is: the resolved entity, else a deterministic key from name + dob."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from linkwatch.rules.normalise import canonical
from linkwatch.rules.normalise import name as parse_name

OFFENDER_ROLES = frozenset({"suspect", "offender"})
NETWORK_TYPES = frozenset({"county_lines", "ocg", "fraud_network", "cuckooing",
                           "modern_slavery", "child_exploitation"})


class OffenderRuleError(ValueError):
    """A malformed offender rule table or configuration (names what is wrong)."""


def identity(person: Any) -> tuple[str | None, str | None, str | None]:
    """(normalised full name with canonical given name, dob ISO, normalised postcode)."""
    parts = parse_name(getattr(person, "name", None) or None,
                       getattr(person, "given_name", None), getattr(person, "family_name", None))
    full = None
    if parts is not None:
        full = " ".join(x for x in (parts.given_canonical, parts.family) if x) or parts.full
    dob = getattr(person, "dob", None)
    dob_s = dob.isoformat() if isinstance(dob, date) else (str(dob) if dob else None)
    raw_pc = getattr(person, "postcode", None)
    pc = canonical("postcode", raw_pc).value if raw_pc else None
    return full, dob_s, (str(pc) if pc else None)


def offender_key(person: Any, report_id: str = "") -> str:
    """The resolved ``entity_id`` when present; else ``O`` + sha256 of name|dob, name|postcode,
    or, with neither, ``report_id/person_ref`` (a person seen once).

    Example: two reports naming "Bill Smith" born 1990-01-02 -> the same key.
    """
    entity = getattr(person, "entity_id", None)
    if entity:
        return str(entity)
    full, dob, pc = identity(person)
    if full and (dob or pc):
        basis = f"{full}|{dob}" if dob else f"{full}|pc:{pc}"
    else:
        basis = f"{report_id}/{getattr(person, 'person_ref', '') or ''}"
    return "O" + hashlib.sha256(basis.encode()).hexdigest()[:16]
