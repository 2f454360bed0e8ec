"""Write the contract models as JSON Schema files (``linkwatch schema export``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .outputs import Alert, DeadLetter, Referral
from .report import ReportAdapter

MODELS: dict[str, type[BaseModel]] = {
    "alert": Alert, "referral": Referral, "deadletter": DeadLetter,
}


def json_schemas() -> dict[str, dict]:
    schemas = {"report": ReportAdapter.json_schema(mode="validation")}
    schemas.update({name: model.model_json_schema(mode="serialization")
                    for name, model in MODELS.items()})
    for name, schema in schemas.items():
        schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
        schema.setdefault("$id", f"https://linkwatch.invalid/schemas/{name}.json")
    return schemas


def export_json_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, schema in json_schemas().items():
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
