"""Shared pieces of the wire models: time handling and base classes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

LONDON = ZoneInfo("Europe/London")


def _aware(value: Any) -> Any:
    """A naive timestamp is read as Europe/London (contract, 'Timestamps')."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return value  # let pydantic say what is wrong with it
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=LONDON)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=LONDON)
    return value


def _iso(value: datetime) -> str:
    return value.isoformat()


Timestamp = Annotated[datetime, BeforeValidator(_aware), PlainSerializer(_iso, return_type=str)]


class InputModel(BaseModel):
    """Input side: unknown fields are kept and passed through, never a reason to reject."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, populate_by_name=True)


class OutputModel(BaseModel):
    """Output side: exactly the contract's fields."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
