"""A STIX 2.1 bundle of the graph's technical indicators, for sharing (MISP, OpenCTI).

Only indicators leave: url, domain, ip, e-mail, file hash, phone and crypto
wallet nodes.  Persons, addresses, vehicles and accounts stay out (personal
data; STIX is for sharing indicators).  Each indicator node gives an
observable, an ``observed-data`` (first/last seen, number of reports) and an
``indicator`` ``based-on`` it; each report that names indicators gives a STIX
``report`` grouping them; edges between two exported nodes become ``related-to``.

Phone and wallet, which STIX has no observable for, and a pseudonymised value are
new observable types defined by STIX 2.1 extensions (``extension-definition``
objects in the bundle, ``extensions: {<id>: {"extension_type": "new-sco"}}`` on each
observable), not the deprecated ``x-`` custom objects: ``linkwatch-phone-number``,
``linkwatch-crypto-wallet`` and ``linkwatch-pseudonym``.  linkwatch's own properties
on indicators, observed data, relationships and reports (the report references and
the node kind) are a ``property-extension``.  Every object carries a TLP 2.0 marking
(the published OASIS marking definitions) and a statement marking with the handling
code.  The bundle is written object by object, from the rows (``_common.Rows``): the
nodes of the indicator kinds, then the edges at them, then the reports that name one,
looked up by id; nothing else is read whole.
"""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import stix2
from stix2.properties import StringProperty
from stix2.v21 import CustomObservable

from linkwatch.graph import model as m

from ._common import PERSONAL_KINDS, Context, Record, Rows

_NAMESPACE = uuid.UUID("6f0c7a0e-4a0e-5c1b-9a53-6c696e6b7761")  # fixed: ids stable per node
INDICATOR_KINDS = frozenset({"url", "domain", "ip", "email", "hash", "phone", "wallet"})
_HASHES = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # created/modified of our fixed objects

# TLP 2.0 as published by the OASIS CTI TC (cti-stix-common-objects, tlp-2.0): fixed
# ids, consumers recognise the markings by id.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_OF_HANDLING = {"OFFICIAL": "green", "OFFICIAL-SENSITIVE": "amber"}  # anything else: red


def tlp2_marking(level: str) -> stix2.MarkingDefinition:
    return stix2.MarkingDefinition(
        id=TLP2_IDS[level], created="2022-10-01T00:00:00.000Z", name=f"TLP:{level.upper()}",
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension",
                                     "tlp_2_0": level}}, allow_custom=True)


def _ext_id(name: str) -> str:
    return f"extension-definition--{uuid.uuid5(_NAMESPACE, 'extension|' + name)}"


AUTHOR_ID = f"identity--{uuid.uuid5(_NAMESPACE, 'identity|linkwatch')}"
PHONE_EXT, WALLET_EXT, PSEUDONYM_EXT = (_ext_id("phone"), _ext_id("wallet"),
                                        _ext_id("pseudonym"))
PROPS_EXT = _ext_id("properties")
# extension id -> (name, description, extension type)
EXTENSIONS = {
    PHONE_EXT: ("linkwatch-phone-number", "A telephone number in E.164 form "
                "(property value).", "new-sco"),
    WALLET_EXT: ("linkwatch-crypto-wallet", "A cryptocurrency wallet address "
                 "(property value).", "new-sco"),
    PSEUDONYM_EXT: ("linkwatch-pseudonym", "A keyed HMAC-SHA256 pseudonym standing in for "
                    "a personal identifier (properties kind, value); it matches only "
                    "another pseudonym made with the same key.", "new-sco"),
    PROPS_EXT: ("linkwatch-properties", "linkwatch's report references (report_ids: list "
                "of string) and node kind (kind: string) on indicators, observed data, "
                "relationships and reports.", "property-extension"),
}


@CustomObservable("linkwatch-phone-number", [("value", StringProperty(required=True))],
                  ["value"], extension_name=PHONE_EXT)
class PhoneNumber:
    """A telephone number in E.164 form (no STIX observable exists for one)."""


@CustomObservable("linkwatch-crypto-wallet", [("value", StringProperty(required=True))],
                  ["value"], extension_name=WALLET_EXT)
