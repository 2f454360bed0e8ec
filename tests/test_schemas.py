"""The contract models and their JSON Schema export agree with the contract's examples."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.schemas import (
    SEVERITIES,
    Alert,
    DeadLetter,
    Referral,
    ReportAdapter,
    parse_amount,
    severity_rank,
)

EXAMPLES = Path(__file__).parents[1] / "schemas" / "examples"
SCHEMA_FOR = {"report-fraud": "report", "report-incident": "report", "report-cyber": "report",
              "alert": "alert", "referral": "referral", "deadletter": "deadletter"}


def test_schema_export_validates_every_contract_example(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schema", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    expected = {f"{n}.schema.json" for n in set(SCHEMA_FOR.values())}
    assert {p.name for p in tmp_path.iterdir()} == expected
    for example, schema_name in SCHEMA_FOR.items():
        schema = json.loads((tmp_path / f"{schema_name}.schema.json").read_text())
        instance = json.loads((EXAMPLES / f"{example}.json").read_text())
        jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("bad", [
    {"report_id": "x"},                                   # no kind, no reported_at
    {"report_id": "x", "kind": "fraud", "reported_at": "2026-01-01T00:00:00Z",
     "fraud": {"amount_lost": "-5"}},                     # negative amount
    {"report_id": "x", "kind": "incident", "reported_at": "2026-01-01T00:00:00Z",
     "location": {"lat": 91}},                            # impossible latitude
])
def test_exported_report_schema_rejects_what_pydantic_rejects(tmp_path: Path, bad: dict) -> None:
    CliRunner().invoke(app, ["schema", "export", str(tmp_path)])
    with pytest.raises(ValidationError):
        ReportAdapter.validate_python(bad)
    if "fraud" not in bad:  # amounts are parsed from text, so only pydantic sees the sign
        schema = json.loads((tmp_path / "report.schema.json").read_text())
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_examples_load_into_the_models() -> None:
    fraud = ReportAdapter.validate_json((EXAMPLES / "report-fraud.json").read_text())
    assert fraud.kind == "fraud" and fraud.fraud is not None
    assert fraud.fraud.amount_lost == Decimal("2500.0")
    assert fraud.model_extra == {"producer_extra": {"kept": True}}  # unknown fields are kept
    incident = ReportAdapter.validate_json((EXAMPLES / "report-incident.json").read_text())
    # naive -> Europe/London (GMT in Nov)
    assert incident.reported_at.utcoffset() == timedelta(0)
    Alert.model_validate_json((EXAMPLES / "alert.json").read_text())
    Referral.model_validate_json((EXAMPLES / "referral.json").read_text())
    DeadLetter.model_validate_json((EXAMPLES / "deadletter.json").read_text())


@pytest.mark.parametrize(("raw", "expected"), [
    ("£1,200.50", Decimal("1200.50")),
    ("1200", Decimal("1200")),
    (99.5, Decimal("99.5")),
    (None, None),
])
def test_parse_amount(raw: object, expected: Decimal | None) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["-5", "£-1", "ten pounds", "1.2.3", True, "nan"])
def test_parse_amount_rejects(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_amount(raw)


def test_consent_that_is_not_a_boolean_is_kept_as_unknown() -> None:
    report = ReportAdapter.validate_python({
        "report_id": "c", "kind": "incident", "reported_at": "2026-01-01T00:00:00Z",
        "persons": [{"person_ref": "v", "role": "victim", "consent": {"victim_support": "yes"}}]})
    consent = report.persons[0].consent
    assert consent.victim_support is None and consent.unparsed == {"victim_support": "'yes'"}


@pytest.mark.parametrize(("severity", "default", "expected"), [
    ("low", 0, 0), ("medium", 0, 1), ("high", 0, 2), ("critical", 0, 3),
    ("Critical", 0, 0),   # not a severity: case matters, as on the wire
    (None, 2, 2),         # a closed status that recorded none (graph.feedback.suppress)
    (["high"], 0, 0),     # a stored status of the wrong shape is no severity either
])
def test_severity_rank(severity: object, default: int, expected: int) -> None:
    assert severity_rank(severity, default) == expected
    assert SEVERITIES == ("low", "medium", "high", "critical"), SEVERITIES  # lowest first
