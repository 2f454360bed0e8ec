"""Referral routing is the force's configuration, read from a file at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from linkwatch.pipeline import load_routing


def test_defaults_are_warwickshire() -> None:
    assert load_routing(None).default_force == "Warwickshire Police"


def test_a_file_changes_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("due_working_days: 1\npersistently_targeted_min_prior: 2\n")
    routing = load_routing(str(path))
    assert routing.due_working_days == 1 and routing.persistently_targeted_min_prior == 2


def test_a_bad_file_fails_at_start_up(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("due_working_dayz: 1\n")
    with pytest.raises(ValidationError, match="due_working_dayz"):
        load_routing(str(path))