class CryptoWallet:
    """A cryptocurrency wallet address."""


@CustomObservable("linkwatch-pseudonym", [("kind", StringProperty(required=True)),
                                           ("value", StringProperty(required=True))],
                  ["kind", "value"], extension_name=PSEUDONYM_EXT)
class Pseudonym:
    """A keyed hash standing in for a personal identifier (matches only under the same key)."""


# the decorator builds the constructors at run time; typed loosely for mypy
_CUSTOM: dict[str, Any] = {"phone": PhoneNumber, "wallet": CryptoWallet, "pseudonym": Pseudonym}


def _new_sco(ext: str) -> dict[str, Any]:
    return {"extensions": {ext: {"extension_type": "new-sco"}}}


def _props(report_ids: list[str], kind: str | None = None) -> dict[str, Any]:
    """linkwatch's properties on an SDO/SRO, as the property extension."""
    body: dict[str, Any] = {"extension_type": "property-extension", "report_ids": report_ids}
    if kind:
        body["kind"] = kind
    return {"extensions": {PROPS_EXT: body}}


def extension_definitions(markings: list[str]) -> list[stix2.ExtensionDefinition]:
    return [stix2.ExtensionDefinition(
        id=ext, created=_EPOCH, modified=_EPOCH, created_by_ref=AUTHOR_ID, name=name,
        description=desc, schema=desc, version="1.0.0", extension_types=[etype],
        object_marking_refs=markings)
        for ext, (name, desc, etype) in EXTENSIONS.items()]


def _sid(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(_NAMESPACE, '|'.join(parts))}"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def observable(kind: str, value: str, private: bool, **props: Any) -> tuple[Any, str] | None:
    """The observable for one node and the STIX pattern matching it, or ``None``.

    ``props`` go on the observable (e.g. ``object_marking_refs``)."""
    v = _quote(value)
    if private:
        sco = _CUSTOM["pseudonym"](kind=kind, value=value, **_new_sco(PSEUDONYM_EXT), **props)
        return sco, f"[linkwatch-pseudonym:value = '{v}']"
    if kind == "url":
        return stix2.URL(value=value, **props), f"[url:value = '{v}']"
    if kind == "domain":
        return stix2.DomainName(value=value, **props), f"[domain-name:value = '{v}']"
    if kind == "email":
        return stix2.EmailAddress(value=value, **props), f"[email-addr:value = '{v}']"
    if kind == "phone":
        return (_CUSTOM["phone"](value=value, **_new_sco(PHONE_EXT), **props),
                f"[linkwatch-phone-number:value = '{v}']")
    if kind == "wallet":
        return (_CUSTOM["wallet"](value=value, **_new_sco(WALLET_EXT), **props),
                f"[linkwatch-crypto-wallet:value = '{v}']")
    if kind == "hash" and (alg := _HASHES.get(len(value))):
        return stix2.File(hashes={alg: value}, **props), f"[file:hashes.'{alg}' = '{v}']"
    if kind == "ip":
        try:
            version = ipaddress.ip_network(value, strict=False).version
        except ValueError:
            return None
        cls, stype = ((stix2.IPv4Address, "ipv4-addr") if version == 4
                      else (stix2.IPv6Address, "ipv6-addr"))
        return cls(value=value, **props), f"[{stype}:value = '{v}']"
    return None


