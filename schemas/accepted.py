"""The internal accepted topic (intake -> link stage): one typed message, two kinds.

* :class:`AcceptedReport`: a validated, normalised report with what intake computed
  for the link stage from that report alone (its enrichment, each person's entity-
  resolution record, the near-duplicate fingerprint, the canonical forms of its phones).
* :class:`PurgeMarker`: a retention purge (``linkwatch.retention``) naming reports to
  forget.

``decode(bytes)`` is the one way to read a message and ``encode(message)`` the one way
to write one.  The wire form is the JSON intake has always written, so topics written
before these models read back unchanged::

    {"hash": ..., "report": {...}, "enrichment": {...}, "er": [...], "nd": {...},
     "canon": [...], "source": "reports.fraud:0:17"}
    {"purge": {"purge_id": ..., "report_ids": [...], ...}}

The two kinds are told apart by their one required top-level key (``report`` or
``purge``), never by the bytes a message starts with.  Junk raises
:class:`AcceptedDecodeError`, whose message names where the message is wrong, never a
value in it (reports hold personal data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from .report import Report

# -- what intake computes for the link stage ---------------------------------------------


class PersonFacts(TypedDict):
    """``rules.enrich.PersonFacts``: one person's home force and vulnerability."""

    home_force: str | None
    out_of_area: bool | None
    under_18: bool | None
    vulnerable: bool
    reasons: list[str]


class Enrichment(TypedDict, total=False):
    """``rules.enrich.Enrichment.as_dict()``: harm, persons' facts, the outside share.
    A plain dict at run time (the graph and the reporting rows read it as one)."""

    report_id: str | None
    force: str
    harm: float | None
    harm_rule: str | None
    persons: dict[str, PersonFacts]
    outside_share: float | None
    invalid_identifiers: int
    marks: list[str]


# ``rules.resolve.Record.as_list()``: rid, report id, person ref, reported at, names as
# (given, family) pairs, dob, birth year, gender, postcode, address, phones, emails, ids
ResolutionInput = tuple[str, str, str, str, list[tuple[str, str]], str | None, int | None,
                        str | None, str | None, str | None, list[str], list[str], list[str]]

# ``rules.normalise.primer``: [kind, raw, canonical value or None, attributes]
CanonicalForm = tuple[str, str, str | None, dict[str, Any]]


class NearDupFingerprint(TypedDict):
    """``rules.neardup.fingerprint``: the report's summary (what another channel's report
    of the same event is compared with), the keys to look it up under and to file it by."""

    summary: dict[str, Any]
    lookup: list[str]
    blocking: list[str]


# -- the two messages ----------------------------------------------------------------------


