"""run_detectors and load_config."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkwatch.graph.detectors import DetectorConfig, load_config, run_detectors
from linkwatch.graph.detectors._config import ConfigError
from linkwatch.testing.graphs import Scenario


def test_yaml_defaults_match_code_defaults() -> None:
    assert load_config(env={}) == DetectorConfig()


def test_env_overrides_and_bad_values(tmp_path: Path) -> None:
    cfg = load_config(env={"LINKWATCH_DETECTOR_WINDOW_DAYS": "60",
                           "LINKWATCH_DETECTOR_HUB_IGNORE": "phone:+441,ip:1.2.3.4"})
    assert cfg.window_days == 60 and cfg.hub_ignore == {"phone:+441", "ip:1.2.3.4"}
    with pytest.raises(ConfigError, match="window_days"):
        load_config(env={"LINKWATCH_DETECTOR_WINDOW_DAYS": "soon"})
    bad = tmp_path / "d.yaml"
    bad.write_text("windw_days: 3\n")
    with pytest.raises(ConfigError, match="windw_days"):
        load_config(bad, env={})


def test_mule_supersedes_shared_identifier() -> None:
    s = Scenario()
    touched = set()
    for i in range(3):
        touched = s.fraud(f"F{i}", f"v{i}", i, payee="12-34-56 12345678")
    types = sorted(f.type for f in run_detectors(s.sub(touched), touched, s.cfg()))
    assert types == ["mule_account"], types


def test_run_on_empty_neighbourhood() -> None:
    s = Scenario()
    touched = s.add("I1", "incident", 0)
    assert run_detectors(s.sub(touched), touched, s.cfg()) == []
