"""i2 Analyst's Notebook: an entities CSV, a links CSV, an import specification for
each, and a note on importing them.

Analyst's Notebook's importer maps CSV columns to entity and link properties through
an import specification.  ``i2_entities.ximp`` and ``i2_links.ximp`` are those
specifications (classic, unaligned import, written for Analyst's Notebook 9.2 to 10.x;
i2 does not publish the ``.ximp`` schema and no copy runs here, so the layout has not
been loaded into a real Analyst's Notebook); ``i2_README.txt`` gives the same mapping in
words, for the wizard, should a version refuse them.  The CSVs are UTF-8 with a BOM
(the importer then reads them as UTF-8); every cell goes through ``_common.cell``
(spreadsheet formula injection).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: S405 - writing our own XML, not parsing

from linkwatch.graph import model as m

from ._common import BUFFER, Context, Rows, cell, cells, one_line, write_private

ANB_VERSIONS = "i2 Analyst's Notebook 9.2 to 10.x (classic, unaligned import)"

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
  i2_entities.ximp  import specification for i2_entities.csv
  i2_links.ximp     import specification for i2_links.csv
Specifications written for {versions}.

One step: Import Data, choose i2_entities.ximp and i2_entities.csv, run; then
i2_links.ximp with i2_links.csv.  If your version does not offer the specification,
map the columns in the wizard as below (and save it):

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

A cell whose text would start with =, +, -, @, a tab, a carriage return or ' starts
with an extra ' (so no spreadsheet or importer runs it as a formula); plain numbers
(-1.46, or a phone number in E.164 form such as +44...) are written as they are.
"""


def write_i2(rows: Rows, out: Path, ctx: Context) -> list[Path]:
    entities, links, readme = out / "i2_entities.csv", out / "i2_links.csv", out / "i2_README.txt"
    when, handling, tick = _When(), cell(ctx.handling), ctx.progress.tick
    with entities.open("w", encoding="utf-8-sig", newline="", buffering=BUFFER) as fh:
        w = csv.writer(fh)
        w.writerow(ENTITY_HEADER)
        for rec in rows.nodes(ctx.pseudo):
            row = cells([ENTITY_TYPES.get(rec.kind, "Entity"), rec.id, one_line(rec.label),
                         *when(rec.first_seen), *when(rec.last_seen), rec.report_ids])
            row.append(handling)
            w.writerow(row)
            tick()
    with links.open("w", encoding="utf-8-sig", newline="", buffering=BUFFER) as fh:
        w = csv.writer(fh)
        w.writerow(LINK_HEADER)
        for rec in rows.edges(ctx.pseudo):
            row = cells([rec.source, _type_of(rec.source), rec.target, _type_of(rec.target),
                         LINK_TYPES.get(rec.kind, rec.kind), "With", *when(rec.first_seen),
                         *when(rec.last_seen), rec.report_ids])
            row.append(handling)
            w.writerow(row)
            tick()
    write_private(readme, _README.format(
        handling=ctx.handling, date_fmt="DD/MM/YYYY", time_fmt="HH:MM:SS",
        versions=ANB_VERSIONS,
        pseudonymised=", pseudonymised with a keyed hash" if ctx.pseudo.active else ""))
    specs = [out / "i2_entities.ximp", out / "i2_links.ximp"]
    write_private(specs[0], _spec(entities.name, ENTITY_HEADER, _entity_design(), ctx.handling))
    write_private(specs[1], _spec(links.name, LINK_HEADER, _link_design(), ctx.handling))
    return [entities, links, *specs, readme]


# -- import specifications -----------------------------------------------------------------

def _column(name: str) -> str:
    """A column reference as the importer's expressions write it."""
    return f"[{name}]"


