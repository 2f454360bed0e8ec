"""``python -m linkwatch.api``: the same as ``linkwatch serve``."""

import typer

from .cli import serve

typer.run(serve)
