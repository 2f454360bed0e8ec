"""i2 Analyst's Notebook: an entities CSV, a links CSV and a note on importing them.

Analyst's Notebook's importer maps CSV columns to entity and link properties
through an import specification chosen in its wizard; ``i2_README.txt`` gives
the mapping so an analyst can build (and save) that specification once.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx

from linkwatch.graph import model as m

from ._common import Context, edge_records, node_records, one_line

ENTITY_HEADER = ["Entity Type", "Identity", "Label", "Date first seen", "Time first seen",
                 "Date last seen", "Time last seen", "Report references", "Handling"]
LINK_HEADER = ["From Identity", "From Type", "To Identity", "To Type", "Link Type",
               "Direction", "Date first seen", "Time first seen", "Date last seen",
               "Time last seen", "Report references", "Handling"]

# graph node kind -> i2 standard entity type (the icon the importer assigns)
ENTITY_TYPES = {
    "report": "Document", "person": "Person", "phone": "Telephone", "email": "Email Address",
    "account": "Account", "iban": "Account", "card": "Credit Card", "url": "Web Site",
    "domain": "Web Site", "ip": "IP Address", "wallet": "Account", "handle": "Online Identity",
    "username": "Online Identity", "imei": "Mobile Handset", "hash": "Document",
    "vehicle": "Vehicle", "address": "Address", "postcode": "Address", "location": "Location",
}
LINK_TYPES = {
    m.MENTIONS: "Mentions", m.INVOLVED: "Involved In", m.USES_PHONE: "Uses",
    m.USES_EMAIL: "Uses", m.USES_IDENTIFIER: "Uses", m.LIVES_AT: "Lives At",
    m.SEEN_IN_VEHICLE: "Seen In", m.PAID_TO: "Paid To", m.CONTACTED: "Contacted",
    m.CO_OFFENDER: "Co-offender", m.VICTIM_OF: "Victim Of", m.OCCURRED_AT: "Occurred At",
}
DATE_FORMAT, TIME_FORMAT = "%d/%m/%Y", "%H:%M:%S"

_README = """\
linkwatch export for i2 Analyst's Notebook  [{handling}]
Handling: {handling}. Every row carries it in the "Handling" column.

Files (UTF-8 with BOM, comma separated, first row = column headings):
  i2_entities.csv   one row per entity
  i2_links.csv      one row per link (entities referred to by Identity + Type)

Import entities first (Import Data > i2_entities.csv), one "entity" column:
  Entity Type       -> Entity type (semantic/icon type: Person, Telephone, Account, ...)
  Identity          -> Identity (unique; linkwatch node id{pseudonymised})
  Label             -> Label
  Date first seen   -> Date and time: date   (format {date_fmt})
  Time first seen   -> Date and time: time   (format {time_fmt}, times in UTC)
  Date/Time last seen -> attribute "Last seen" (date-time)
  Report references -> attribute "Report references" (text, ";" separated report ids)
  Handling          -> attribute "Handling" (text)

Then links (Import Data > i2_links.csv), an "entity - link - entity" design:
  From Identity / From Type -> end 1 Identity / Entity type
  To Identity / To Type     -> end 2 Identity / Entity type
  Link Type                 -> Link type
  Direction                 -> Link direction ("With" = arrow from end 1 to end 2)
  Date/Time first seen      -> Link date and time
  Date/Time last seen, Report references, Handling -> link attributes as above
Choose "merge" for entities with the same Identity so both files meet.
Save the wizard's choices as an import specification to reuse them.
"""


def write_i2(g: nx.MultiDiGraph, out: Path, ctx: Context) -> list[Path]:
    entities, links, readme = out / "i2_entities.csv", out / "i2_links.csv", out / "i2_README.txt"
    with entities.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ENTITY_HEADER)
        for rec in node_records(g, ctx.pseudo):
            etype = ENTITY_TYPES.get(rec.kind, "Entity")
            w.writerow([etype, rec.id, one_line(rec.label), *_when(rec.first_seen),
                        *_when(rec.last_seen), ";".join(rec.report_ids), ctx.handling])
            ctx.progress.tick()
    with links.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(LINK_HEADER)
        for rec in edge_records(g, ctx.pseudo):
            w.writerow([rec.source, _type_of(rec.source), rec.target,
                        _type_of(rec.target), LINK_TYPES.get(rec.kind, rec.kind),
                        "With", *_when(rec.first_seen), *_when(rec.last_seen),
                        ";".join(rec.report_ids), ctx.handling])
            ctx.progress.tick()
    readme.write_text(_README.format(
        handling=ctx.handling, date_fmt="DD/MM/YYYY", time_fmt="HH:MM:SS",
        pseudonymised=", pseudonymised with a keyed hash" if ctx.pseudo.active else "",
    ), encoding="utf-8")
    return [entities, links, readme]


def _type_of(node_id: str) -> str:
    return ENTITY_TYPES.get(m.kind_of(node_id), "Entity")


def _when(value: datetime | None) -> tuple[str, str]:
    if value is None:
        return "", ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime(DATE_FORMAT), value.strftime(TIME_FORMAT)