def _entity_design() -> ET.Element:
    """One entity per row: type, identity, label, date-time and attributes from columns."""
    design = ET.Element("Design", Kind="Entity")
    _end(design, "Entity", "Entity Type", "Identity", "Label", "Date first seen",
         "Time first seen")
    attrs = ET.SubElement(design, "Attributes")
    for name, col, kind in (("Last seen date", "Date last seen", "Text"),
                            ("Last seen time", "Time last seen", "Text"),
                            ("Report references", "Report references", "Text"),
                            ("Handling", "Handling", "Text")):
        ET.SubElement(attrs, "Attribute", Name=name, Type=kind, Column=_column(col))
    return design


def _link_design() -> ET.Element:
    """Entity - link - entity: both ends by Identity + Type (merged with the entities
    already on the chart), the link's type, direction, date-time and attributes."""
    design = ET.Element("Design", Kind="EntityLinkEntity")
    _end(design, "End1", "From Type", "From Identity", "From Identity", None, None)
    _end(design, "End2", "To Type", "To Identity", "To Identity", None, None)
    link = ET.SubElement(design, "Link")
    ET.SubElement(link, "LinkType", Column=_column("Link Type"))
    ET.SubElement(link, "Direction", Column=_column("Direction"), With="With")
    ET.SubElement(link, "Label", Column=_column("Link Type"))
    ET.SubElement(link, "Date", Column=_column("Date first seen"), Format="dd/MM/yyyy")
    ET.SubElement(link, "Time", Column=_column("Time first seen"), Format="HH:mm:ss")
    attrs = ET.SubElement(link, "Attributes")
    for name, col in (("Last seen date", "Date last seen"), ("Last seen time", "Time last seen"),
                      ("Report references", "Report references"), ("Handling", "Handling")):
        ET.SubElement(attrs, "Attribute", Name=name, Type="Text", Column=_column(col))
    return design


def _end(design: ET.Element, tag: str, type_col: str, identity_col: str, label_col: str,
         date_col: str | None, time_col: str | None) -> None:
    end = ET.SubElement(design, tag)
    ET.SubElement(end, "EntityType", Column=_column(type_col), Merge="Identity")
    ET.SubElement(end, "Identity", Column=_column(identity_col))
    ET.SubElement(end, "Label", Column=_column(label_col))
    if date_col:
        ET.SubElement(end, "Date", Column=_column(date_col), Format="dd/MM/yyyy")
    if time_col:
        ET.SubElement(end, "Time", Column=_column(time_col), Format="HH:mm:ss")


def _spec(csv_name: str, header: list[str], design: ET.Element, handling: str) -> str:
    """An import specification for ``csv_name`` whose columns are ``header``."""
    root = ET.Element("ImportSpecification", Version="1", Application=ANB_VERSIONS)
    ET.SubElement(root, "Description").text = (
        f"linkwatch {csv_name} [{handling}]: one step import of the linkwatch export")
    source = ET.SubElement(root, "Data", Source="Text", FileName=csv_name,
                           Encoding="UTF-8", Separator=",", TextQualifier='"',
                           HeaderRow="1", FirstDataRow="2")
    columns = ET.SubElement(source, "Columns")
    for i, name in enumerate(header, 1):
        ET.SubElement(columns, "Column", Index=str(i), Id=_column(name), Name=name)
    root.append(design)
    ET.SubElement(root, "Merge", Entities="Identity", Links="TypeAndEnds")
    ET.indent(root)
    return "<?xml version='1.0' encoding='utf-8'?>\n" \
        + ET.tostring(root, encoding="unicode") + "\n"


def _type_of(node_id: str) -> str:
    return ENTITY_TYPES.get(m.kind_of(node_id), "Entity")


class _When:
    """An ISO 8601 first/last seen (``Flat``) as i2's date and time cells (in UTC), each
    distinct time worked out once."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, str]] = {"": ("", "")}

    def __call__(self, iso: str) -> tuple[str, str]:
        out = self._seen.get(iso)
        if out is None:
            value = datetime.fromisoformat(iso)
            if value.tzinfo is not None:
                value = value.astimezone(UTC)
            out = self._seen[iso] = (value.strftime(DATE_FORMAT), value.strftime(TIME_FORMAT))
        return out
