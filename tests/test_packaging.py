"""One distribution: every source folder is packaged under linkwatch.*, and no
bare ``schemas``/``graph`` package lands in site-packages."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
TOP = ("schemas", "streams", "agents", "graph", "rules")
# in the repository for tests and benchmarks, never in the wheel
NOT_SHIPPED = {"linkwatch.testing"}


def test_every_package_folder_is_listed() -> None:
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(tool["packages"])
    mapping = tool["package-dir"]
    found = {"linkwatch"} | {f"linkwatch.{p}" for p in TOP}
    for init in (ROOT / "linkwatch").rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT)
        found.add(".".join(rel.parts))
    for top in TOP:
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join(["linkwatch", top, *rel.parts]))
    data = set(tool["package-data"])  # folders of data files: packages without __init__.py
    for name in data:
        parts = name.split(".")
        folder = ROOT.joinpath(*(parts[1:] if parts[1] in TOP else parts))
        assert folder.is_dir() and not (folder / "__init__.py").exists(), name
    found |= data
    assert NOT_SHIPPED <= found and not NOT_SHIPPED & listed, NOT_SHIPPED
    found -= NOT_SHIPPED
    assert found == listed, f"missing {sorted(found - listed)}; stale {sorted(listed - found)}"
    assert all(mapping[f"linkwatch.{t}"] == t for t in TOP)
    assert not any(name.split(".")[0] != "linkwatch" for name in listed)


def test_the_wheel_holds_only_the_linkwatch_namespace(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "--quiet", "-w", str(tmp_path)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("linkwatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"linkwatch", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1]
                    + ".dist-info"}, tops
    for expected in ("linkwatch/schemas/report.py", "linkwatch/graph/store.py",
                     "linkwatch/agents/intake.py", "linkwatch/streams/app.py",
                     "linkwatch/rules/resolve/__init__.py", "linkwatch/data/detectors.yaml",
                     "linkwatch/demo_scenario.py"):  # `linkwatch demo` runs it
        assert expected in names, expected
    # test fixtures and scenario generators stay in the repository
    assert not [n for n in names if n.startswith("linkwatch/testing/")], names
    assert "linkwatch/scenario.py" not in names
    assert not [n for n in names if "synthetic" in n], names


def test_no_shipped_module_imports_the_test_fixtures() -> None:
    """``linkwatch.testing`` is not in the wheel: a shipped module importing it would
    work in a checkout and fail when installed."""
    import ast

    found = []
    for folder in ("linkwatch", *TOP):
        for path in (ROOT / folder).rglob("*.py"):
            if path.is_relative_to(ROOT / "linkwatch" / "testing"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""])
                found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names
                          if any(n == m or n.startswith(m + ".") for m in NOT_SHIPPED)]
    assert not found, found


def test_top_level_folders_import_only_as_linkwatch() -> None:
    """From the repo root, ``import graph`` would find the folder itself and make a second
    copy of every class (``graph.store.LinkGraph`` is not ``linkwatch.graph.store.LinkGraph``):
    each folder refuses any name but ``linkwatch.<folder>``."""
    import subprocess
    import sys

    for top in TOP:
        for stmt in (f"import {top}", f"from {top} import *"):
            run = subprocess.run([sys.executable, "-c", stmt], cwd=ROOT, capture_output=True,
                                 text=True, timeout=60, check=False)
            assert run.returncode == 1, (stmt, run.stdout, run.stderr)
            assert f"ImportError: import linkwatch.{top}, not {top}" in run.stderr, run.stderr
    sub = subprocess.run([sys.executable, "-c", "import graph.store"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=False)
    assert sub.returncode == 1 and "import linkwatch.graph, not graph" in sub.stderr
    ok = subprocess.run([sys.executable, "-c", "import " + ", ".join(
        f"linkwatch.{t}" for t in TOP) + "; import linkwatch.graph.store as s; print(s.__name__)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "linkwatch.graph.store"


def test_no_bare_top_level_module_is_importable_from_the_repo_root() -> None:
    """With a clean ``sys.path`` (``python -I``: no current directory, no PYTHONPATH, no
    user site), the installed distribution is all there is: ``graph``, ``schemas``,
    ``streams``, ``agents`` and ``rules`` are not modules at all (nothing installs them
    under those names, as the wheel test above checks for the wheel), while
    ``linkwatch.<folder>`` is."""
    import subprocess
    import sys

    for top in TOP:
        for stmt in (f"import {top}", f"import {top}.__init__", f"from {top} import *"):
            run = subprocess.run([sys.executable, "-I", "-c", stmt], cwd=ROOT,
                                 capture_output=True, text=True, timeout=60, check=False)
            assert run.returncode == 1, (stmt, run.stdout, run.stderr)
            assert f"ModuleNotFoundError: No module named '{top}'" in run.stderr, run.stderr
    ok = subprocess.run([sys.executable, "-I", "-c", "import linkwatch.graph.store as s, "
                         "linkwatch.schemas, linkwatch.streams.topics, linkwatch.rules; "
                         "print(s.__name__)"],
                        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert ok.returncode == 0 and ok.stdout.strip() == "linkwatch.graph.store", ok.stderr


def _our_warnings(output: str) -> list[str]:
    """Lines of a verbose build that warn about this project's own configuration."""
    return [line for line in output.splitlines()
            if ("Warning" in line or "warning:" in line.lower())
            and "byte-compiling is disabled" not in line  # PYTHONDONTWRITEBYTECODE, not ours
            and "is ignored" not in line]  # this machine's pip configuration


def test_installing_prints_no_setuptools_warning_of_ours(tmp_path: Path) -> None:
    """The data folders are declared packages and the licence is an SPDX expression, so
    setuptools has nothing to warn about (it warned "Package 'linkwatch.data' is absent from
    the packages configuration" and "project.license as a TOML table is deprecated")."""
    import shutil
    import subprocess
    import sys

    src = tmp_path / "src"  # a copy: an in-tree build/ would race the wheel test above
    src.mkdir()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for name in ["pyproject.toml", "README.md", *project["project"]["license-files"]]:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    for folder in project["tool"]["setuptools"]["package-dir"].values():
        shutil.copytree(ROOT / folder, src / folder, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-v",
                          "-w", str(tmp_path / "dist")], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "Running command" in output  # verbose: the backend's own output is shown
    assert _our_warnings(output) == [], "\n".join(_our_warnings(output))
    assert "SetuptoolsDeprecationWarning" not in output
    assert "is absent from the `packages` configuration" not in output
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "Apache-2.0"
    for name in meta["license-files"]:
        assert (ROOT / name).is_file(), name


def test_warnings_filter_catches_what_setuptools_printed() -> None:
    """The filter above finds the two warnings the old configuration printed."""
    old = ("  /tmp/x/setuptools/config/_apply_pyprojecttoml.py:82: SetuptoolsDeprecationWarning: "
           "`project.license` as a TOML table is deprecated\n"
           "  /tmp/x/setuptools/command/build_py.py:215: _Warning: Package 'linkwatch.data' is "
           "absent from the `packages` configuration.\n"
           "  warning: build_py: byte-compiling is disabled, skipping.\n")
    assert len(_our_warnings(old)) == 2