def write_stix(rows: Rows, out: Path, ctx: Context) -> list[Path]:
    path = out / "bundle.stix.json"
    tlp = tlp2_marking(TLP_OF_HANDLING.get(ctx.handling.upper(), "red"))
    statement = stix2.MarkingDefinition(
        id=_sid("marking-definition", "handling", ctx.handling), created=_EPOCH,
        definition_type="statement", name=f"Handling: {ctx.handling}",
        definition=stix2.StatementMarking(statement=f"{ctx.handling}. Handle under the UK "
                                          "Government Security Classifications."))
    author = stix2.Identity(id=AUTHOR_ID, created=_EPOCH, modified=_EPOCH,
                            name="linkwatch", identity_class="system",
                            object_marking_refs=[tlp.id, statement.id])
    common = {"created_by_ref": author.id, "object_marking_refs": [tlp.id, statement.id]}
    indicator_of: dict[str, str] = {}  # node id -> its indicator's id
    refs_of: dict[str, set[str]] = {}  # report node -> the indicators it names
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f'{{"type": "bundle", "id": "bundle--{uuid.uuid4()}", "objects": [\n')
        writer = _ObjectWriter(fh)
        for obj in (tlp, statement, author, *extension_definitions(common["object_marking_refs"])):
            writer.write(obj)
        for rec in rows.node_records(ctx.pseudo, INDICATOR_KINDS):
            made = _indicator(rec, ctx, common)
            if made:
                indicator_of[rec.raw_id] = made[-2].id
                for obj in made:
                    writer.write(obj)
            ctx.progress.tick()
        # the edges at an indicator, in the graph's order: a report's come grouped, in the
        # order of the nodes, so ``refs_of`` holds the reports in that order
        for rec in rows.edge_records(ctx.pseudo, indicator_of):
            a, b = indicator_of.get(rec.raw_source), indicator_of.get(rec.raw_target)
            if a and b:
                writer.write(stix2.Relationship(
                    id=_sid("relationship", rec.id), source_ref=a, target_ref=b,
                    relationship_type="related-to", description=rec.kind,
                    created=rec.first_seen, modified=rec.last_seen,
                    **_props(rec.report_ids), **common))
            if b and m.kind_of(rec.raw_source) == "report":
                refs_of.setdefault(rec.raw_source, set()).add(b)
            ctx.progress.tick()
        reports = list(refs_of)
        for i in range(0, len(reports), _LOOKUP):
            part = reports[i:i + _LOOKUP]
            found = rows.node_attrs(part)
            for node in part:
                writer.write(_report(node, found[node], sorted(refs_of.pop(node)), common))
        fh.write("\n]}\n")
    return [path]


_LOOKUP = 500  # report nodes looked up at a time


def _report(node: str, data: dict[str, Any], refs: list[str], common: dict[str, Any]
            ) -> stix2.Report:
    rid = data.get("label") or node.split(":", 1)[1]
    return stix2.Report(
        id=_sid("report", node), name=f"linkwatch report {rid}",
        published=data.get("reported_at") or data["first_seen"],
        created=data["first_seen"], modified=data["last_seen"],
        report_types=["threat-report"], object_refs=refs,
        labels=[data.get("report_kind") or "report"],
        **_props([rid]), **common)


def _indicator(rec: Record, ctx: Context, common: dict[str, Any]) -> list[Any] | None:
    private = ctx.pseudo.active and rec.kind in PERSONAL_KINDS
    made = observable(rec.kind, rec.value, private,
                      object_marking_refs=common["object_marking_refs"])
    if made is None:
        return None
    sco, pattern = made
    first = rec.first_seen or datetime.now(UTC)
    last = max(rec.last_seen or first, first)
    seen = _props(rec.report_ids, rec.kind)
    observed = stix2.ObservedData(
        id=_sid("observed-data", rec.id), first_observed=first, last_observed=last,
        number_observed=max(len(rec.report_ids), 1), object_refs=[sco.id],
        created=first, modified=last, **seen, **common)
    indicator = stix2.Indicator(
        id=_sid("indicator", rec.id), name=f"{rec.kind} {rec.value}", pattern=pattern,
        description=f"A {rec.kind} in {len(rec.report_ids)} linkwatch report(s), "
                    f"{first.date().isoformat()} to {last.date().isoformat()}.",
        pattern_type="stix", valid_from=first, created=first, modified=last,
        indicator_types=["malicious-activity"], **seen, **common)
    based_on = stix2.Relationship(
        id=_sid("relationship", rec.id, "based-on"), source_ref=indicator.id,
        target_ref=observed.id, relationship_type="based-on", created=first, modified=last,
        **common)
    return [sco, observed, indicator, based_on]


class _ObjectWriter:
    def __init__(self, fh: Any) -> None:
        self._fh, self._sep = fh, ""

    def write(self, obj: Any) -> None:
        self._fh.write(self._sep)
        self._fh.write(obj.serialize())
        self._sep = ",\n"
