"""Where the resolver keeps its state: blocks, records, entity membership.

Two backends behind one small interface.  Resolving a record is two round
trips to Redis: ``lookup`` (is the record known, next sequence number, the
members of every block and those candidates' records and current entities,
in one server-side script) and ``commit`` (everything one resolution
changes, one MULTI/EXEC pipeline).  Merges and splits read membership once
more; they are rare.

One writer per index (one resolver task per partition/prefix): concurrent
writers could race between ``fetch`` and ``commit``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import _held
from ._features import Record


@dataclass(slots=True)
class Stored:
    record: Record
    entity_id: str
    age: int
    seq: int


@dataclass(slots=True)
class Lookup:
    known: tuple[str, int] | None  # (entity id, entity age) when the record is stored already
    seq: int  # this record's sequence number: the age of an entity it founds
    candidates: dict[str, Stored]  # records from the blocks, first seen first


@dataclass(slots=True)
class Batch:
    """Everything one resolution (or merge, or split) writes, applied at once."""

    record: Record | None = None
    seq: int = 0
    keys: Sequence[str] = ()
    assign: dict[str, tuple[str, int]] = field(default_factory=dict)  # rid -> (entity, age)
    members_add: dict[str, list[str]] = field(default_factory=dict)
    members_remove: dict[str, list[str]] = field(default_factory=dict)
    drop: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    apart: list[tuple[str, str]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


class Index(ABC):
    """Storage interface of the resolver (see the module docstring)."""

    @abstractmethod
    def lookup(self, rid: str, keys: Sequence[str], cap: int) -> Lookup: ...

    @abstractmethod
    def fetch(self, rids: Sequence[str]) -> dict[str, Stored]: ...

    @abstractmethod
    def commit(self, batch: Batch) -> None: ...

    @abstractmethod
    def members(self, entity_id: str) -> list[str]: ...

    @abstractmethod
    def alias(self, entity_id: str) -> str | None: ...

    @abstractmethod
    def apart(self, a: str, b: str) -> bool: ...

    @abstractmethod
    def next_seq(self) -> int: ...

    @abstractmethod
    def scan(self) -> Iterator[Stored]: ...

    @abstractmethod
    def events(self) -> list[dict[str, Any]]: ...


def _pair(a: str, b: str) -> str:
    return f"{min(a, b)}|{max(a, b)}"



class InMemoryIndex(Index):
    """Dicts and lists in this process; for tests, benches and one-shot runs."""

    # Memory (issue 21): most blocks and entities hold one record, so the record id is
    # held alone (a str) and becomes a list when a second joins (``rules._held``).  A
    # block is held under a 60-bit hash of its key (``rules._held.hashed``: an int of
    # 32 B, where the key's text took 55 to 75), seven keys a record.
    def __init__(self) -> None:
        self._blocks: dict[int, str | list[str]] = {}
        self._records: dict[str, Record] = {}
        self._entity: dict[str, tuple[str, int, int]] = {}  # rid -> (entity, age, seq)
        self._members: dict[str, str | list[str]] = {}
        self._aliases: dict[str, str] = {}
        self._apart: set[str] = set()
        self._log: list[dict[str, Any]] = []
        self._seq = 0

    def lookup(self, rid: str, keys: Sequence[str], cap: int) -> Lookup:
        known = self._entity.get(rid)
        if known is not None:
            return Lookup(known[:2], known[2], {})
        self._seq += 1
        return Lookup(None, self._seq, self.fetch(self.in_blocks(keys, cap)))

    def in_blocks(self, keys: Sequence[str], cap: int) -> list[str]:
        """The record ids in blocks ``keys`` (the newest ``cap`` of each), first seen
        first, each once; reads only (``linkwatch.search``)."""
        seen: dict[str, None] = {}
        blocks = self._blocks
        for key in keys:
            held = blocks.get(_held.hashed(key))
            if held is None:
                continue
            if isinstance(held, str):
                seen[held] = None
            else:
                for candidate in held[-cap:]:
                    seen[candidate] = None
        return list(seen)

    def fetch(self, rids: Sequence[str]) -> dict[str, Stored]:
        out = {}
        for rid in rids:
            entity, age, seq = self._entity[rid]
            out[rid] = Stored(self._records[rid], entity, age, seq)
        return out

    def commit(self, batch: Batch) -> None:
        if batch.record is not None:
            rid = batch.record.rid
            self._records[rid] = batch.record
            blocks = self._blocks
            for key in batch.keys:
                _held.add(blocks, _held.hashed(key), rid)
        for rid, (entity, age) in batch.assign.items():
            seq = self._entity[rid][2] if rid in self._entity else batch.seq
            self._entity[rid] = (entity, age, seq)
        for entity, rids in batch.members_remove.items():
            gone = set(rids)
            self._members[entity] = [r for r in _held.values(self._members.get(entity))
                                     if r not in gone]
        for entity, rids in batch.members_add.items():
            for rid in rids:
                _held.add(self._members, entity, rid)
        for entity in batch.drop:
            self._members.pop(entity, None)
        self._aliases.update(batch.aliases)
        self._apart.update(_pair(a, b) for a, b in batch.apart)
        self._log.extend(batch.events)

    def members(self, entity_id: str) -> list[str]:
        return _held.values(self._members.get(entity_id))

    def alias(self, entity_id: str) -> str | None:
        return self._aliases.get(entity_id)

    def apart(self, a: str, b: str) -> bool:
        return _pair(a, b) in self._apart

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def scan(self) -> Iterator[Stored]:
        for rid, (entity, age, seq) in self._entity.items():
            yield Stored(self._records[rid], entity, age, seq)

    def events(self) -> list[dict[str, Any]]:
        return list(self._log)


# KEYS: r2e, seq, rec, block lists...; ARGV: record id, cap.  Returns
# {"entity age seq"} when the record is known, else {"", seq, ids, records, entities}.
_LOOKUP = """
local known = redis.call('HGET', KEYS[1], ARGV[1])
if known then return {known} end
local seq = redis.call('INCR', KEYS[2])
local cap = tonumber(ARGV[2])
local seen, ids = {}, {}
for i = 4, #KEYS do
  for _, id in ipairs(redis.call('LRANGE', KEYS[i], -cap, -1)) do
    if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
  end
