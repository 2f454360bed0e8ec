"""``linkwatch``: the user's door to everything."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from linkwatch.config import get_settings

app = typer.Typer(help="linkwatch: event-driven intelligence and fraud alerts for UK policing.",
                  no_args_is_help=True, add_completion=False)
schema_app = typer.Typer(help="The wire contract as JSON Schema.", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics linkwatch uses.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
app.add_typer(topics_app, name="topics")
console = Console(stderr=True)
out = Console()


@app.callback()
def _check_settings() -> None:
    """Bad settings (e.g. a short LINKWATCH_PSEUDONYM_KEY) stop every command at start."""
    from linkwatch.config import settings_problem

    if problem := settings_problem():
        console.print(f"[red]refusing to start[/]: {problem}")
        raise typer.Exit(2)


def _use_stack(stack) -> None:  # type: ignore[no-untyped-def]
    os.environ.update(stack.env())
    get_settings.cache_clear()


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
    """Run a pipeline worker (Faust).  Starts an embedded broker and Redis when
    KAFKA_BOOTSTRAP / REDIS_URL are not set; they stop when the worker stops."""
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
    from linkwatch.streams.app import app as faust_app

    # Faust's "warn" level sets the root logger to DEBUG; info is safe.
    level = "info" if loglevel.lower().startswith("warn") else loglevel
    try:  # uvloop: the event loop's own cost per message is about half asyncio's
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - not on Windows
        pass
    _Worker(faust_app, loglevel=level, quiet=True, redirect_stdouts=False
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
    import time

    from linkwatch.stack import running_stack

    with running_stack() as s:
        asyncio.run(_ensure(s))  # topics first: the addresses printed are ready to use
        for k, v in s.env().items():
            out.print(f"export {k}={v}")
        console.print("[green]embedded stack running[/]; Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
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
        out.print(f"{name}\t{parts}")


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(
        exists=True, dir_okay=False, help="JSONL or police.uk CSV")],
) -> None:
    """Send reports (JSONL routed by kind; data.police.uk street CSVs as incidents)."""
    from linkwatch.ingest import send_files

    summary = asyncio.run(send_files(get_settings(), files, progress=True))
    out.print(f"sent {summary.total_sent} " + json.dumps(summary.sent))
    for r in summary.rejected[:50]:
        out.print(f"[yellow]rejected[/] {r.file}:{r.line}: {r.reason}", soft_wrap=True)
    if len(summary.rejected) > 50:
        out.print(f"... and {len(summary.rejected) - 50} more rejected lines")
    out.print(f"rejected {len(summary.rejected)}")


def _print_topic(topic: str, follow: bool, as_json: bool, render) -> None:  # type: ignore[no-untyped-def]
    from linkwatch.streams import topics
    from linkwatch.watch import read_topic

    settings = get_settings()

    def show(value) -> None:  # type: ignore[no-untyped-def]
        if as_json:
            print(json.dumps(value), flush=True)
        else:
            out.print(render(value))

    async def run() -> None:
        if topic in ("alerts", "referrals"):  # what a retention purge erased is not shown
            from linkwatch.erasure import fold_alerts, fold_referrals
            from linkwatch.watch import decode, read_messages

            fold = fold_alerts if topic == "alerts" else fold_referrals
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


def _render_alert(a: dict) -> str:
    return (f"[bold]{a.get('severity', '?').upper():8}[/] {a.get('type')} v{a.get('version')} "
            f"{a.get('alert_id')}  {a.get('title')}  ({len(a.get('report_ids', []))} reports)")


def _render_referral(r: dict) -> str:
    return (f"{r.get('service'):22} {r.get('priority'):9} {r.get('status'):9} "
            f"report {r.get('report_id')} person {r.get('person_ref')} due {r.get('due_by')}")


@app.command()
def alerts(
    follow: Annotated[bool, typer.Option(
        "--follow", "-f", help="keep printing new alerts")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Print the alerts topic."""
    _print_topic("alerts", follow, as_json, _render_alert)


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
                    print(json.dumps(value), flush=True)
        asyncio.run(run())
        return
    _print_topic("referrals", follow, as_json, _render_referral)


