"""``linkwatch serve``: the API and the analyst page."""

from __future__ import annotations

import logging
from typing import Annotated

import typer


def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on "
                                             "(LINKWATCH_API_HOST, default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="port (LINKWATCH_API_PORT, "
                                             "default 8000)")] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l")] = "info",
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json) and the analyst page at /.
    Needs API keys in LINKWATCH_API_KEYS (key:role:name,...), or LINKWATCH_DEV_MODE=1.
    Starts an embedded broker and Redis when KAFKA_BOOTSTRAP / REDIS_URL are not set."""
    import os

    import uvicorn
    from rich.console import Console

    from linkwatch.config import get_settings
    from linkwatch.stack import running_stack

    from .app import create_app
    from .auth import DEV_KEYS, ApiSettings, AuthConfigError, KeyRing

    console = Console(stderr=True)
    api = ApiSettings()
    try:
        keys = KeyRing.from_settings(api)
    except AuthConfigError as exc:
        console.print(f"[red]refusing to start[/]: {exc}")
        raise typer.Exit(2) from None
    if api.api_keys is None and api.dev_mode:
        console.print("[yellow]development mode[/]: API keys "
                      + ", ".join(item.rsplit(":", 1)[0] for item in DEV_KEYS.split(","))
                      + " (never use with real data)")
    logging.basicConfig(level=loglevel.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    with running_stack(settings.kafka_bootstrap, settings.redis_url) as stack:
        os.environ.update(stack.env())
        get_settings.cache_clear()
        settings = get_settings()
        console.print(f"linkwatch API on http://{host or api.api_host}:{port or api.api_port}/ "
                      f"({len(keys)} keys)")
        uvicorn.run(create_app(settings, keys), host=host or api.api_host,
                    port=port or api.api_port, log_level=loglevel.lower(), access_log=False)
