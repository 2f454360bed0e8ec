"""Decode and validate one raw input message: a Report, or a DeadLetter saying why.

Pure: no Kafka, no Redis.  Every failure mode has a precise reason
(contract, 'DeadLetter'): not UTF-8, not JSON, not an object, oversize,
missing ``report_id``, wrong types, impossible values, kind/topic mismatch.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from linkwatch.faults import PROCESSING_ERROR, Fault
from linkwatch.schemas import AnyReport, DeadLetter, DeadLetterError, ReportAdapter

# Keep dead letters under the broker's default 1 MB message limit.
DEADLETTER_VALUE_LIMIT = 256 * 1024


@dataclass(frozen=True, slots=True)
class Accepted:
    report: AnyReport
    content_hash: str  # sha256 of the canonical JSON of the input object


@dataclass(frozen=True, slots=True)
class Source:
    topic: str
    partition: int | None
    offset: int | None
    key: bytes | None

    @property
    def coordinate(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


def content_hash(obj: object) -> str:
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dead_letter(
    src: Source, raw: bytes | None, errors: list[tuple[str, str]], received_at: datetime,
    fault: Fault | None = None,
) -> DeadLetter:
    raw = raw or b""
    value = value_b64 = None
    note: list[tuple[str, str]] = []
    if len(raw) > DEADLETTER_VALUE_LIMIT:
        digest = hashlib.sha256(raw).hexdigest()
        note.append(("value", f"original of {len(raw)} bytes truncated to "
                     f"{DEADLETTER_VALUE_LIMIT}; sha256={digest}"))
        raw = raw[:DEADLETTER_VALUE_LIMIT]
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError:
        value_b64 = base64.b64encode(raw).decode("ascii")
    key = src.key.decode("utf-8", "replace") if src.key is not None else None
    return DeadLetter(
        received_at=received_at, topic=src.topic, partition=src.partition, offset=src.offset,
        key=key, value=value, value_b64=value_b64,
        errors=[DeadLetterError(loc=loc, msg=msg) for loc, msg in [*errors, *note]],
        reason="invalid" if fault is None else PROCESSING_ERROR,
        stage=None if fault is None else fault.stage,
        exception=None if fault is None else fault.exception,
        where=None if fault is None else fault.where,
    )


def processing_dead_letter(src: Source, raw: bytes | None, fault: Fault,
                           received_at: datetime) -> DeadLetter:
    """A valid report linkwatch failed on (``linkwatch.faults``): reason
    ``processing_error``, the stage, the exception's class and where; never its message."""
    return dead_letter(src, raw, [("$", f"{PROCESSING_ERROR}: {fault.describe()}")],
                       received_at, fault)


def _pydantic_errors(exc: ValidationError) -> list[tuple[str, str]]:
    out = []
    for err in exc.errors(include_url=False, include_input=False)[:20]:
        loc = ".".join(str(p) for p in err["loc"]) or "$"
        out.append((loc, err["msg"]))
    return out


def decode(
    src: Source, raw: bytes | None, expected_kind: str, *, received_at: datetime,
    max_bytes: int = 1_000_000,
) -> Accepted | DeadLetter:
    """Turn one raw message into an accepted report or a dead letter; never raises."""
    def reject(loc: str, msg: str) -> DeadLetter:
        return dead_letter(src, raw, [(loc, msg)], received_at)

    try:
        if raw is None or raw == b"":
            return reject("$", "empty message (tombstone or no value)")
        if len(raw) > max_bytes:
            return reject("$", f"message of {len(raw)} bytes exceeds the {max_bytes}-byte limit")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return reject("$", f"not UTF-8: {exc.reason} at byte {exc.start}")
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            return reject("$", f"not JSON: {getattr(exc, 'msg', 'nesting too deep')}")
        if not isinstance(obj, dict):
            return reject("$", f"expected a JSON object, got {type(obj).__name__}")
        if not obj.get("report_id"):
            return reject("report_id", "missing report_id")
        kind = obj.get("kind")
        if kind != expected_kind:
            return reject("kind", f"kind {kind!r} does not match topic {src.topic!r} "
                          f"(expected {expected_kind!r})")
        try:
            report = ReportAdapter.validate_python(obj)
        except ValidationError as exc:
            return dead_letter(src, raw, _pydantic_errors(exc), received_at)
        return Accepted(report, content_hash(obj))
    except Exception as exc:  # noqa: BLE001 - the stream must go on whatever arrives
        return reject("$", f"could not be read: {type(exc).__name__}")
