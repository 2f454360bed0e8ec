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

Written from the rows (``_common.Rows``), no graph built: the persons using each node
first (``Rows.sources_into``), then the edges (those not folded into a property written
to a part file, the links the nodes carry held), then the nodes, the edges' part after
them.  Each entity is an :class:`Entity`: the dict ``EntityProxy.to_dict`` gives, its
values cleaned as ``EntityProxy.add`` cleans them, without its cost per value
(tests/test_export_ftm.py holds the two equal).
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.property import Property
from followthemoney.types import registry
from followthemoney.util import key_bytes, sanitize_text
from followthemoney.value import string_list
from rigour.env import ENCODING

from linkwatch.graph import model as m

from ._common import BUFFER, Context, Record, Rows, json_encoder, text

DATASET = "linkwatch"
SCHEMA_OF_KIND = {
    "report": "Event", "person": "Person", "phone": "UserAccount", "email": "UserAccount",
    "handle": "UserAccount", "username": "UserAccount", "account": "BankAccount",
    "iban": "BankAccount", "card": "BankAccount", "wallet": "CryptoWallet",
    "vehicle": "Vehicle", "address": "Address", "postcode": "Address", "location": "Address",
}
_ASSETS = {"account", "iban", "card", "wallet", "vehicle"}
_PRIVATE = {"phone", "email", "iban", "person"} | _ASSETS  # in clear only when not pseudonymising
_MENTIONED = {"phone": "phoneMentioned", "email": "emailMentioned", "ip": "ipMentioned",
              "iban": "ibanMentioned"}
_USER_ACCOUNTS = {k for k, v in SCHEMA_OF_KIND.items() if v == "UserAccount"}
_USES = frozenset({m.USES_PHONE, m.USES_EMAIL, m.USES_IDENTIFIER})
# links a node's properties may hold (tuples: a type attribute need not be hashable)
_CARRIED = (m.INVOLVED, m.OCCURRED_AT, m.LIVES_AT)
_USED = (m.USES_PHONE, m.USES_EMAIL)  # a person's phones and e-mails, in clear


def folded(etype: str, src_kind: str, dst_kind: str) -> bool:
    """Links written as a property of one end (see the module's list), not as an entity."""
    return ((etype == m.INVOLVED and src_kind == "report" and dst_kind == "person")
            or (etype == m.OCCURRED_AT and src_kind == "report")
            or (etype == m.LIVES_AT and src_kind == "person")
            or (etype in _USES and src_kind == "person" and dst_kind in _USER_ACCOUNTS))


_ID_PREFIX = hashlib.sha1(key_bytes(DATASET), usedforsecurity=False)


def entity_id(node_id: str) -> str:
    """Deterministic FtM id for a (possibly pseudonymised) node id:
    ``followthemoney.util.make_entity_id(DATASET, node_id)``, its dataset part hashed once
    (``key_bytes``: the text stripped, encoded)."""
    digest = _ID_PREFIX.copy()
    digest.update(node_id.strip().encode(ENCODING))
    return digest.hexdigest()


ref = functools.lru_cache(maxsize=1 << 17)(entity_id)  # the id of a node another names


class Builder(Protocol):
    """What the writer needs of an entity: ``Entity``, or FtM's own ``EntityProxy``."""

    id: str | None

    def add(self, prop: str, values: Any, cleaned: bool = False, quiet: bool = False
            ) -> None: ...

    def to_dict(self) -> dict[str, Any]: ...


# an entity of a schema and id, marked with the handling code (``Entity.make``, ``proxy``)
Make = Callable[[str, str, str], Builder]


def _stamp(entity: Builder, handling: str) -> Builder:
    """What every entity carries: the handling marking, the publisher."""
    entity.add("summary", f"Handling: {handling}")
    entity.add("publisher", "linkwatch")
    return entity


def proxy(schema: str, entity_id: str, handling: str) -> Builder:
    """FtM's own ``EntityProxy`` (what ``Entity`` is held equal to)."""
    made = model.make_entity(schema)
    made.id = entity_id
    return _stamp(made, handling)


