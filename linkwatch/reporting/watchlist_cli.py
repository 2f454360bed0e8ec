"""``linkwatch watchlist add|remove|load|list``: change the managed-offender watchlist on its
compacted topic, which running workers follow (no restart).  Each change is recorded in the
audit log (DPA 2018 s.62: alteration, with who and when; entry ids, never names), and needs a
named operator (--operator or LINKWATCH_USER)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from linkwatch.operator import OperatorError, OperatorOption, identified_operator

watchlist_app = typer.Typer(help="The managed-offender watchlist (compacted topic).",
                            no_args_is_help=True)
console = Console(stderr=True)
DAY = ["%Y-%m-%d"]


def _settings(operator: str | None) -> Any:
    """The settings with ``user`` set to the named operator (a change to the watchlist is an
    alteration of personal data, logged with who made it); exit 2 if there is none."""
    from linkwatch.config import get_settings

    settings = get_settings()
    try:
        return settings.model_copy(update={"user": identified_operator(operator,
                                                                       settings.user)})
    except OperatorError as exc:
        console.print(f"[red]error[/]: {exc}", markup=True)
        raise typer.Exit(2) from None


async def _change(settings: Any, changes: list[tuple[str, Any]], source: str) -> None:
    from linkwatch.exporting import audit_disclosure

    from .watchlist import ensure_watchlist_topic, publish_entry

    await ensure_watchlist_topic(settings)
    for entry_id, entry in changes:
        await publish_entry(settings, entry_id, entry)
    await audit_disclosure(settings, {
        "event": "watchlist", "action": "alteration", "at": datetime.now(UTC).isoformat(),
        "user": settings.user, "source": source,
        "added": [i for i, e in changes if e is not None],
        "removed": [i for i, e in changes if e is None]})


@watchlist_app.command("add")
def add(
    entry_id: Annotated[str, typer.Argument(help="the entry's id, e.g. IOM-0042")],
    entity_id: Annotated[str | None, typer.Option(help="resolved entity id (linkwatch "
                                                  "entities --report ID)")] = None,
    name: Annotated[str | None, typer.Option(help="full name (with --dob or --postcode)")] = None,
    dob: Annotated[datetime | None, typer.Option(formats=DAY, help="date of birth")] = None,
    postcode: Annotated[str | None, typer.Option(help="home postcode")] = None,
    scheme: Annotated[str, typer.Option(help="IOM fixed, IOM flex, MAPPA, DRIVE, ...")] = "IOM",
    severity: Annotated[str, typer.Option(help="low, medium, high or critical")] = "medium",
    lead: Annotated[str | None, typer.Option(help="managing unit (not a person)")] = None,
    operator: OperatorOption = None,
) -> None:
    """Add or replace one entry; running workers apply it to the next report."""
    from pydantic import ValidationError

    from linkwatch.rules.offenders import WatchlistEntry

    settings = _settings(operator)

    try:
        entry = WatchlistEntry.model_validate(  # the options are text: pydantic checks them
            {"entry_id": entry_id, "entity_id": entity_id, "name": name,
             "dob": dob.date() if isinstance(dob, datetime) else dob,
             "postcode": postcode, "scheme": scheme, "severity": severity, "lead": lead})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise typer.BadParameter(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    if not entry.identity_keys():
        raise typer.BadParameter("give --entity-id, or --name with --dob or --postcode")
    asyncio.run(_change(settings, [(entry_id, entry)], "cli add"))
    console.print(f"added {entry_id}")


@watchlist_app.command("remove")
def remove(entry_id: Annotated[str, typer.Argument(help="the entry's id")],
           operator: OperatorOption = None) -> None:
    """Remove one entry (a tombstone on the topic); file entries too."""
    settings = _settings(operator)
    asyncio.run(_change(settings, [(entry_id, None)], "cli remove"))
    console.print(f"removed {entry_id}")


@watchlist_app.command("load")
def load(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                              help="CSV or JSONL, as LINKWATCH_WATCHLIST_FILE")],
         operator: OperatorOption = None) -> None:
    """Publish every entry of a file to the topic."""
    from .watchlist import WatchlistFileError, load_watchlist_file

    try:
        watchlist = load_watchlist_file(path)
    except WatchlistFileError as exc:
        raise typer.BadParameter(str(exc)) from None
    changes = sorted(watchlist.entries.items())
    asyncio.run(_change(_settings(operator), list(changes), f"file {path.name}"))
    console.print(f"published {len(changes)} entries"
                  + (f"; {len(watchlist.rejected)} refused: {watchlist.rejected[0]}"
                     if watchlist.rejected else ""))


@watchlist_app.command("list")
def list_entries() -> None:
    """The entries on the topic now (the file given to workers is not included)."""
    from linkwatch.config import get_settings
    from linkwatch.rules.offenders import Watchlist

    from .watchlist import ensure_watchlist_topic, follow_watchlist

    settings = get_settings()
    watchlist = Watchlist()

    async def read() -> None:
        await ensure_watchlist_topic(settings)
        stop = asyncio.Event()
        task = asyncio.create_task(follow_watchlist(settings, watchlist, stop, stop))
        await asyncio.wait_for(stop.wait(), 60)
        await task
    asyncio.run(read())
    for entry in sorted(watchlist.entries.values(), key=lambda e: e.entry_id):
        how = "entity" if entry.entity_id else "name+dob" if entry.dob else "name+postcode"
        typer.echo(f"{entry.entry_id}\t{entry.scheme}\t{entry.severity}\t{how}"
                   f"\t{entry.lead or ''}")
    console.print(f"{len(watchlist)} entries")


__all__ = ["watchlist_app"]
