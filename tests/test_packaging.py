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