# -- entities ----------------------------------------------------------------------------
_AS_IS, _REFERENCE, _FTM = 0, 1, 2  # how a type's values are cleaned (``_Spec.mode``)
_ENTITY_ID = registry.entity.REGEX  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=1 << 16)  # a phone or a country is cleaned again and again
def _cleaned(type_name: str, fmt: str | None, value: str) -> str | None:
    """FtM's cleaning of a value of a type that does not look at the entity (all but
    ``entity``), remembered."""
    return registry.get(type_name).clean_text(value, fuzzy=False, format=fmt)  # type: ignore[union-attr]


@functools.lru_cache(maxsize=1 << 16)  # a report's times are on each of its links
def _day(value: date) -> str | None:
    """A date or datetime as an FtM date: what ``string_list`` (a datetime in UTC) and
    ``DateType`` (to the day, or to the second) make of it; done here when the year is
    one FtM reads (1000-2999), else by FtM."""
    if type(value) is datetime:
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        iso = value.isoformat()
        return iso[:19] if 1000 <= value.year <= 2999 else _cleaned("date", None, iso)
    iso = value.isoformat()
    return iso if 1000 <= value.year <= 2999 else _cleaned("date", None, iso)


class _Spec:
    """One property of a schema as ``Entity.add`` cleans it."""

    __slots__ = ("day", "fmt", "limit", "mode", "name", "type")

    def __init__(self, prop: Property) -> None:
        self.name, self.fmt, self.type = prop.name, prop.format, prop.type.name
        self.limit = prop.type.total_size  # what all the entity's values may add up to
        self.mode = (_AS_IS if self.type in ("string", "text")
                     else _REFERENCE if self.type == "entity" else _FTM)
        self.day = self.type == "date" and self.fmt is None  # ``_day`` may clean it


@functools.cache
def _specs(schema: str) -> tuple[Any, dict[str, _Spec]]:
    """A schema and its properties that can be set (stubs cannot), looked up once."""
    found = model.get(schema)
    if found is None:
        raise InvalidData(f"Schema does not exist: {schema}")
    return found, {n: _Spec(p) for n, p in found.properties.items() if not p.stub}


class Entity:
    """An FtM entity as ``model.make_entity(schema)`` makes one, for what this writer does
    with it: ``add`` cleans each value as ``EntityProxy.add`` does (sanitised, then
    cleaned by its type; the same values dropped, the same size limit), ``to_dict`` gives
    what ``EntityProxy.to_dict`` does (its lists are the entity's own).  Values already
    clean cost little: printable ASCII text, a datetime or date, a reference to another
    entity; the rest go through FtM's own cleaning (remembered for the types that do not
    depend on the entity)."""

    __slots__ = ("_props", "_size", "_specs", "id", "schema")

    def __init__(self, schema: str) -> None:
        self.schema, self._specs = _specs(schema)
        self.id: str | None = None
        self._props: dict[str, list[str]] = {}
        self._size = 0

    @classmethod
    def make(cls, schema: str, entity_id: str, handling: str) -> Entity:
        """``proxy``'s entity: what ``_stamp`` adds is added once per schema and copied."""
        made = cls.__new__(cls)
        made.schema, made._specs, stamped, made._size = _stamped(schema, handling)
        made.id = entity_id
        made._props = {name: values.copy() for name, values in stamped}
        return made

    def add(self, prop: str, values: Any, cleaned: bool = False, quiet: bool = False
            ) -> None:
        spec = self._specs.get(prop)
        if spec is None:
            if not quiet:  # FtM's own error: unknown or stub property
                model.make_entity(self.schema).add(prop, values, cleaned=cleaned)
            return
        kind = type(values)
        if kind is not list and kind is not tuple and kind is not set:
            if values is None:
                return
            values = (values,)
        for value in values:
            kind = type(value)
            if kind is str:
                if cleaned:
                    if not value:
                        continue
                elif value and value.isascii() and value.isprintable() \
                        and value[0] != " " and value[-1] != " ":  # ``sanitize_text``: as is
                    if spec.mode != _AS_IS:
                        value = self._clean(spec, value)
                else:
                    value = sanitize_text(value)
                    if value is not None:
                        value = self._clean(spec, value)
            elif spec.day and (kind is datetime or kind is date) and not cleaned:
                value = _day(value)
            else:  # what else ``string_list`` takes
                for text in string_list(value, sanitize=not cleaned):
                    self._put(spec, text if cleaned else self._clean(spec, text))
                continue
            self._put(spec, value)

    def _put(self, spec: _Spec, value: str | None) -> None:
        """``EntityProxy.unsafe_add`` of a value cleaned: the size limit, each value once."""
        if value is None:
            return
        size = len(value)
        if spec.limit is not None and self._size + size > spec.limit:
            return
        self._size += size
        found = self._props.get(spec.name)
        if found is None:
            self._props[spec.name] = [value]
        elif value not in found:
            found.append(value)

    def _clean(self, spec: _Spec, value: str) -> str | None:
        if spec.mode == _AS_IS:
            return value
        if spec.mode == _REFERENCE:  # refused when it names the entity itself (FtM raises)
            if value != self.id:
                return value if _ENTITY_ID.match(value) else None
            return registry.entity.clean_text(value, format=spec.fmt, proxy=self)  # type: ignore[arg-type]
        return _cleaned(spec.type, spec.fmt, value)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "schema": self.schema.name, "properties": self._props}


