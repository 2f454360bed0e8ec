"""Small JSON documents the link state keeps for later, held compressed (issue 21).

The link stage keeps, per report, a few documents it reads again only now and then: the
active referrals of each victim (compared with the next version of the report), the
victims an exploitation network may come to cover, and the near-duplicate summary.  As
JSON they were a quarter of the state held per report.  Each is held as an LZ4 block
compressed against a preset dictionary of its kind: the field names and fixed texts the
code itself writes (never data), so the common part of every document costs a few bytes.
Packing one costs about 1.5 µs and unpacking 0.5 µs (``bench/state_memory.py``).

A dictionary is part of the state's format: changing one changes ``digest``, which the
snapshot's fingerprint includes, so a snapshot packed with another one is not loaded.
"""

from __future__ import annotations

import hashlib

import lz4.block

from linkwatch.schemas.outputs import OFFENDER_SERVICES, VICTIM_SERVICES


class Packer:
    """``pack``/``unpack`` for one kind of document.  ``vocabulary``: what its documents
    repeat, most common last (LZ4 finds it anywhere in the dictionary)."""

    __slots__ = ("vocabulary",)

    def __init__(self, *vocabulary: bytes) -> None:
        self.vocabulary = b"".join(vocabulary)

    def pack(self, body: bytes) -> bytes:
        return lz4.block.compress(body, mode="fast", dict=self.vocabulary)

    def unpack(self, packed: bytes) -> bytes:
        return lz4.block.decompress(packed, dict=self.vocabulary)


def _each(key: str, values: tuple[str, ...]) -> bytes:
    return "".join(f'"{key}":"{v}",' for v in values).encode()


# Referral (linkwatch/schemas/outputs.py) as ``model_dump_json`` writes it, with every
# service and the reasons the referral rules write most (rules/referrals)
REFERRAL = Packer(
    _each("service", VICTIM_SERVICES + OFFENDER_SERVICES),
    b'"basis":"consent","basis":"duty_to_notify","priority":"urgent","priority":"enhanced",'
    b'"status":"cancelled","reasons":["enhanced priority: ","urgent priority: ",'
    b'"victim of crime: Right 4: referred unless the victim opts out; no opt-out recorded",'
    b'"standard priority: no enhanced-rights criterion found"],',
    b'{"referral_id":"R","report_id":"","person_ref":"","service":"victim_support",'
    b'"basis":"no_consent_needed","priority":"standard","reasons":[],'
    b'"due_by":"2026-01-01T00:00:00+00:00","contact":{"name":"","phone":"+447","email":null,'
    b'"postcode":"","preferred_contact":null},"status":"active",'
    b'"created_at":"2026-01-01T00:00:00+00:00","handling":"OFFICIAL-SENSITIVE"}',
)

# what ``Pipeline._keep_victims`` keeps of an incident: no narrative, only its victims
VICTIMS = Packer(
    b'"consent":{"victim_support":true,"nrm":true},"given_name":"","family_name":"",'
    b'"aliases":[],"age":,"gender":"","address":"","phones":["+447"],"emails":[""],'
    b'"nationality":"","flags":[],"markers":[],"force":"",',
    b'{"report_id":"","kind":"incident","source":"","reported_at":"2026-01-01T00:00:00+00:00",'
    b'"incident":{"category":""},"persons":[{"person_ref":"","role":"victim","name":"",'
    b'"dob":"19","postcode":""}],"prior":{"":0}}',
)

# a near-duplicate summary as ``Pipeline`` keeps it (``_stored_summary``)
SUMMARY = Packer(
    b'"exact":true,"payees":[],"others":[],"amount":,"address":"","postcode":"","lsoa":"E01",'
    b'"kind":"fraud","kind":"cyber","victims":[],',
    b'~{"report_id":"","kind":"incident","source":"","t":"2026-01-01T00:00:00+00:00",'
    b'"people":{"":["",""]},"what":""}',
)


def digest() -> str:
    """Names the dictionaries (the snapshot's fingerprint holds it)."""
    h = hashlib.sha256()
    for packer in (REFERRAL, VICTIMS, SUMMARY):
        h.update(packer.vocabulary)
        h.update(b"\0")
    return h.hexdigest()[:16]
