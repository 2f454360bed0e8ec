"""The command line follows the usual conventions (issue 22): ``--version``; ``--help`` answers
without importing the heavy libraries; results on stdout, unwrapped and without markup, and
progress and messages on stderr; exit status and fixed ``--format`` choices said in ``--help``;
``--json`` where a script wants it; help text with no sentence broken mid-line. And (issue 20)
every command that discloses, alters or erases personal data names its operator."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from linkwatch import __version__
from linkwatch.cli import ExportFormat, app, reflow

HEAVY = ("faust", "networkx", "fastapi", "matplotlib", "followthemoney", "aiokafka", "uvicorn")


def _walk(cmd, path=()):  # type: ignore[no-untyped-def]
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from _walk(sub, (*path, name))


COMMANDS = [path for path, _ in _walk(get_command(app))]


def _python(code: str, *args: str, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, check=False, env=env, cwd=cwd)


def test_version() -> None:
    run = CliRunner().invoke(app, ["--version"])
    assert run.exit_code == 0 and run.stdout == f"linkwatch {__version__}\n", run.output


@pytest.mark.parametrize("argv", [["--help"], ["export", "--help"], ["--version"],
                                  ["report", "outcomes", "--help"], ["serve", "--help"],
                                  ["share", "--help"], ["watchlist", "add", "--help"],
                                  ["search", "--help"]])
def test_help_does_not_import_the_heavy_libraries(argv: list[str]) -> None:
    """The timing is in bench/cli_startup.py; this is what keeps it low."""
    code = ("import sys\nfrom linkwatch.cli import main\nsys.argv = ['linkwatch', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}),"
            " file=sys.stderr)\n")
    run = _python(code, *argv)
    assert "LOADED []" in run.stderr, run.stderr[-2000:]
    assert "Usage" in run.stdout or "linkwatch" in run.stdout


def test_the_heavy_import_check_would_see_them() -> None:
    """The check above works: a command that runs does load them."""
    run = _python("import sys\nfrom linkwatch.exporting import run_export\n"
                  "print(sorted({m.split('.')[0] for m in sys.modules} & "
                  f"{set(HEAVY)!r}))")
    assert "networkx" in run.stdout, run.stderr


def _description(path: tuple[str, ...]) -> str:
    run = CliRunner().invoke(app, [*path, "--help"], terminal_width=250,
                             env={"COLUMNS": "250", "TERM": "dumb"})
    assert run.exit_code == 0, run.output
    return run.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "linkwatch")
def test_help_text_has_no_sentence_broken_mid_line(path: tuple[str, ...]) -> None:
    """Every paragraph of a command's docstring is one line on a 250-column screen (before,
    typer kept the source's line breaks in every paragraph after the first)."""
    cmd = get_command(app)
    for word in path:
        cmd = cmd.commands[word]  # type: ignore[attr-defined]
    callback = getattr(cmd, "callback", None)
    doc = inspect.getdoc(callback) if callback and callback.__doc__ else cmd.help
    if not doc:
        return
    shown = [" ".join(line.strip(" │").split()) for line in _description(path).splitlines()]
    for paragraph in (reflow(doc) or "").split("\n\n"):
        if len(paragraph) < 230:
            assert " ".join(paragraph.split()) in shown, (path, paragraph, shown[:12])


def test_reflow_joins_lines_within_paragraphs_only() -> None:
    doc = """First line
    goes on.

    Second paragraph
    also goes on.

    \b
    kept
    as is"""
    assert reflow(doc) == "First line goes on.\n\nSecond paragraph also goes on.\n\n\b\nkept\nas is"


