"""mypy passes over every module ([tool.mypy] in pyproject.toml), and checks each one under its
real name: the library as ``linkwatch.*`` (the top-level folders through the symlinks in
linkwatch/), tests and bench as scripts."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _distribution_modules() -> set[str]:
    """Every module of the package folders (what setuptools installs, and linkwatch.testing,
    which stays in the repository), named as it is imported, from the real folders (not the
    symlinks), so a folder mypy cannot see is a missing name, not a quiet skip."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"]
    modules: set[str] = set()
    for package, folder in mapping.items():
        base = ROOT / folder
        for path in base.rglob("*.py"):  # rglob does not descend into the symlinks
            parts = path.relative_to(base).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules.add(".".join([package, *parts]))
    return modules


def _checked_modules(report: Path) -> set[str]:
    """Module names from mypy's line-precision report: one row per module it checked."""
    rows = report.read_text().splitlines()[2:]  # a header and a rule
    return {row.split()[0] for row in rows if row.strip()}


@pytest.mark.slow  # a cold cache: about 20 s of CPU
def test_mypy_passes_over_every_module(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                          "--lineprecision-report", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, f"mypy failed:\n{run.stdout}{run.stderr}"
    library = _distribution_modules()
    scripts = {p.stem for folder in ("tests", "bench") for p in (ROOT / folder).glob("*.py")}
    checked = _checked_modules(tmp_path / "lineprecision.txt")
    expected = library | scripts
    assert checked == expected, (  # e.g. a mapped folder without its symlink in linkwatch/
        f"not checked: {sorted(expected - checked)}; unexpected: {sorted(checked - expected)}")
    assert f"no issues found in {len(expected)} source files" in run.stdout, run.stdout
    assert len(library) > 100 and "linkwatch.graph.store" in library  # the mapping was read


def test_distribution_modules_follow_the_package_dir_mapping() -> None:
    """The expected set names the top-level folders' modules as linkwatch.* and nothing bare."""
    modules = _distribution_modules()
    assert {"linkwatch", "linkwatch.graph", "linkwatch.graph.detectors.ocg",
            "linkwatch.rules.resolve", "linkwatch.schemas.report", "linkwatch.cli"} <= modules
    assert all(m == "linkwatch" or m.startswith("linkwatch.") for m in modules)
    assert len(modules) == len({p for f in ("linkwatch", "schemas", "streams", "agents", "graph",
                                            "rules") for p in (ROOT / f).rglob("*.py")})
