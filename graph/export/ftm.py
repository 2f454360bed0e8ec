"""FollowTheMoney entities (JSON lines) for Aleph and other FtM tools.

Nodes become things (``Event`` for a report, ``Person``, ``UserAccount`` for a
phone line, e-mail or online handle, ``BankAccount``, ``CryptoWallet``,
``Vehicle``, ``Address``, ``Note`` for other technical identifiers).

A link whose meaning FtM has a schema or property for uses it:

* a person involved in a report: the report ``Event``'s ``involved``;
* a report's place (``occurred_at``): the ``Event``'s ``addressEntity``;
* a person's home (``lives_at``): the ``Person``'s ``addressEntity``;
* a person using a phone, e-mail or online account: the ``UserAccount``'s ``owner``;
* a person using a bank account, card or wallet: ``Ownership``;
* a victim paying an account whose user is known: ``Payment``;
* a phone that contacted a victim: ``Call`` (``receiver``, and ``caller`` where the
  phone's user is known);
* two persons in one report (co-offenders, victim and suspect): ``Associate``.

Other links (a report mentioning an identifier, a person seen in a vehicle, a payment
to an account of unknown user, an e-mail contacting a victim) are ``UnknownLink``
with the link type as ``role``.  Raw phones and e-mails are also set as the
``phone``/``email`` property of their user and the ``phoneMentioned``/``emailMentioned``
of the report, where Aleph matches them.  Every entity's ``summary`` carries the
handling marking; report references are ``recordId`` on intervals and reports,
``notes`` on other things.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import networkx as nx
from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.util import make_entity_id

from linkwatch.graph import model as m

from ._common import Context, Record, edge_records, node_records, text

DATASET = "linkwatch"
SCHEMA_OF_KIND = {
    "report": "Event", "person": "Person", "phone": "UserAccount", "email": "UserAccount",
    "handle": "UserAccount", "username": "UserAccount", "account": "BankAccount",
    "iban": "BankAccount", "card": "BankAccount", "wallet": "CryptoWallet",
    "vehicle": "Vehicle", "address": "Address", "postcode": "Address", "location": "Address",
}
_ASSETS = {"account", "iban", "card", "wallet", "vehicle"}
_MENTIONED = {"phone": "phoneMentioned", "email": "emailMentioned", "ip": "ipMentioned",
              "iban": "ibanMentioned"}
_USER_ACCOUNTS = {k for k, v in SCHEMA_OF_KIND.items() if v == "UserAccount"}
_USES = {m.USES_PHONE, m.USES_EMAIL, m.USES_IDENTIFIER}


def folded(etype: str, src_kind: str, dst_kind: str) -> bool:
    """Links written as a property of one end (see the module's list), not as an entity."""
    return ((etype == m.INVOLVED and src_kind == "report" and dst_kind == "person")
            or (etype == m.OCCURRED_AT and src_kind == "report")
            or (etype == m.LIVES_AT and src_kind == "person")
            or (etype in _USES and src_kind == "person" and dst_kind in _USER_ACCOUNTS))


def entity_id(node_id: str) -> str:
    """Deterministic FtM id for a (possibly pseudonymised) node id."""
    return make_entity_id(DATASET, node_id) or node_id


def write_ftm(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    path = out / "entities.ftm.json"
    users = functools.cache(functools.partial(_users, g, ctx=ctx))  # an account paid by many
    with path.open("w", encoding="utf-8") as fh:
        for rec in node_records(g, ctx.pseudo):
            proxy = _node(rec, ctx)
            _enrich(proxy, g, rec, ctx)
            fh.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            ctx.progress.tick()
        for rec in edge_records(g, ctx.pseudo):
            if not folded(rec.kind, m.kind_of(rec.source), m.kind_of(rec.target)):
                proxy = _edge(rec, users, ctx)
                fh.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True)
                         + "\n")
            ctx.progress.tick()
    return [path]


def _base(schema: str, key: str, rec: Record, ctx: Context) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = entity_id(key)
    proxy.add("summary", f"Handling: {ctx.handling}")
    proxy.add("publisher", "linkwatch")
    return proxy


