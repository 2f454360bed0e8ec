"""The link graph's vocabulary: node ids, node kinds and edge types.

The graph is a ``networkx.MultiDiGraph``; an edge's key is its type, so two
nodes may be linked by several kinds of relation.  Every node carries
``kind``, ``label``, ``first_seen``, ``last_seen`` and ``report_ids`` (a set);
every edge carries ``type``, ``first_seen``, ``last_seen`` and ``report_ids``.
Times are aware ``datetime`` objects (the report's ``reported_at``).

Node ids are typed URIs, so two reports sharing an identifier meet at its node:
``report:<id>``, ``person:<entity id>``, ``phone:+447700900123``,
``email:a@b.com``, ``account:123456-12345678``, ``iban:GB…``, ``card:<hash>``,
``url:…``, ``domain:…``, ``ip:…``, ``wallet:…``, ``handle:…``, ``imei:…``,
``username:…``, ``hash:…``, ``vehicle:AB12CDE``, ``address:<normalised>``,
``postcode:CV11 4AB``, ``location:<lsoa code>``.

Report node attributes: ``report_kind`` (incident/fraud/cyber), ``reported_at``,
``category``, ``markers`` (tuple), ``force``, ``lsoa``, ``lat``, ``lon``,
``weapons`` (tuple), ``harm``, ``duplicate_of``.
Person node attributes: ``roles`` (set), ``flags`` (set), ``dob``, ``age``,
``postcode``, ``out_of_area``, ``nationality``, ``home_force``, ``under_18``,
``vulnerable``.  A node holds only the attributes that say something: not ``None``, nor
empty ``markers``, ``weapons`` or ``flags``, nor ``under_18`` False (``store.node_attrs``
gives them whole): read them with ``.get``.
"""

from __future__ import annotations

# edge types
MENTIONS = "mentions"            # report -> identifier/vehicle/address/location
INVOLVED = "involved"            # report -> person, attribute ``role``
USES_PHONE = "uses_phone"        # person -> phone
USES_EMAIL = "uses_email"        # person -> email
USES_IDENTIFIER = "uses_identifier"  # person -> other online identifier / account
LIVES_AT = "lives_at"            # person -> address / postcode
SEEN_IN_VEHICLE = "seen_in_vehicle"  # person -> vehicle
PAID_TO = "paid_to"              # victim person -> payee account
CONTACTED = "contacted"          # identifier -> victim person (sender phone/email)
CO_OFFENDER = "co_offender"      # suspect person -> suspect person, same report
VICTIM_OF = "victim_of"          # victim person -> suspect person, same report
OCCURRED_AT = "occurred_at"      # report -> location:<lsoa>

OFFENDER_ROLES = frozenset({"suspect", "offender"})
REPORTING_ROLES = frozenset({"victim", "reporter"})


def kind_of(node_id: str) -> str:
    """``phone:+44…`` -> ``phone``."""
    return node_id.split(":", 1)[0]
