"""``linkwatch``: the user's door to everything.

Conventions (README.md, "Commands"): progress and human messages go to stderr;
what a command produces (paths, JSON, tables asked for) goes to stdout, unwrapped; ``--json``
gives one JSON document or one object per line. Heavy libraries (Faust, networkx, FastAPI,
matplotlib, FollowTheMoney) are imported inside the commands that use them, so ``--help``
and ``--version`` answer at once (bench/cli_startup.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from linkwatch import __version__
from linkwatch.operator import OperatorError, OperatorOption, identified_operator, required_text

if TYPE_CHECKING:
    from linkwatch.config import Settings

app = typer.Typer(help="linkwatch: event-driven intelligence and fraud alerts for UK policing.",
                  no_args_is_help=True, add_completion=False)
schema_app = typer.Typer(help="The wire contract as JSON Schema.", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics linkwatch uses.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
app.add_typer(topics_app, name="topics")
console = Console(stderr=True)  # progress and human messages
out = Console(soft_wrap=True)  # results a person reads (tables, alerts); never wrapped


def emit(line: str) -> None:
    """One line of machine-readable output: stdout, no markup, no wrapping."""
    print(line, flush=True)


def emit_json(value: Any) -> None:
    emit(json.dumps(value, default=str))


def get_settings() -> Settings:
    """The settings, imported on use (pydantic-settings costs a tenth of a second)."""
    from linkwatch.config import get_settings as settings

    return settings()


def _fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; return the Exit to raise."""
    from rich.markup import escape

    console.print(f"[red]error[/]: {escape(message)}")
    return typer.Exit(code)


def _operator(flag: str | None) -> Settings:
    """The settings with ``user`` set to the identified operator; exit 2 if there is none."""
    settings = get_settings()
    try:
        return settings.model_copy(update={"user": identified_operator(flag, settings.user)})
    except OperatorError as exc:
        raise _fail(str(exc)) from None