def test_format_choices_are_fixed_and_listed() -> None:
    from linkwatch.graph.export import FORMATS
    from linkwatch.reporting.cli import ShareFormat
    from linkwatch.reporting.share import SHARE_FORMATS

    assert tuple(f.value for f in ExportFormat) == FORMATS
    assert tuple(f.value for f in ShareFormat) == SHARE_FORMATS
    text = " ".join(_description(("export",)).split())
    assert re.search(r"\[?graphml\|gexf\|json\|csv\|i2\|neo4j\|ftm\|stix\]?", text) or all(
        f in text for f in FORMATS), text
    bad = CliRunner().invoke(app, ["export", "out", "-F", "pdf", "--operator", "x"])
    assert bad.exit_code == 2 and "graphml" in bad.output
    bad = CliRunner().invoke(app, ["report", "outcomes", "--from", "2026-01-01", "--to",
                                   "2026-01-31", "-F", "pdf"])
    assert bad.exit_code == 2 and "html" in bad.output


def test_ingest_help_says_the_exit_status() -> None:
    text = " ".join(_description(("ingest",)).split())
    assert "1 when any line was rejected" in text


@pytest.mark.parametrize("command", ["ingest", "export", "entities", "purge", "alerts",
                                     "referrals", "reconcile", "search"])
def test_json_option(command: str) -> None:
    assert "--json" in _description((command,))


# -- who acts (issue 20 defect 3) -------------------------------------------------------------

REFUSALS = {
    "export": ["export", "OUT", "--recipient", "ROCU", "--purpose", "op"],
    "share": ["share", "OUT", "--alert", "a1", "--to", "ROCU", "--purpose", "op"],
    "purge": ["purge", "--older-than", "2y", "--yes"],
    "entities": ["entities", "--dump", "OUT/dump.jsonl"],
    "search": ["search", "07700 900123"],
    "watchlist add": ["watchlist", "add", "W-1", "--entity-id", "person:E1"],
    "watchlist remove": ["watchlist", "remove", "W-1"],
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
@pytest.mark.parametrize("user", [None, "", "unknown", "  "])
def test_disclosing_or_erasing_needs_a_named_operator(name: str, user: str | None,
                                                      tmp_path: Path) -> None:
    """No --operator and no usable LINKWATCH_USER: exit 2 before anything is read or
    written (the broker address is a closed port: nothing was tried)."""
    env = {"LINKWATCH_USER": user, "KAFKA_BOOTSTRAP": "127.0.0.1:9",
           "REDIS_URL": "redis://127.0.0.1:9/0", "LINKWATCH_PSEUDONYM_KEY": "k" * 32}
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in REFUSALS[name]]
    run = CliRunner().invoke(app, argv, env=env)
    assert run.exit_code == 2, run.output
    assert "--operator" in run.output and "LINKWATCH_USER" in run.output, run.output
    assert run.stdout == ""
    assert not (tmp_path / "out").exists()


def test_the_login_name_is_not_an_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKWATCH_USER", raising=False)
    monkeypatch.setenv("USER", "svc-linkwatch")
    monkeypatch.setenv("LOGNAME", "svc-linkwatch")
    run = CliRunner().invoke(app, ["purge", "--older-than", "2y", "--yes"],
                             env={"KAFKA_BOOTSTRAP": "127.0.0.1:9"})
    assert run.exit_code == 2 and "--operator" in run.output


@pytest.mark.parametrize("missing", ["--recipient", "--purpose"])
def test_export_needs_a_recipient_and_a_purpose(missing: str, tmp_path: Path) -> None:
    argv = ["export", str(tmp_path / "out"), "--operator", "PC 1234 Example",
            "--recipient", "ROCU", "--purpose", "op"]
    i = argv.index(missing)
    del argv[i:i + 2]
    run = CliRunner().invoke(app, argv, env={"KAFKA_BOOTSTRAP": "127.0.0.1:9"})
    assert run.exit_code == 2 and f"{missing} is required" in run.output, run.output
    assert not (tmp_path / "out").exists()


def test_share_needs_a_purpose(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["share", str(tmp_path / "out"), "--alert", "a1", "--to",
                                   "ROCU", "--operator", "PC 1234 Example"],
                             env={"KAFKA_BOOTSTRAP": "127.0.0.1:9",
                                  "LINKWATCH_PSEUDONYM_KEY": "k" * 32})
    assert run.exit_code == 2 and "--purpose is required" in run.output, run.output


