"""``linkwatch report outcomes|reoffending`` and ``linkwatch share`` (registered in
``linkwatch/cli.py``)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .sources import Loaded

report_app = typer.Typer(help="Reports on the Police and Crime Plan's measures.",
                         no_args_is_help=True)
console = Console(stderr=True)

DAY = ["%Y-%m-%d"]
Inputs = Annotated[list[Path] | None, typer.Option(
    "--input", "-i", exists=True, dir_okay=False,
    help="reports: JSONL or data.police.uk street CSV (repeatable); default: the pipeline's "
         "topics")]


def _load(inputs: list[Path] | None, alerts: Path | None,
          referrals: Path | None) -> Loaded:
    from linkwatch.config import get_settings

    from .sources import from_topics, jsonl, rows_from_files

    if not inputs:
        return asyncio.run(from_topics(get_settings()))
    loaded = rows_from_files(inputs, Loaded())
    if alerts:
        loaded.alerts = jsonl(alerts)
        loaded.sources.append(f"{alerts} ({len(loaded.alerts)} alert messages)")
    if referrals:
        loaded.referrals = jsonl(referrals)
        loaded.sources.append(f"{referrals} ({len(loaded.referrals)} referral messages)")
    if loaded.rejected:
        console.print(f"[yellow]{len(loaded.rejected)} lines not read[/]; first: "
                      f"{loaded.rejected[0]}")
    return loaded


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@report_app.command("outcomes")
def outcomes_cmd(
    start: Annotated[datetime, typer.Option("--from", formats=DAY, help="first day")],
    end: Annotated[datetime, typer.Option("--to", formats=DAY, help="last day (inclusive)")],
    fmt: Annotated[str, typer.Option("--format", "-F", help="md, html or json")] = "md",
    inputs: Inputs = None,
    alerts: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="alerts JSONL (with --input)")] = None,
    referrals: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                   help="referrals JSONL (with --input)")] = None,
    force: Annotated[str | None, typer.Option(help="owning force (default LINKWATCH_FORCE)")
                     ] = None,
    reoffending_days: Annotated[int | None, typer.Option(
        "--reoffending-window", min=1, help="add re-offending over this window (days)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file (default stdout)")
                      ] = None,
) -> None:
    """The plan's success measures for a period against the period before it."""
    from linkwatch.config import get_settings

    from .measures import outcomes
    from .render import render_html, render_json, render_markdown
    from .reoffending import reoffending

    if fmt not in ("md", "html", "json"):
        raise typer.BadParameter(f"format {fmt!r}; choose md, html or json")
    settings = get_settings()
    force = force or settings.force
    loaded = _load(inputs, alerts, referrals)
    try:
        result = outcomes(loaded.rows, loaded.alerts, loaded.referrals, start.date(), end.date(),
                          force, loaded.sources)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    reo = reoffending(loaded.rows, reoffending_days) if reoffending_days else None
    render = {"md": lambda: render_markdown(result, reo, settings.handling),
              "html": lambda: render_html(result, reo, handling=settings.handling),
              "json": lambda: render_json(result, reo)}[fmt]
    _write(render(), output)


@report_app.command("reoffending")
def reoffending_cmd(
    window_days: Annotated[int, typer.Option(min=1, help="follow-up window after the index "
                                             "offence")] = 365,
    start: Annotated[datetime | None, typer.Option("--from", formats=DAY,
                                                   help="cohort: index offence from")] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=DAY,
                                                 help="cohort: index offence to")] = None,
    fmt: Annotated[str, typer.Option("--format", "-F", help="md or json")] = "md",
    inputs: Inputs = None,
    limit: Annotated[int, typer.Option(min=1, help="repeat offenders listed (md)")] = 50,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Repeat offenders and the cohort's re-offending rate over a window."""
    import json

    from .measures import Period
    from .render import reoffending_markdown
    from .reoffending import reoffending

    if fmt not in ("md", "json"):
        raise typer.BadParameter(f"format {fmt!r}; choose md or json")
    if (start is None) != (end is None):
        raise typer.BadParameter("give both --from and --to for a cohort, or neither")
    loaded = _load(inputs, None, None)
    cohort = Period(start.date(), end.date()) if start and end else None
    result = reoffending(loaded.rows, window_days, cohort)
    _write(json.dumps(result, indent=2) if fmt == "json"
           else "\n".join(reoffending_markdown(result, limit)), output)


def share(
    out_dir: Annotated[Path, typer.Argument(help="folder to write the package into")],
    alert: Annotated[str, typer.Option("--alert", metavar="ID", help="the alert to share")],
    to: Annotated[str, typer.Option("--to", metavar="RECIPIENT",
                                    help="who receives it (recorded in the audit log)")],
    fmt: Annotated[str, typer.Option("--format", "-F", help="ftm or stix")] = "ftm",
    purpose: Annotated[str | None, typer.Option(help="why it is shared (audit log)")] = None,
) -> None:
    """Share an alert's sub-graph, pseudonymised, with a named recipient outside the force."""
    from linkwatch.config import get_settings

    from .share import ShareRequestError, run_share

    try:
        paths = run_share(get_settings(), alert, to, out_dir, fmt, purpose=purpose,
                          console=console)
    except ShareRequestError as exc:
        console.print(f"[red]error[/]: {exc}")
        raise typer.Exit(2) from None
    for path in paths:
        typer.echo(str(path))