@app.command()
def deadletters(
    follow: Annotated[bool, typer.Option("--follow", "-f")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print the dead-letter topic: what was rejected, where from, and why."""
    _print_topic("reports.deadletter", follow, as_json, lambda d: (
        f"{d.get('topic')}:{d.get('partition')}:{d.get('offset')} key={d.get('key')} "
        + "; ".join(f"{e['loc']}: {e['msg']}" for e in d.get("errors", []))))


@app.command()
def demo(
    seconds: Annotated[float, typer.Option(help="how long to wait for the results")] = 90.0,
    background: Annotated[int, typer.Option(help="background reports")] = 60,
    seed: Annotated[int, typer.Option()] = 7,
    serve: Annotated[bool, typer.Option("--serve", help="then serve the analyst page on the "
                                        "demo's alerts until Ctrl-C")] = False,
    port: Annotated[int, typer.Option(help="port for --serve")] = 8000,
) -> None:
    """Start the embedded stack and a worker, stream a synthetic Warwickshire
    scenario in, show alerts and referrals as they arrive, and stop cleanly."""
    from linkwatch.demo import run_demo

    raise typer.Exit(run_demo(seconds=seconds, background=background, seed=seed,
                              serve_port=port if serve else None))


@app.command()
def reconcile(
    as_json: Annotated[bool, typer.Option("--json", help="the accounts as JSON")] = False,
) -> None:
    """Account for every input message: processed, duplicate or dead-lettered.
    Exits 1 when a message below the committed offset is unaccounted for (a gap)."""
    from rich.table import Table

    from linkwatch.reconcile import reconcile as run

    result = asyncio.run(run(get_settings()))
    if as_json:
        print(json.dumps({"ok": result.ok, "totals": result.totals, "partitions": [
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
) -> None:
    """Which entity each person resolved to, and why (from the running pipeline)."""
    if not report and not dump:
        raise typer.BadParameter("give --report ID or --dump FILE")
    from linkwatch.streams import topics
    from linkwatch.watch import read_topic

    settings = get_settings()

    async def run() -> int:
        latest: dict[tuple[str, str], dict] = {}
        async for key, value in read_topic(settings, topics.name(settings, topics.ENTITIES)):
            if isinstance(value, dict):
                latest[(value["report_id"], value["person_ref"])] = value
            elif value is None and key:  # a retention purge's tombstone (linkwatch.erasure)
                latest = {k: v for k, v in latest.items() if k[0] != key.decode()}
        if dump:
            with dump.open("w", encoding="utf-8") as fh:
                for rec in latest.values():
                    fh.write(json.dumps({k: rec[k] for k in ("report_id", "person_ref",
                                                             "entity_id")}) + "\n")
            out.print(f"wrote {len(latest)} resolutions to {dump}")
        if report:
            found = [r for (rid, _), r in latest.items() if rid == report]
            for rec in found:
                verdict = "joined" if rec.get("matched") else "new entity"
                out.print(f"{rec['person_ref']} -> {rec['entity_id']} ({verdict}, "
                          f"score {rec.get('score', 0):.2f})")
                for reason in rec.get("reasons", []):
                    out.print(f"    {reason}")
            if not found:
                out.print(f"no resolutions recorded for report {report}")
                return 1
        return 0
    raise typer.Exit(asyncio.run(run()))


@app.command("export")
def export_cmd(
    out_dir: Annotated[Path, typer.Argument(help="folder to write into (created)")],
    fmt: Annotated[str, typer.Option("--format", "-F", help="graphml, gexf, json, csv, i2, "
                                     "neo4j, ftm or stix")] = "graphml",
    alert: Annotated[str | None, typer.Option("--alert", metavar="ID")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", metavar="ID")] = None,
    entity: Annotated[str | None, typer.Option("--entity", metavar="NODE_ID")] = None,
    hops: Annotated[int, typer.Option(min=0, max=6)] = 1,
    since: Annotated[datetime | None, typer.Option(help="ISO date or time")] = None,
    until: Annotated[datetime | None, typer.Option(help="ISO date or time")] = None,
    pseudonymise: Annotated[bool, typer.Option(
        "--pseudonymise", help="keyed hashes for names and identifiers (key: "
        "LINKWATCH_PSEUDONYM_KEY) for sharing outside the force")] = False,
) -> None:
    """Export the link graph (or the part an alert, cluster or entity names) for
    i2, Gephi, Neo4j, Aleph, MISP or a spreadsheet."""
    from linkwatch.exporting import ExportRequestError, run_export

    settings = get_settings()
    try:
        paths = run_export(settings, out_dir, fmt, alert=alert, cluster=cluster, entity=entity,
                           hops=hops, since=since, until=until, pseudonymise=pseudonymise,
                           console=console)
    except ExportRequestError as exc:
        console.print(f"[red]error[/]: {exc}")
        raise typer.Exit(2) from None
    for path in paths:
        out.print(str(path))


@app.command()
def purge(
    older_than: Annotated[str, typer.Option(
        "--older-than", metavar="SPAN|DATE",
        help="retention period (2y, 400d, 8w) or cutoff date (2024-01-31)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
) -> None:
    """Forget reports past their retention period (DPA 2018 s.39): the link graph,
    entity index and Redis keys lose them; the audit log records the erasure."""
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from linkwatch import purge as retention

    settings = get_settings()
    try:
        cutoff = retention.parse_cutoff(older_than)
    except retention.PurgeError as exc:
        console.print(f"[red]error[/]: {exc}")
        raise typer.Exit(2) from None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("reading accepted reports", total=None)
        plan = asyncio.run(retention.plan(settings, cutoff,
                                          progress=lambda k: bar.advance(task, k)))
    def keys(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())

    found = asyncio.run(retention.redis_keys(settings, plan, delete=False))
    out.print(f"{plan.reports} reports held; {len(plan.report_ids)} reported before "
              f"{cutoff.isoformat()} ({plan.already_purged} purged earlier); "
              f"Redis keys: {keys(found)}", soft_wrap=True)
    if dry_run or not plan.report_ids:
        out.print("dry run: nothing removed" if dry_run else "nothing to purge")
        if not dry_run:  # an earlier purge's outputs, if a lagging link stage overtook it
            _erase_outputs(settings, "(an earlier purge)")
        return
    if not yes and not typer.confirm(f"Purge {len(plan.report_ids)} reports?"):
        raise typer.Exit(1)
    done = asyncio.run(retention.execute(settings, plan, older_than))
    out.print(f"purge {done.purge_id}: {done.reports} reports forgotten, Redis keys deleted: "
              f"{keys(done.redis)}; markers at accepted offsets {done.markers[0]}.."
              f"{done.markers[-1]}; recorded in the audit log", soft_wrap=True)
    _erase_outputs(settings, done.purge_id)


def _erase_outputs(settings, purge_id: str) -> None:  # type: ignore[no-untyped-def]
    """Alerts, referrals and entity records of every purged report (``linkwatch.erasure``)."""
    from linkwatch.erasure import sweep

    out.print(asyncio.run(sweep(settings, purge_id)).describe(), soft_wrap=True)


@schema_app.command("export")
def schema_export(directory: Path) -> None:
    """Write the contract's JSON Schema files to DIRECTORY."""
    from linkwatch.schemas.export import export_json_schemas

    for path in export_json_schemas(directory):
        out.print(str(path))


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


if __name__ == "__main__":
    main()
