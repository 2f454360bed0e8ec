"""The internal accepted topic (intake -> link stage): one typed message, two kinds.

* :class:`AcceptedReport`: a validated, normalised report with what intake computed
  for the link stage from that report alone (its enrichment, each person's entity-
  resolution record, the near-duplicate fingerprint, the canonical forms of its phones).
* :class:`PurgeMarker`: a retention purge (``linkwatch.retention``) naming reports to
  forget.

``decode(bytes)`` is the one way to read a message and ``encode(message)`` the one way
to write one.  The wire form is the JSON intake has always written, so topics written
before these types read back unchanged::

    {"hash": ..., "report": {...}, "enrichment": {...}, "er": [...], "nd": {...},
     "canon": [...], "source": "reports.fraud:0:17"}
    {"purge": {"purge_id": ..., "report_ids": [...], ...}}

The two kinds are told apart by their one required top-level key (``report`` or
``purge``), never by the bytes a message starts with.  Junk raises
:class:`AcceptedDecodeError`, whose message says where the message is wrong, never a
value in it (reports hold personal data).

The link stage decodes every report, so the envelope is msgspec (typed, and cheaper
than building the same objects with pydantic) and the report itself is the contract's
pydantic model, validated from its own JSON bytes: measured on scenario reports, a
decode costs about what ``orjson.loads`` plus validating the report cost before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict

import msgspec
from pydantic import ValidationError

from .report import AnyReport, ReportAdapter

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
ResolutionInput = tuple[str, str, str, str, tuple[tuple[str, str], ...], str | None,
                        int | None, str | None, str | None, str | None, tuple[str, ...],
                        tuple[str, ...], tuple[str, ...]]

# ``rules.normalise.primer``: [kind, raw, canonical value or None, attributes]
CanonicalForm = tuple[str, str, str | None, dict[str, Any]]


class NearDupFingerprint(TypedDict):
    """``rules.neardup.fingerprint``: the report's summary (what another channel's report
    of the same event is compared with), the keys to look it up under and to file it by."""

    summary: dict[str, Any]
    lookup: list[str]
    blocking: list[str]


# -- the two messages ----------------------------------------------------------------------


class AcceptedReport(msgspec.Struct, kw_only=True, gc=False):
    """A report intake accepted, with its link inputs.  ``source``: the input coordinate
    it arrived at (``topic:partition:offset``, for ``linkwatch reconcile``).  The inputs
    are optional: without them the link stage computes them itself (older messages).
    The report is the state's once applied (its persons get their entity ids): each
    pipeline applies its own decoded message."""

    report: AnyReport
    hash: str = ""
    enrichment: Enrichment | None = None
    resolution: list[ResolutionInput] | None = None   # wire: "er"
    near_dup: NearDupFingerprint | None = None        # wire: "nd"
    canon: list[CanonicalForm] = msgspec.field(default_factory=list)
    source: str | None = None

    @property
    def report_id(self) -> str:
        return self.report.report_id

    @classmethod
    def of(cls, body: dict[str, Any]) -> AcceptedReport:
        """The message from its wire form as a dict (tests, fixtures)."""
        message = decode(msgspec.json.encode(body))
        if not isinstance(message, AcceptedReport):
            raise AcceptedDecodeError("a purge marker where a report was expected")
        return message


class Purge(msgspec.Struct, kw_only=True):
    purge_id: str
    report_ids: list[str]
    before: datetime
    requested_at: datetime
    reason: Literal["retention"] = "retention"
    part: int = 1
    parts: int = 1


class PurgeMarker(msgspec.Struct, kw_only=True):
    """A retention purge's marker: the reports it names are forgotten where they were
    sent before it (``linkwatch.retention``)."""

    purge: Purge

    @property
    def report_ids(self) -> list[str]:
        return self.purge.report_ids


AcceptedMessage = AcceptedReport | PurgeMarker


class AcceptedDecodeError(ValueError):
    """An accepted-topic message that is neither a report nor a purge marker."""


# -- the wire ----------------------------------------------------------------------------------

_NONE = msgspec.Raw()


class _Wire(msgspec.Struct, omit_defaults=True, gc=False):
    """Either message as it is written: the report left as raw JSON for pydantic."""

    report: msgspec.Raw = _NONE
    purge: Purge | None = None
    hash: str = ""
    enrichment: Enrichment | None = None
    er: list[ResolutionInput] | None = None
    nd: NearDupFingerprint | None = None
    canon: list[CanonicalForm] = msgspec.field(default_factory=list)
    source: str | None = None


class _HeadWire(msgspec.Struct):
    report: _Id | None = None
    purge: Purge | None = None
    hash: str = ""
    source: str | None = None


class _Id(msgspec.Struct):
    report_id: str


class ReportHead(msgspec.Struct, kw_only=True):
    """What a reader that counts or forgets reports needs of an accepted report: its id,
    content hash and input coordinate, without validating the report (``decode_head``)."""

    report_id: str
    hash: str = ""
    source: str | None = None


_DECODER = msgspec.json.Decoder(_Wire)
_HEAD_DECODER = msgspec.json.Decoder(_HeadWire)
_ENCODER = msgspec.json.Encoder()


def decode(value: bytes | str | None) -> AcceptedReport | PurgeMarker:
    """The message a value on the accepted topic holds; :class:`AcceptedDecodeError` if none."""
    try:
        wire = _DECODER.decode(value or b"")
    except msgspec.DecodeError as exc:
        raise AcceptedDecodeError(_where(exc)) from None
    if wire.purge is not None:
        if wire.report is not _NONE:
            raise AcceptedDecodeError(_BOTH)
        return PurgeMarker(purge=wire.purge)
    if wire.report is _NONE:
        raise AcceptedDecodeError(_NEITHER)
    try:
        report = ReportAdapter.validate_json(bytes(wire.report))
    except ValidationError as exc:
        raise AcceptedDecodeError(_report_where(exc)) from None
    return AcceptedReport(report=report, hash=wire.hash, enrichment=wire.enrichment,
                          resolution=wire.er, near_dup=wire.nd, canon=wire.canon,
                          source=wire.source)


def decode_head(value: bytes | str | None) -> ReportHead | PurgeMarker:
    """``decode`` for readers that need only a report's id, hash and source (a purge's
    plan, reconciliation, the first pass of a rebuild): several times cheaper, as the
    report is not validated.  Junk raises :class:`AcceptedDecodeError`."""
    try:
        wire = _HEAD_DECODER.decode(value or b"")
    except msgspec.DecodeError as exc:
        raise AcceptedDecodeError(_where(exc)) from None
    if wire.purge is not None:
        if wire.report is not None:
            raise AcceptedDecodeError(_BOTH)
        return PurgeMarker(purge=wire.purge)
    if wire.report is None:
        raise AcceptedDecodeError(_NEITHER)
    return ReportHead(report_id=wire.report.report_id, hash=wire.hash, source=wire.source)


def try_decode(value: bytes | str | None) -> AcceptedReport | PurgeMarker | None:
    """``decode``, with ``None`` for junk (the caller deals with it later, as a report)."""
    try:
        return decode(value)
    except AcceptedDecodeError:
        return None


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
        return _ENCODER.encode(message)
    report = message.report.model_dump_json(by_alias=True, exclude_none=True).encode()
    return _ENCODER.encode(_Wire(
        report=msgspec.Raw(report), hash=message.hash, enrichment=message.enrichment,
        er=message.resolution, nd=message.near_dup, canon=message.canon,
        source=message.source))


_BOTH = "an accepted-topic message with both a report and a purge: expected one of them"
_NEITHER = "an accepted-topic message with neither a report nor a purge marker"


def _where(exc: msgspec.DecodeError) -> str:
    """msgspec's reason names the path and the expected type, never the value."""
    return f"an accepted-topic message that does not decode: {exc}"


def _report_where(exc: ValidationError) -> str:
    """Where and how the report is wrong, without the values (personal data)."""
    errors = exc.errors(include_input=False, include_url=False, include_context=False)
    shown = "; ".join(f"report.{'.'.join(str(p) for p in e['loc'])}: {e['type']}"
                      for e in errors[:3])
    return f"an accepted report that is not valid ({len(errors)} errors: {shown})"
