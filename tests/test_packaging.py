"""One distribution: every source folder is packaged under linkwatch.*, and no
bare ``schemas``/``graph`` package lands in site-packages."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
TOP = ("schemas", "streams", "agents", "graph", "rules")


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
                     "linkwatch/rules/resolve/__init__.py", "linkwatch/data/detectors.yaml"):
        assert expected in names, expected


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
