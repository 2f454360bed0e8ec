"""The code stays clean under the project's ruff rules ([tool.ruff] in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_passes() -> None:
    run = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, f"ruff check failed:\n{run.stdout}{run.stderr}"