end
local records, entities = {}, {}
for start = 1, #ids, 500 do
  local chunk = {}
  for j = start, math.min(start + 499, #ids) do chunk[#chunk + 1] = ids[j] end
  local r = redis.call('HMGET', KEYS[3], unpack(chunk))
  local e = redis.call('HMGET', KEYS[1], unpack(chunk))
  for j = 1, #chunk do records[#records + 1] = r[j]; entities[#entities + 1] = e[j] end
end
return {'', seq, ids, records, entities}
"""


# The common write, one record joining or founding an entity, as one command.
# KEYS: rec, r2e, members set, block lists...; ARGV: record id, record JSON, "entity age seq".
_ADD = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
for i = 4, #KEYS do redis.call('RPUSH', KEYS[i], ARGV[1]) end
return 1
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisIndex(Index):
    """The same state in Redis under ``prefix`` (redis-py sync client, pipelined).

    Keys: ``{prefix}:b:{block}`` list of record ids; ``{prefix}:rec`` hash
    record id -> record JSON; ``{prefix}:r2e`` hash record id -> "entity age
    seq"; ``{prefix}:m:{entity}`` set of record ids; ``{prefix}:alias`` hash
    old entity -> surviving entity; ``{prefix}:apart`` set of split pairs;
    ``{prefix}:log`` list of merge/split events; ``{prefix}:seq`` counter.
    """

    def __init__(self, client: Any, prefix: str = "lw:er") -> None:
        self._r = client
        self._p = prefix
        self._lookup = client.register_script(_LOOKUP)
        self._add = client.register_script(_ADD)

    def _k(self, *parts: str) -> str:
        return ":".join((self._p, *parts))

    def lookup(self, rid: str, keys: Sequence[str], cap: int) -> Lookup:
        reply = self._lookup(keys=[self._k("r2e"), self._k("seq"), self._k("rec"),
                                   *(self._k("b", key) for key in keys)],
                             args=[rid, cap])
        if len(reply) == 1:
            entity, age, seq = _text(reply[0]).split(" ")
            return Lookup((entity, int(age)), int(seq), {})
        _, seq, rids, records, entities = reply
        found = {}
        for rid_raw, raw, where in zip(rids, records, entities, strict=True):
            if raw and where:
                entity, age, rseq = _text(where).split(" ")
                found[_text(rid_raw)] = Stored(Record.from_json(raw), entity, int(age), int(rseq))
        return Lookup(None, int(seq), found)

    def fetch(self, rids: Sequence[str]) -> dict[str, Stored]:
        if not rids:
            return {}
        pipe = self._r.pipeline(transaction=False)
        pipe.hmget(self._k("rec"), list(rids))
        pipe.hmget(self._k("r2e"), list(rids))
        records, entities = pipe.execute()
        out = {}
        for rid, raw, where in zip(rids, records, entities, strict=True):
            if raw is None or where is None:
                continue
            entity, age, seq = _text(where).split(" ")
            out[rid] = Stored(Record.from_json(raw), entity, int(age), int(seq))
        return out

    def commit(self, batch: Batch) -> None:
        record = batch.record
        if (record is not None and list(batch.assign) == [record.rid]
                and len(batch.members_add) == 1 and not batch.members_remove and not batch.drop
                and not batch.aliases and not batch.apart and not batch.events):
            entity, age = batch.assign[record.rid]
            self._add(keys=[self._k("rec"), self._k("r2e"), self._k("m", entity),
                            *(self._k("b", key) for key in batch.keys)],
                      args=[record.rid, record.to_json(), f"{entity} {age} {batch.seq}"])
            return
        pipe = self._r.pipeline(transaction=True)
        new_rid = None
        if batch.record is not None:
            new_rid = batch.record.rid
            pipe.hset(self._k("rec"), new_rid, batch.record.to_json())
            for key in batch.keys:
                pipe.rpush(self._k("b", key), new_rid)
        if batch.assign:
            existing = {}
            moved = [rid for rid in batch.assign if rid != new_rid]
            if moved:
                for rid, raw in zip(moved, self._r.hmget(self._k("r2e"), moved), strict=True):
                    existing[rid] = _text(raw).split(" ")[2] if raw is not None else str(batch.seq)
            mapping = {
                rid: f"{entity} {age} {existing.get(rid, batch.seq)}"
                for rid, (entity, age) in batch.assign.items()
            }
            pipe.hset(self._k("r2e"), mapping=mapping)
        for entity, rids in batch.members_remove.items():
            pipe.srem(self._k("m", entity), *rids)
        for entity, rids in batch.members_add.items():
            pipe.sadd(self._k("m", entity), *rids)
        for entity in batch.drop:
            pipe.delete(self._k("m", entity))
        if batch.aliases:
            pipe.hset(self._k("alias"), mapping=batch.aliases)
        if batch.apart:
            pipe.sadd(self._k("apart"), *(_pair(a, b) for a, b in batch.apart))
        for event in batch.events:
            pipe.rpush(self._k("log"), json.dumps(event, sort_keys=True))
        pipe.execute()

    def members(self, entity_id: str) -> list[str]:
        return sorted(_text(m) for m in self._r.smembers(self._k("m", entity_id)))

    def alias(self, entity_id: str) -> str | None:
        raw = self._r.hget(self._k("alias"), entity_id)
        return None if raw is None else _text(raw)

    def apart(self, a: str, b: str) -> bool:
        return bool(self._r.sismember(self._k("apart"), _pair(a, b)))

    def next_seq(self) -> int:
        return int(self._r.incr(self._k("seq")))

    def scan(self) -> Iterator[Stored]:
        rows = []
        for rid, where in self._r.hscan_iter(self._k("r2e"), count=1000):
            entity, age_text, seq_text = _text(where).split(" ")
            rows.append((int(seq_text), _text(rid), entity, int(age_text)))
        rows.sort()
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            raws = self._r.hmget(self._k("rec"), [row[1] for row in chunk])
            for (seq, _, entity, age), raw in zip(chunk, raws, strict=True):
                yield Stored(Record.from_json(raw), entity, age, seq)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self._r.lrange(self._k("log"), 0, -1)]

    def clear(self) -> None:
        """Delete every key under the prefix (tests and benches)."""
        for key in self._r.scan_iter(match=f"{self._p}:*", count=1000):
            self._r.delete(key)
