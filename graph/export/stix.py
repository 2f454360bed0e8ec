"""A STIX 2.1 bundle of the graph's technical indicators, for sharing (MISP, OpenCTI).

Only indicators leave: url, domain, ip, e-mail, file hash, phone and crypto
wallet nodes.  Persons, addresses, vehicles and accounts stay out (personal
data; STIX is for sharing indicators).  Each indicator node gives an
observable, an ``observed-data`` (first/last seen, number of reports) and an
``indicator`` ``based-on`` it; each report that names indicators gives a STIX
``report`` grouping them; edges between two exported nodes become ``related-to``.
Phone and wallet, which STIX has no observable for, are the custom
``x-linkwatch-phone`` / ``x-linkwatch-wallet``; a pseudonymised value is an
``x-linkwatch-pseudonym``.  Every object carries a TLP marking and a statement
marking with the handling code.  The bundle is written object by object.
"""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import stix2
from stix2.properties import StringProperty
from stix2.v21 import CustomObservable

from linkwatch.graph import model as m

from ._common import PERSONAL_KINDS, Context, Record, edge_records, node_records

_NAMESPACE = uuid.UUID("6f0c7a0e-4a0e-5c1b-9a53-6c696e6b7761")  # fixed: ids stable per node
TLP_OF_HANDLING = {"OFFICIAL": stix2.TLP_GREEN, "OFFICIAL-SENSITIVE": stix2.TLP_AMBER}
INDICATOR_KINDS = frozenset({"url", "domain", "ip", "email", "hash", "phone", "wallet"})
_HASHES = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}


@CustomObservable("x-linkwatch-phone", [("value", StringProperty(required=True))], ["value"])
class PhoneNumber:
    """A telephone number in E.164 form (no STIX observable exists for one)."""


@CustomObservable("x-linkwatch-wallet", [("value", StringProperty(required=True))], ["value"])
class CryptoWallet:
    """A cryptocurrency wallet address."""


@CustomObservable("x-linkwatch-pseudonym", [("kind", StringProperty(required=True)),
                                             ("value", StringProperty(required=True))],
                  ["kind", "value"])
class Pseudonym:
    """A keyed hash standing in for a personal identifier (matches only under the same key)."""


# the decorator builds the constructors at run time; typed loosely for mypy
_CUSTOM: dict[str, Any] = {"phone": PhoneNumber, "wallet": CryptoWallet, "pseudonym": Pseudonym}


def _sid(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(_NAMESPACE, '|'.join(parts))}"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def observable(kind: str, value: str, private: bool, **props: Any) -> tuple[Any, str] | None:
    """The observable for one node and the STIX pattern matching it, or ``None``.

    ``props`` go on the observable (e.g. ``object_marking_refs``)."""
    v = _quote(value)
    if private:
        sco = _CUSTOM["pseudonym"](kind=kind, value=value, **props)
        return sco, f"[x-linkwatch-pseudonym:value = '{v}']"
    if kind == "url":
        return stix2.URL(value=value, **props), f"[url:value = '{v}']"
    if kind == "domain":
        return stix2.DomainName(value=value, **props), f"[domain-name:value = '{v}']"
    if kind == "email":
        return stix2.EmailAddress(value=value, **props), f"[email-addr:value = '{v}']"
    if kind == "phone":
        return _CUSTOM["phone"](value=value, **props), f"[x-linkwatch-phone:value = '{v}']"
    if kind == "wallet":
        return _CUSTOM["wallet"](value=value, **props), f"[x-linkwatch-wallet:value = '{v}']"
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


def write_stix(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    path = out / "bundle.stix.json"
    tlp = TLP_OF_HANDLING.get(ctx.handling.upper(), stix2.TLP_RED)
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    statement = stix2.MarkingDefinition(
        id=_sid("marking-definition", "handling", ctx.handling), created=epoch,
        definition_type="statement", name=f"Handling: {ctx.handling}",
        definition=stix2.StatementMarking(statement=f"{ctx.handling}. Handle under the UK "
                                          "Government Security Classifications."))
    author = stix2.Identity(id=_sid("identity", "linkwatch"), created=epoch, modified=epoch,
                            name="linkwatch", identity_class="system",
                            object_marking_refs=[tlp, statement])
    common = {"created_by_ref": author.id, "object_marking_refs": [tlp.id, statement.id],
              "allow_custom": True}
    indicator_of: dict[str, str] = {}
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f'{{"type": "bundle", "id": "bundle--{uuid.uuid4()}", "objects": [\n')
        writer = _ObjectWriter(fh)
        for obj in (tlp, statement, author):
            writer.write(obj)
        for rec in node_records(g, ctx.pseudo):
            if rec.kind in INDICATOR_KINDS:
                made = _indicator(rec, ctx, common)
                if made:
                    indicator_of[rec.raw_id] = made[-2].id
                    for obj in made:
                        writer.write(obj)
            ctx.progress.tick()
        for rec in edge_records(g, ctx.pseudo):
            a, b = indicator_of.get(rec.raw_source), indicator_of.get(rec.raw_target)
            if a and b:
                writer.write(stix2.Relationship(
                    id=_sid("relationship", rec.id), source_ref=a, target_ref=b,
                    relationship_type="related-to", description=rec.kind,
                    created=rec.first_seen, modified=rec.last_seen,
                    x_linkwatch_report_ids=rec.report_ids, **common))
            ctx.progress.tick()
        for node, data in g.nodes(data=True):
            if m.kind_of(node) != "report":
                continue
            refs = sorted({indicator_of[v] for v in g.successors(node) if v in indicator_of})
            if refs:
                rid = data.get("label") or node.split(":", 1)[1]
                writer.write(stix2.Report(
                    id=_sid("report", node), name=f"linkwatch report {rid}",
                    published=data.get("reported_at") or data["first_seen"],
                    created=data["first_seen"], modified=data["last_seen"],
                    report_types=["threat-report"], object_refs=refs,
                    labels=[data.get("report_kind") or "report"],
                    x_linkwatch_report_ids=[rid], **common))
        fh.write("\n]}\n")
    return [path]


def _indicator(rec: Record, ctx: Context, common: dict[str, Any]) -> list[Any] | None:
    private = ctx.pseudo.active and rec.kind in PERSONAL_KINDS
    made = observable(rec.kind, rec.value, private,
                      object_marking_refs=common["object_marking_refs"])
    if made is None:
        return None
    sco, pattern = made
    first = rec.first_seen or datetime.now(UTC)
    last = max(rec.last_seen or first, first)
    seen = {"x_linkwatch_report_ids": rec.report_ids, "x_linkwatch_kind": rec.kind}
    observed = stix2.ObservedData(
        id=_sid("observed-data", rec.id), first_observed=first, last_observed=last,
        number_observed=max(len(rec.report_ids), 1), object_refs=[sco.id],
        created=first, modified=last, **seen, **common)
    indicator = stix2.Indicator(
        id=_sid("indicator", rec.id), name=f"{rec.kind} {rec.value}", pattern=pattern,
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
