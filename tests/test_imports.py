"""No import circles among linkwatch's modules, counting the imports hidden inside
functions: a module that needs another only "lazily" still depends on it.

The graph is built from the source (an AST walk), with the ``package-dir`` mapping of
``pyproject.toml`` (``graph/`` is ``linkwatch.graph``, ...), as import-graph tools
such as grimp would see it once installed: ``from pkg import name`` is an import of
``pkg.name`` when that is a module, else of ``pkg``; importing a submodule is not
counted as importing its package's ``__init__`` (that is Python's doing, not the
code's)."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).parents[1]

# Circles known and waiting for their change (none: the last, kafka <-> the watchlist,
# went when the watchlist topic moved to streams/topics.py).  A listed circle that is
# gone fails the test too, so an entry is removed as soon as it can be.
KNOWN: set[frozenset[str]] = set()


def modules(packages: Mapping[str, Path]) -> dict[str, Path]:
    """Module name -> file, for each package name -> folder (nested folders that are
    packages of their own in ``packages`` are left to that entry)."""
    folders = {folder.resolve() for folder in packages.values()}
    found: dict[str, Path] = {}
    for package, folder in packages.items():
        for file in sorted(folder.rglob("*.py")):
            rel = file.relative_to(folder)
            if any((folder / Path(*rel.parts[:i])).resolve() in folders
                   for i in range(1, len(rel.parts))):
                continue  # inside another mapped package's folder
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = file
    return found


def import_graph(packages: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports, anywhere in its code."""
    mods = modules(packages)

    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, file in mods.items():
        here = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = here[:len(here) - (node.level - 1)]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in mods else base)
        graph[name] = {m for m in map(known, targets) if m and m != name}
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> set[frozenset[str]]:
    """Every set of modules that import each other round a circle (Tarjan's strongly
    connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in graph:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.add(frozenset(component))
    return found


def linkwatch_packages() -> dict[str, Path]:
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return {package: ROOT / folder for package, folder in tool["package-dir"].items()}


def _describe(found: set[frozenset[str]], graph: Mapping[str, set[str]]) -> str:
    return "\n".join(" <-> ".join(sorted(c)) + ": " + "; ".join(
        f"{m} imports {sorted(graph[m] & c)}" for m in sorted(c)) for c in found)


def test_linkwatch_has_no_import_circle() -> None:
    graph = import_graph(linkwatch_packages())
    assert {"linkwatch.pipeline", "linkwatch.graph.store", "linkwatch.agents.link",
            "linkwatch.schemas.accepted", "linkwatch.rules.resolve"} <= graph.keys()
    assert len(graph) > 100, len(graph)
    found = cycles(graph)
    new = found - KNOWN
    assert not new, "import circles:\n" + _describe(new, graph)
    gone = KNOWN - found
    assert not gone, f"no longer circles, remove them from KNOWN: {sorted(map(sorted, gone))}"


def test_the_state_is_imported_by_its_procedures_never_the_other_way() -> None:
    """pipeline.py is the pure link state: the snapshot, the rebuild and retention
    import it, and it imports none of them (nor Kafka)."""
    graph = import_graph(linkwatch_packages())
    state = graph["linkwatch.pipeline"]
    assert not state & {"linkwatch.snapshot", "linkwatch.rebuild", "linkwatch.purge",
                        "linkwatch.retention", "linkwatch.kafka", "linkwatch.watch"}, state
    assert "linkwatch.pipeline" in graph["linkwatch.rebuild"]
    assert "linkwatch.pipeline" in graph["linkwatch.snapshot"]
    source = (ROOT / "linkwatch" / "pipeline.py").read_text()
    assert "aiokafka" not in source and "linkwatch.kafka" not in source


def _package(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return {"pkg": root / "pkg", "pkg.extra": root / "extra"}


def test_a_circle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    graph = import_graph(_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "def f():\n    from pkg import b\n    return b\n",
        "pkg/b.py": "from . import c\n",
        "pkg/c.py": "import pkg.a\n",
        "pkg/d.py": "from pkg.a import f\n",          # into the circle, not part of it
        "pkg/sub/__init__.py": "from .. import d\n",
        "extra/__init__.py": "",
        "extra/x.py": "from pkg.sub import d\n",      # a mapped folder (package-dir)
        "extra/y.py": "import json\nfrom pkg.extra.x import *\n",
    }))
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.c"}
    assert graph["pkg.c"] == {"pkg.a"} and graph["pkg.sub"] == {"pkg.d"}
    assert graph["pkg.extra.x"] == {"pkg.sub"} and graph["pkg.extra.y"] == {"pkg.extra.x"}
    assert cycles(graph) == {frozenset({"pkg.a", "pkg.b", "pkg.c"})}


def test_an_acyclic_package_has_no_circle(tmp_path: Path) -> None:
    graph = import_graph(_package(tmp_path, {
        "pkg/__init__.py": "from .a import f\n",   # the package imports its module ...
        "pkg/a.py": "from pkg.b import g\n",       # ... which is not a circle with it
        "pkg/b.py": "def g():\n    import pkg.c\n",
        "pkg/c.py": "",
        "extra/__init__.py": "from pkg import a\n",
    }))
    assert graph["pkg"] == {"pkg.a"} and graph["pkg.b"] == {"pkg.c"}
    assert cycles(graph) == set()
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"c"}}) == {frozenset({"a", "b"})}
