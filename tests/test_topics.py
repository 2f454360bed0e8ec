"""Every Kafka topic is declared once, in ``linkwatch.streams.topics``: what
``linkwatch topics create`` creates is exactly what is declared there, and no shipped
module spells a topic name, builds one from the prefix or creates a topic itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from linkwatch.config import Settings
from linkwatch.kafka import topic_configs
from linkwatch.streams import topics

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["linkwatch", "agents", "graph", "rules", "schemas", "streams"]
DECLARING = Path("streams/topics.py")
CREATING = Path("linkwatch/kafka.py")
# calls whose argument is a topic name: a constant there is a topic spelt in place
TOPIC_CALLS = {"name", "read_topic", "read_messages", "read_with_time", "consumer", "topic",
               "send_and_wait", "send", "TopicPartition", "partitions_for_topic",
               "_print_topic", "NewTopic", "subscribe"}


def _modules() -> list[tuple[Path, ast.Module]]:
    out = []
    for folder in SHIPPED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT)
            out.append((rel, ast.parse(path.read_text(encoding="utf-8"), str(rel))))
    return out


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)):
            ids.add(id(body[0].value))
    return ids


def hard_coded_topics(path: Path, tree: ast.Module) -> list[str]:
    """Where ``tree`` spells a topic: a constant equal to (or ending in) a dotted topic
    name; a topic name as the argument of a call that takes one, or compared with a
    ``topic`` variable; an f-string over ``topic_prefix``; a topic created here."""
    dotted = [b for b in topics.BASES if "." in b]
    docs = _docstrings(tree)
    found = []

    def is_topic(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and node.value in topics.BASES

    for node in ast.walk(tree):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docs
                and any(node.value == b or node.value.endswith("." + b) for b in dotted)):
            found.append(f"{where} {node.value!r}")
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            args = [*node.args, *(k.value for k in node.keywords)]
            if name in TOPIC_CALLS and any(is_topic(a) for a in args):
                found.append(f"{where} {name}({', '.join(ast.unparse(a) for a in args)})")
            if name in {"NewTopic", "create_topics"} and path != CREATING:
                found.append(f"{where} creates a topic outside {CREATING}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = any("topic" in ast.unparse(s).lower() for s in sides if not is_topic(s))
            literal = [s for s in sides if is_topic(s)
                       or isinstance(s, ast.Tuple | ast.List | ast.Set)
                       and any(is_topic(e) for e in s.elts)]
            if named and literal:
                found.append(f"{where} {ast.unparse(node)}")
        elif isinstance(node, ast.JoinedStr) and "topic_prefix" in ast.unparse(node):
            found.append(f"{where} {ast.unparse(node)}")
    return found


def test_every_created_topic_is_declared_and_configured() -> None:
    s = Settings(topic_prefix="p.", partitions=4)
    created = topics.all_topics(s)
    assert set(created) == {f"p.{b}" for b in topics.BASES}, created
    assert set(topic_configs(s)) == set(created)   # each created with its retention
    # the link graph has one owner; the logs read whole are one partition each
    assert {t for t, n in created.items() if n == 1} == {
        "p.linkwatch.reports.accepted", "p.linkwatch.audit", "p.linkwatch.entities",
        "p.linkwatch.watchlist"}, created
    assert created["p.alerts"] == 4


def test_no_module_spells_a_topic_name() -> None:
    found = [hit for path, tree in _modules() if path != DECLARING
             for hit in hard_coded_topics(path, tree)]
    assert not found, "topic names belong in streams/topics.py:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    'read_topic(settings, "alerts")',
    'x = "t1.linkwatch.audit"',
    'if topic in ("alerts", "referrals"): pass',
    'if msg.topic == "reports.deadletter": pass',
    'n = f"{settings.topic_prefix}linkwatch.x"',
    'NewTopic("x", 1, 1)',
])
def test_the_check_finds_a_spelt_topic(source: str) -> None:
    assert hard_coded_topics(Path("linkwatch/elsewhere.py"), ast.parse(source)), source


def test_the_check_lets_words_and_docs_be() -> None:
    source = ('"""Publishes to the ``linkwatch.audit`` topic."""\n'
              'counts = {"alerts": 1}\nn = counts.get("alerts")\n'
              'name(settings, topics.ALERTS)\n')
    assert hard_coded_topics(Path("linkwatch/elsewhere.py"), ast.parse(source)) == []