def _node(rec: Record, ctx: Context) -> EntityProxy:
    kind, value = rec.kind, rec.value
    private = ctx.pseudo.active and kind in {"phone", "email", "iban", "person"} | _ASSETS
    proxy = _base(SCHEMA_OF_KIND.get(kind, "Note"), rec.id, rec, ctx)
    # as recorded, byte for byte (FtM's cleaning would drop e.g. an emoji's zero-width joiner)
    proxy.add("name", rec.label if kind in ("report", "person") else value, cleaned=True)
    first, last = rec.first_seen, rec.last_seen
    if kind == "report":
        proxy.add("recordId", rec.report_ids)
        proxy.add("date", rec.extra.get("reported_at") or first)
        proxy.add("description", _describe(rec.extra, ("report_kind", "category", "force")))
        proxy.add("keywords", list(rec.extra.get("markers") or ()))
        proxy.add("country", "gb")
    else:
        proxy.add("notes", "Reports: " + "; ".join(rec.report_ids))
        proxy.add("createdAt", first)
        proxy.add("modifiedAt", last)
    if kind == "person":
        proxy.add("birthDate", rec.extra.get("dob"))
        proxy.add("nationality", rec.extra.get("nationality"), quiet=True)
        proxy.add("keywords", [*sorted(rec.extra.get("roles") or ()),
                               *sorted(rec.extra.get("flags") or ())])
    elif kind in ("phone", "email", "handle", "username"):
        proxy.add("username", value)
        proxy.add("service", {"phone": "telephone", "email": "email"}.get(kind, kind))
        if not private and kind in ("phone", "email"):
            proxy.add(kind, value, quiet=True)
    elif kind == "account":
        proxy.add("accountNumber", value)
    elif kind == "iban":
        proxy.add("iban" if not private else "accountNumber", value, quiet=True)
    elif kind == "card":
        proxy.add("accountType", "card")
        proxy.add("accountNumber", value)
    elif kind == "wallet":
        proxy.add("publicKey", value)
    elif kind == "vehicle":
        proxy.add("registrationNumber", value)
        proxy.add("model", rec.extra.get("make"))
        proxy.add("description", _describe(rec.extra, ("colour",)))
    elif kind == "address":
        proxy.add("full", rec.label)
    elif kind == "postcode":
        proxy.add("postalCode", value)
        proxy.add("country", "gb")
    elif kind == "location":
        proxy.add("description", f"LSOA {value}")
        proxy.add("country", "gb")
    elif kind not in SCHEMA_OF_KIND:
        proxy.add("description", f"{kind}: {value}")
    return proxy


def _enrich(proxy: EntityProxy, g: nx.MultiDiGraph, rec: Record, ctx: Context) -> None:
    """Links folded into properties (``folded``); and properties Aleph matches on: a
    user's phones/e-mails, a report's mentions (not when pseudonymising)."""
    for _, target, data in g.out_edges(rec.raw_id, data=True):
        etype, kind = str(data.get("type")), m.kind_of(target)
        if folded(etype, rec.kind, kind):
            ref = entity_id(ctx.pseudo.node_id(target))
            if etype == m.INVOLVED:
                proxy.add("involved", ref)
            elif etype in (m.OCCURRED_AT, m.LIVES_AT):
                proxy.add("addressEntity", ref)
    if rec.kind in _USER_ACCOUNTS:
        for source, _, data in g.in_edges(rec.raw_id, data=True):
            if folded(str(data.get("type")), m.kind_of(source), rec.kind):
                proxy.add("owner", entity_id(ctx.pseudo.node_id(source)))
    if ctx.pseudo.active or rec.kind not in ("person", "report"):
        return
    for _, target, data in g.out_edges(rec.raw_id, data=True):
        kind = m.kind_of(target)
        value = target.split(":", 1)[1]
        if rec.kind == "person" and data.get("type") in (m.USES_PHONE, m.USES_EMAIL):
            proxy.add(kind, value, quiet=True)
        elif rec.kind == "report" and kind in _MENTIONED:
            proxy.add(_MENTIONED[kind], value, quiet=True)


def _edge(rec: Record, users_of: Callable[[str], list[str]], ctx: Context) -> EntityProxy:
    src_kind, dst_kind = m.kind_of(rec.source), m.kind_of(rec.target)
    src, dst = entity_id(rec.source), entity_id(rec.target)
    if src_kind == dst_kind == "person":
        proxy = _base("Associate", rec.id, rec, ctx)
        proxy.add("person", src)
        proxy.add("associate", dst)
        proxy.add("relationship", rec.kind)
    elif src_kind == "person" and dst_kind in _ASSETS and rec.kind in _USES:
        proxy = _base("Ownership", rec.id, rec, ctx)
        proxy.add("owner", src)
        proxy.add("asset", dst)
        proxy.add("role", rec.kind)
        proxy.add("ownershipType", "uses")
    elif rec.kind == m.CONTACTED and src_kind == "phone" and dst_kind == "person":
        proxy = _base("Call", rec.id, rec, ctx)
        proxy.add("receiver", dst)
        proxy.add("caller", [entity_id(u) for u in users_of(rec.raw_source)])
        if not ctx.pseudo.active:
            proxy.add("callerNumber", rec.source.split(":", 1)[1], quiet=True)
    elif rec.kind == m.PAID_TO and (users := users_of(rec.raw_target)):
        proxy = _base("Payment", rec.id, rec, ctx)
        proxy.add("payer", src)
        proxy.add("beneficiary", [entity_id(u) for u in users])
        proxy.add("beneficiaryAccount", dst)
        proxy.add("purpose", "reported as paid by the victim")
    else:
        proxy = _base("UnknownLink", rec.id, rec, ctx)
        proxy.add("subject", src)
        proxy.add("object", dst)
        proxy.add("role", rec.kind if "role" not in rec.extra
                  else f"{rec.kind} ({text(rec.extra['role'])})")
    proxy.add("startDate", rec.first_seen)
    proxy.add("endDate", rec.last_seen)
    proxy.add("recordId", rec.report_ids)
    return proxy


def _users(g: nx.MultiDiGraph, node: str, ctx: Context) -> list[str]:
    """Persons recorded as using ``node`` (an account paid into, a phone that called)."""
    return sorted({ctx.pseudo.node_id(u) for u, _, d in g.in_edges(node, data=True)
                   if d.get("type") in _USES and m.kind_of(u) == "person"})


def _describe(extra: dict[str, object], keys: tuple[str, ...]) -> str | None:
    parts = [f"{k}: {text(extra[k])}" for k in keys if extra.get(k) not in (None, "", ())]
    return "; ".join(parts) or None
