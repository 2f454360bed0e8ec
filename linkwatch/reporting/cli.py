"""``linkwatch report outcomes|reoffending`` and ``linkwatch share`` (registered in
``linkwatch/cli.py``)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from linkwatch.operator import OperatorError, OperatorOption, identified_operator, required_text

if TYPE_CHECKING:
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

    from .sources import Loaded, from_topics, jsonl, rows_from_files

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


class OutcomesFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"


class Compare(StrEnum):
    year = "year"
    previous = "previous"


class ReoffendingFormat(StrEnum):
    md = "md"
    json = "json"


class ShareFormat(StrEnum):
    """``linkwatch.reporting.share.SHARE_FORMATS``"""

    ftm = "ftm"
    stix = "stix"


@report_app.command("outcomes")
def outcomes_cmd(
    start: Annotated[datetime, typer.Option("--from", formats=DAY, help="first day")],
    end: Annotated[datetime, typer.Option("--to", formats=DAY, help="last day (inclusive)")],
    fmt: Annotated[OutcomesFormat, typer.Option("--format", "-F", help="Markdown, HTML or JSON")
                   ] = OutcomesFormat.md,
    inputs: Inputs = None,
    alerts: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="alerts JSONL (with --input)")] = None,
    referrals: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                   help="referrals JSONL (with --input)")] = None,
    force: Annotated[str | None, typer.Option(help="owning force (default LINKWATCH_FORCE)")
                     ] = None,
    reoffending_days: Annotated[int | None, typer.Option(
        "--reoffending-window", min=1, help="add re-offending over this window (days)")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="file (default stdout); with Markdown, the charts are written "
        "beside it as PNG files")] = None,
    compare: Annotated[Compare | None, typer.Option(
        "--compare", help="compare with the same dates a year before (year) or the period of "
        "the same length just before (previous); default: year when that period holds any "
        "report, else previous")] = None,
) -> None:
    """The plan's success measures for a period against a comparison period.

    Police performance is compared with the same period a year before; when the data holds
    nothing for it, with the period just before. The report says which, and says plainly when
    the comparison period has no data (changes are then not shown). A period of two months or
    more adds a month-by-month trend.
    """
    from linkwatch.config import get_settings

    from .measures import outcomes
    from .render import render_html, render_json, render_markdown, write_markdown
    from .reoffending import reoffending

    settings = get_settings()
    force = force or settings.force
    loaded = _load(inputs, alerts, referrals)
    try:
        result = outcomes(loaded.rows, loaded.alerts, loaded.referrals, start.date(), end.date(),
                          force, loaded.sources, compare=compare.value if compare else None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"compared with {result.previous.period.label()} "
                  f"({result.comparison_label()})", markup=False)
    if note := result.comparison_note():
        console.print(f"[yellow]{note}[/]")
    reo = reoffending(loaded.rows, reoffending_days) if reoffending_days else None
    if fmt is OutcomesFormat.md and output is not None:
        for path in write_markdown(result, output, reo, settings.handling):
            console.print(f"wrote {path}", markup=False)
        return
    if fmt is OutcomesFormat.md:
        console.print("charts: give --output FILE.md to write them beside the report")
    render = {"md": lambda: render_markdown(result, reo, settings.handling),
              "html": lambda: render_html(result, reo, handling=settings.handling),
              "json": lambda: render_json(result, reo)}[fmt.value]
    _write(render(), output)


@report_app.command("reoffending")
def reoffending_cmd(
    window_days: Annotated[int, typer.Option(min=1, help="follow-up window after the index "
                                             "offence")] = 365,
    start: Annotated[datetime | None, typer.Option("--from", formats=DAY,
                                                   help="cohort: index offence from")] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=DAY,
                                                 help="cohort: index offence to")] = None,
    fmt: Annotated[ReoffendingFormat, typer.Option("--format", "-F", help="Markdown or JSON")
                   ] = ReoffendingFormat.md,
    inputs: Inputs = None,
    limit: Annotated[int, typer.Option(min=1, help="repeat offenders listed (md)")] = 50,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Repeat offenders and the cohort's re-offending rate over a window."""
    import json

    from .measures import Period
    from .render import reoffending_markdown
    from .reoffending import reoffending

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
    fmt: Annotated[ShareFormat, typer.Option(
        "--format", "-F", help="ftm (Aleph; needs linkwatch[ftm]) or stix (MISP, OpenCTI)")
    ] = ShareFormat.ftm,
    purpose: Annotated[str | None, typer.Option(
        help="why it is shared; required, recorded in the audit log and the manifest")] = None,
    operator: OperatorOption = None,
) -> None:
    """Share an alert's sub-graph, pseudonymised, with a named recipient outside the force.

    A share discloses personal data, so it needs a named operator (--operator or
    LINKWATCH_USER), a recipient (--to) and a --purpose; all three go in the audit record
    (DPA 2018 s.62). The files written are printed on stdout, one path a line.
    """
    from rich.markup import escape

    from linkwatch.config import get_settings

    from .share import ShareRequestError, run_share

    settings = get_settings()
    try:
        settings = settings.model_copy(update={"user": identified_operator(operator,
                                                                           settings.user)})
        purpose = required_text(purpose, "--purpose", "why the alert is shared")
        paths = run_share(settings, alert, to, out_dir, fmt.value, purpose=purpose,
                          console=console)
    except (OperatorError, ShareRequestError) as exc:
        console.print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(2) from None
    for path in paths:
        print(path, flush=True)
