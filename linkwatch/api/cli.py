"""``linkwatch serve``: the API and the analyst page."""

from __future__ import annotations

import ipaddress
import logging
from typing import Annotated

import typer

LEVELS = ("critical", "error", "warning", "info", "debug")


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 (``[::1]`` too)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _level(value: str) -> str:
    if value.lower() not in LEVELS:
        raise typer.BadParameter(f"{value!r} is not a log level; choose from "
                                 f"{', '.join(LEVELS)}")
    return value.lower()


def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on "
                                             "(LINKWATCH_API_HOST, default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="port (LINKWATCH_API_PORT, "
                                             "default 8000)")] = None,
    loglevel: Annotated[str, typer.Option(
        "--loglevel", "-l", callback=_level, help=", ".join(LEVELS))] = "info",
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json) and the analyst page at /.
    Needs API keys in LINKWATCH_API_KEYS (key:role:name,...), or LINKWATCH_DEV_MODE=1.
    Starts an embedded broker and Redis when KAFKA_BOOTSTRAP / REDIS_URL are not set."""
    import os

    import uvicorn
    from rich.console import Console

    from linkwatch.config import get_settings, settings_problem
    from linkwatch.logsafe import cap_third_party
    from linkwatch.stack import running_stack

    from .app import create_app
    from .auth import DEV_KEYS, ApiSettings, AuthConfigError, KeyRing

    console = Console(stderr=True)
    if problem := settings_problem():
        console.print(f"[red]refusing to start[/]: {problem}")
        raise typer.Exit(2)
    api = ApiSettings()
    bind = host or api.api_host
    if api.dev_mode and not is_loopback(bind):
        console.print(f"[red]refusing to start[/]: LINKWATCH_DEV_MODE=1 serves only on "
                      f"loopback (127.0.0.1, ::1, localhost), not {bind!r}: the development "
                      "keys are public")
        raise typer.Exit(2)
    try:
        keys = KeyRing.from_settings(api)
    except AuthConfigError as exc:
        console.print(f"[red]refusing to start[/]: {exc}")
        raise typer.Exit(2) from None
    if api.dev_keys_in_use:
        console.print("[yellow]development mode[/]: API keys "
                      + ", ".join(item.rsplit(":", 1)[0] for item in DEV_KEYS.split(","))
                      + " (never use with real data)")
    elif api.dev_mode:
        console.print("[yellow]development mode[/]: loopback only, keys of 8+ characters")
    if bind in ("0.0.0.0", "::"):  # noqa: S104
        console.print(f"listening on every interface: requests are answered only for the "
                      f"Host names in LINKWATCH_API_HOSTS ({api.api_hosts})")
    elif bind.lower() not in api.host_names():
        # the address asked for answers to its own name too (an all-interfaces bind
        # answers only to LINKWATCH_API_HOSTS)
        names = bind if ":" not in bind or bind.startswith("[") else f"[{bind}]"
        api = api.model_copy(update={"api_hosts": f"{api.api_hosts},{names}"})
    logging.basicConfig(level=loglevel.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cap_third_party()
    settings = get_settings()
    with running_stack(settings.kafka_bootstrap, settings.redis_url) as stack:
        os.environ.update(stack.env())
        get_settings.cache_clear()
        settings = get_settings()
        console.print(f"linkwatch API on http://{host or api.api_host}:{port or api.api_port}/ "
                      f"({len(keys)} keys)")
        # uvicorn's own loggers at INFO at most: below, it logs connection details
        uvicorn.run(create_app(settings, keys, api), host=bind, port=port or api.api_port,
                    log_level="info" if loglevel == "debug" else loglevel, access_log=False)
