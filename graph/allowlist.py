"""Known legitimate contacts: an operator-managed allow-list, as MISP's warning lists are.

A bank's switchboard, a retailer's customer-service address, a council's fraud line: fraud
victims quote them because they contacted them, so they recur across unrelated reports.
An identifier on this list never drives an alert (it is a configured hub: detectors skip it
and name it among ``discounted_hubs``), but it stays in the link graph as evidence.

The file (``LINKWATCH_ALLOWLIST_FILE``, YAML or JSON) lists entries with a type, a value as
anyone would write it, a name and a reason; values are normalised as intake normalises
identifiers, so ``0345 740 4404``, ``+44 345 740 4404`` and ``03457404404`` are one entry::

    entries:
      - {type: phone, value: "0345 740 4404", name: Example Bank switchboard,
         reason: victims call their bank}
      - {type: email, value: customer.services@example-retail.co.uk, name: Example Retail,
         reason: customer service}
      - {type: domain, value: example-retail.co.uk, name: Example Retail,
         reason: its own site; covers its sub-domains, e-mail addresses and URLs}

A ``domain`` entry covers the domain, its sub-domains, and every e-mail address and URL on
them.  A value that does not normalise stops the worker at start-up, naming the entry.

Not to be confused with ``hub_allow`` (``detectors.yaml``): node ids that are never
treated as hubs, e.g. a known deal line.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linkwatch.rules.normalise import canonical

_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://([^/:?#@]+@)?([^/:?#]+)", re.IGNORECASE)


class AllowEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    type: Literal["phone", "email", "domain", "url", "social_handle", "username"]
    value: str = Field(min_length=1)
    name: str = Field(min_length=1)
    reason: str = ""


class AllowList(BaseModel):
    """The parsed file; ``covers(node)`` answers for a link-graph node id."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    entries: tuple[AllowEntry, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: object) -> object:
        return {"entries": data} if isinstance(data, list) else data

    @model_validator(mode="after")
    def _normalised(self) -> Self:
        nodes: dict[str, str] = {}
        domains: dict[str, str] = {}
        bad: list[str] = []
        for i, e in enumerate(self.entries):
            c = canonical(e.type, e.value)
            if not (c.valid and c.node_id):
                bad.append(f"entry {i} ({e.type} {e.value!r}, {e.name})")
                continue
            if e.type == "domain":
                domains[_bare(str(c.value))] = e.name
            else:
                nodes[c.node_id] = e.name
        if bad:
            raise ValueError("allow-list values that do not normalise: " + "; ".join(bad))
        object.__setattr__(self, "_nodes", nodes)
        object.__setattr__(self, "_domains", domains)
        return self

    def covers(self, node: str) -> str | None:
        """The entry's name when ``node`` is a known legitimate contact, else ``None``.
        Example: ``email:help@shop.example.co.uk`` under a ``domain shop.example.co.uk``
        entry -> its name."""
        nodes: dict[str, str] = self.__dict__.get("_nodes") or {}
        domains: dict[str, str] = self.__dict__.get("_domains") or {}
        if node in nodes:
            return nodes[node]
        if not domains:
            return None
        kind, _, value = node.partition(":")
        host = None
        if kind == "email" and "@" in value:
            host = value.rsplit("@", 1)[1]
        elif kind == "domain":
            host = value
        elif kind == "url":
            match = _HOST.match(value)
            host = match.group(2) if match else value.split("/", 1)[0]
        if not host:
            return None
        labels = _bare(host.lower()).split(".")
        for k in range(len(labels) - 1):   # the host, then each parent domain
            name = domains.get(".".join(labels[k:]))
            if name:
                return name
        return None

    def __len__(self) -> int:
        return len(self.entries)


def _bare(host: str) -> str:
    return host.removeprefix("www.").rstrip(".")


def load_allowlist(path: str | None) -> AllowList:
    """``LINKWATCH_ALLOWLIST_FILE`` (YAML or JSON); empty when unset.  A bad file raises
    at start-up, naming why."""
    from linkwatch.config import load_config_file

    return load_config_file(path, AllowList)


__all__ = ["AllowEntry", "AllowList", "load_allowlist"]