class AcceptedReport(BaseModel):
    """A report intake accepted, with its link inputs.  ``source``: the input coordinate
    it arrived at (``topic:partition:offset``, for ``linkwatch reconcile``).  The inputs
    are optional: without them the link stage computes them itself (older messages)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    hash: str = ""
    report: Report
    enrichment: Enrichment | None = None
    resolution: list[ResolutionInput] | None = Field(default=None, alias="er")
    near_dup: NearDupFingerprint | None = Field(default=None, alias="nd")
    canon: list[CanonicalForm] = Field(default_factory=list)
    source: str | None = None

    @property
    def report_id(self) -> str:
        return self.report.report_id


class Purge(BaseModel):
    model_config = ConfigDict(extra="ignore")

    purge_id: str
    reason: Literal["retention"] = "retention"
    before: datetime
    requested_at: datetime
    part: int = 1
    parts: int = 1
    report_ids: list[str]


class PurgeMarker(BaseModel):
    """A retention purge's marker: the reports it names are forgotten where they were
    sent before it (``linkwatch.retention``)."""

    model_config = ConfigDict(extra="forbid")

    purge: Purge

    @property
    def report_ids(self) -> list[str]:
        return self.purge.report_ids


AcceptedMessage = AcceptedReport | PurgeMarker

# Left to right: a report is tried first (nearly every message is one); a marker has no
# ``report`` key, so that choice fails at once and the marker is tried.  Only keys are
# interned while parsing: the values (near-duplicate keys, identifiers) are nearly all
# unique, and looking each up in pydantic's string cache made decoding a third slower.
_ADAPTER: TypeAdapter[AcceptedReport | PurgeMarker] = TypeAdapter(
    Annotated[AcceptedReport | PurgeMarker, Field(union_mode="left_to_right")],
    config=ConfigDict(cache_strings="keys"))


class AcceptedDecodeError(ValueError):
    """An accepted-topic message that is neither a report nor a purge marker."""


def decode(value: bytes | str | None) -> AcceptedReport | PurgeMarker:
    """The message a value on the accepted topic holds; :class:`AcceptedDecodeError` if none."""
    if not value:
        raise AcceptedDecodeError("an empty accepted-topic message: expected a report or "
                                  "a purge marker")
    try:
        return _ADAPTER.validate_json(value)
    except ValidationError as exc:
        raise AcceptedDecodeError(_where(exc)) from None


def try_decode(value: bytes | str | None) -> AcceptedReport | PurgeMarker | None:
    """``decode``, with ``None`` for junk (the caller deals with it later, as a report)."""
    try:
        return decode(value)
    except AcceptedDecodeError:
        return None


def _where(exc: ValidationError) -> str:
    """Where and how the message is wrong, without the values (personal data)."""
    errors = exc.errors(include_input=False, include_url=False, include_context=False)
    if errors and errors[0]["type"] == "json_invalid":
        return "an accepted-topic message that is not JSON: expected a report or a purge marker"
    shown = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['type']}" for e in errors[:3])
    return (f"an accepted-topic message that is neither a report nor a purge marker "
            f"({len(errors)} errors: {shown})")


class _Id(BaseModel):
    model_config = ConfigDict(extra="ignore")

    report_id: str


class ReportHead(BaseModel):
    """What a reader that counts or forgets reports needs of an accepted report: its id,
    content hash and input coordinate, without validating the report (``decode_head``)."""

    model_config = ConfigDict(extra="ignore")

    hash: str = ""
    report: _Id
    source: str | None = None

    @property
    def report_id(self) -> str:
        return self.report.report_id


_HEAD: TypeAdapter[ReportHead | PurgeMarker] = TypeAdapter(
    Annotated[ReportHead | PurgeMarker, Field(union_mode="left_to_right")],
    config=ConfigDict(cache_strings="keys"))


def decode_head(value: bytes | str | None) -> ReportHead | PurgeMarker:
    """``decode`` for readers that need only a report's id, hash and source (a purge's
    plan, reconciliation, the first pass of a rebuild): a few times cheaper, as the
    report itself is not validated.  Junk raises :class:`AcceptedDecodeError`."""
    if not value:
        raise AcceptedDecodeError("an empty accepted-topic message: expected a report or "
                                  "a purge marker")
    try:
        return _HEAD.validate_json(value)
    except ValidationError as exc:
        raise AcceptedDecodeError(_where(exc)) from None


def try_decode_head(value: bytes | str | None) -> ReportHead | PurgeMarker | None:
    """``decode_head``, with ``None`` for junk."""
    try:
        return decode_head(value)
    except AcceptedDecodeError:
        return None


def encode(message: AcceptedReport | PurgeMarker) -> bytes:
    """The message's wire form: the JSON above (the report without its nulls, the short
    keys ``er`` and ``nd``; a marker with ``purge`` as its one key)."""
    if isinstance(message, PurgeMarker):
        return message.model_dump_json().encode()
    body: dict[str, Any] = {
        "hash": message.hash,
        "report": message.report.model_dump(mode="json", by_alias=True, exclude_none=True),
        "enrichment": message.enrichment, "er": message.resolution, "nd": message.near_dup,
        "canon": message.canon}
    if message.source is not None:
        body["source"] = message.source
    return orjson.dumps(body)