@functools.cache
def _stamped(schema: str, handling: str
             ) -> tuple[Any, dict[str, _Spec], tuple[tuple[str, list[str]], ...], int]:
    """What ``Entity.make`` starts from: the schema, its properties, and what ``_stamp``
    adds to an entity of it."""
    made = Entity(schema)
    _stamp(made, handling)
    return made.schema, made._specs, tuple(made._props.items()), made._size  # noqa: SLF001


# -- the writer --------------------------------------------------------------------------
def write_ftm(rows: Rows, out: Path, ctx: Context, make: Make = Entity.make) -> list[Path]:
    try:
        return _write(rows, out, ctx, make)
    finally:  # what an export remembered (ids, dates, phones...) is not kept after it
        for cache in (ref, _day, _cleaned):
            cache.cache_clear()


def _write(rows: Rows, out: Path, ctx: Context, make: Make) -> list[Path]:
    path, part = out / "entities.ftm.json", out / "edges.ftm.part"
    encode = json_encoder(sort_keys=True)
    users_in = rows.sources_into(_USES, {"person"})  # node -> the persons using it
    users = functools.cache(lambda node: sorted({ctx.pseudo.node_id(u)
                                                 for u in users_in.get(node, ())}))
    carried: dict[str, list[tuple[Any, str]]] = {}  # node -> (type, target) of its links
    clear = not ctx.pseudo.active
    with part.open("w", encoding="utf-8", buffering=BUFFER) as fh:
        for rec in rows.edge_records(ctx.pseudo):
            etype, target = rec.raw_type, rec.raw_target
            ends = m.kind_of(rec.raw_source), m.kind_of(target)  # a pseudonym keeps its kind
            # may be a property of its source (``_enrich`` decides, knowing the source's kind)
            if str(etype) in _CARRIED or (clear and (etype in _USED or ends[1] in _MENTIONED)):
                links = carried.get(rec.raw_source)
                if links is None:
                    carried[rec.raw_source] = [(etype, target)]
                else:
                    links.append((etype, target))
            if not folded(rec.kind, *ends):
                fh.write(encode(_edge(make, rec, ends, users, ctx).to_dict()) + "\n")
            ctx.progress.tick()
    with path.open("w", encoding="utf-8", buffering=BUFFER) as fh:
        for rec in rows.node_records(ctx.pseudo):
            entity = _node(make, rec, ctx)
            _enrich(entity, rec, carried.pop(rec.raw_id, ()), users_in.get(rec.raw_id, ()),
                    ctx)
            fh.write(encode(entity.to_dict()) + "\n")
            ctx.progress.tick()
    with path.open("ab") as whole, part.open("rb") as edges:  # the nodes, then the edges
        shutil.copyfileobj(edges, whole, BUFFER)
    part.unlink()
    return [path]


def _base(make: Make, schema: str, key: str, ctx: Context) -> Builder:
    return make(schema, entity_id(key), ctx.handling)


