"""Reporting on the Police and Crime Plan (issue 9): success measures over a period,
re-offending, the managed-offender watchlist loader, and sharing an alert outside the force.

Pure cores: ``report_row`` (one report -> one flat row), ``outcomes`` (the measures and the
comparison period), ``reoffending``; rendering: ``render_markdown``, ``render_json``,
``render_html``; I/O at the edges: ``sources``, ``watchlist``, ``share``.

The names below are imported on first use, so ``linkwatch --help`` (which loads
``linkwatch.reporting.cli``) does not import matplotlib.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .measures import Figures, Outcomes, Period, figures, outcomes
    from .render import render_html, render_json, render_markdown
    from .reoffending import OffenderHistory, histories, reoffending
    from .rows import PersonRow, ReportRow, report_row

_WHERE = {
    **dict.fromkeys(("Figures", "Outcomes", "Period", "figures", "outcomes"), "measures"),
    **dict.fromkeys(("render_html", "render_json", "render_markdown"), "render"),
    **dict.fromkeys(("OffenderHistory", "histories", "reoffending"), "reoffending"),
    **dict.fromkeys(("PersonRow", "ReportRow", "report_row"), "rows"),
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(types.ModuleType):
    """``reoffending`` names both a submodule and the function exported here. Importing the
    submodule sets the package attribute to the module, which a lazy ``__getattr__`` would
    then never replace: this property keeps it the function (the submodule stays in
    ``sys.modules``, where ``from .reoffending import ...`` finds it)."""

    @property
    def reoffending(self) -> Any:
        return importlib.import_module(f"{__name__}.reoffending").reoffending

    @reoffending.setter
    def reoffending(self, _module: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package


__all__ = [
    "Figures", "OffenderHistory", "Outcomes", "Period", "PersonRow", "ReportRow", "figures",
    "histories", "outcomes", "render_html", "render_json", "render_markdown", "reoffending",
    "report_row",
]