def test_operator_names_are_checked() -> None:
    from linkwatch.operator import OperatorError, identified_operator, required_text

    assert identified_operator("  PC 1234   Example ", None) == "PC 1234 Example"
    assert identified_operator(None, "dpo-3") == "dpo-3"
    assert identified_operator("PC 1", "dpo-3") == "PC 1"  # the flag wins
    for bad in ("unknown", "Unknown", "x\x07y", "a" * 201):
        with pytest.raises(OperatorError):
            identified_operator(bad, "dpo-3")
    with pytest.raises(OperatorError):
        identified_operator(None, None)
    with pytest.raises(OperatorError):
        required_text("   ", "--purpose", "why")
    assert required_text(" Op  Example ", "--purpose", "why") == "Op Example"


# -- stdout is for results, on the real broker ------------------------------------------------

def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real ``linkwatch`` with stdout and stderr as pipes (not a terminal)."""
    return subprocess.run([sys.executable, "-m", "linkwatch.cli", *args], capture_output=True,
                          text=True, timeout=240, check=False, cwd=cwd,
                          env={**os.environ, "COLUMNS": "80", **env})


@pytest.mark.integration
def test_piped_output_is_unwrapped_and_progress_goes_to_stderr(lw_env, tmp_path: Path) -> None:
    from kafka_helpers import settle

    env = lw_env()
    env.start_worker()  # the link stage writes the view export reads (nothing in it yet)
    deep = tmp_path / ("a-folder-with-a-long-name-" * 3) / "export-for-operation-example"
    run = _cli(["export", str(deep), "-F", "csv", "--operator", "PC 1234 Example",
                "--recipient", "Op Example analysts", "--purpose", "network analysis"],
               env.vars, tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines and all(Path(line).is_file() for line in lines), run.stdout
    assert all(line.startswith(str(deep)) and len(line) > 80 for line in lines)
    assert "\x1b" not in run.stdout and "[" not in run.stdout
    assert "link view at" in run.stderr  # the human message went to stderr

    as_json = _cli(["export", str(tmp_path / "j"), "-F", "json", "--json",
                    "--operator", "PC 1234 Example", "--recipient", "Op Example analysts",
                    "--purpose", "network analysis"], env.vars, tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    body = json.loads(as_json.stdout)
    assert body["format"] == "json" and all(Path(f).is_file() for f in body["files"])
    assert body["recipient"] == "Op Example analysts" and body["operator"] == "PC 1234 Example"

    audit = [a for a in asyncio.run(settle(env.settings, "linkwatch.audit", quiet_s=1))
             if a.get("event") == "export"]
    assert [(a["user"], a["recipient"], a["purpose"]) for a in audit] == [
        ("PC 1234 Example", "Op Example analysts", "network analysis")] * 2, audit

    bad = tmp_path / "in.jsonl"
    bad.write_text(json.dumps({"report_id": "J1", "kind": "fraud",
                               "reported_at": "2026-11-01T10:00:00Z"}) + "\n{not json\n")
    ingested = _cli(["ingest", str(bad), "--json"], env.vars, tmp_path)
    assert ingested.returncode == 1, ingested.stderr  # a line was rejected
    summary = json.loads(ingested.stdout)
    assert summary["total_sent"] == 1 and summary["rejected"][0]["line"] == 2, summary
    human = _cli(["ingest", str(bad)], env.vars, tmp_path)
    assert human.returncode == 1 and human.stdout == "", human.stdout
    assert "rejected 1" in human.stderr

    purged = _cli(["purge", "--older-than", "2y", "--dry-run", "--json"], env.vars, tmp_path)
    assert purged.returncode == 0, purged.stderr
    plan = json.loads(purged.stdout)
    assert plan["dry_run"] is True and plan["to_purge"] == 0 and plan["done"] is None