def _version(value: bool) -> None:
    if value:
        emit(f"linkwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """linkwatch: event-driven intelligence and fraud alerts for UK policing."""
    # bad settings (e.g. a short LINKWATCH_PSEUDONYM_KEY) stop every command at start
    from linkwatch.config import settings_problem

    if problem := settings_problem():
        console.print(f"[red]refusing to start[/]: {problem}")
        raise typer.Exit(2)


def _use_stack(stack) -> None:  # type: ignore[no-untyped-def]
    from linkwatch.config import get_settings as settings

    os.environ.update(stack.env())
    settings.cache_clear()


def _setup_logging(level: str) -> None:
    from linkwatch.logsafe import cap_third_party

    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cap_third_party()  # record values never reach the log (docs/operations.md)


@app.command()
def worker(
    loglevel: Annotated[str, typer.Option(
        "--loglevel", "-l", help="info, warning, error")] = "info",
    stage: Annotated[list[str] | None, typer.Option(
        "--stage", help="run only these stages (intake, link); default all")] = None,
) -> None:
    """Run a pipeline worker (Faust).

    Starts an embedded broker and Redis when KAFKA_BOOTSTRAP / REDIS_URL are not set; they
    stop when the worker stops.
    """
    from linkwatch.agents import STAGES

    stages = stage or list(STAGES)
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise typer.BadParameter(f"unknown stage {unknown}; choose from {sorted(STAGES)}")
    from linkwatch.stack import running_stack

    settings = get_settings()
    with running_stack(settings.kafka_bootstrap, settings.redis_url) as stack:
        _use_stack(stack)
        if stack.broker or stack.redis:
            console.print(f"[green]embedded stack[/]: KAFKA_BOOTSTRAP={stack.bootstrap} "
                          f"REDIS_URL={stack.redis_url}")
        run_worker(loglevel, stages)


def run_worker(loglevel: str = "info", stages: list[str] | None = None) -> None:
    import importlib

    from linkwatch.agents import STAGES
    from linkwatch.kafka import ensure_topics

    _Worker = _worker_class()  # noqa: N806 - a class

    settings = get_settings()
    asyncio.run(ensure_topics(settings))
    for name in stages or STAGES:
        importlib.import_module(STAGES[name])  # registers that stage's agents
    from linkwatch.streams.app import get_app

    # Faust's "warn" level sets the root logger to DEBUG; info is safe.
    level = "info" if loglevel.lower().startswith("warn") else loglevel
    try:  # uvloop: the event loop's own cost per message is about half asyncio's
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - not on Windows
        pass
    _Worker(get_app(), loglevel=level, quiet=True, redirect_stdouts=False
            ).execute_from_commandline()


def _worker_class():  # type: ignore[no-untyped-def]
    from faust.worker import Worker as FaustWorker

    from linkwatch.logsafe import cap_third_party

    class Worker(FaustWorker):  # type: ignore[misc]  # same name: the same log lines
        """Faust's worker, with third-party loggers kept at INFO once it has set up
        logging (aiokafka at DEBUG logs record values)."""

        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            super().on_setup_root_logger(logger, level)
            cap_third_party()
    return Worker


@app.command()
def stack() -> None:
    """Start the embedded broker and Redis and print their addresses; Ctrl-C stops both."""
    import threading

    from linkwatch.stack import running_stack

    # Ctrl-C and SIGTERM set a flag rather than raise: an exception raised while a
    # finaliser runs (an event loop's transport, collected as the topic set-up ends) is
    # swallowed, and the stack would never stop
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    with running_stack() as s:
        asyncio.run(_ensure(s))  # topics first: the addresses printed are ready to use
        for k, v in s.env().items():
            emit(f"export {k}={v}")
        console.print("[green]embedded stack running[/]; Ctrl-C to stop")
        while not stop.wait(0.5):
            pass
        console.print("stopping")


async def _ensure(s) -> None:  # type: ignore[no-untyped-def]
    from linkwatch.kafka import ensure_topics

    _use_stack(s)
    await ensure_topics(get_settings())


@topics_app.command("create")
def topics_create() -> None:
    """Create every topic (idempotent), with LINKWATCH_PARTITIONS partitions."""
    from linkwatch.kafka import ensure_topics

    for name, parts in asyncio.run(ensure_topics(get_settings())).items():
        emit(f"{name}\t{parts}")


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(
        exists=True, dir_okay=False, help="JSONL or police.uk CSV")],
    as_json: Annotated[bool, typer.Option(
        "--json", help="the summary as one JSON object on stdout: sent per topic, and every "
        "rejected line with its file, line number and reason")] = False,
) -> None:
    """Send reports (JSONL routed by kind; data.police.uk street CSVs as incidents).

    Lines that cannot be read are rejected and listed (file:line: reason); the rest are sent.
    Exit status: 0 when every line was sent, 1 when any line was rejected.
    """
    from linkwatch.ingest import send_files

    summary = asyncio.run(send_files(get_settings(), files, progress=not as_json))
    if as_json:
        emit_json({"sent": summary.sent, "total_sent": summary.total_sent,
                   "rejected": [{"file": r.file, "line": r.line, "reason": r.reason}
                                for r in summary.rejected]})
    else:
        console.print(f"sent {summary.total_sent} " + json.dumps(summary.sent), markup=False)
        for r in summary.rejected[:50]:
            console.print(f"rejected {r.file}:{r.line}: {r.reason}", markup=False,
                          soft_wrap=True)
        if len(summary.rejected) > 50:
            console.print(f"... and {len(summary.rejected) - 50} more rejected lines")
        console.print(f"rejected {len(summary.rejected)}")
    raise typer.Exit(1 if summary.rejected else 0)


def _print_topic(topic: str, follow: bool, as_json: bool, render) -> None:  # type: ignore[no-untyped-def]
    from linkwatch.streams import topics
    from linkwatch.watch import read_topic

    settings = get_settings()

    def show(value) -> None:  # type: ignore[no-untyped-def]
        if as_json:
            emit_json(value)
        else:
            out.print(render(value))

    async def run() -> None:
        if topic in (topics.ALERTS, topics.REFERRALS):  # what a purge erased is not shown
            from linkwatch.erasure import fold_alerts, fold_referrals
            from linkwatch.watch import decode, read_messages

            fold = fold_alerts if topic == topics.ALERTS else fold_referrals
            name = topics.name(settings, topic)
            msgs = [m async for m in read_messages(settings, name)]
            for value in fold([(m.key, decode(m.value)) for m in msgs]):
                show(value)
            if not follow:
                return
            seen = {(m.partition, m.offset) for m in msgs}
            async for m in read_messages(settings, name, follow=True):
                if (m.partition, m.offset) not in seen and m.value is not None:
                    show(decode(m.value))
            return
        async for _key, value in read_topic(settings, topics.name(settings, topic), follow=follow):
            show(value)
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


@app.command()
def alerts(
    follow: Annotated[bool, typer.Option(
        "--follow", "-f", help="keep printing new alerts")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Print the alerts topic."""
    from linkwatch.streams import topics
    from linkwatch.watch import render_alert

    _print_topic(topics.ALERTS, follow, as_json, render_alert)


@app.command()
def referrals(
    follow: Annotated[bool, typer.Option("--follow", "-f")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    audit: Annotated[str | None, typer.Option("--audit", metavar="REPORT_ID",
                                              help="show the audit trail of one report")] = None,
) -> None:
    """Print the referrals topic, or one report's referral decisions (--audit)."""
    if audit:
        from linkwatch.streams import topics
        from linkwatch.watch import read_topic

        settings = get_settings()

        async def run() -> None:
            async for key, value in read_topic(settings, topics.name(settings, topics.AUDIT)):
                if key and key.decode() == audit:
                    emit_json(value)
        asyncio.run(run())
        return
    from linkwatch.streams import topics
    from linkwatch.watch import render_referral

    _print_topic(topics.REFERRALS, follow, as_json, render_referral)


@app.command()
def deadletters(
    follow: Annotated[bool, typer.Option("--follow", "-f")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    replay: Annotated[bool, typer.Option(
        "--replay", help="send the matching dead letters' reports again to the topic they "
        "arrived on (after a fix); each is re-sent once, see --again")] = False,
    reason: Annotated[str, typer.Option(
        help="with --replay: which dead letters (processing_error: linkwatch failed on a "
        "valid report; invalid: the input broke the contract)")] = "processing_error",
    stage: Annotated[str | None, typer.Option(
        help="with --replay: only those of this stage (intake, link, publish, watchlist)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="with --replay: count, send "
                                          "nothing")] = False,
    again: Annotated[bool, typer.Option("--again", help="with --replay: also re-send "
                                        "those already re-driven")] = False,
) -> None:
    """Print the dead-letter topic: what was rejected, where from, and why.

    With --replay, re-drive reports linkwatch failed on (reason processing_error) once the
    code is fixed (docs/operations.md, "Processing errors")."""
    if replay:
        if reason not in ("processing_error", "invalid"):
            raise typer.BadParameter("choose processing_error or invalid", param_hint="--reason")
        from linkwatch.redrive import redrive

        result = asyncio.run(redrive(get_settings(), reason=reason, stage=stage,
                                     dry_run=dry_run, again=again))
        if as_json:
            print(json.dumps(result.as_dict()))
        else:
            c = result.counts
            console.print(f"dead letters read {c['read']}, matching {c['matched']}: "
                          + (f"would re-send {c['would_send']}" if dry_run else
                             f"re-sent {c['sent']}, already re-driven {c['already_redriven']}")
                          + (f", not from an input topic {c['not_an_input']}"
                             if c["not_an_input"] else ""))
        return
    from linkwatch.streams import topics

    _print_topic(topics.DEADLETTER, follow, as_json, lambda d: (
        f"{d.get('topic')}:{d.get('partition')}:{d.get('offset')} key={d.get('key')} "
        f"[{d.get('reason', 'invalid')}] "
        + "; ".join(f"{e['loc']}: {e['msg']}" for e in d.get("errors", []))))


@app.command()
def health(
    max_age: Annotated[float, typer.Option(help="seconds a heartbeat may be old")] = 15.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Exit 0 if this host's worker is alive and every agent runs, else 1 (a liveness
    check for docker compose, systemd or Kubernetes; reads LINKWATCH_DATA_DIR/health)."""
    from linkwatch.health import check

    verdict = check(get_settings(), max_age_s=max_age)
    if as_json:
        print(json.dumps({"healthy": verdict.healthy, "problems": verdict.problems,
                          "workers": verdict.workers}))
    else:
        for problem in verdict.problems:
            console.print(f"[red]unhealthy[/]: {problem}")
        if verdict.healthy:
            console.print(f"healthy: {len(verdict.workers)} worker(s), every agent running")
    raise typer.Exit(0 if verdict.healthy else 1)


@app.command()
def demo(
    seconds: Annotated[float, typer.Option(help="how long to wait for the results")] = 90.0,
    background: Annotated[int, typer.Option(help="background reports")] = 60,
    seed: Annotated[int, typer.Option()] = 7,
    serve: Annotated[bool, typer.Option("--serve", help="then serve the analyst page on the "
                                        "demo's alerts until Ctrl-C")] = False,
    port: Annotated[int, typer.Option(help="port for --serve")] = 8000,
) -> None:
    """Start the embedded stack and a worker, stream a synthetic Warwickshire scenario in,
    show alerts and referrals as they arrive, and stop cleanly."""
    from linkwatch.demo import run_demo

    raise typer.Exit(run_demo(seconds=seconds, background=background, seed=seed,
                              serve_port=port if serve else None))


@app.command()
def reconcile(
    as_json: Annotated[bool, typer.Option("--json", help="the accounts as JSON")] = False,
) -> None:
    """Account for every input message: processed, duplicate or dead-lettered.

    Exit status: 1 when a message below the committed offset is unaccounted for (a gap).
    """
    from rich.table import Table

    from linkwatch.reconcile import reconcile as run

    result = asyncio.run(run(get_settings()))
    if as_json:
        emit(json.dumps({"ok": result.ok, "totals": result.totals, "partitions": [
            {"topic": p.topic, "partition": p.partition, "committed": p.committed,
             "counts": p.counts, "gaps": p.gaps[:100]} for p in result.partitions]}))
    else:
        table = Table("topic", "partition", "read", "processed", "duplicate", "deadletter",
                      "in flight", "gaps")
        for p in result.partitions:
            table.add_row(p.topic, str(p.partition), str(p.read), str(p.counts["processed"]),
                          str(p.counts["duplicate"]), str(p.counts["deadletter"]),
                          str(p.counts["in_flight"]),
                          ", ".join(map(str, p.gaps[:10])) or "none")
        out.print(table)
        out.print("[green]every message accounted for[/]" if result.ok else
                  f"[red]{result.totals['unaccounted']} messages unaccounted for[/]")
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def entities(
    report: Annotated[str | None, typer.Option(
        "--report", metavar="ID", help="show how each person of one report resolved")] = None,
    dump: Annotated[Path | None, typer.Option("--dump", metavar="FILE",
                                              help="write every resolution as JSON lines")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="with --report: one JSON object per resolution on stdout")] = False,
    operator: OperatorOption = None,
) -> None:
    """Which entity each person resolved to, and why (from the running pipeline).

    --dump writes every resolution out, so it needs a named operator and is recorded in the
    audit log.
    """
    if not report and not dump:
        raise typer.BadParameter("give --report ID or --dump FILE")
    from datetime import UTC

    from linkwatch.streams import topics
    from linkwatch.watch import read_topic

    settings = _operator(operator) if dump else get_settings()

    async def run() -> int:
        latest: dict[tuple[str, str], dict] = {}
        async for key, value in read_topic(settings, topics.name(settings, topics.ENTITIES)):
            if isinstance(value, dict):
                latest[(value["report_id"], value["person_ref"])] = value
            elif value is None and key:  # a retention purge's tombstone (linkwatch.erasure)
                latest = {k: v for k, v in latest.items() if k[0] != key.decode()}
        if dump:
            from linkwatch.exporting import audit_disclosure

            with dump.open("w", encoding="utf-8") as fh:
                for rec in latest.values():
                    fh.write(json.dumps({k: rec[k] for k in ("report_id", "person_ref",
                                                             "entity_id")}) + "\n")
            await audit_disclosure(settings, {
                "event": "entities", "action": "disclosure",
                "at": datetime.now(UTC).isoformat(), "user": settings.user,
                "file": dump.name, "records": len(latest)})
            console.print(f"wrote {len(latest)} resolutions to {dump}", markup=False)
        if report:
            found = [r for (rid, _), r in latest.items() if rid == report]
            for rec in found:
                if as_json:
                    emit_json(rec)
                    continue
                verdict = "joined" if rec.get("matched") else "new entity"
                out.print(f"{rec['person_ref']} -> {rec['entity_id']} ({verdict}, "
                          f"score {rec.get('score', 0):.2f})", markup=False)
                for reason in rec.get("reasons", []):
                    out.print(f"    {reason}", markup=False)
            if not found:
                console.print(f"no resolutions recorded for report {report}", markup=False)
                return 1
        return 0
    raise typer.Exit(asyncio.run(run()))


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="an identifier as written (07700 900123, "
                                         "40-11-62 31926819, a URL, a VRM...) or a name")],
    dob: Annotated[str | None, typer.Option(
        "--dob", metavar="DATE", help="date of birth to narrow a name (1990-01-02)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: Annotated[bool, typer.Option(
        "--json", help="one JSON object per hit on stdout")] = False,
    operator: OperatorOption = None,
) -> None:
    """Find nodes of the link graph by an identifier as written (normalised as intake does) or
    by a person's name (fuzzy, as entity resolution compares names), best first.

    A search reads personal data, so it needs a named operator (--operator or LINKWATCH_USER)
    and is recorded in the audit log as a consultation. Exit 1 when nothing is found.
    """
    settings = _operator(operator)
    from linkwatch.rules.resolve._features import parse_dob

    if dob is not None and parse_dob(dob) is None:
        raise _fail(f"--dob {dob!r} is not a date: give 1990-01-02 or 02/01/1990")
    if not query.strip() or len(query) > 300:
        raise _fail("give an identifier or a name of 1-300 characters")
    from linkwatch.exporting import ExportRequestError
    from linkwatch.searching import run_search

    try:
        hits = run_search(settings, query, dob=dob, limit=limit, console=console)
    except ExportRequestError as exc:  # no view to read
        raise _fail(str(exc)) from None
    for hit in hits:
        if as_json:
            emit_json(hit.as_dict())
            continue
        score = "" if hit.score is None else f" {hit.score:.1f} bits"
        alerts = ", ".join(f"{a['type']} {a['alert_id']}" for a in hit.alerts) or "no alerts"
        emit(f"{hit.node_id}\t{hit.label}\t{hit.match}{score}\t{hit.reports} reports\t{alerts}")
    if not hits:
        console.print(f"nothing found for {query!r}", markup=False)
        raise typer.Exit(1)


class ExportFormat(StrEnum):
    """``linkwatch export --format`` (the same list as ``linkwatch.graph.export.FORMATS``,
    written out so ``--help`` does not import networkx)."""

    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    csv = "csv"
    i2 = "i2"
    neo4j = "neo4j"
    ftm = "ftm"
    stix = "stix"


@app.command("export")
def export_cmd(
    out_dir: Annotated[Path, typer.Argument(help="folder to write into (created)")],
    fmt: Annotated[ExportFormat, typer.Option(
        "--format", "-F", help="graphml and gexf (Gephi), json (node-link and Cytoscape), csv, "
        "i2 (Analyst's Notebook), neo4j, ftm (Aleph; needs linkwatch[ftm]) or stix (MISP, "
        "OpenCTI)")] = ExportFormat.graphml,
    alert: Annotated[str | None, typer.Option("--alert", metavar="ID")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", metavar="ID")] = None,
    entity: Annotated[str | None, typer.Option("--entity", metavar="NODE_ID")] = None,
    hops: Annotated[int, typer.Option(min=0, max=6)] = 1,
    since: Annotated[datetime | None, typer.Option(help="ISO date or time")] = None,
    until: Annotated[datetime | None, typer.Option(help="ISO date or time")] = None,
    pseudonymise: Annotated[bool, typer.Option(
        "--pseudonymise", help="keyed hashes for names and identifiers (key: "
        "LINKWATCH_PSEUDONYM_KEY) for sharing outside the force")] = False,
    recipient: Annotated[str | None, typer.Option(
        "--recipient", metavar="WHO", help="who receives the files (a person, team or "
        "organisation); required, recorded in the audit log")] = None,
    purpose: Annotated[str | None, typer.Option(
        "--purpose", metavar="WHY", help="why they are disclosed (e.g. an operation name); "
        "required, recorded in the audit log")] = None,
    operator: OperatorOption = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="one JSON object on stdout: format, files, recipient, purpose")] = False,
) -> None:
    """Export the link graph (or the part an alert, cluster or entity names) for i2, Gephi,
    Neo4j, Aleph, MISP or a spreadsheet.

    An export discloses personal data, so it needs a named operator (--operator or
    LINKWATCH_USER), a --recipient and a --purpose; all three go in the audit record
    (DPA 2018 s.62). The files written are printed on stdout, one path a line.
    """
    settings = _operator(operator)
    try:
        recipient = required_text(recipient, "--recipient", "who receives the export")
        purpose = required_text(purpose, "--purpose", "why the data is disclosed")
    except OperatorError as exc:
        raise _fail(str(exc)) from None
    from linkwatch.exporting import ExportRequestError, run_export

    try:
        paths = run_export(settings, out_dir, fmt.value, alert=alert, cluster=cluster,
                           entity=entity, hops=hops, since=since, until=until,
                           pseudonymise=pseudonymise, console=console, recipient=recipient,
                           purpose=purpose)
    except ExportRequestError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        emit_json({"format": fmt.value, "files": [str(p) for p in paths],
                   "pseudonymised": pseudonymise, "operator": settings.user,
                   "recipient": recipient, "purpose": purpose})
    else:
        for path in paths:
            emit(str(path))


@app.command()
def purge(
    older_than: Annotated[str, typer.Option(
        "--older-than", metavar="SPAN|DATE",
        help="retention period (2y, 400d, 8w) or cutoff date (2024-01-31)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
    operator: OperatorOption = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="the plan and, unless --dry-run, the purge done, as one JSON object on "
        "stdout")] = False,
) -> None:
    """Forget reports past their retention period (DPA 2018 s.39): the link graph, entity
    index and Redis keys lose them; the audit log records the erasure.

    A purge (not --dry-run) needs a named operator (--operator or LINKWATCH_USER), recorded
    in the audit log.
    """
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from linkwatch import purge as retention

    settings = get_settings() if dry_run else _operator(operator)
    try:
        cutoff = retention.parse_cutoff(older_than)
    except retention.PurgeError as exc:
        raise _fail(str(exc)) from None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("reading accepted reports", total=None)
        plan = asyncio.run(retention.plan(settings, cutoff,
                                          progress=lambda k: bar.advance(task, k)))
    def keys(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())

    found = asyncio.run(retention.redis_keys(settings, plan, delete=False))
    summary: dict[str, Any] = {
        "cutoff": cutoff.isoformat(), "reports_held": plan.reports,
        "to_purge": len(plan.report_ids), "purged_earlier": plan.already_purged,
        "redis_keys": found, "dry_run": dry_run, "done": None}
    console.print(f"{plan.reports} reports held; {len(plan.report_ids)} reported before "
                  f"{cutoff.isoformat()} ({plan.already_purged} purged earlier); "
                  f"Redis keys: {keys(found)}", soft_wrap=True)
    if dry_run or not plan.report_ids:
        console.print("dry run: nothing removed" if dry_run else "nothing to purge")
        if not dry_run:  # an earlier purge's outputs, if a lagging link stage overtook it
            _erase_outputs(settings, "(an earlier purge)")
        if as_json:
            emit_json(summary)
        return
    if not yes and not typer.confirm(f"Purge {len(plan.report_ids)} reports?", err=True):
        raise typer.Exit(1)
    done = asyncio.run(retention.execute(settings, plan, older_than))
    console.print(f"purge {done.purge_id}: {done.reports} reports forgotten, Redis keys "
                  f"deleted: {keys(done.redis)}; markers at accepted offsets {done.markers[0]}.."
                  f"{done.markers[-1]}; recorded in the audit log", soft_wrap=True)
    _erase_outputs(settings, done.purge_id)
    if as_json:
        summary["done"] = {"purge_id": done.purge_id, "reports": done.reports,
                           "markers": done.markers, "redis_keys_deleted": done.redis,
                           "operator": settings.user}
        emit_json(summary)


def _erase_outputs(settings, purge_id: str) -> None:  # type: ignore[no-untyped-def]
    """Alerts, referrals and entity records of every purged report (``linkwatch.erasure``)."""
    from linkwatch.erasure import sweep

    console.print(asyncio.run(sweep(settings, purge_id)).describe(), soft_wrap=True)


@schema_app.command("export")
def schema_export(directory: Path) -> None:
    """Write the contract's JSON Schema files to DIRECTORY."""
    from linkwatch.schemas.export import export_json_schemas

    for path in export_json_schemas(directory):
        emit(str(path))


def reflow(doc: str | None) -> str | None:
    """A docstring as ``--help`` shows it: each paragraph on one line (the terminal wraps it),
    so a line broken in the source does not break a sentence on screen. A paragraph that
    starts with ``\\b`` keeps its lines (click's convention)."""
    if not doc:
        return doc
    import inspect
    import re

    paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(doc))
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split()) for p in paragraphs)


def _reflow_help(typer_app: typer.Typer) -> None:
    """Every command's help from its docstring, reflowed (typer keeps the hard line breaks
    of every paragraph after the first)."""
    for info in typer_app.registered_commands:
        info.help = reflow(info.help or (info.callback.__doc__ if info.callback else None))
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds, so embedded servers are stopped


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    app()


from linkwatch.api.cli import serve  # noqa: E402 - the analyst API and page
from linkwatch.reporting.cli import report_app, share  # noqa: E402 - plan measures, sharing
from linkwatch.reporting.watchlist_cli import watchlist_app  # noqa: E402 - managed offenders

app.add_typer(report_app, name="report")
app.add_typer(watchlist_app, name="watchlist")
app.command()(share)
app.command()(serve)
_reflow_help(app)


if __name__ == "__main__":
    main()