def _node(make: Make, rec: Record, ctx: Context) -> Builder:
    kind, value = rec.kind, rec.value
    private = ctx.pseudo.active and kind in _PRIVATE
    proxy = _base(make, SCHEMA_OF_KIND.get(kind, "Note"), rec.id, ctx)
    # as recorded, byte for byte (FtM's cleaning would drop e.g. an emoji's zero-width joiner)
    proxy.add("name", rec.label if kind in ("report", "person") else value, cleaned=True)
    first, last = rec.first_seen, rec.last_seen
    if kind == "report":
        proxy.add("recordId", rec.report_ids)
        proxy.add("date", rec.extra.get("reported_at") or first)
        proxy.add("description", _describe(rec.extra, ("report_kind", "category", "force")))
        proxy.add("keywords", _members(rec.extra.get("markers")))
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


def _enrich(proxy: Builder, rec: Record, links: Iterable[tuple[Any, str]],
            users: Iterable[str], ctx: Context) -> None:
    """Links folded into properties (``folded``); and properties Aleph matches on: a
    user's phones/e-mails, a report's mentions (not when pseudonymising).  ``links``: the
    (type attribute, target) of the node's out-edges that may be such (``write_ftm``), in
    the graph's order; ``users``: the persons with a uses-edge to it."""
    if rec.kind in _USER_ACCOUNTS:
        for source in users:
            proxy.add("owner", ref(ctx.pseudo.node_id(source)))
    clear = not ctx.pseudo.active
    for etype, target in links:  # one property each: the order within a property is kept
        kind, name = m.kind_of(target), str(etype)  # the type attribute as text, or "None"
        if folded(name, rec.kind, kind):
            named = ref(ctx.pseudo.node_id(target))
            if name == m.INVOLVED:
                proxy.add("involved", named)
            elif name in (m.OCCURRED_AT, m.LIVES_AT):
                proxy.add("addressEntity", named)
        if clear:
            if rec.kind == "person" and etype in _USED:
                proxy.add(kind, target.split(":", 1)[1], quiet=True)
            elif rec.kind == "report" and kind in _MENTIONED:
                proxy.add(_MENTIONED[kind], target.split(":", 1)[1], quiet=True)


def _edge(make: Make, rec: Record, ends: tuple[str, str],
          users_of: Callable[[str], list[str]], ctx: Context) -> Builder:
    src_kind, dst_kind = ends
    src, dst = ref(rec.source), ref(rec.target)
    if src_kind == dst_kind == "person":
        proxy = _base(make, "Associate", rec.id, ctx)
        proxy.add("person", src)
        proxy.add("associate", dst)
        proxy.add("relationship", rec.kind)
    elif src_kind == "person" and dst_kind in _ASSETS and rec.kind in _USES:
        proxy = _base(make, "Ownership", rec.id, ctx)
        proxy.add("owner", src)
        proxy.add("asset", dst)
        proxy.add("role", rec.kind)
        proxy.add("ownershipType", "uses")
    elif rec.kind == m.CONTACTED and src_kind == "phone" and dst_kind == "person":
        proxy = _base(make, "Call", rec.id, ctx)
        proxy.add("receiver", dst)
        proxy.add("caller", [ref(u) for u in users_of(rec.raw_source)])
        if not ctx.pseudo.active:
            proxy.add("callerNumber", rec.source.split(":", 1)[1], quiet=True)
    elif rec.kind == m.PAID_TO and (users := users_of(rec.raw_target)):
        proxy = _base(make, "Payment", rec.id, ctx)
        proxy.add("payer", src)
        proxy.add("beneficiary", [ref(u) for u in users])
        proxy.add("beneficiaryAccount", dst)
        proxy.add("purpose", "reported as paid by the victim")
    else:
        proxy = _base(make, "UnknownLink", rec.id, ctx)
        proxy.add("subject", src)
        proxy.add("object", dst)
        proxy.add("role", rec.kind if "role" not in rec.extra
                  else f"{rec.kind} ({text(rec.extra['role'])})")
    proxy.add("startDate", rec.first_seen)
    proxy.add("endDate", rec.last_seen)
    proxy.add("recordId", rec.report_ids)
    return proxy


def _members(value: Any) -> list[Any]:
    """A tuple's members in order, a set's sorted (in the order it iterates they would
    differ from one process to the next)."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return list(value or ())


def _describe(extra: dict[str, object], keys: tuple[str, ...]) -> str | None:
    parts = [f"{k}: {text(extra[k])}" for k in keys if extra.get(k) not in (None, "", ())]
    return "; ".join(parts) or None
